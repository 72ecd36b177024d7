/* SPDX-License-Identifier: MIT */
/*
 * Inference: types for what exact evidence left unknown in a stripped
 * binary, from the code that stores into its globals (gr_codetypes).
 *
 * Exact typing runs first (malloc headers, the pack's runtime globals,
 * interfaces and closures met on the way).  Then each record of the code
 * types the object its global's word points to now, in the core (a
 * pointer's target, a slice's array, an interface's data), unless that
 * object is typed already; propagation goes on from there exactly as it
 * does from exact types.  Everything this pass types is inferred: the
 * evidence is what the program's code does, not what the core records,
 * and a global the code fills in one function may be changed in another
 * the scan does not follow.  So every object typed here gets its type's
 * inferred twin, "T (inferred)", a separate entry of the type table:
 * every name, group, path and total that shows it says so, and the
 * statistics count the inferred bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/06-rtype/rtype_catalog.h"
#include "forensics/11-types/types_internal.h"
#include "layouts/typedesc.h"

/* The dynamic type an interface's first word @w0 names: @w0 itself when
 * it is a descriptor, else the type word of the itab it points to. */
GR_MUST_USE
static struct gr_error *iface_type(struct gr_types *t, uint64_t w0,
				   uint64_t *ret)
{
	const struct gr_rtype *r;
	*ret = 0;
	struct gr_error *err = gr_rtype_get(t->rtypes, w0, &r);
	if (!err && r->kind != GR_GO_KIND_INTERFACE) {
		*ret = w0;
		return NULL;
	}
	/* Not a descriptor: an itab, or nothing. */
	if (err && !gr_error_catch(&err, GR_ERR_CONTENT))
		return err;
	err = gr_mem_u64(t->mem, w0 + GR_ITAB_TYPE, ret);
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		*ret = 0;
	return err;
}

struct gr_error *types_infer_prepare(struct gr_types *t, uint64_t **v,
				     size_t *n, size_t *cap)
{
	/* Every descriptor the binary carries (rtype_catalog.h), so that an
	 * interface's dynamic type met in the core has its shape too, not
	 * only the types of malloc headers. */
	struct gr_rcat *cat;
	struct gr_error *err =
		gr_rcat_build(t->rtypes, gr_session_moduledata(t->s), &cat);
	if (!err) {
		for (size_t i = 0; i < gr_rcat_count(cat) && !err; i++)
			if (!(err = gr_array_grow(v, cap, *n, 1)))
				(*v)[(*n)++] = gr_rcat_at(cat, i)->addr;
		gr_rcat_destroy(cat);
		if (err)
			return err;
	} else if (!gr_error_catch(&err, GR_ERR_CONTENT |
						  GR_ERR_BIT(UNSUPPORTED) |
						  GR_ERR_BIT(LIMIT))) {
		return err;
	}
	err = gr_session_codetypes(t->s, &t->codetypes);
	if (err || !t->codetypes)
		return err;
	for (size_t i = 0; i < gr_codetypes_count(t->codetypes); i++) {
		const struct gr_codetype *r = gr_codetypes_get(t->codetypes, i);
		uint64_t type = r->type;
		if (r->kind == GR_CODETYPE_IFACE) {
			/* What the core holds there now. */
			uint64_t w0;
			err = gr_mem_u64(t->mem, r->addr, &w0);
			if (gr_error_catch(&err, GR_ERR_CONTENT) || !w0)
				continue;
			if (err || (err = iface_type(t, w0, &type)))
				return err;
		}
		if (!type)
			continue;
		if ((err = gr_array_grow(v, cap, *n, 1)))
			return err;
		(*v)[(*n)++] = type;
	}
	return NULL;
}

/* Type the target of one record: @w is the word at its address; a
 * @frame slot's slice has no cap beside it. */
GR_MUST_USE
static struct gr_error *infer_one(struct gr_types *t,
				  const struct gr_codetype *r, uint64_t w,
				  bool frame)
{
	if (r->kind == GR_CODETYPE_IFACE) {
		uint64_t data, type;
		struct gr_error *err = gr_mem_u64(t->mem, r->addr + 8, &data);
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			return NULL;
		if (err || (err = iface_type(t, w, &type)) || !type)
			return err;
		return types_iface_data(t, type, data, 0);
	}
	if (r->kind == GR_CODETYPE_CHAN || r->kind == GR_CODETYPE_MAP) {
		/* A map or channel type rtype_synth shaped is walked as a
		 * declared one is (its header, buckets or buffer); an opaque
		 * one (its go_kind cleared) is not. */
		bool chan = r->kind == GR_CODETYPE_CHAN;
		uint32_t d = types_dwarf_of_rtype(t, r->type);
		const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, d);
		if (!dt || dt->go_kind != (chan ? GR_GO_KIND_CHAN
						 : GR_GO_KIND_MAP))
			return NULL;
		return chan ? types_chan(t, w, d) : types_map_value(t, w, d);
	}
	if (r->kind != GR_CODETYPE_POINTER && r->kind != GR_CODETYPE_ARRAY)
		return NULL;
	/* A func value's closure (struct { F uintptr; ... }) is named by
	 * its code and typed as the closures of exact typing are. */
	const struct gr_rtype *rt;
	const char *rname;
	struct gr_error *err = gr_rtype_get(t->rtypes, r->type, &rt);
	if (!err)
		err = gr_rtype_name(t->rtypes, rt, &rname);
	if (gr_error_catch(&err, GR_ERR_CONTENT | GR_ERR_BIT(NOT_FOUND)))
		return NULL;
	if (err)
		return err;
	if (r->kind == GR_CODETYPE_POINTER &&
	    !strncmp(rname, "struct { F uintptr", 18))
		return types_closure(t, w);
	uint64_t dlen;
	uint32_t id = types_object_at(t, w, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !(t->objs[id] & GR_TYPES_LIVE) ||
	    types_typed(t, id))
		return NULL;
	uint32_t d, info;
	err = types_of_rtype(t, r->type, &d, &info);
	if (err || info == GR_TYPE_UNKNOWN)
		return err;
	uint64_t size = t->info[info].size;
	/* A value bigger than the object is not what it holds. */
	if (!size || size > dlen)
		return NULL;
	uint64_t count = 0;
	if (r->kind == GR_CODETYPE_ARRAY) {
		/* The slice's cap, after its data and len words, as
		 * propagation from a declared slice counts the array; the
		 * slot's size if that word is no cap. */
		uint64_t cap = 0;
		err = frame ? NULL : gr_mem_u64(t->mem, r->addr + 16, &cap);
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			cap = 0;
		if (err)
			return err;
		count = cap && cap <= dlen / size ? cap : dlen / size;
	}
	if (d != GR_DWARF_NO_TYPE && types_dwarf_size(t->dwarf, d) != size)
		d = GR_DWARF_NO_TYPE;
	bool typed;
	return types_assign(t, id, info, d, count, GR_TYPE_SOURCE_CODE,
			    &typed);
}

/*
 * Two pointer words side by side in a root the binary gives no type (a
 * global without symbols, a stack slot without DWARF) that read as an
 * interface value: the first a descriptor of a named, non-interface type
 * or an itab (its interface descriptor of kind interface, its type a
 * descriptor), the second what types_iface_data accepts as that type's
 * data.  Not proof that the words are an interface, hence inferred.
 */
GR_MUST_USE
static struct gr_error *iface_pair(struct gr_types *t, uint64_t w0,
				   uint64_t w1)
{
	const struct gr_rtype *r;
	const char *name;
	uint64_t type = 0;
	if (!w0 || !w1)
		return NULL;
	struct gr_error *err = gr_rtype_get(t->rtypes, w0, &r);
	if (!err && r->kind != GR_GO_KIND_INTERFACE &&
	    !(err = gr_rtype_name(t->rtypes, r, &name))) {
		type = w0;
	} else if (gr_error_catch(&err, GR_ERR_CONTENT |
						GR_ERR_BIT(NOT_FOUND))) {
		uint64_t inter;
		err = gr_mem_u64(t->mem, w0, &inter);
		if (!err)
			err = gr_rtype_get(t->rtypes, inter, &r);
		if (!err && r->kind == GR_GO_KIND_INTERFACE &&
		    !(err = gr_mem_u64(t->mem, w0 + GR_ITAB_TYPE, &type)))
			err = gr_rtype_get(t->rtypes, type, &r);
		else if (!err)
			type = 0;
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			type = 0;
	}
	if (err || !type)
		return err;
	return types_iface_data(t, type, w1, 0);
}

/* Interface-shaped pairs in every untyped global and stack root. */
GR_MUST_USE
static struct gr_error *root_pairs(struct gr_types *t)
{
	size_t nr = gr_roots_count(t->roots);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < nr && !err; i++) {
		const struct gr_root *r = gr_roots_get(t->roots, i);
		if (r->dwarf_type != GR_ROOT_NO_TYPE ||
		    (r->kind != GR_ROOT_DATA && r->kind != GR_ROOT_BSS &&
		     r->kind != GR_ROOT_STACK))
			continue;
		const struct gr_root_slot *sl = gr_roots_slots(t->roots, i);
		size_t n = gr_roots_slot_count(t->roots, i);
		for (size_t k = 0; k + 1 < n && !err; k++)
			if (sl[k + 1].slot == sl[k].slot + 8)
				err = iface_pair(t, sl[k].value,
						 sl[k + 1].value);
	}
	return err;
}

/*
 * Package variables the code calls methods on (gr_codetypes_value_get):
 * a sync.Map there, say, is typed as one, and its map or hash trie is
 * walked as with DWARF.  The type is looked up by name (the layout pack
 * carries sync.Map; the descriptors' shapes give the program's own);
 * the runtime's variables are typed by the pack already.
 */
GR_MUST_USE
static struct gr_error *receivers(struct gr_types *t)
{
	size_t n = gr_codetypes_value_count(t->codetypes);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		const struct gr_codetype_value *v =
			gr_codetypes_value_get(t->codetypes, i);
		uint32_t type;
		if (!strncmp(v->type, "runtime.", 8))
			continue;
		err = gr_dwarf_type_by_name(t->dwarf, v->type, &type);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			continue;
		if (!err)
			err = types_type_static(t, v->addr, type);
	}
	return err;
}

/*
 * Stack slots of frames the binary gives no types: a slot the function
 * only ever stores one thing into (gr_codetypes_frame), an allocation's
 * result, types what the slot points to now.
 */
GR_MUST_USE
static struct gr_error *frame_slots(struct gr_types *t)
{
	size_t nr = gr_roots_count(t->roots);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < nr && !err; i++) {
		const struct gr_root *r = gr_roots_get(t->roots, i);
		if (r->kind != GR_ROOT_STACK || !r->frame_entry ||
		    r->dwarf_type != GR_ROOT_NO_TYPE)
			continue;
		const struct gr_root_slot *sl = gr_roots_slots(t->roots, i);
		size_t n = gr_roots_slot_count(t->roots, i);
		for (size_t k = 0; k < n && !err; k++) {
			const struct gr_codetype *f = gr_codetypes_frame(
				t->codetypes, r->frame_entry,
				(int64_t)(sl[k].slot - r->frame_sp));
			if (!f || !sl[k].value)
				continue;
			struct gr_codetype rec = *f;
			rec.addr = sl[k].slot;
			err = infer_one(t, &rec, sl[k].value, true);
		}
	}
	return err;
}

/* The inferred twin of table entry @info: "T (inferred)". */
GR_MUST_USE
static struct gr_error *twin(struct gr_types *t, uint32_t info,
			     uint32_t *ret)
{
	const struct gr_type_info *e = &t->info[info];
	if (e->inferred) {
		*ret = info;
		return NULL;
	}
	size_t len = strlen(e->name) + sizeof(" (inferred)");
	char *name = malloc(len);
	if (!name)
		return gr_error_nomem();
	snprintf(name, len, "%s (inferred)", e->name);
	struct gr_error *err = types_intern(t, name, e->size, e->dwarf_type,
					    e->rtype, ret);
	free(name);
	if (err)
		return err;
	/* types_intern may have moved the table. */
	t->info[*ret].package = t->info[info].package;
	t->info[*ret].inferred = true;
	return NULL;
}

/* Give every object typed since @before's snapshot its type's twin. */
GR_MUST_USE
static struct gr_error *mark_inferred(struct gr_types *t,
				      const uint8_t *before)
{
	for (uint32_t id = 0; id < t->nobjects; id++) {
		if (!types_typed(t, id) || (before[id / 8] & (1u << (id % 8))))
			continue;
		const struct types_kind k = *types_kind_of(t, id);
		uint32_t info, kind;
		struct gr_error *err;
		if ((err = twin(t, k.type, &info)) ||
		    (err = types_kind(t, info, k.layout, k.source, &kind)) ||
		    (err = types_set_kind(t, id, kind)))
			return err;
	}
	return NULL;
}

struct gr_error *types_infer(struct gr_types *t)
{
	size_t n = gr_codetypes_count(t->codetypes);
	if (!n)
		return NULL;
	uint8_t *before = calloc(t->nobjects / 8 + 1, 1);
	if (!before)
		return gr_error_nomem();
	for (uint32_t id = 0; id < t->nobjects; id++)
		if (types_typed(t, id))
			before[id / 8] |= (uint8_t)(1u << (id % 8));
	t->inferring = true;
	struct gr_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		const struct gr_codetype *r = gr_codetypes_get(t->codetypes, i);
		uint64_t w;
		err = gr_mem_u64(t->mem, r->addr, &w);
		/* A global the core lacks: nothing to type from it. */
		if (gr_error_catch(&err, GR_ERR_CONTENT) || err || !w)
			continue;
		err = infer_one(t, r, w, false);
	}
	if (!err)
		err = receivers(t);
	if (!err)
		err = frame_slots(t);
	if (!err)
		err = types_drain(t);
	if (!err)
		err = root_pairs(t);
	if (!err)
		err = types_drain(t);
	t->inferring = false;
	if (!err)
		err = mark_inferred(t, before);
	free(before);
	return err;
}
