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

#include "forensics/gobin/moduledata.h"
#include "forensics/gobin/pclntab.h"
#include "forensics/input/mem.h"
#include "forensics/rtype/rtype.h"
#include "forensics/types/types_internal.h"

enum { MAX_NEST = 24 };

bool types_word_mem(const struct gr_types_reader *r, uint64_t off,
		       uint64_t *v)
{
	struct gr_error *err = gr_mem_u64(r->t->mem, r->base + off, v);
	return !types_failed(r->t, err, GR_ERR_BIT(FAULT));
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

static void push_work(struct gr_types *t, uint32_t id)
{
	if ((t->objs[id] & (GR_TYPES_QUEUED | GR_TYPES_LIVE)) != GR_TYPES_LIVE)
		return;
	if (t->nwork == t->work_cap &&
	    !types_grow((void **)&t->work, &t->work_cap, t->nwork + 1,
			   sizeof(*t->work))) {
		t->nomem = true;
		return;
	}
	t->objs[id] |= GR_TYPES_QUEUED;
	t->work[t->nwork++] = id;
}

void types_assign_prefix(struct gr_types *t, uint32_t id, uint32_t info,
			    uint32_t layout, uint64_t count)
{
	if (types_assign(t, id, info, layout, count, GR_TYPE_SOURCE_HEADER))
		t->objs[id] |= GR_TYPES_PREFIX;
}

/*
 * Object @id, typed already, is offered @layout (of @lsize bytes): the
 * header names the object; DWARF may still lay it out, when it describes
 * a value of the same size.
 */
static void relayout(struct gr_types *t, uint32_t id, uint32_t layout,
		     uint64_t lsize)
{
	const struct types_kind *cur = types_kind_of(t, id);
	if (cur->source != GR_TYPE_SOURCE_HEADER ||
	    (cur->layout != GR_TYPES_NO_LAYOUT &&
	     !(t->objs[id] & GR_TYPES_PREFIX)) ||
	    layout == GR_TYPES_NO_LAYOUT || lsize != t->info[cur->type].size)
		return;
	uint32_t k = types_kind(t, cur->type, layout, GR_TYPE_SOURCE_HEADER);
	if (!k || !types_set_kind(t, id, k))
		return;
	/* A whole-value layout is visited again after a prefix. */
	t->objs[id] &= ~(GR_TYPES_PREFIX | GR_TYPES_QUEUED);
	push_work(t, id);
}

/* types_assign of kind @k (not 0) already interned. */
static bool assign_kind(struct gr_types *t, uint32_t id, uint32_t k,
			uint64_t count)
{
	if (types_typed(t, id)) {
		relayout(t, id, t->kinds[k].layout, t->kinds[k].esize);
		return false;
	}
	if (!types_set_object(t, id, k, count))
		return false;
	if (t->kinds[k].layout != GR_TYPES_NO_LAYOUT)
		push_work(t, id);
	return true;
}

bool types_assign(struct gr_types *t, uint32_t id, uint32_t info,
		     uint32_t layout, uint64_t count,
		     enum gr_type_source source)
{
	if (info == GR_TYPE_UNKNOWN)
		return false;
	if (types_typed(t, id)) {
		if (layout != GR_TYPES_NO_LAYOUT)
			relayout(t, id, layout,
				 types_dwarf_size(t->dwarf, layout));
		return false;
	}
	uint32_t k = types_kind(t, info, layout, (uint8_t)source);
	return k && assign_kind(t, id, k, count);
}

/*
 * The kind a target of slot @s (t->slots[@si], or a copy of it) gets:
 * its type named, laid out by its stripped type when that has a size,
 * from DWARF.  Cached in the slot after the first; 0 if unknown.
 */
static uint32_t slot_kind(struct gr_types *t, struct gr_tslot *s, uint32_t si)
{
	if (s->tkind)
		return s->tkind;
	uint32_t info = types_of_dwarf(t, s->type);
	if (info == GR_TYPE_UNKNOWN)
		return 0;
	uint32_t k = types_kind(t, info,
				   s->size ? s->sid : GR_TYPES_NO_LAYOUT,
				   GR_TYPE_SOURCE_DWARF);
	s->tkind = t->slots[si].tkind = k;
	return k;
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
static void static_value(struct gr_types *t, uint64_t v, uint32_t type,
			 uint64_t size, unsigned depth)
{
	const struct gr_moduledata *md = gr_session_moduledata(t->s);
	if (depth >= 4 || !size || v < md->data || v >= md->enoptrbss ||
	    size > md->enoptrbss - v)
		return;
	struct gr_types_reader r = {.t = t, .base = v, .len = size};
	types_visit_value(t, &r, type, 0, depth + 1);
}

/*
 * types_type_value with what it needs of @type resolved: @sid, @type
 * stripped, its @size and whether it is a @base type (a layout slot
 * resolves them once, struct gr_tslot).
 */
static bool type_value_of(struct gr_types *t, uint64_t v, uint32_t type,
			  uint32_t sid, uint64_t size, bool base,
			  enum gr_type_source source, unsigned depth,
			  struct gr_tslot *slot, uint32_t si)
{
	uint64_t dlen;
	struct gr_heap_hit hit;
	uint32_t id = object_hit(t, v, &dlen, &hit);
	if (id == GR_HEAP_NO_OBJECT && v && hit.id == GR_HEAP_NO_OBJECT) {
		static_value(t, v, sid, size, depth);
		return false;
	}
	/* A value bigger than the object is not what the object holds. */
	if (id == GR_HEAP_NO_OBJECT || size > dlen)
		return false;
	/* A scalar alone fills its size class (8, 16 B) or shares a 16-byte
	 * tiny block; at the start of a bigger pointerless object it is the
	 * first element of an array (&buf[0], unsafe.SliceData). */
	const struct gr_span *sp = hit.span;
	uint64_t count = base && size && sp && sp->noscan && dlen > 16 &&
				 dlen / size >= 2
			       ? dlen / size
			       : 0;
	if (slot) {
		uint32_t k = slot_kind(t, slot, si);
		return k && assign_kind(t, id, k, count);
	}
	return types_assign(t, id, types_of_dwarf(t, type),
			       size ? sid : GR_TYPES_NO_LAYOUT, count, source);
}

bool types_type_value(struct gr_types *t, uint64_t v, uint32_t type,
			 enum gr_type_source source, unsigned depth)
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
static void type_array_of(struct gr_types *t, uint64_t v, uint32_t elem,
			  uint32_t sid, uint64_t esize, uint64_t n,
			  struct gr_tslot *slot, uint32_t si)
{
	uint64_t dlen;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !esize || !n)
		return;
	/* A cap or a channel size read from the core is checked against
	 * what the object can hold. */
	if (n > dlen / esize)
		n = dlen / esize;
	if (!n)
		return;
	if (slot) {
		uint32_t k = slot_kind(t, slot, si);
		if (k)
			assign_kind(t, id, k, n);
		return;
	}
	types_assign(t, id, types_of_dwarf(t, elem), sid, n,
			GR_TYPE_SOURCE_DWARF);
}

void types_type_array(struct gr_types *t, uint64_t v, uint32_t elem,
			 uint64_t n)
{
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, elem);
	type_array_of(t, v, elem, sid, types_dwarf_size(t->dwarf, sid), n,
		      NULL, 0);
}

static void string_data(struct gr_types *t, uint64_t v)
{
	struct gr_heap_hit hit;
	uint32_t id = v ? gr_heap_find_hit(t->heap, v, &hit)
			: GR_HEAP_NO_OBJECT;
	if (id == GR_HEAP_NO_OBJECT)
		return;
	/* Substrings point inside their bytes, and several short strings
	 * share a tiny block: a pointerless object with string bytes
	 * anywhere in it holds string data. */
	const struct gr_span *sp = hit.span;
	if (v == hit.addr + types_data_off_span(t, sp) ||
	    (sp && sp->noscan))
		types_assign(t, id, t->string_info, GR_TYPES_NO_LAYOUT, 0,
				GR_TYPE_SOURCE_DWARF);
}

/* ---- slots ---- */

static void pool_local(struct gr_types *t, const struct gr_types_reader *r,
		       const struct gr_tslot *s, uint64_t off)
{
	uint64_t p, n;
	if (types_word(r, off, &p) && types_word(r, off + s->stride, &n))
		types_type_array(t, p, s->type, n);
}

/* Slot @s, a copy of t->slots[@si], at @off of @r. */
static void visit_slot(struct gr_types *t, const struct gr_types_reader *r,
		       struct gr_tslot *s, uint32_t si, uint64_t off,
		       unsigned depth)
{
	uint64_t v, n;
	/* The interface pairs' pointer is their second word. */
	bool two = s->kind == GR_TSLOT_EFACE || s->kind == GR_TSLOT_IFACE;
	if (!allowed(r, two ? off + 8 : off))
		return;
	if (two) {
		types_iface(t, r, off, s->kind == GR_TSLOT_EFACE, depth);
		return;
	}
	if (s->kind == GR_TSLOT_POOL_LOCAL) {
		pool_local(t, r, s, off);
		return;
	}
	if (!types_word(r, off, &v) || !v)
		return;
	switch ((enum gr_tslot_kind)s->kind) {
	case GR_TSLOT_PTR:
		type_value_of(t, v, s->type, s->sid, s->size, s->base,
			      GR_TYPE_SOURCE_DWARF, depth, s, si);
		break;
	case GR_TSLOT_SLICE:
		/* A cap kept in a register (the stack word is stale) or 0
		 * for a pointer to a heap object's start: the backing array
		 * is as big as its object. */
		if (!types_word(r, off + 16, &n) || !n)
			n = UINT64_MAX;
		type_array_of(t, v, s->type, s->sid, s->size, n, s, si);
		break;
	case GR_TSLOT_STRING:
		if (!types_word(r, off + 8, &n) || n)
			string_data(t, v);
		break;
	case GR_TSLOT_MAP:
		types_map_value(t, v, s->type);
		break;
	case GR_TSLOT_CHAN:
		types_chan(t, v, s->type);
		break;
	case GR_TSLOT_FUNC:
		types_closure(t, v);
		break;
	case GR_TSLOT_TRIE_NODE:
		types_trie_node(t, v, s->type);
		break;
	default:
		break;
	}
}

/*
 * Most slots of the heap: pointers read from an object's view, with no
 * root's allowed words (visit_slot's PTR case, shortened).  The slot is
 * t->slots[@si], read in place (nothing before the typing of a target
 * moves t->slots; static_value may, and returns).
 */
static void ptr_slot(struct gr_types *t, const struct gr_types_reader *r,
		     uint32_t si, uint64_t base, unsigned depth)
{
	uint64_t soff = t->slots[si].off, stride = t->slots[si].stride;
	uint64_t count = t->slots[si].count;
	for (uint64_t j = 0; j < count && !t->nomem; j++) {
		uint64_t off = base + soff + j * stride, v;
		if (off >= r->len)
			break;
		if (off < r->lo || r->len - off < 8)
			continue;
		memcpy(&v, r->view + off, 8);
		if (!v)
			continue;
		struct gr_tslot *s = &t->slots[si];
		type_value_of(t, v, s->type, s->sid, s->size, s->base,
			      GR_TYPE_SOURCE_DWARF, depth, s, si);
	}
}

/*
 * The slots of one value of a laid-out type, @first .. @first + @n in
 * t->slots (indices, not pointers: nested layouts built below may move
 * t->slots), at @base.  Layouts are looked up once per array, not once
 * per element: arrays of millions of elements are common.
 */
static void visit_slots(struct gr_types *t, const struct gr_types_reader *r,
			uint32_t first, uint32_t n, uint64_t base,
			unsigned depth)
{
	bool plain = r->view && !r->allowed;
	for (uint32_t k = 0; k < n && !t->nomem; k++) {
		struct gr_tslot *sl = &t->slots[first + k];
		if (plain && sl->kind == GR_TSLOT_PTR) {
			/* One pointer, the commonest slot, without a loop. */
			uint64_t off = base + sl->off, v;
			if (sl->count != 1) {
				ptr_slot(t, r, first + k, base, depth);
			} else if (off < r->len && off >= r->lo &&
				   r->len - off >= 8) {
				memcpy(&v, r->view + off, 8);
				if (v)
					type_value_of(t, v, sl->type, sl->sid,
						      sl->size, sl->base,
						      GR_TYPE_SOURCE_DWARF,
						      depth, sl, first + k);
			}
			continue;
		}
		struct gr_tslot s = t->slots[first + k];
		uint32_t nfirst = 0, nn = 0;
		if (s.kind == GR_TSLOT_NESTED) {
			if (depth + 1 > MAX_NEST)
				continue;
			const struct gr_tslot *nl;
			if (types_failed(t, types_layout(t, s.type, &nn, &nl),
					 0) ||
			    !nn)
				continue;
			nfirst = (uint32_t)(nl - t->slots);
		}
		for (uint64_t j = 0; j < s.count && !t->nomem; j++) {
			uint64_t off = base + s.off + j * s.stride;
			if (off >= r->len)
				break;
			if (s.kind == GR_TSLOT_NESTED)
				visit_slots(t, r, nfirst, nn, off, depth + 1);
			else
				visit_slot(t, r, &s, first + k, off, depth);
		}
	}
}

void types_visit_value(struct gr_types *t, const struct gr_types_reader *r,
			  uint32_t type, uint64_t base, unsigned depth)
{
	uint32_t n;
	const struct gr_tslot *sl;
	if (types_failed(t, types_layout(t, type, &n, &sl), 0) || !n ||
	    depth > MAX_NEST)
		return;
	visit_slots(t, r, (uint32_t)(sl - t->slots), n, base, depth);
}

static void visit_object(struct gr_types *t, uint32_t id)
{
	uint32_t k = types_kind_index(t, id);
	uint64_t esize = t->kinds[k].esize;
	if (!esize)
		return;
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
		if (types_failed(t, types_layout(t, t->kinds[k].layout, &nl,
						 &sl),
				 0))
			return;
		t->kinds[k].lfirst = nl ? (uint32_t)(sl - t->slots) : 0;
		t->kinds[k].ln = nl;
		t->kinds[k].lresolved = true;
	}
	uint32_t first = t->kinds[k].lfirst, nl = t->kinds[k].ln;
	if (!nl)
		return;
	struct gr_types_reader r = {
		.t = t,
		.base = gr_heap_object_addr(t->heap, id) + doff,
		.len = n * esize,
	};
	struct gr_error *err = gr_mem_view(t->mem, r.base, r.len, &r.view);
	if (types_failed(t, err, GR_ERR_BIT(FAULT)))
		r.view = NULL;
	for (uint64_t i = 0; i < n && !t->nomem; i++)
		visit_slots(t, &r, first, nl, i * esize, 0);
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
static void finq_root(struct gr_types *t, const struct gr_root_slot *sl,
		      size_t n)
{
	if (n < 4)
		return;
	types_closure(t, sl[0].value);
	uint32_t d = types_dwarf_of_rtype(t, sl[3].value);
	const struct gr_dwarf_type *pt =
		gr_dwarf_type(t->dwarf, gr_dwarf_type_strip(t->dwarf, d));
	if (pt && pt->go_kind == GR_GO_KIND_POINTER)
		types_type_value(t, sl[1].value, pt->type,
				    GR_TYPE_SOURCE_DWARF, 0);
}

static bool typed_root(struct gr_types *t, const struct gr_root *r,
		       const struct gr_root_slot *sl, size_t n)
{
	uint32_t type = r->dwarf_type;
	uint64_t size = types_dwarf_size(t->dwarf, type);
	uint64_t var_off = types_root_var_off(r);
	if (!size || var_off > r->addr || var_off >= size)
		return true;
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	if (!addrs)
		return false;
	size_t na = 0;
	for (size_t i = 0; i < n; i++) {
		if (sl[i].slot)
			addrs[na++] = sl[i].slot;
		/* A finalizer's object is its own root's slot 0. */
		else if (sl[i].value == r->addr)
			types_type_value(t, r->addr, type,
					    GR_TYPE_SOURCE_DWARF, 0);
	}
	qsort(addrs, na, sizeof(*addrs), cmp_u64);
	/* A stack root covers the piece of its variable in memory. */
	uint64_t end = r->size && r->size < size - var_off ? var_off + r->size
							    : size;
	struct gr_types_reader rd = {.t = t, .base = r->addr - var_off,
				     .lo = var_off, .len = end,
				     .allowed = addrs, .nallowed = na};
	if (na && r->kind != GR_ROOT_FINALIZER_OBJECT)
		types_visit_value(t, &rd, type, 0, 0);
	free(addrs);
	return true;
}

static bool type_roots(struct gr_types *t)
{
	size_t nr = gr_roots_count(t->roots);
	for (size_t i = 0; i < nr && !t->nomem; i++) {
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
				struct gr_error *err =
					gr_mem_u64(t->mem, sl[k].slot - 8, &tw);
				if (!types_failed(t, err, GR_ERR_BIT(FAULT)))
					types_iface_data(t, tw,
							    sl[k].value, 0);
			}
			continue;
		case GR_ROOT_FINQ:
			finq_root(t, sl, n);
			continue;
		case GR_ROOT_FINALIZER:
		case GR_ROOT_CLEANUP:
		case GR_ROOT_CLEANUP_QUEUE:
			for (size_t k = 0; k < n; k++)
				types_closure(t, sl[k].value);
			/* 1.26+ cleanupFn{call, fn, arg} (specials_roots.c). */
			if (r->kind == GR_ROOT_CLEANUP && n == 3)
				types_cleanup_arg(t, sl[1].value,
						     sl[2].value);
			break;
		default:
			break;
		}
		if (r->dwarf_type != GR_ROOT_NO_TYPE &&
		    !typed_root(t, r, sl, n))
			return false;
	}
	return true;
}

bool types_propagate(struct gr_types *t)
{
	t->string_info = types_intern(t, "string data", 1, GR_DWARF_NO_TYPE,
					 0);
	if (t->string_info == GR_TYPE_UNKNOWN)
		return false;
	if (gr_dwarf_present(t->dwarf) && !type_roots(t))
		return false;
	while (t->nwork && !t->nomem)
		visit_object(t, t->work[--t->nwork]);
	return !t->nomem;
}
