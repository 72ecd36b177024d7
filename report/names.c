/* SPDX-License-Identifier: MIT */
#include "report/names.h"

#include <stdio.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/11-types/types.h"

const char *gr_name_root_type(const struct gr_analysis *a, uint32_t root)
{
	const struct gr_root *r = gr_roots_get(a->roots, root);
	if (!r || r->dwarf_type == GR_ROOT_NO_TYPE)
		return "";
	const struct gr_dwarf_type *t =
		gr_dwarf_type(gr_session_dwarf(a->session), r->dwarf_type);
	return t ? t->name : "";
}

void gr_name_object(const struct gr_analysis *a, uint32_t id, char *buf,
		    size_t len)
{
	if (a->types) {
		gr_types_object_name(a->types, id, buf, len);
		return;
	}
	snprintf(buf, len, "unknown (%llu B)",
		 (unsigned long long)gr_heap_object_size(a->heap, id));
}

void gr_name_step(const struct gr_analysis *a, uint32_t root,
		  uint32_t from_object, uint64_t slot, char *buf, size_t len)
{
	*buf = 0;
	if (!slot)
		return;
	if (from_object == GR_HEAP_NO_OBJECT) {
		const struct gr_root *r = gr_roots_get(a->roots, root);
		if (!r || slot < r->addr)
			return;
		/* A root that is one pointer needs no step name. */
		if (slot == r->addr && r->size <= 8)
			return;
		if (a->types)
			gr_types_describe_root_offset(a->types, root,
						      slot - r->addr, buf, len);
		else
			snprintf(buf, len, "+%#llx",
				 (unsigned long long)(slot - r->addr));
		return;
	}
	uint64_t base = gr_heap_object_addr(a->heap, from_object);
	if (a->types)
		gr_types_describe_offset(a->types, from_object, slot - base,
					 buf, len);
	else
		snprintf(buf, len, "+%#llx", (unsigned long long)(slot - base));
}
