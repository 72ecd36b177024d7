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
#include "dwarf_internal.h"

#include <libdwarf/dwarf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

static int type_kind(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_base_type:
		return GR_DWARF_TYPE_BASE;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
	case DW_TAG_ptr_to_member_type:
		return GR_DWARF_TYPE_POINTER;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return GR_DWARF_TYPE_STRUCT;
	case DW_TAG_union_type:
		return GR_DWARF_TYPE_UNION;
	case DW_TAG_array_type:
		return GR_DWARF_TYPE_ARRAY;
	case DW_TAG_typedef:
		return GR_DWARF_TYPE_TYPEDEF;
	case DW_TAG_subroutine_type:
		return GR_DWARF_TYPE_SUBROUTINE;
	case DW_TAG_enumeration_type:
		return GR_DWARF_TYPE_ENUM;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		return GR_DWARF_TYPE_QUALIFIER;
	case DW_TAG_unspecified_type:
		return GR_DWARF_TYPE_UNSPECIFIED;
	default:
		return -1;
	}
}

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
		return type_kind(tag) >= 0;
	}
}

static struct gr_error *check_id(const struct gr_dwarf_build *b, size_t n,
				 const char *what)
{
	if (n < GR_DWARF_NO_TYPE)
		return NULL;
	return gr_error_create(GR_ERR_LIMIT, "%s: more than %u DWARF %s",
			       b->path, (unsigned)GR_DWARF_NO_TYPE - 1, what);
}

static struct gr_error *copy_name(struct gr_dwarf *d, const char *name,
				  const char **ret)
{
	if (!name) {
		*ret = "";
		return NULL;
	}
	const char *s = gr_dwarf_arena_strdup(&d->arena, name, strlen(name));
	if (!s)
		return gr_error_nomem();
	*ret = s;
	return NULL;
}

static struct gr_error *add_type(struct walker *w, Dwarf_Half tag,
				 uint64_t off, const struct gr_dwarf_attrs *a,
				 uint32_t *ret)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->ntypes;
	size_t n3;
	struct gr_error *err = check_id(b, n, "types");
	if (!err && __builtin_mul_overflow(n + 1, 3, &n3))
		err = gr_error_nomem();
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->types, &d->types_cap,
					   n + 1, sizeof(*d->types));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->type_refs,
					   &b->type_refs_cap, n3,
					   sizeof(*b->type_refs));
	struct gr_dwarf_type *t = &d->types[n];
	if (!err) {
		memset(t, 0, sizeof(*t));
		err = copy_name(d, a->name, &t->name);
	}
	if (err)
		return err;
	t->die = off;
	t->tag = tag;
	t->kind = (uint8_t)type_kind(tag);
	t->go_kind = a->go_kind;
	t->encoding = a->encoding;
	t->size = a->byte_size;
	t->has_size = a->has_byte_size;
	t->runtime_type = a->runtime_type;
	t->type = t->elem = t->key = GR_DWARF_NO_TYPE;
	b->type_refs[3 * n] = a->type;
	b->type_refs[3 * n + 1] = a->elem;
	b->type_refs[3 * n + 2] = a->key;
	d->ntypes = n + 1;
	*ret = (uint32_t)n;
	return NULL;
}

static struct gr_error *add_field(struct walker *w, uint32_t owner,
				  const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->nfields;
	struct gr_error *err = check_id(b, n, "fields");
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->fields, &d->fields_cap,
					   n + 1, sizeof(*d->fields));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->field_refs,
					   &b->field_refs_cap, n + 1,
					   sizeof(*b->field_refs));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->field_owner,
					   &b->field_owner_cap, n + 1,
					   sizeof(*b->field_owner));
	struct gr_dwarf_field *f = &d->fields[n];
	if (!err)
		err = copy_name(d, a->name, &f->name);
	if (err)
		return err;
	f->offset = a->member_offset;
	f->type = GR_DWARF_NO_TYPE;
	f->embedded = a->embedded;
	b->field_refs[n] = a->type;
	b->field_owner[n] = owner;
	d->nfields = n + 1;
	return NULL;
}

static bool is_addr_expr(const struct gr_dwarf_attrs *a, uint64_t *addr)
{
	if (a->loc_kind != GR_DWARF_ATTR_LOC_BLOCK || a->loc_len != 9 ||
	    a->loc[0] != DW_OP_addr)
		return false;
	uint64_t v = 0;
	for (int i = 8; i >= 1; i--)
		v = v << 8 | a->loc[i];
	*addr = v;
	return true;
}

static struct gr_error *add_global(struct walker *w, uint64_t addr,
				   const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->nglobals;
	struct gr_error *err = check_id(b, n, "globals");
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->globals,
					   &d->globals_cap, n + 1,
					   sizeof(*d->globals));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->global_refs,
					   &b->global_refs_cap, n + 1,
					   sizeof(*b->global_refs));
	struct gr_dwarf_global *g = &d->globals[n];
	if (!err) {
		memset(g, 0, sizeof(*g));
		err = copy_name(d, a->name, &g->name);
	}
	if (err)
		return err;
	g->addr = addr;
	g->type = GR_DWARF_NO_TYPE;
	b->global_refs[n] = a->type;
	d->nglobals = n + 1;
	return NULL;
}

static struct gr_error *add_constant(struct walker *w,
				     const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->nconstants;
	struct gr_error *err = check_id(b, n, "constants");
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->constants,
					   &d->constants_cap, n + 1,
					   sizeof(*d->constants));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->const_refs,
					   &b->const_refs_cap, n + 1,
					   sizeof(*b->const_refs));
	struct gr_dwarf_constant *c = &d->constants[n];
	if (!err)
		err = copy_name(d, a->name, &c->name);
	if (err)
		return err;
	c->value = a->const_value;
	c->type = GR_DWARF_NO_TYPE;
	b->const_refs[n] = a->type;
	d->nconstants = n + 1;
	return NULL;
}

static struct gr_error *add_function(struct walker *w, uint64_t off,
				     const struct gr_dwarf_attrs *a,
				     uint32_t *ret)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->nfunctions;
	struct gr_error *err = check_id(b, n, "functions");
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->functions,
					   &d->functions_cap, n + 1,
					   sizeof(*d->functions));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->func_origins,
					   &b->func_origins_cap, n + 1,
					   sizeof(*b->func_origins));
	struct gr_dwarf_function *f = &d->functions[n];
	if (!err) {
		memset(f, 0, sizeof(*f));
		err = copy_name(d, a->name, &f->name);
	}
	if (err)
		return err;
	f->die = off;
	f->low_pc = a->low_pc;
	f->high_pc = a->low_pc;
	if (a->has_high_pc)
		f->high_pc = a->high_pc_is_offset ? a->low_pc + a->high_pc
						  : a->high_pc;
	b->func_origins[n] = a->name ? 0 : a->origin;
	d->nfunctions = n + 1;
	*ret = (uint32_t)n;
	return NULL;
}

static int64_t sleb(const uint8_t *p, size_t n, size_t *used)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (size_t i = 0; i < n && shift < 64; i++, shift += 7) {
		v |= (uint64_t)(p[i] & 0x7f) << shift;
		if (!(p[i] & 0x80)) {
			if (shift + 7 < 64 && (p[i] & 0x40))
				v |= ~(uint64_t)0 << (shift + 7);
			*used = i + 1;
			return (int64_t)v;
		}
	}
	*used = 0;
	return 0;
}

/*
 * Go places stack slots at DW_OP_call_frame_cfa (offset 0) or DW_OP_fbreg N
 * with DW_AT_frame_base = DW_OP_call_frame_cfa (cmd/internal/dwarf putvar).
 */
static struct gr_error *set_location(struct gr_dwarf *d, struct gr_dwarf_var *v,
				     const struct gr_dwarf_attrs *a)
{
	if (a->loc_kind == GR_DWARF_ATTR_LOC_LOCLIST) {
		v->loc = GR_DWARF_LOC_LOCLIST;
		v->loclist = a->loclist;
		return NULL;
	}
	if (a->loc_kind != GR_DWARF_ATTR_LOC_BLOCK || a->loc_len == 0)
		return NULL;
	if (a->loc_len == 1 && a->loc[0] == DW_OP_call_frame_cfa) {
		v->loc = GR_DWARF_LOC_FRAME;
		return NULL;
	}
	if (a->loc[0] == DW_OP_fbreg) {
		size_t used;
		int64_t off = sleb(a->loc + 1, a->loc_len - 1, &used);
		if (used && used + 1 == a->loc_len) {
			v->loc = GR_DWARF_LOC_FRAME;
			v->frame_offset = off;
			return NULL;
		}
	}
	if (a->loc_len > UINT32_MAX)
		return NULL;
	uint8_t *copy = gr_dwarf_arena_alloc(&d->arena, a->loc_len);
	if (!copy)
		return gr_error_nomem();
	memcpy(copy, a->loc, a->loc_len);
	v->loc = GR_DWARF_LOC_EXPR;
	v->expr = copy;
	v->expr_len = (uint32_t)a->loc_len;
	return NULL;
}

static struct gr_error *add_var(struct walker *w, const struct frame *cur,
				const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_dwarf *d = b->d;
	size_t n = d->nvars;
	struct gr_error *err = check_id(b, n, "variables");
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&d->vars, &d->vars_cap,
					   n + 1, sizeof(*d->vars));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->var_refs,
					   &b->var_refs_cap, n + 1,
					   sizeof(*b->var_refs));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->var_origins,
					   &b->var_origins_cap, n + 1,
					   sizeof(*b->var_origins));
	if (!err)
		err = gr_dwarf_vec_reserve((void **)&b->var_owner,
					   &b->var_owner_cap, n + 1,
					   sizeof(*b->var_owner));
	struct gr_dwarf_var *v = &d->vars[n];
	if (!err) {
		memset(v, 0, sizeof(*v));
		err = copy_name(d, a->name, &v->name);
	}
	if (!err)
		err = set_location(d, v, a);
	if (err)
		return err;
	v->type = GR_DWARF_NO_TYPE;
	if (cur->tag == DW_TAG_formal_parameter)
		v->flags |= GR_DWARF_VAR_PARAM;
	if (a->variable_parameter)
		v->flags |= GR_DWARF_VAR_RETURN;
	if (cur->inlined)
		v->flags |= GR_DWARF_VAR_INLINED;
	b->var_refs[n] = a->type;
	b->var_origins[n] = a->name ? 0 : a->origin;
	b->var_owner[n] = cur->fn;
	d->nvars = n + 1;
	return NULL;
}

static struct gr_error *add_abstract(struct walker *w, uint64_t off,
				     const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf_build *b = w->b;
	struct gr_error *err = gr_dwarf_vec_reserve(
		(void **)&b->abstracts, &b->abstracts_cap, b->nabstracts + 1,
		sizeof(*b->abstracts));
	struct gr_dwarf_abstract *ab = &b->abstracts[b->nabstracts];
	if (!err)
		err = copy_name(b->d, a->name, &ab->name);
	if (err)
		return err;
	ab->die = off;
	ab->type = a->type;
	b->nabstracts++;
	return NULL;
}

/* Record @die (a child of @parent) and say what it passes to its children. */
static struct gr_error *visit(struct walker *w, Dwarf_Die die,
			      const struct frame *parent, struct frame *cur)
{
	struct gr_dwarf_build *b = w->b;
	Dwarf_Half tag = 0;
	Dwarf_Off off = 0;
	Dwarf_Error e = NULL;
	if (dwarf_dieoffset(die, &off, &e) != DW_DLV_OK)
		return gr_dwarf_lib_error(b->dbg, e, b->path, 0, "DIE offset");
	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
		return gr_dwarf_lib_error(b->dbg, e, b->path, off, "tag");
	*cur = (struct frame){.die = die, .type = GR_DWARF_NO_TYPE,
			      .fn = parent->fn, .tag = tag,
			      .inlined = parent->inlined};
	if (tag == DW_TAG_inlined_subroutine)
		cur->inlined = true;
	if (!wants_attrs(tag))
		return NULL;

	struct gr_dwarf_attrs a;
	struct gr_error *err =
		gr_dwarf_read_attrs(b->dbg, die, off, b->path, &a);
	if (!err && type_kind(tag) >= 0)
		err = add_type(w, tag, off, &a, &cur->type);
	if (err)
		return err;

	uint64_t addr;
	struct gr_dwarf_type *pt = parent->type != GR_DWARF_NO_TYPE
					   ? &b->d->types[parent->type]
					   : NULL;
	if ((tag == DW_TAG_member || tag == DW_TAG_formal_parameter) && pt)
		return add_field(w, parent->type, &a);
	if (tag == DW_TAG_subrange_type && pt) {
		if (a.has_count || a.has_upper_bound) {
			pt->has_count = true;
			pt->count = a.has_count ? a.count : a.upper_bound + 1;
		}
		return NULL;
	}
	if (tag == DW_TAG_variable && parent->tag == DW_TAG_compile_unit)
		return is_addr_expr(&a, &addr) ? add_global(w, addr, &a) : NULL;
	if (tag == DW_TAG_constant)
		return a.has_const_value ? add_constant(w, &a) : NULL;
	if (tag == DW_TAG_subprogram && a.has_low_pc) {
		cur->inlined = false;
		return add_function(w, off, &a, &cur->fn);
	}
	if (tag == DW_TAG_subprogram)
		return a.name ? add_abstract(w, off, &a) : NULL;
	if (tag == DW_TAG_variable || tag == DW_TAG_formal_parameter) {
		if (cur->fn != GR_DWARF_NO_TYPE)
			return add_var(w, cur, &a);
		return add_abstract(w, off, &a);
	}
	return NULL;
}

static struct gr_error *push(struct walker *w, const struct frame *f)
{
	struct gr_error *err = gr_dwarf_vec_reserve(
		(void **)&w->stack, &w->cap, w->depth + 1, sizeof(*w->stack));
	if (err)
		return err;
	w->stack[w->depth++] = *f;
	return NULL;
}

/* Depth-first over one unit; frees every DIE it gets from libdwarf. */
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
			dwarf_dieoffset(die, &off, NULL);
			err = gr_dwarf_lib_error(dbg, e, w->b->path, off,
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

static struct gr_error *next_unit(struct gr_dwarf_build *b, Dwarf_Die *ret,
				  bool *done)
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
		return gr_dwarf_lib_error(b->dbg, e, b->path, 0,
					  "compile unit header");
	if (*done)
		return NULL;
	if (version > b->d->version)
		b->d->version = version;
	r = dwarf_siblingof_b(b->dbg, NULL, true, ret, &e);
	if (r == DW_DLV_ERROR)
		return gr_dwarf_lib_error(b->dbg, e, b->path, 0,
					  "compile unit DIE");
	if (r == DW_DLV_NO_ENTRY)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: .debug_info: unit without a DIE",
				       b->path);
	return NULL;
}

struct gr_error *gr_dwarf_index(struct gr_dwarf_build *b)
{
	struct walker w = {.b = b};
	struct gr_error *err = NULL;
	for (;;) {
		Dwarf_Die cu = NULL;
		bool done = false;
		err = next_unit(b, &cu, &done);
		if (err || done)
			break;
		err = walk_unit(&w, cu);
		if (err)
			break;
	}
	free(w.stack);
	return err;
}

