/* SPDX-License-Identifier: MIT */
/* Type queries over the index built by dwarf_index.c and dwarf_resolve.c. */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <string.h>

bool gr_dwarf_present(const struct gr_dwarf *d)
{
	return d->present;
}

unsigned gr_dwarf_version(const struct gr_dwarf *d)
{
	return d->version;
}

size_t gr_dwarf_type_count(const struct gr_dwarf *d)
{
	return d->ntypes;
}

const struct gr_dwarf_type *gr_dwarf_type(const struct gr_dwarf *d,
					  uint32_t id)
{
	if (id >= d->ntypes)
		return NULL;
	if (d->rec_types)
		d->rec_types[id] |= GR_DWARF_REC_USED;
	return &d->types[id];
}

struct gr_error *gr_dwarf_type_by_name(const struct gr_dwarf *d,
				       const char *name, uint32_t *ret)
{
	uint32_t id = dwarfi_names_find(&d->type_names, name);
	if (id == GR_DWARF_NO_TYPE)
		return gr_error_create(GR_ERR_NOT_FOUND, "DWARF: no type %s",
				       name);
	if (d->rec_types)
		d->rec_types[id] |= GR_DWARF_REC_USED | GR_DWARF_REC_NAMED;
	*ret = id;
	return NULL;
}

bool gr_dwarf_type_by_runtime_type(const struct gr_dwarf *d, uint64_t addr,
				   uint32_t *ret)
{
	size_t lo = 0, hi = d->nby_runtime_type;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->by_runtime_type[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (addr == 0 || lo == d->nby_runtime_type ||
	    d->by_runtime_type[lo].addr != addr)
		return false;
	*ret = d->by_runtime_type[lo].id;
	return true;
}

/* Enough for any real chain; a cycle of typedefs stops here. */
enum { MAX_STRIP = 16 };

/*
 * Follow typedefs and qualifiers; unless @all, stop at a typedef with a Go
 * kind (map, chan, interface), whose DW_AT_type is only its runtime
 * representation.
 */
static uint32_t strip(const struct gr_dwarf *d, uint32_t id, bool all)
{
	for (int hop = 0; hop < MAX_STRIP && id < d->ntypes; hop++) {
		const struct gr_dwarf_type *t = &d->types[id];
		if ((t->kind != GR_DWARF_TYPE_TYPEDEF &&
		     t->kind != GR_DWARF_TYPE_QUALIFIER) ||
		    t->type == GR_DWARF_NO_TYPE || (t->go_kind && !all))
			return id;
		id = t->type;
	}
	return id;
}

uint32_t gr_dwarf_type_strip(const struct gr_dwarf *d, uint32_t id)
{
	return strip(d, id, false);
}

uint32_t gr_dwarf_pointee(const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, strip(d, id, false));
	if (!t || t->kind != GR_DWARF_TYPE_POINTER)
		return GR_DWARF_NO_TYPE;
	return strip(d, t->type, false);
}

const struct gr_dwarf_field *gr_dwarf_type_field(const struct gr_dwarf *d,
						 uint32_t id, uint32_t i)
{
	if (id >= d->ntypes || i >= d->types[id].nfields)
		return NULL;
	if (d->rec_types)
		d->rec_types[id] |= GR_DWARF_REC_USED;
	return &d->fields[d->types[id].first_field_ + i];
}

struct gr_error *gr_dwarf_field(const struct gr_dwarf *d, uint32_t id,
				const char *name,
				const struct gr_dwarf_field **ret)
{
	const struct gr_dwarf_type *t = gr_dwarf_type(d, strip(d, id, true));
	if (!t)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "DWARF: no type id %u for field %s", id,
				       name);
	/* Structs have tens of members: a scan beats any table. */
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct gr_dwarf_field *f =
			&d->fields[t->first_field_ + i];
		if (strcmp(f->name, name) == 0) {
			*ret = f;
			return NULL;
		}
	}
	return gr_error_create(GR_ERR_NOT_FOUND, "DWARF: no field %s.%s",
			       t->name, name);
}

struct gr_error *gr_dwarf_field_offset(const struct gr_dwarf *d,
				       const char *type, const char *field,
				       uint64_t *ret)
{
	uint32_t id = GR_DWARF_NO_TYPE;
	const struct gr_dwarf_field *f = NULL;
	/* One message naming type and field, whichever is missing. */
	struct gr_error *err = gr_dwarf_type_by_name(d, type, &id);
	if (!err)
		err = gr_dwarf_field(d, id, field, &f);
	if (err) {
		if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			return err;
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "DWARF: no field %s.%s%s", type, field,
				       id == GR_DWARF_NO_TYPE ? " (no such type)"
							      : "");
	}
	*ret = f->offset;
	return NULL;
}
