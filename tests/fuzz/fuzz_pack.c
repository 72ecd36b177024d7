/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the layout pack reader (forensics/03-dwarf/dwarf_pack.c):
 * arbitrary text must give an index or a BAD_DATA/UNSUPPORTED error, never
 * a crash or a type reference out of range.  The locator callback places
 * every other global, so both paths run.  A good index is queried the way
 * the analysis does: by name, field by field, typedefs stripped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool place(void *arg, const struct gr_dwarf_locator *loc,
		  uint64_t *addr)
{
	unsigned *n = arg;
	*addr = 0x1000 + loc->ordinal * 8;
	return (*n)++ % 2 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned calls = 0;
	struct gr_dwarf *d;
	struct gr_error *err =
		gr_dwarf_from_pack((const char *)data, size, place, &calls, &d);
	if (err) {
		if (err->code != GR_ERR_BAD_DATA &&
		    err->code != GR_ERR_UNSUPPORTED && err->code != GR_ERR_NOMEM)
			abort();
		gr_error_destroy(err);
		return 0;
	}
	for (size_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const struct gr_dwarf_type *t = gr_dwarf_type(d, (uint32_t)i);
		uint32_t id, s = gr_dwarf_type_strip(d, (uint32_t)i);
		if (s >= gr_dwarf_type_count(d) && s != GR_DWARF_NO_TYPE)
			abort();
		err = gr_dwarf_type_by_name(d, t->name, &id);
		if (!err && id >= gr_dwarf_type_count(d))
			abort();
		gr_error_destroy(err);
		for (uint32_t k = 0; k < t->nfields; k++) {
			const struct gr_dwarf_field *f =
				gr_dwarf_type_field(d, (uint32_t)i, k);
			const struct gr_dwarf_field *g;
			if (!f)
				abort();
			if (f->type != GR_DWARF_NO_TYPE &&
			    !gr_dwarf_type(d, f->type))
				abort();
			err = gr_dwarf_field(d, (uint32_t)i, f->name, &g);
			gr_error_destroy(err);
		}
	}
	for (size_t i = 0; i < gr_dwarf_global_count(d); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		const struct gr_dwarf_global *h;
		(void)gr_dwarf_global_at(d, g->addr);
		err = gr_dwarf_global(d, g->name, &h);
		if (err)
			abort(); /* every placed global is found by name */
	}
	gr_dwarf_destroy(d);
	return 0;
}
