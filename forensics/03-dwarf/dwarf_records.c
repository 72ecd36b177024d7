/* SPDX-License-Identifier: MIT */
/*
 * Appending records to the index during the walk (dwarf_index.c).  Each
 * record array grows together with the builder's arrays of DIE offsets
 * that dwarf_resolve.c later turns into ids.
 */
#include "forensics/03-dwarf/dwarf_internal.h"

#include <libdwarf/dwarf.h>
#include <string.h>

#include "forensics/01-base/array.h"

int dwarfi_type_kind(Dwarf_Half tag)
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

/* One growable array: the record array or a parallel builder array. */
struct vec {
	void **p;
	size_t *cap;
	size_t elsize;
};

/* Room for record number @n of @what in each of the @nv arrays. */
GR_MUST_USE
static struct gr_error *reserve(const struct gr_dwarf_build *b, size_t n,
				const char *what, const struct vec *v,
				size_t nv)
{
	if (n >= GR_DWARF_NO_TYPE)
		return gr_error_create(GR_ERR_LIMIT,
				       "%s: more than %u DWARF %s", b->path,
				       (unsigned)GR_DWARF_NO_TYPE - 1, what);
	for (size_t i = 0; i < nv; i++) {
		struct gr_error *err = gr_array_grow_(v[i].p, v[i].cap, n, 1,
							 v[i].elsize);
		if (err)
			return err;
	}
	return NULL;
}

/*
 * Names of members and variables repeat ("err", "i", "len": 150k
 * variables of cmd/go have 12k names) and are interned; the others are
 * nearly all distinct and copied.
 */
GR_MUST_USE
static struct gr_error *copy_name(struct gr_dwarf_build *b, const char *name,
				  bool intern, const char **ret)
{
	if (!name) {
		*ret = "";
		return NULL;
	}
	if (intern)
		return dwarfi_intern(&b->names, &b->d->arena, name, ret);
	const char *s = dwarfi_arena_strdup(&b->d->arena, name, strlen(name));
	if (!s)
		return gr_error_nomem();
	*ret = s;
	return NULL;
}

struct gr_error *dwarfi_add_type(struct gr_dwarf_build *b, Dwarf_Half tag,
				   uint64_t off, const struct gr_dwarf_attrs *a,
				   uint32_t *ret)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->ntypes;
	const struct vec v[] = {
		{(void **)&d->types, &d->types_cap, sizeof(*d->types)},
		{(void **)&b->type_refs, &b->type_refs_cap,
		 sizeof(*b->type_refs)},
	};
	struct gr_error *err = reserve(b, n, "types", v, 2);
	struct gr_dwarf_type *t = err ? NULL : &d->types[n];
	if (t) {
		memset(t, 0, sizeof(*t));
		err = copy_name(b, a->name, false, &t->name);
	}
	if (err)
		return err;
	t->die = off;
	t->tag = tag;
	t->kind = (uint8_t)dwarfi_type_kind(tag);
	t->go_kind = a->go_kind;
	t->encoding = a->encoding;
	t->size = a->byte_size;
	t->has_size = a->has_byte_size;
	t->runtime_type = a->runtime_type;
	t->type = t->elem = t->key = GR_DWARF_NO_TYPE;
	b->type_refs[n].type = a->type;
	b->type_refs[n].elem = a->elem;
	b->type_refs[n].key = a->key;
	d->ntypes = n + 1;
	*ret = (uint32_t)n;
	return NULL;
}

struct gr_error *dwarfi_add_field(struct gr_dwarf_build *b, uint32_t owner,
				    const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->nfields;
	const struct vec v[] = {
		{(void **)&d->fields, &d->fields_cap, sizeof(*d->fields)},
		{(void **)&b->field_refs, &b->field_refs_cap,
		 sizeof(*b->field_refs)},
		{(void **)&b->field_owner, &b->field_owner_cap,
		 sizeof(*b->field_owner)},
	};
	struct gr_error *err = reserve(b, n, "fields", v, 3);
	struct gr_dwarf_field *f = err ? NULL : &d->fields[n];
	if (f)
		err = copy_name(b, a->name, true, &f->name);
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

bool dwarfi_addr_expr(const struct gr_dwarf_attrs *a, uint64_t *addr)
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

struct gr_error *dwarfi_add_global(struct gr_dwarf_build *b, uint64_t addr,
				     const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->nglobals;
	const struct vec v[] = {
		{(void **)&d->globals, &d->globals_cap, sizeof(*d->globals)},
		{(void **)&b->global_refs, &b->global_refs_cap,
		 sizeof(*b->global_refs)},
	};
	struct gr_error *err = reserve(b, n, "globals", v, 2);
	struct gr_dwarf_global *g = err ? NULL : &d->globals[n];
	if (g) {
		memset(g, 0, sizeof(*g));
		err = copy_name(b, a->name, false, &g->name);
	}
	if (err)
		return err;
	g->addr = addr;
	g->type = GR_DWARF_NO_TYPE;
	b->global_refs[n] = a->type;
	d->nglobals = n + 1;
	return NULL;
}

struct gr_error *dwarfi_add_constant(struct gr_dwarf_build *b,
				       const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->nconstants;
	const struct vec v[] = {
		{(void **)&d->constants, &d->constants_cap,
		 sizeof(*d->constants)},
		{(void **)&b->const_refs, &b->const_refs_cap,
		 sizeof(*b->const_refs)},
	};
	struct gr_error *err = reserve(b, n, "constants", v, 2);
	struct gr_dwarf_constant *c = err ? NULL : &d->constants[n];
	if (c)
		err = copy_name(b, a->name, false, &c->name);
	if (err)
		return err;
	c->value = a->const_value;
	c->type = GR_DWARF_NO_TYPE;
	b->const_refs[n] = a->type;
	d->nconstants = n + 1;
	return NULL;
}

struct gr_error *dwarfi_add_function(struct gr_dwarf_build *b, uint64_t off,
				       const struct gr_dwarf_attrs *a,
				       uint32_t *ret)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->nfunctions;
	const struct vec v[] = {
		{(void **)&d->functions, &d->functions_cap,
		 sizeof(*d->functions)},
		{(void **)&b->func_origins, &b->func_origins_cap,
		 sizeof(*b->func_origins)},
	};
	struct gr_error *err = reserve(b, n, "functions", v, 2);
	struct gr_dwarf_function *f = err ? NULL : &d->functions[n];
	if (f) {
		memset(f, 0, sizeof(*f));
		err = copy_name(b, a->name, false, &f->name);
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
GR_MUST_USE
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
	uint8_t *copy = dwarfi_arena_alloc(&d->arena, a->loc_len);
	if (!copy)
		return gr_error_nomem();
	memcpy(copy, a->loc, a->loc_len);
	v->loc = GR_DWARF_LOC_EXPR;
	v->expr = copy;
	v->expr_len = (uint32_t)a->loc_len;
	return NULL;
}

struct gr_error *dwarfi_add_var(struct gr_dwarf_build *b, uint32_t fn,
				  uint8_t flags, const struct gr_dwarf_attrs *a)
{
	struct gr_dwarf *d = b->d;
	size_t n = d->nvars;
	const struct vec v[] = {
		{(void **)&d->vars, &d->vars_cap, sizeof(*d->vars)},
		{(void **)&b->var_refs, &b->var_refs_cap, sizeof(*b->var_refs)},
		{(void **)&b->var_origins, &b->var_origins_cap,
		 sizeof(*b->var_origins)},
		{(void **)&b->var_owner, &b->var_owner_cap,
		 sizeof(*b->var_owner)},
	};
	struct gr_error *err = reserve(b, n, "variables", v, 4);
	struct gr_dwarf_var *var = err ? NULL : &d->vars[n];
	if (var) {
		memset(var, 0, sizeof(*var));
		err = copy_name(b, a->name, true, &var->name);
	}
	if (!err)
		err = set_location(d, var, a);
	if (err)
		return err;
	var->type = GR_DWARF_NO_TYPE;
	var->flags = flags;
	if (a->variable_parameter)
		var->flags |= GR_DWARF_VAR_RETURN;
	/* Offsets are udata, past the closure's code pointer. */
	if (a->has_closure_offset && a->closure_offset > 0 &&
	    a->closure_offset <= INT64_MAX) {
		var->closure_offset = (int64_t)a->closure_offset;
		var->has_closure_offset = true;
	}
	b->var_refs[n] = a->type;
	b->var_origins[n] = a->name ? 0 : a->origin;
	b->var_owner[n] = fn;
	d->nvars = n + 1;
	return NULL;
}

struct gr_error *dwarfi_add_abstract(struct gr_dwarf_build *b, uint64_t off,
				       const struct gr_dwarf_attrs *a)
{
	struct gr_error *err = gr_array_grow(&b->abstracts, &b->abstracts_cap,
					     b->nabstracts, 1);
	struct gr_dwarf_abstract *ab = err ? NULL : &b->abstracts[b->nabstracts];
	if (ab)
		err = copy_name(b, a->name, true, &ab->name);
	if (err)
		return err;
	ab->die = off;
	ab->type = a->type;
	b->nabstracts++;
	return NULL;
}

