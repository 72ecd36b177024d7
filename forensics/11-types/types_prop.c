/* SPDX-License-Identifier: MIT */
/*
 * Propagation of types over the live heap: an explicit stack of object
 * ids, each object visited once with the pointer-slot layout of its DWARF
 * type (types_layout.c).  Every word comes from gr_mem; a word that
 * cannot be read types nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/11-types/types_internal.h"

enum { MAX_NEST = 24 };

struct gr_error *types_word_mem(const struct gr_types_reader *r,
				uint64_t off, uint64_t *v, bool *ret)
{
	struct gr_error *err = gr_mem_u64(r->t->mem, r->base + off, v);
	*ret = !err;
	/* Per word read: no call on the way that succeeds. */
	if (!err)
		return NULL;
	return gr_damage_fault(&r->t->damage, err, "word");
}

static bool allowed(const struct gr_types_reader *r, uint64_t off)
{
	if (!r->allowed)
		return true;
	uint64_t a = r->base + off;
	size_t lo = 0, hi = r->nallowed;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->allowed[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nallowed && r->allowed[lo] == a;
}

GR_MUST_USE
static struct gr_error *push_work(struct gr_types *t, uint32_t id)
{
	if ((t->objs[id] & (GR_TYPES_QUEUED | GR_TYPES_LIVE)) != GR_TYPES_LIVE)
		return NULL;
	struct gr_error *err;
	if (t->nwork == t->work_cap &&
	    (err = gr_array_grow(&t->work, &t->work_cap, t->nwork, 1)))
		return err;
	t->objs[id] |= GR_TYPES_QUEUED;
	t->work[t->nwork++] = id;
	return NULL;
}

struct gr_error *types_assign_prefix(struct gr_types *t, uint32_t id,
				     uint32_t info, uint32_t layout,
				     uint64_t count)
{
	bool typed;
	struct gr_error *err = types_assign(t, id, info, layout, count,
					    GR_TYPE_SOURCE_HEADER, &typed);
	if (!err && typed)
		t->objs[id] |= GR_TYPES_PREFIX;
	return err;
}

/*
 * Object @id, typed already, is offered @layout (of @lsize bytes): the
 * header names the object; DWARF may still lay it out, when it describes
 * a value of the same size.
 */
GR_MUST_USE
static struct gr_error *relayout(struct gr_types *t, uint32_t id,
				 uint32_t layout, uint64_t lsize)
{
	const struct types_kind *cur = types_kind_of(t, id);
	/* Inference never changes what exact evidence typed. */
	if (t->inferring || cur->source != GR_TYPE_SOURCE_HEADER ||
	    (cur->layout != GR_TYPES_NO_LAYOUT &&
	     !(t->objs[id] & GR_TYPES_PREFIX)) ||
	    layout == GR_TYPES_NO_LAYOUT || lsize != t->info[cur->type].size)
		return NULL;
	uint32_t k;
	struct gr_error *err;
	if ((err = types_kind(t, cur->type, layout, GR_TYPE_SOURCE_HEADER,
			      &k)) ||
	    (err = types_set_kind(t, id, k)))
		return err;
	/* A whole-value layout is visited again after a prefix. */
	t->objs[id] &= ~(GR_TYPES_PREFIX | GR_TYPES_QUEUED);
	return push_work(t, id);
}

/* Object @id, typed as one value, holds @count of them. */
GR_MUST_USE
static __attribute__((noinline)) struct gr_error *
grow_count(struct gr_types *t, uint32_t id, uint64_t count)
{
	struct gr_error *err = types_set_count(t, id, count);
	if (err || t->kinds[types_kind_index(t, id)].layout ==
			   GR_TYPES_NO_LAYOUT)
		return err;
	t->objs[id] &= ~GR_TYPES_QUEUED;
	return push_work(t, id);
}

/* types_assign of kind @k (not 0) already interned; inline, as typing
 * calls it for every pointer it follows. */
GR_MUST_USE
static inline __attribute__((always_inline)) struct gr_error *
assign_kind(struct gr_types *t, uint32_t id,
				    uint32_t k, uint64_t count, bool *ret)
{
	if (types_typed(t, id)) {
		*ret = false;
		/* Offered as an array of what it holds one of: a pointer to
		 * the first element came first (runtime.allgptr before
		 * runtime.allgs).  The elements after it are typed too. */
		if (count > 1 && types_kind_index(t, id) == k &&
		    types_count_of(t, id) <= 1)
			return grow_count(t, id, count);
		return relayout(t, id, t->kinds[k].layout, t->kinds[k].esize);
	}
	struct gr_error *err = types_set_object(t, id, k, count);
	if (err)
		return err;
	*ret = true;
	if (t->kinds[k].layout != GR_TYPES_NO_LAYOUT)
		return push_work(t, id);
	return NULL;
}

struct gr_error *types_assign(struct gr_types *t, uint32_t id, uint32_t info,
			      uint32_t layout, uint64_t count,
			      enum gr_type_source source, bool *ret)
{
	*ret = false;
	if (info == GR_TYPE_UNKNOWN)
		return NULL;
	if (types_typed(t, id))
		return layout != GR_TYPES_NO_LAYOUT
			       ? relayout(t, id, layout,
					  types_dwarf_size(t->dwarf, layout))
			       : NULL;
	uint32_t k;
	struct gr_error *err = types_kind(t, info, layout, (uint8_t)source, &k);
	if (err)
		return err;
	return assign_kind(t, id, k, count, ret);
}

/*
 * The kind a target of slot @s (t->slots[@si], or a copy of it) gets:
 * its type named, laid out by its stripped type when that has a size,
 * from DWARF, cached in the slot: its callers look there first (for
 * every pointer), this is the first time.  0 if unknown.
 */
GR_MUST_USE
static struct gr_error *slot_kind(struct gr_types *t, struct gr_tslot *s,
				  uint32_t si, uint32_t *ret)
{
	uint32_t info, k;
	struct gr_error *err = types_of_dwarf(t, s->type, &info);
	if (err)
		return err;
	if (info == GR_TYPE_UNKNOWN) {
		*ret = 0;
		return NULL;
	}
	err = types_kind(t, info, s->size ? s->sid : GR_TYPES_NO_LAYOUT,
			 GR_TYPE_SOURCE_DWARF, &k);
	if (err)
		return err;
	*ret = s->tkind = t->slots[si].tkind = k;
	return NULL;
}

/* types_object_hit, inlined into the per-pointer paths. */
static inline uint32_t object_hit(const struct gr_types *t, uint64_t v,
				  uint64_t *dlen_ret, struct gr_heap_hit *hit)
{
	hit->id = GR_HEAP_NO_OBJECT;
	hit->span = NULL;
	uint32_t id = v ? gr_heap_find_hit(t->heap, v, hit) : GR_HEAP_NO_OBJECT;
	if (id == GR_HEAP_NO_OBJECT)
		return id;
	uint64_t doff = types_data_off_span(t, hit->span);
	if (v != hit->addr + doff)
		return GR_HEAP_NO_OBJECT;
	*dlen_ret = hit->span->elemsize - doff;
	return id;
}

uint32_t types_object_hit(const struct gr_types *t, uint64_t v,
			     uint64_t *dlen_ret, struct gr_heap_hit *hit)
{
	return object_hit(t, v, dlen_ret, hit);
}

uint32_t types_object_at(const struct gr_types *t, uint64_t v,
			    uint64_t *dlen_ret)
{
	struct gr_heap_hit hit;
	return object_hit(t, v, dlen_ret, &hit);
}

/*
 * A pointer out of the heap into the binary's data (a composite literal
 * the compiler laid out statically, "var config = &struct{...}{...}"):
 * its pointers are followed in place, a few levels deep.
 */
GR_MUST_USE
static struct gr_error *static_value(struct gr_types *t, uint64_t v,
				     uint32_t type, uint64_t size,
				     unsigned depth)
{
	const struct gr_moduledata *md = gr_session_moduledata(t->s);
	if (depth >= 4 || !size || v < md->data || v >= md->enoptrbss ||
	    size > md->enoptrbss - v)
		return NULL;
	struct gr_types_reader r = {.t = t, .base = v, .len = size};
	return types_visit_value(t, &r, type, 0, depth + 1);
}

/*
 * types_type_value with what it needs of @type resolved: @sid, @type
 * stripped, its @size and whether it is a @base type (a layout slot
 * resolves them once, struct gr_tslot).
 */
GR_MUST_USE
static struct gr_error *type_value_of(struct gr_types *t, uint64_t v,
				      uint32_t type, uint32_t sid,
				      uint64_t size, bool base,
				      enum gr_type_source source,
				      unsigned depth, struct gr_tslot *slot,
				      uint32_t si)
{
	uint64_t dlen;
	struct gr_heap_hit hit;
	uint32_t id = object_hit(t, v, &dlen, &hit);
	if (id == GR_HEAP_NO_OBJECT && v && hit.id == GR_HEAP_NO_OBJECT)
		return static_value(t, v, sid, size, depth);
	/* A value bigger than the object is not what the object holds. */
	if (id == GR_HEAP_NO_OBJECT || size > dlen)
		return NULL;
	/* A scalar alone fills its size class (8, 16 B) or shares a 16-byte
	 * tiny block; at the start of a bigger pointerless object it is the
	 * first element of an array (&buf[0], unsafe.SliceData). */
	const struct gr_span *sp = hit.span;
	uint64_t count = base && size && sp && sp->noscan && dlen > 16 &&
				 dlen / size >= 2
			       ? dlen / size
			       : 0;
	uint32_t k, info;
	bool typed;
	struct gr_error *err;
	if (slot) {
		k = slot->tkind;
		if (__builtin_expect(!k, 0) &&
		    ((err = slot_kind(t, slot, si, &k)) || !k))
			return err;
		return assign_kind(t, id, k, count, &typed);
	}
	if ((err = types_of_dwarf(t, type, &info)))
		return err;
	return types_assign(t, id, info, size ? sid : GR_TYPES_NO_LAYOUT,
			    count, source, &typed);
}

struct gr_error *types_type_static(struct gr_types *t, uint64_t addr,
				   uint32_t type)
{
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, type);
	return static_value(t, addr, sid, types_dwarf_size(t->dwarf, sid), 0);
}

struct gr_error *types_type_value(struct gr_types *t, uint64_t v,
				  uint32_t type, enum gr_type_source source,
				  unsigned depth)
{
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, type);
	const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, sid);
	return type_value_of(t, v, type, sid,
			     types_dwarf_size(t->dwarf, sid),
			     dt && dt->kind == GR_DWARF_TYPE_BASE, source,
			     depth, NULL, 0);
}

/* types_type_array of @elem stripped (@sid) of size @esize; from
 * slot @slot (t->slots[@si]) if not NULL. */
GR_MUST_USE
static struct gr_error *type_array_of(struct gr_types *t, uint64_t v,
				      uint32_t elem, uint32_t sid,
				      uint64_t esize, uint64_t n,
				      struct gr_tslot *slot, uint32_t si)
{
	uint64_t dlen;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !esize || !n)
		return NULL;
	/* A cap or a channel size read from the core is checked against
	 * what the object can hold. */
	if (n > dlen / esize)
		n = dlen / esize;
	if (!n)
		return NULL;
	uint32_t k, info;
	bool typed;
	struct gr_error *err;
	if (slot) {
		k = slot->tkind;
		if (!k && ((err = slot_kind(t, slot, si, &k)) || !k))
			return err;
		return assign_kind(t, id, k, n, &typed);
	}
	if ((err = types_of_dwarf(t, elem, &info)))
		return err;
	return types_assign(t, id, info, sid, n, GR_TYPE_SOURCE_DWARF, &typed);
}

struct gr_error *types_type_array(struct gr_types *t, uint64_t v,
				  uint32_t elem, uint64_t n)
{
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, elem);
	return type_array_of(t, v, elem, sid, types_dwarf_size(t->dwarf, sid),
			     n, NULL, 0);
}

GR_MUST_USE
static struct gr_error *string_data(struct gr_types *t, uint64_t v)
{
	struct gr_heap_hit hit;
	uint32_t id = v ? gr_heap_find_hit(t->heap, v, &hit)
			: GR_HEAP_NO_OBJECT;
	bool typed;
	if (id == GR_HEAP_NO_OBJECT)
		return NULL;
	/* Substrings point inside their bytes, and several short strings
	 * share a tiny block: a pointerless object with string bytes
	 * anywhere in it holds string data.  The runtime allocates a
	 * string's bytes without pointers (rawstring): an object with
	 * pointers is not one, whatever string points at its start (an
	 * empty one past the end of the object before, say). */
	const struct gr_span *sp = hit.span;
	if (sp && !sp->noscan)
		return NULL;
	if (v == hit.addr + types_data_off_span(t, sp) ||
	    (sp && sp->noscan))
		return types_assign(t, id, t->string_info, GR_TYPES_NO_LAYOUT,
				    0, GR_TYPE_SOURCE_DWARF, &typed);
	return NULL;
}

/* ---- slots ---- */

GR_MUST_USE
static struct gr_error *pool_local(struct gr_types *t,
				   const struct gr_types_reader *r,
				   const struct gr_tslot *s, uint64_t off)
{
	uint64_t p, n;
	bool ok;
	struct gr_error *err = types_word(r, off, &p, &ok);
	if (err || !ok || (err = types_word(r, off + s->stride, &n, &ok)) ||
	    !ok)
		return err;
	return types_type_array(t, p, s->type, n);
}

/* Slot @s, a copy of t->slots[@si], at @off of @r. */
GR_MUST_USE
static struct gr_error *visit_slot(struct gr_types *t,
				   const struct gr_types_reader *r,
				   struct gr_tslot *s, uint32_t si,
				   uint64_t off, unsigned depth)
{
	uint64_t v, n;
	bool ok;
	/* The interface pairs' pointer is their second word. */
	bool two = s->kind == GR_TSLOT_EFACE || s->kind == GR_TSLOT_IFACE;
	if (!allowed(r, two ? off + 8 : off))
		return NULL;
	if (two)
		return types_iface(t, r, off, s->kind == GR_TSLOT_EFACE, depth);
	if (s->kind == GR_TSLOT_POOL_LOCAL)
		return pool_local(t, r, s, off);
	struct gr_error *err = types_word(r, off, &v, &ok);
	if (err || !ok || !v)
		return err;
	switch ((enum gr_tslot_kind)s->kind) {
	case GR_TSLOT_PTR:
		return type_value_of(t, v, s->type, s->sid, s->size, s->base,
				     GR_TYPE_SOURCE_DWARF, depth, s, si);
	case GR_TSLOT_SLICE:
		/* A cap kept in a register (the stack word is stale) or 0
		 * for a pointer to a heap object's start: the backing array
		 * is as big as its object. */
		if ((err = types_word(r, off + 16, &n, &ok)))
			return err;
		if (!ok || !n)
			n = UINT64_MAX;
		return type_array_of(t, v, s->type, s->sid, s->size, n, s, si);
	case GR_TSLOT_STRING:
		if ((err = types_word(r, off + 8, &n, &ok)))
			return err;
		return !ok || n ? string_data(t, v) : NULL;
	case GR_TSLOT_MAP:
		return types_map_value(t, v, s->type);
	case GR_TSLOT_CHAN:
		return types_chan(t, v, s->type);
	case GR_TSLOT_FUNC:
		return types_closure(t, v);
	case GR_TSLOT_TRIE_NODE:
		return types_trie_node(t, v, s->type);
	default:
		break;
	}
	return NULL;
}

/*
 * Most slots of the heap: pointers read from an object's view, with no
 * root's allowed words (visit_slot's PTR case, shortened).  The slot is
 * t->slots[@si], read in place (nothing before the typing of a target
 * moves t->slots; static_value may, and returns).
 */
GR_MUST_USE
static struct gr_error *ptr_slot(struct gr_types *t,
				 const struct gr_types_reader *r, uint32_t si,
				 uint64_t base, unsigned depth)
{
	uint64_t soff = t->slots[si].off, stride = t->slots[si].stride;
	uint64_t count = t->slots[si].count;
	for (uint64_t j = 0; j < count; j++) {
		uint64_t off = base + soff + j * stride, v;
		if (off >= r->len)
			break;
		if (off < r->lo || r->len - off < 8)
			continue;
		memcpy(&v, r->view + off, 8);
		if (!v)
			continue;
		struct gr_tslot *s = &t->slots[si];
		struct gr_error *err =
			type_value_of(t, v, s->type, s->sid, s->size, s->base,
				      GR_TYPE_SOURCE_DWARF, depth, s, si);
		if (__builtin_expect(err != NULL, 0))
			return err;
	}
	return NULL;
}

/*
 * The slots of one value of a laid-out type, @first .. @first + @n in
 * t->slots (indices, not pointers: nested layouts built below may move
 * t->slots), at @base.  Layouts are looked up once per array, not once
 * per element: arrays of millions of elements are common.
 */
GR_MUST_USE
static struct gr_error *visit_slots(struct gr_types *t,
				    const struct gr_types_reader *r,
				    uint32_t first, uint32_t n, uint64_t base,
				    unsigned depth)
{
	bool plain = r->view && !r->allowed;
	for (uint32_t k = 0; k < n; k++) {
		struct gr_tslot *sl = &t->slots[first + k];
		struct gr_error *err;
		if (plain && sl->kind == GR_TSLOT_PTR) {
			/* One pointer, the commonest slot, without a loop. */
			uint64_t off = base + sl->off, v;
			if (sl->count != 1) {
				err = ptr_slot(t, r, first + k, base, depth);
				if (__builtin_expect(err != NULL, 0))
					return err;
			} else if (off < r->len && off >= r->lo &&
				   r->len - off >= 8) {
				memcpy(&v, r->view + off, 8);
				if (!v)
					continue;
				err = type_value_of(t, v, sl->type, sl->sid,
						    sl->size, sl->base,
						    GR_TYPE_SOURCE_DWARF,
						    depth, sl, first + k);
				if (__builtin_expect(err != NULL, 0))
					return err;
			}
			continue;
		}
		struct gr_tslot s = t->slots[first + k];
		uint32_t nfirst = 0, nn = 0;
		if (s.kind == GR_TSLOT_NESTED) {
			if (depth + 1 > MAX_NEST)
				continue;
			const struct gr_tslot *nl;
			if ((err = types_layout(t, s.type, &nn, &nl)))
				return err;
			if (!nn)
				continue;
			nfirst = (uint32_t)(nl - t->slots);
		}
		for (uint64_t j = 0; j < s.count; j++) {
			uint64_t off = base + s.off + j * s.stride;
			if (off >= r->len)
				break;
			if (s.kind == GR_TSLOT_NESTED)
				err = visit_slots(t, r, nfirst, nn, off,
						  depth + 1);
			else
				err = visit_slot(t, r, &s, first + k, off,
						 depth);
			if (err)
				return err;
		}
	}
	return NULL;
}

struct gr_error *types_visit_value(struct gr_types *t,
				   const struct gr_types_reader *r,
				   uint32_t type, uint64_t base,
				   unsigned depth)
{
	uint32_t n;
	const struct gr_tslot *sl;
	struct gr_error *err = types_layout(t, type, &n, &sl);
	if (err || !n || depth > MAX_NEST)
		return err;
	return visit_slots(t, r, (uint32_t)(sl - t->slots), n, base, depth);
}

GR_MUST_USE
static struct gr_error *visit_object(struct gr_types *t, uint32_t id)
{
	uint32_t k = types_kind_index(t, id);
	uint64_t esize = t->kinds[k].esize;
	struct gr_error *err;
	if (!esize)
		return NULL;
	const struct gr_span *sp = &t->sizes.spans[t->sizes.obj_span[id]];
	uint64_t doff = types_data_off_span(t, sp);
	uint64_t dlen = sp->elemsize - doff;
	uint64_t count = types_count_of(t, id);
	uint64_t n = count ? count : 1;
	if (n > dlen / esize)
		n = dlen / esize;
	/* The layout of a kind is looked up once, not once per object. */
	if (!t->kinds[k].lresolved) {
		uint32_t nl;
		const struct gr_tslot *sl;
		if ((err = types_layout(t, t->kinds[k].layout, &nl, &sl)))
			return err;
		t->kinds[k].lfirst = nl ? (uint32_t)(sl - t->slots) : 0;
		t->kinds[k].ln = nl;
		t->kinds[k].lresolved = true;
	}
	uint32_t first = t->kinds[k].lfirst, nl = t->kinds[k].ln;
	if (!nl)
		return NULL;
	struct gr_types_reader r = {
		.t = t,
		.base = gr_heap_object_addr(t->heap, id) + doff,
		.len = n * esize,
	};
	err = gr_mem_view(t->mem, r.base, r.len, &r.view);
	/* No view (the bytes span segments, or some are missing) is not
	 * damage: the words are read one by one, and those reads record
	 * what fails. */
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)))
		r.view = NULL;
	for (uint64_t i = 0; i < n && !err; i++)
		err = visit_slots(t, &r, first, nl, i * esize, 0);
	return err;
}

/* ---- roots ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/*
 * runtime/mfinal.go finalizer{fn, arg, nret, fint, ot}: the queue's root
 * has the slots fn, arg, fint, ot (rtroots_queue.c); ot is the *T type of
 * arg.
 */
GR_MUST_USE
static struct gr_error *finq_root(struct gr_types *t,
				  const struct gr_root_slot *sl, size_t n)
{
	if (n < 4)
		return NULL;
	struct gr_error *err = types_closure(t, sl[0].value);
	if (err)
		return err;
	uint32_t d = types_dwarf_of_rtype(t, sl[3].value);
	const struct gr_dwarf_type *pt =
		gr_dwarf_type(t->dwarf, gr_dwarf_type_strip(t->dwarf, d));
	if (pt && pt->go_kind == GR_GO_KIND_POINTER)
		return types_type_value(t, sl[1].value, pt->type,
					GR_TYPE_SOURCE_DWARF, 0);
	return NULL;
}

GR_MUST_USE
static struct gr_error *typed_root(struct gr_types *t,
				   const struct gr_root *r,
				   const struct gr_root_slot *sl, size_t n)
{
	uint32_t type = r->dwarf_type;
	uint64_t size = types_dwarf_size(t->dwarf, type);
	uint64_t var_off = types_root_var_off(r);
	if (!size || var_off > r->addr || var_off >= size)
		return NULL;
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	if (!addrs)
		return gr_error_nomem();
	size_t na = 0;
	struct gr_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		if (sl[i].slot)
			addrs[na++] = sl[i].slot;
		/* A finalizer's object is its own root's slot 0. */
		else if (sl[i].value == r->addr)
			err = types_type_value(t, r->addr, type,
					       GR_TYPE_SOURCE_DWARF, 0);
	}
	if (err) {
		free(addrs);
		return err;
	}
	qsort(addrs, na, sizeof(*addrs), cmp_u64);
	/* A stack root covers the piece of its variable in memory. */
	uint64_t end = r->size && r->size < size - var_off ? var_off + r->size
							    : size;
	struct gr_types_reader rd = {.t = t, .base = r->addr - var_off,
				     .lo = var_off, .len = end,
				     .allowed = addrs, .nallowed = na};
	if (na && r->kind != GR_ROOT_FINALIZER_OBJECT)
		err = types_visit_value(t, &rd, type, 0, 0);
	free(addrs);
	return err;
}

GR_MUST_USE
static struct gr_error *type_roots(struct gr_types *t)
{
	size_t nr = gr_roots_count(t->roots);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < nr; i++) {
		const struct gr_root *r = gr_roots_get(t->roots, i);
		const struct gr_root_slot *sl = gr_roots_slots(t->roots, i);
		size_t n = gr_roots_slot_count(t->roots, i);
		switch (r->kind) {
		case GR_ROOT_POOL:
		case GR_ROOT_POOL_VICTIM:
			/* Slots are the val words of sync/pool.go's
			 * eface{typ, val} pairs. */
			for (size_t k = 0; k < n; k++) {
				uint64_t tw;
				err = gr_mem_u64(t->mem, sl[k].slot - 8, &tw);
				if (err) {
					if ((err = gr_damage_fault(
						     &t->damage, err,
						     "pool type word")))
						return err;
					continue;
				}
				if (err || (err = types_iface_data(
						    t, tw, sl[k].value, 0)))
					return err;
			}
			continue;
		case GR_ROOT_FINQ:
			if ((err = finq_root(t, sl, n)))
				return err;
			continue;
		case GR_ROOT_FINALIZER:
		case GR_ROOT_CLEANUP:
		case GR_ROOT_CLEANUP_QUEUE:
			for (size_t k = 0; k < n; k++)
				if ((err = types_closure(t, sl[k].value)))
					return err;
			/* 1.26+ cleanupFn{call, fn, arg} (specials_roots.c). */
			if (r->kind == GR_ROOT_CLEANUP && n == 3 &&
			    (err = types_cleanup_arg(t, sl[1].value,
						     sl[2].value)))
				return err;
			break;
		default:
			break;
		}
		if (r->dwarf_type != GR_ROOT_NO_TYPE &&
		    (err = typed_root(t, r, sl, n)))
			return err;
	}
	return NULL;
}

struct gr_error *types_propagate(struct gr_types *t)
{
	struct gr_error *err = types_intern(t, "string data", 1,
					    GR_DWARF_NO_TYPE, 0,
					    &t->string_info);
	if (err || (gr_dwarf_present(t->dwarf) && (err = type_roots(t))))
		return err;
	return types_drain(t);
}

struct gr_error *types_drain(struct gr_types *t)
{
	struct gr_error *err = NULL;
	while (t->nwork && !err)
		err = visit_object(t, t->work[--t->nwork]);
	return err;
}
