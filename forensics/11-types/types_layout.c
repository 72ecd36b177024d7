/* SPDX-License-Identifier: MIT */
/*
 * Pointer-slot layouts of DWARF types, built once per type and cached, so
 * that typing a million objects of one type walks its DWARF once.
 */
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/11-types/types_internal.h"
#include "layouts/typedesc.h"

enum {
	/* Struct nesting and array-of-array depth followed into a layout. */
	MAX_DEPTH = 24,
	/* Arrays whose elements have several slots are unrolled up to this
	 * many slots, beyond which they become one NESTED slot. */
	MAX_UNROLL = 64,
	/* layout_of value while a type's layout is being built (cycles in
	 * malformed DWARF). */
	BUILDING = UINT32_MAX,
};

struct lbuf {
	struct gr_tslot *v;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *push(struct lbuf *b, struct gr_tslot s)
{
	struct gr_error *err = gr_array_grow(&b->v, &b->cap, b->n, 1);
	if (err)
		return err;
	b->v[b->n++] = s;
	return NULL;
}

GR_MUST_USE
static struct gr_error *push_slot(struct lbuf *b, uint64_t off,
				  uint64_t stride, uint64_t count,
				  uint32_t type, enum gr_tslot_kind kind)
{
	return push(b, (struct gr_tslot){.off = off, .stride = stride,
					 .count = count, .type = type,
					 .kind = (uint8_t)kind});
}

bool types_is_map_internal(const char *name)
{
	/* cmd/link/internal/ld/dwarf.go synthesizemaptypes: the header's
	 * buckets, oldbuckets, extra and the Swiss dirPtr and table groups
	 * are typed as the linker could (dirPtr as **table even for a small
	 * map, whose dirPtr is a group): gr_maps follows them instead. */
	return !strncmp(name, "hash<", 5) || !strncmp(name, "map<", 4) ||
	       !strncmp(name, "table<", 6);
}

/* unsafe.Pointer: Go 1.19's DWARF gives it no go_kind. */
static bool unsafe_pointer(const struct gr_dwarf_type *dt)
{
	return dt && (dt->go_kind == GR_GO_KIND_UNSAFE_POINTER ||
		      (dt->kind == GR_DWARF_TYPE_POINTER &&
		       dt->type == GR_DWARF_NO_TYPE &&
		       !strcmp(dt->name, "unsafe.Pointer")));
}

GR_MUST_USE
static struct gr_error *layout_at(struct gr_types *t, uint32_t id,
				  unsigned depth, uint32_t *n,
				  const struct gr_tslot **ret);
GR_MUST_USE
static struct gr_error *add_type(struct gr_types *t, struct lbuf *b,
				 uint32_t type, uint64_t base, unsigned depth);

/*
 * sync/atomic.Pointer[T] is struct { _ [0]*T; _ noCopy; v unsafe.Pointer }:
 * the zero-length array names T, which the unsafe.Pointer hides.  True if
 * @dt has that shape; *elem_ret = T, *off_ret = v's offset.
 */
static bool atomic_pointer(const struct gr_dwarf *d,
			   const struct gr_dwarf_type *dt, uint32_t id,
			   uint32_t *elem_ret, uint64_t *off_ret)
{
	uint32_t elem = GR_DWARF_NO_TYPE;
	uint64_t off = 0;
	bool have_v = false;
	for (uint32_t i = 0; i < dt->nfields; i++) {
		const struct gr_dwarf_field *f = gr_dwarf_type_field(d, id, i);
		const struct gr_dwarf_type *ft =
			f ? gr_dwarf_type(d, gr_dwarf_type_strip(d, f->type))
			  : NULL;
		if (!ft)
			continue;
		if (!strcmp(f->name, "_") && ft->kind == GR_DWARF_TYPE_ARRAY &&
		    ft->has_count && ft->count == 0) {
			const struct gr_dwarf_type *pt = gr_dwarf_type(
				d, gr_dwarf_type_strip(d, ft->type));
			if (pt && pt->go_kind == GR_GO_KIND_POINTER)
				elem = pt->type;
		} else if (!strcmp(f->name, "v") && unsafe_pointer(ft)) {
			have_v = true;
			off = f->offset;
		}
	}
	*elem_ret = elem;
	*off_ret = off;
	return have_v && elem != GR_DWARF_NO_TYPE;
}

/* sync.Pool{local, localSize, victim, victimSize}: local and victim
 * point at [size]poolLocal arrays DWARF cannot type (sync/pool.go).
 * *@ret false if a piece is missing. */
GR_MUST_USE
static struct gr_error *pool_slots(struct gr_types *t, struct lbuf *b,
				   uint32_t id, uint64_t base, bool *ret)
{
	const struct gr_dwarf_field *local, *local_size, *victim, *victim_size;
	uint32_t pl;
	struct gr_error *err;
	if ((err = gr_dwarf_field(t->dwarf, id, "local", &local)) ||
	    (err = gr_dwarf_field(t->dwarf, id, "localSize", &local_size)) ||
	    (err = gr_dwarf_field(t->dwarf, id, "victim", &victim)) ||
	    (err = gr_dwarf_field(t->dwarf, id, "victimSize", &victim_size)) ||
	    (err = gr_dwarf_type_by_name(t->dwarf, "sync.poolLocal", &pl))) {
		*ret = false;
		gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND));
		return err;
	}
	if ((err = push_slot(b, base + local->offset,
			     local_size->offset - local->offset, 1, pl,
			     GR_TSLOT_POOL_LOCAL)) ||
	    (err = push_slot(b, base + victim->offset,
			     victim_size->offset - victim->offset, 1, pl,
			     GR_TSLOT_POOL_LOCAL)))
		return err;
	*ret = true;
	return NULL;
}

GR_MUST_USE
static struct gr_error *add_struct(struct gr_types *t, struct lbuf *b,
				   uint32_t id, const struct gr_dwarf_type *dt,
				   uint64_t base, unsigned depth)
{
	uint32_t elem;
	uint64_t off;
	struct gr_error *err;
	if (types_is_map_internal(dt->name))
		return NULL;
	if (atomic_pointer(t->dwarf, dt, id, &elem, &off)) {
		const struct gr_dwarf_type *et = gr_dwarf_type(t->dwarf, elem);
		bool node = et && types_trie_node_args(et->name);
		return push_slot(b, base + off, 0, 1, elem,
				 node ? GR_TSLOT_TRIE_NODE : GR_TSLOT_PTR);
	}
	/* The pool's own interface pairs: {typ, val unsafe.Pointer}. */
	if (!strcmp(dt->name, "sync.eface"))
		return push_slot(b, base, 0, 1, GR_DWARF_NO_TYPE,
				 GR_TSLOT_EFACE);
	/* Go <= 1.19 sync.entry{p unsafe.Pointer // *interface{}}. */
	if (!strcmp(dt->name, "sync.entry") && dt->nfields == 1) {
		const struct gr_dwarf_field *f =
			gr_dwarf_type_field(t->dwarf, id, 0);
		uint32_t any;
		if (f && unsafe_pointer(gr_dwarf_type(
				 t->dwarf, gr_dwarf_type_strip(t->dwarf, f->type)))) {
			err = gr_dwarf_type_by_name(t->dwarf, "interface {}",
						    &any);
			if (!err)
				return push_slot(b, base + f->offset, 0, 1, any,
						 GR_TSLOT_PTR);
			gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND));
			return err;
		}
	}
	bool pool = false;
	if (!strcmp(dt->name, "sync.Pool") &&
	    (err = pool_slots(t, b, id, base, &pool)))
		return err;
	if (pool) {
		const struct gr_dwarf_field *f;
		err = gr_dwarf_field(t->dwarf, id, "New", &f);
		if (!err)
			return add_type(t, b, f->type, base + f->offset,
					depth + 1);
		gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND));
		return err;
	}
	for (uint32_t i = 0; i < dt->nfields; i++) {
		const struct gr_dwarf_field *f =
			gr_dwarf_type_field(t->dwarf, id, i);
		if (f && (err = add_type(t, b, f->type, base + f->offset,
					 depth + 1)))
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *add_array(struct gr_types *t, struct lbuf *b,
				  const struct gr_dwarf_type *dt,
				  uint64_t base, unsigned depth)
{
	uint32_t elem = gr_dwarf_type_strip(t->dwarf, dt->type);
	uint64_t esize = types_dwarf_size(t->dwarf, elem);
	if (!dt->has_count || dt->count == 0 || esize == 0)
		return NULL;
	uint32_t n;
	const struct gr_tslot *sub;
	struct gr_error *err = layout_at(t, elem, depth + 1, &n, &sub);
	if (err)
		return err;
	if (n == 1 && sub[0].count == 1 && sub[0].kind != GR_TSLOT_POOL_LOCAL) {
		struct gr_tslot s = sub[0];
		s.off += base;
		s.stride = esize;
		s.count = dt->count;
		return push(b, s);
	} else if (n && dt->count * n <= MAX_UNROLL) {
		/* sub points into t->slots, which only layout_at grows. */
		for (uint64_t i = 0; i < dt->count; i++)
			for (uint32_t k = 0; k < n; k++) {
				struct gr_tslot s = sub[k];
				s.off += base + i * esize;
				if ((err = push(b, s)))
					return err;
			}
	} else if (n) {
		return push_slot(b, base, esize, dt->count, elem,
				 GR_TSLOT_NESTED);
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *add_type(struct gr_types *t, struct lbuf *b,
				 uint32_t type, uint64_t base, unsigned depth)
{
	uint32_t id = gr_dwarf_type_strip(t->dwarf, type);
	const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, id);
	if (!dt || depth > MAX_DEPTH)
		return NULL;
	struct gr_tslot s = {.off = base, .count = 1,
			     .type = GR_DWARF_NO_TYPE};
	switch (dt->go_kind) {
	case GR_GO_KIND_POINTER:
		if (dt->type == GR_DWARF_NO_TYPE)
			return NULL;
		s.kind = GR_TSLOT_PTR;
		s.type = dt->type;
		break;
	case GR_GO_KIND_SLICE:
		s.kind = GR_TSLOT_SLICE;
		s.type = dt->elem;
		break;
	case GR_GO_KIND_STRING:
		s.kind = GR_TSLOT_STRING;
		break;
	case GR_GO_KIND_INTERFACE: {
		const struct gr_dwarf_type *rep = gr_dwarf_type(
			t->dwarf, gr_dwarf_type_strip(t->dwarf, dt->type));
		/* runtime.eface / runtime.iface (cmd/link dwarf.go). */
		s.kind = rep && strstr(rep->name, "eface") ? GR_TSLOT_EFACE
							   : GR_TSLOT_IFACE;
		break;
	}
	case GR_GO_KIND_MAP:
		s.kind = GR_TSLOT_MAP;
		s.type = id;
		break;
	case GR_GO_KIND_CHAN:
		s.kind = GR_TSLOT_CHAN;
		s.type = id;
		break;
	case GR_GO_KIND_FUNC:
		s.kind = GR_TSLOT_FUNC;
		break;
	case GR_GO_KIND_STRUCT:
	case GR_GO_KIND_NONE:
		if (dt->kind == GR_DWARF_TYPE_STRUCT)
			return add_struct(t, b, id, dt, base, depth);
		if (dt->kind == GR_DWARF_TYPE_ARRAY)
			return add_array(t, b, dt, base, depth);
		return NULL;
	case GR_GO_KIND_ARRAY:
		return add_array(t, b, dt, base, depth);
	default:
		return NULL;
	}
	if ((s.kind == GR_TSLOT_SLICE || s.kind == GR_TSLOT_PTR) &&
	    s.type == GR_DWARF_NO_TYPE)
		return NULL;
	return push(b, s);
}

/* What typing a PTR or SLICE slot's target needs of its type, once per
 * slot instead of once per pointer (struct gr_tslot). */
static void resolve_target(const struct gr_dwarf *d, struct gr_tslot *s)
{
	s->sid = s->type;
	s->tkind = 0;
	s->size = 0;
	s->base = false;
	if (s->kind != GR_TSLOT_PTR && s->kind != GR_TSLOT_SLICE)
		return;
	s->sid = gr_dwarf_type_strip(d, s->type);
	const struct gr_dwarf_type *dt = gr_dwarf_type(d, s->sid);
	s->size = types_dwarf_size(d, s->sid);
	s->base = dt && dt->kind == GR_DWARF_TYPE_BASE;
}

/* The slots of stripped type @id: *@n of them from *@ret (NULL if
 * none). */
GR_MUST_USE
static struct gr_error *layout_at(struct gr_types *t, uint32_t id,
				  unsigned depth, uint32_t *n,
				  const struct gr_tslot **ret)
{
	*n = 0;
	*ret = NULL;
	if (id >= gr_dwarf_type_count(t->dwarf) || depth > MAX_DEPTH)
		return NULL;
	uint32_t have = t->layout_of[id];
	if (have == BUILDING)
		return NULL;
	if (!have) {
		t->layout_of[id] = BUILDING;
		struct lbuf b = {0};
		size_t lcap = t->layouts_cap, scap = t->slots_cap;
		struct gr_error *err;
		if ((err = add_type(t, &b, id, 0, depth)) ||
		    (err = gr_array_grow(&t->layouts, &lcap, t->nlayouts, 1)) ||
		    (err = gr_array_grow(&t->slots, &scap, t->nslots, b.n))) {
			free(b.v);
			t->layout_of[id] = 0;
			return err;
		}
		t->layouts_cap = (uint32_t)lcap;
		t->slots_cap = (uint32_t)scap;
		for (size_t i = 0; i < b.n; i++)
			resolve_target(t->dwarf, &b.v[i]);
		if (b.n)
			memcpy(t->slots + t->nslots, b.v, b.n * sizeof(*b.v));
		free(b.v);
		t->layouts[t->nlayouts] =
			(struct gr_tlayout){t->nslots, (uint32_t)b.n};
		t->nslots += (uint32_t)b.n;
		have = t->layout_of[id] = ++t->nlayouts;
	}
	const struct gr_tlayout *l = &t->layouts[have - 1];
	*n = l->n;
	*ret = l->n ? t->slots + l->first : NULL;
	return NULL;
}

struct gr_error *types_layout(struct gr_types *t, uint32_t id, uint32_t *n,
			      const struct gr_tslot **ret)
{
	return layout_at(t, gr_dwarf_type_strip(t->dwarf, id), 0, n, ret);
}

static uint64_t field_off(const struct gr_dwarf *d, const char *type,
			  const char *field, bool *ok)
{
	struct gr_dwarf_member m = {0};
	/* The executable's DWARF, probed for one of several spellings: an
	 * absent member is the answer (*ok), not damage of the core. */
	struct gr_error *err = gr_dwarf_member_of(d, type, field, NULL, &m);
	if (err)
		*ok = false;
	gr_error_destroy(err);
	return m.off;
}

struct gr_error *types_rt_resolve(struct gr_types *t)
{
	const struct gr_dwarf *d = t->dwarf;
	struct gr_types_rt *rt = &t->rt;
	/* runtime.itab{inter, _type, ...} (<= 1.20), internal/abi.ITab{Inter,
	 * Type, ...} (1.21+): the dynamic type is the second word. */
	bool ok = true;
	rt->itab_type = field_off(d, "runtime.itab", "_type", &ok);
	if (!ok) {
		ok = true;
		rt->itab_type = field_off(d, "internal/abi.ITab", "Type", &ok);
	}
	if (!ok)
		rt->itab_type = GR_ITAB_TYPE;
	ok = true;
	rt->hchan_buf = field_off(d, "runtime.hchan", "buf", &ok);
	rt->hchan_qcount = field_off(d, "runtime.hchan", "qcount", &ok);
	rt->hchan_dataqsiz = field_off(d, "runtime.hchan", "dataqsiz", &ok);
	rt->have_hchan = ok;
	rt->hchan_elemtype = field_off(d, "runtime.hchan", "elemtype", &ok);
	rt->have_hchan_elemtype = ok;
	ok = true;
	rt->struct_fields = field_off(d, "internal/abi.StructType", "Fields", &ok);
	rt->sfield_typ = field_off(d, "internal/abi.StructField", "Typ", &ok);
	rt->sfield_off = field_off(d, "internal/abi.StructField", "Offset", &ok);
	rt->sfield_name = field_off(d, "internal/abi.StructField", "Name", &ok);
	if (!ok) {
		ok = true;
		rt->struct_fields =
			field_off(d, "runtime.structtype", "fields", &ok);
		rt->sfield_typ = field_off(d, "runtime.structfield", "typ", &ok);
		rt->sfield_name =
			field_off(d, "runtime.structfield", "name", &ok);
		rt->sfield_off =
			field_off(d, "runtime.structfield", "offset", &ok);
	}
	struct gr_error *err = gr_dwarf_type_size_of(
		d, "internal/abi.StructField", &rt->sfield_size);
	if (gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)))
		err = gr_dwarf_type_size_of(d, "runtime.structfield",
					    &rt->sfield_size);
	if (gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)))
		rt->sfield_size = 0;
	if (err)
		return err;
	rt->have_struct = ok;
	return NULL;
}
