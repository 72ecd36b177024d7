/* SPDX-License-Identifier: MIT */
/*
 * The walk over every DIE of every compile unit, depth first with an
 * explicit stack (Go's DWARF is shallow, a C++ unit need not be).  Each DIE
 * becomes at most one record; references stay DIE offsets in the builder
 * until dwarf_resolve.c turns them into ids.
 *
 * The order of the checks in visit() is the contract the test oracle
 * (tests/tools/dwarfdump-oracle) restates; change both together.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <libdwarf/dwarf.h>
#include <inttypes.h>
#include <stdlib.h>

#include "forensics/01-base/array.h"

/* What a DIE passes down to its children. */
struct frame {
	Dwarf_Die die;
	uint32_t type; /* the type record this DIE is, or NO_TYPE */
	uint32_t fn;   /* the innermost concrete function around it */
	uint16_t tag;
	bool inlined; /* inside a DW_TAG_inlined_subroutine */
};

struct walker {
	struct gr_dwarf_build *b;
	struct frame *stack;
	size_t depth, cap;
};

/* Tags whose attributes the index reads; the rest are only walked. */
static bool wants_attrs(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_member:
	case DW_TAG_formal_parameter:
	case DW_TAG_subrange_type:
	case DW_TAG_variable:
	case DW_TAG_constant:
	case DW_TAG_subprogram:
		return true;
	default:
		return dwarfi_type_kind(tag) >= 0;
	}
}

/* Record @die (a child of @parent) and say what it passes to its children. */
GR_MUST_USE
static struct gr_error *visit(struct walker *w, Dwarf_Die die,
			      const struct frame *parent, struct frame *cur)
{
	struct gr_dwarf_build *b = w->b;
	Dwarf_Half tag = 0;
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK)
		return dwarfi_lib_error(b->dbg, e, b->path, 0, "DIE offset");
	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
		return dwarfi_lib_error(b->dbg, e, b->path, off, "tag");
	*cur = (struct frame){.die = die, .type = GR_DWARF_NO_TYPE,
			      .fn = parent->fn, .tag = tag,
			      .inlined = parent->inlined};
	if (tag == DW_TAG_inlined_subroutine)
		cur->inlined = true;
	if (!wants_attrs(tag))
		return NULL;

	struct gr_dwarf_attrs a;
	struct gr_error *err =
		dwarfi_read_attrs(b->dbg, die, off, b->path, &a);
	if (!err && dwarfi_type_kind(tag) >= 0)
		err = dwarfi_add_type(b, tag, off, &a, &cur->type);
	if (err)
		return err;

	uint64_t addr;
	struct gr_dwarf_type *pt = parent->type != GR_DWARF_NO_TYPE
					   ? &b->d->types[parent->type]
					   : NULL;
	if ((tag == DW_TAG_member || tag == DW_TAG_formal_parameter) && pt)
		return dwarfi_add_field(b, parent->type, &a);
	if (tag == DW_TAG_subrange_type && pt) {
		if (a.has_count || a.has_upper_bound) {
			pt->has_count = true;
			pt->count = a.has_count ? a.count : a.upper_bound + 1;
		}
		return NULL;
	}
	if (tag == DW_TAG_variable && parent->tag == DW_TAG_compile_unit)
		return dwarfi_addr_expr(&a, &addr)
			       ? dwarfi_add_global(b, addr, &a)
			       : NULL;
	if (tag == DW_TAG_constant)
		return a.has_const_value ? dwarfi_add_constant(b, &a) : NULL;
	if (tag == DW_TAG_subprogram && a.has_low_pc) {
		cur->inlined = false;
		return dwarfi_add_function(b, off, &a, &cur->fn);
	}
	if (tag == DW_TAG_subprogram)
		return a.name ? dwarfi_add_abstract(b, off, &a) : NULL;
	if (tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) {
		if (cur->fn == GR_DWARF_NO_TYPE)
			return dwarfi_add_abstract(b, off, &a);
		uint8_t flags = cur->inlined ? GR_DWARF_VAR_INLINED : 0;
		if (tag == DW_TAG_formal_parameter)
			flags |= GR_DWARF_VAR_PARAM;
		return dwarfi_add_var(b, cur->fn, flags, &a);
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *push(struct walker *w, const struct frame *f)
{
	struct gr_error *err = gr_array_grow(&w->stack, &w->cap, w->depth, 1);
	if (err)
		return err;
	w->stack[w->depth++] = *f;
	return NULL;
}

/* Depth-first over one unit; frees every DIE it gets from libdwarf. */
GR_MUST_USE
static struct gr_error *walk_unit(struct walker *w, Dwarf_Die cu)
{
	Dwarf_Debug dbg = w->b->dbg;
	const struct frame root = {.type = GR_DWARF_NO_TYPE,
				   .fn = GR_DWARF_NO_TYPE};
	struct frame cur;
	Dwarf_Error e = NULL;
	struct gr_error *err = visit(w, cu, &root, &cur);
	Dwarf_Die die = cu;
	w->depth = 0;
	while (!err) {
		Dwarf_Die next = NULL;
		/* dwarf_child() skips the DIE's attributes even without
		 * children; the abbreviation says so for free. */
		Dwarf_Half has_child = 0;
		int r = DW_DLV_NO_ENTRY;
		if (dwarf_die_abbrev_children_flag(die, &has_child) !=
			    DW_DLV_OK ||
		    has_child)
			r = dwarf_child(die, &next, &e);
		if (r == DW_DLV_OK) {
			err = push(w, &cur);
			if (err) {
				dwarf_dealloc_die(next);
				break;
			}
			die = next;
			err = visit(w, die, &w->stack[w->depth - 1], &cur);
			continue;
		}
		/* No children: the next sibling, or up until there is one. */
		while (r == DW_DLV_NO_ENTRY && w->depth > 0) {
			r = dwarf_siblingof_b(dbg, die, true, &next, &e);
			if (r != DW_DLV_NO_ENTRY)
				break;
			dwarf_dealloc_die(die);
			die = w->stack[--w->depth].die;
		}
		if (r == DW_DLV_NO_ENTRY) /* back at the unit DIE */
			break;
		if (r == DW_DLV_ERROR) {
			Dwarf_Off off = 0;
			Dwarf_Error e2 = NULL;
			if (dwarf_dieoffset(die, &off, &e2) == DW_DLV_ERROR)
				dwarf_dealloc_error(dbg, e2);
			err = dwarfi_lib_error(dbg, e, w->b->path, off,
						 "walking DIEs");
			break;
		}
		dwarf_dealloc_die(die);
		die = next;
		err = visit(w, die, &w->stack[w->depth - 1], &cur);
	}
	dwarf_dealloc_die(die);
	while (w->depth > 0)
		dwarf_dealloc_die(w->stack[--w->depth].die);
	return err;
}

/*
 * The next unit's DIE; *@off is where the unit starts (for messages) and
 * moves past it.
 */
GR_MUST_USE
static struct gr_error *next_unit(struct gr_dwarf_build *b, uint64_t *off,
				  Dwarf_Die *ret, bool *done)
{
	Dwarf_Unsigned len = 0, typeoff = 0, next = 0;
	Dwarf_Half version = 0, addr_size = 0, off_size = 0, ext_size = 0;
	Dwarf_Half unit_type = 0;
	Dwarf_Off abbrev = 0;
	Dwarf_Sig8 sig;
	Dwarf_Error e = NULL;
	int r = dwarf_next_cu_header_d(b->dbg, true, &len, &version, &abbrev,
				       &addr_size, &off_size, &ext_size, &sig,
				       &typeoff, &next, &unit_type, &e);
	*done = r == DW_DLV_NO_ENTRY;
	if (r == DW_DLV_ERROR)
		return dwarfi_lib_error(b->dbg, e, b->path, *off,
					  "unit header");
	if (*done)
		return NULL;
	if (version > b->d->version)
		b->d->version = version;
	r = dwarf_siblingof_b(b->dbg, NULL, true, ret, &e);
	if (r == DW_DLV_ERROR)
		return dwarfi_lib_error(b->dbg, e, b->path, *off,
					  "unit DIE");
	if (r == DW_DLV_NO_ENTRY)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: .debug_info+0x%" PRIx64
				       ": unit without a DIE",
				       b->path, *off);
	*off = next;
	return NULL;
}

struct gr_error *dwarfi_index(struct gr_dwarf_build *b)
{
	struct walker w = {.b = b};
	struct gr_error *err = NULL;
	uint64_t off = 0;
	size_t units = 0;
	for (;;) {
		Dwarf_Die cu = NULL;
		bool done = false;
		err = next_unit(b, &off, &cu, &done);
		if (err || done)
			break;
		units++;
		err = walk_unit(&w, cu);
		if (err)
			break;
	}
	/* libdwarf takes a section too short for one unit header for an
	 * empty one. */
	if (!err && units == 0 && b->info_size > 0)
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "%s: .debug_info: no complete unit in %" PRIu64
				      " bytes",
				      b->path, b->info_size);
	free(w.stack);
	return err;
}
