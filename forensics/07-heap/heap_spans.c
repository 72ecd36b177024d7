/* SPDX-License-Identifier: MIT */
/*
 * Arenas (mheap_.allArenas / heapArenas and the mheap_.arenas index),
 * spans (mheap_.allspans) and the allocated objects of every in-use span.
 * Every span is checked against what can physically exist before it is
 * believed; a span that fails is recorded as damage and skipped.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"
#include "forensics/07-heap/heap_internal.h"

enum {
	/* allspans pointers read per gr_mem_read. */
	SPAN_PTR_CHUNK = 1024,
};

/* ---- arenas ---- */

static int cmp_arena(const void *a, const void *b)
{
	const struct heap_arena *x = a, *y = b;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

GR_MUST_USE
static struct gr_error *read_slice(struct gr_mem *mem, uint64_t at,
				   uint64_t *ptr, uint64_t *len)
{
	uint8_t b[24];
	struct gr_error *err = gr_mem_read(mem, at, b, sizeof(b));
	if (err)
		return err;
	*ptr = heap_get(b, (struct heap_member){0, 8});
	*len = heap_get(b, (struct heap_member){8, 8});
	uint64_t cap = heap_get(b, (struct heap_member){16, 8});
	if (*len > cap)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "slice at 0x%" PRIx64 ": len %" PRIu64
				       " > cap %" PRIu64,
				       at, *len, cap);
	return NULL;
}

/* Append the arenas listed by the []arenaIdx at @slice_at. */
GR_MUST_USE
static struct gr_error *add_arena_list(struct gr_heap *h, uint64_t slice_at)
{
	const struct heap_layout *L = &h->L;
	uint64_t ptr, len, max = L->arenas_l1 * L->arenas_l2;
	struct gr_error *err = read_slice(h->mem, slice_at, &ptr, &len);
	if (err)
		return gr_error_prefix(err, "mheap_ arena list");
	if (len > max || !gr_mem_readable(h->mem, ptr, len * 8))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "mheap_ arena list: %" PRIu64
				       " entries at 0x%" PRIx64
				       " cannot be read",
				       len, ptr);
	if ((err = gr_array_grow(&h->arenas, &h->arenas_cap, h->narenas,
				 len + 1)))
		return err;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t ai, l2base, ha;
		if ((err = gr_mem_u64(h->mem, ptr + 8 * i, &ai)))
			return err;
		/* arenaIdx.l1() = ai >> arenaL1Shift (= arenaL2Bits), l2() =
		 * ai & (1<<arenaL2Bits - 1) (runtime/mheap.go). */
		uint64_t l1 = ai / L->arenas_l2, l2 = ai % L->arenas_l2;
		if (l1 >= L->arenas_l1) {
			err = gr_damage_add(&h->damage, ptr + 8 * i, 0,
					    "arena index out of range");
			if (err)
				return err;
			continue;
		}
		uint64_t at = L->mheap_addr + L->mheap_arenas.off + 8 * l1;
		if ((err = gr_mem_u64(h->mem, at, &l2base)) ||
		    (err = gr_mem_u64(h->mem, l2base + 8 * l2, &ha))) {
			err = gr_damage_catch(&h->damage, err,
					      GR_ERR_BIT(FAULT), at,
					      L->k.heap_arena_bytes,
					      "unreadable arena index");
			if (err)
				return err;
			continue;
		}
		if (!ha || !gr_mem_readable(h->mem, ha, L->ha_size)) {
			err = gr_damage_add(&h->damage, ha,
					    L->k.heap_arena_bytes,
					    "unreadable heapArena");
			if (err)
				return err;
			continue;
		}
		h->arenas[h->narenas++] = (struct heap_arena){
			ai, ai * L->k.heap_arena_bytes + L->k.arena_base_offset,
			ha};
	}
	return NULL;
}

struct gr_error *heap_load_arenas(struct gr_heap *h)
{
	const struct heap_layout *L = &h->L;
	struct gr_error *err = add_arena_list(
		h, L->mheap_addr + L->mheap_all_arenas.off);
	if (!err && L->mheap_user_arenas.size)
		err = add_arena_list(h,
				     L->mheap_addr + L->mheap_user_arenas.off);
	if (err)
		return err;
	if (h->narenas == 0)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "mheap_: no heap arena can be read");
	qsort(h->arenas, h->narenas, sizeof(*h->arenas), cmp_arena);
	size_t n = 1;
	for (size_t i = 1; i < h->narenas; i++)
		if (h->arenas[i].idx != h->arenas[n - 1].idx)
			h->arenas[n++] = h->arenas[i];
	h->narenas = n;
	h->bd.arena_bytes = n * L->k.heap_arena_bytes;
	return NULL;
}

/* ---- spans ---- */

static uint64_t page_in_arena(const struct gr_heap *h, uint64_t addr)
{
	uint64_t ps = h->L.k.page_size;
	return (addr / ps) % (h->L.k.heap_arena_bytes / ps);
}

/* setSpans (runtime/mheap.go) records every in-use and manual span in
 * heapArena.spans for each of its pages; the first page must name it. */
/* An entry the core does not hold names nothing: *ret false. */
GR_MUST_USE
static struct gr_error *in_span_map(struct gr_heap *h,
				    const struct heap_arena *a, uint64_t span,
				    uint64_t base, bool *ret)
{
	uint64_t v;
	uint64_t at = a->ha + h->L.ha_spans.off + 8 * page_in_arena(h, base);
	struct gr_error *err = gr_mem_u64(h->mem, at, &v);
	*ret = false;
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
		return err;
	*ret = v == span;
	return NULL;
}

/* pageIndexOf (runtime/mheap.go): byte (page / 8) % (pagesPerArena / 8),
 * bit page % 8 of heapArena.pageUseSpanInlineMarkBits (1.25+). */
GR_MUST_USE
static struct gr_error *has_inline_marks(struct gr_heap *h,
					 const struct heap_arena *a,
					 uint64_t base, bool *ret)
{
	*ret = false;
	if (!h->L.ha_inline_marks.size)
		return NULL;
	uint64_t page = page_in_arena(h, base);
	uint8_t b;
	struct gr_error *err = gr_mem_u8(
		h->mem, a->ha + h->L.ha_inline_marks.off + page / 8, &b);
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
		return err;
	*ret = (b >> (page % 8)) & 1;
	return NULL;
}

GR_MUST_USE
static struct gr_error *push_span(struct gr_heap *h, const struct gr_span *sp)
{
	struct gr_error *err =
		gr_array_grow(&h->spans, &h->spans_cap, h->nspans, 1);
	if (err)
		return err;
	h->spans[h->nspans++] = *sp;
	return NULL;
}

GR_MUST_USE
static struct gr_error *reserve_words(struct gr_heap *h, size_t n)
{
	return gr_array_grow(&h->alloc_words, &h->words_cap, h->nwords, n);
}

/*
 * Which slots are allocated, as runtime/mheap.go states it at
 * mspan.freeindex (1.19-1.27): "If n >= freeindex and allocBits[n/8] &
 * (1<<(n%8)) is 0 then object n is free; otherwise, object n is
 * allocated."  The allocator hands out slots from freeindex on whose bit
 * is clear (mbitmap.go nextFreeIndex, malloc.go nextFreeFast); sweeping
 * resets freeindex to 0 with allocBits = the mark bits (mgcsweep.go), so
 * spans in mcaches and in mcentral read the same way.
 */
GR_MUST_USE
static struct gr_error *alloc_bitmap(struct gr_heap *h, struct gr_span *sp,
				     uint64_t alloc_bits, uint16_t alloc_count,
				     const char **bad)
{
	uint8_t bits[GR_MAX_OBJS_PER_SPAN / 8];
	size_t nbytes = (sp->nelems + 7) / 8;
	size_t nw = (sp->nelems + 63) / 64;
	struct gr_error *err = gr_mem_read(h->mem, alloc_bits, bits, nbytes);
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT))) {
		*bad = "unreadable allocBits";
		return NULL;
	}
	if (err)
		return err;
	if ((err = reserve_words(h, nw)))
		return err;
	uint64_t *w = h->alloc_words + h->nwords;
	memset(w, 0, nw * sizeof(*w));
	uint32_t count = 0;
	for (uint32_t i = 0; i < sp->nelems; i++) {
		if (i < sp->freeindex || ((bits[i / 8] >> (i % 8)) & 1)) {
			w[i / 64] |= UINT64_C(1) << (i % 64);
			count++;
		}
	}
	sp->first_word_ = (uint32_t)h->nwords;
	sp->div_mul_ = sp->elemsize && sp->elemsize < ((uint64_t)1 << 32)
			       ? (uint32_t)(UINT32_MAX / sp->elemsize + 1)
			       : 0;
	sp->alloc_count = count;
	h->nwords += nw;
	if (count != alloc_count)
		return gr_damage_add(
			&h->damage, sp->addr, 0,
			"mspan.allocCount disagrees with allocBits");
	return NULL;
}

/* The checks of an in-use span's own fields; NULL if plausible. */
static const char *check_inuse(const struct gr_heap *h, struct gr_span *sp,
			       bool user_arena)
{
	uint64_t bytes = sp->npages * h->L.k.page_size;
	if (sp->sizeclass >= GR_NUM_SIZE_CLASSES)
		return "bad span class";
	if (sp->sizeclass == 0) {
		/* allocSpan: "s.elemsize = nbytes; s.nelems = 1"; a user arena
		 * chunk keeps a reserve at the end (arena.go). */
		if (sp->nelems != 1 || sp->elemsize == 0 ||
		    sp->elemsize > bytes || (!user_arena && sp->elemsize != bytes))
			return "bad large span";
	} else if (sp->elemsize != gr_sizeclass_size(sp->sizeclass) ||
		   sp->npages != gr_sizeclass_npages(sp->sizeclass) ||
		   sp->nelems == 0 || sp->nelems > bytes / sp->elemsize) {
		return "span fields disagree with its size class";
	}
	if (sp->freeindex > sp->nelems)
		return "freeindex > nelems";
	if (sp->nelems > GR_MAX_OBJS_PER_SPAN)
		return "too many elements";
	return NULL;
}

/* Decode and check one span; *keep false (and damage recorded) if not. */
GR_MUST_USE
static struct gr_error *load_span(struct gr_heap *h, uint64_t addr)
{
	const struct heap_layout *L = &h->L;
	uint8_t buf[1024];
	struct gr_error *err = gr_mem_read(h->mem, addr, buf, L->span_size);
	if (err)
		return gr_damage_catch(&h->damage, err, GR_ERR_BIT(FAULT), addr,
				       0, "unreadable span");
	struct gr_span sp = {0};
	sp.addr = addr;
	sp.state = (uint8_t)heap_get(buf, L->sp_state);
	if (sp.state == GR_SPAN_DEAD)
		return NULL;
	if (sp.state != GR_SPAN_IN_USE && sp.state != GR_SPAN_MANUAL)
		return gr_damage_add(&h->damage, addr, 0, "bad span state");
	sp.base = heap_get(buf, L->sp_start);
	sp.npages = heap_get(buf, L->sp_npages);
	sp.elemsize = heap_get(buf, L->sp_elemsize);
	sp.limit = heap_get(buf, L->sp_limit);
	uint64_t ps = L->k.page_size;
	uint64_t bytes = sp.npages * ps;
	if (sp.npages == 0 || sp.base % ps ||
	    sp.npages > h->narenas * (L->k.heap_arena_bytes / ps) ||
	    !heap_in_arenas(h, sp.base, bytes))
		return gr_damage_add(&h->damage, addr, 0,
				     "span outside the heap arenas");
	const struct heap_arena *a = heap_arena_of(h, sp.base);
	bool mapped;
	if ((err = in_span_map(h, a, addr, sp.base, &mapped)))
		return err;
	if (!mapped)
		return gr_damage_add(&h->damage, addr, bytes,
				     "span missing from its arena's span map");
	if (sp.state == GR_SPAN_MANUAL)
		return push_span(h, &sp);

	uint8_t sc = (uint8_t)heap_get(buf, L->sp_spanclass);
	sp.sizeclass = sc >> 1; /* spanClass: sizeclass<<1 | noscan */
	sp.noscan = sc & 1;
	uint64_t nelems = heap_get(buf, L->sp_nelems);
	uint64_t freeindex = heap_get(buf, L->sp_freeindex);
	sp.nelems = nelems > GR_MAX_OBJS_PER_SPAN ? UINT32_MAX
						  : (uint32_t)nelems;
	sp.freeindex = freeindex > GR_MAX_OBJS_PER_SPAN ? UINT32_MAX
							: (uint32_t)freeindex;
	if (L->sp_large_type.size && sp.sizeclass == 0)
		sp.large_type = heap_get(buf, L->sp_large_type);
	bool inline_marks;
	if ((err = has_inline_marks(h, a, sp.base, &inline_marks)))
		return err;
	sp.inline_marks = inline_marks;
	bool user_arena = L->sp_user_arena.size &&
			  heap_get(buf, L->sp_user_arena);
	const char *bad = check_inuse(h, &sp, user_arena);
	if (bad)
		return gr_damage_add(&h->damage, addr, bytes, "%s", bad);
	err = alloc_bitmap(h, &sp, heap_get(buf, L->sp_alloc_bits),
			   (uint16_t)heap_get(buf, L->sp_alloc_count), &bad);
	if (err)
		return err;
	if (bad) {
		/* Keep the span (its pages are in use) with no objects. */
		sp.nelems = 0;
		sp.freeindex = 0;
		if ((err = gr_damage_add(&h->damage, addr, bytes, "%s", bad)))
			return err;
	}
	return push_span(h, &sp);
}

static int cmp_span(const void *a, const void *b)
{
	const struct gr_span *x = a, *y = b;
	return x->base < y->base ? -1 : x->base > y->base;
}

/* Spans must not overlap: drop the later of two that do. */
GR_MUST_USE
static struct gr_error *drop_overlaps(struct gr_heap *h)
{
	size_t n = 0;
	uint64_t end = 0;
	for (size_t i = 0; i < h->nspans; i++) {
		struct gr_span *sp = &h->spans[i];
		if (n && sp->base < end) {
			struct gr_error *err =
				gr_damage_add(&h->damage, sp->addr,
					      sp->npages * h->L.k.page_size,
					      "span overlaps another");
			if (err)
				return err;
			continue;
		}
		end = sp->base + sp->npages * h->L.k.page_size;
		h->spans[n++] = *sp;
	}
	h->nspans = n;
	return NULL;
}

struct gr_error *heap_load_spans(struct gr_heap *h)
{
	const struct heap_layout *L = &h->L;
	uint64_t ptr, len;
	struct gr_error *err = read_slice(
		h->mem, L->mheap_addr + L->mheap_allspans.off, &ptr, &len);
	if (err)
		return gr_error_prefix(err, "mheap_.allspans");
	if (len > UINT64_MAX / 8 || !gr_mem_readable(h->mem, ptr, len * 8))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "mheap_.allspans: %" PRIu64
				       " entries at 0x%" PRIx64
				       " cannot be read",
				       len, ptr);
	uint64_t chunk[SPAN_PTR_CHUNK];
	for (uint64_t i = 0; i < len; i += SPAN_PTR_CHUNK) {
		size_t n = len - i < SPAN_PTR_CHUNK ? (size_t)(len - i)
						    : SPAN_PTR_CHUNK;
		if ((err = gr_mem_read(h->mem, ptr + 8 * i, chunk, 8 * n)))
			return gr_error_prefix(err, "mheap_.allspans");
		for (size_t j = 0; j < n; j++) {
			err = chunk[j] ? load_span(h, chunk[j])
				       : gr_damage_add(&h->damage,
						       ptr + 8 * (i + j), 0,
						       "nil span in allspans");
			if (err)
				return err;
		}
	}
	qsort(h->spans, h->nspans, sizeof(*h->spans), cmp_span);
	return drop_overlaps(h);
}

/* ---- objects ---- */

struct gr_error *heap_build_objects(struct gr_heap *h)
{
	uint64_t total = 0;
	for (size_t i = 0; i < h->nspans; i++)
		if (h->spans[i].state == GR_SPAN_IN_USE)
			total += h->spans[i].alloc_count;
	if (total >= GR_HEAP_NO_OBJECT || h->nspans > UINT32_MAX)
		return gr_error_create(GR_ERR_LIMIT,
				       "heap: %" PRIu64 " objects", total);
	h->obj_span = gr_bigarray_alloc(total, sizeof(*h->obj_span), false);
	h->obj_class = gr_bigarray_alloc(total, 1, false);
	h->word_rank = gr_bigarray_alloc(h->nwords, sizeof(*h->word_rank),
					  false);
	if (!h->obj_span || !h->obj_class || !h->word_rank)
		return gr_error_nomem();
	memset(h->class_size, 0, sizeof(h->class_size));
	uint32_t id = 0;
	for (size_t i = 0; i < h->nspans; i++) {
		struct gr_span *sp = &h->spans[i];
		sp->first_object = id;
		if (sp->state != GR_SPAN_IN_USE)
			continue;
		uint8_t cls = sp->sizeclass;
		if (cls && !h->class_size[cls])
			h->class_size[cls] = sp->elemsize;
		if (h->class_size[cls] != sp->elemsize)
			cls = 0;
		memset(h->obj_class + id, cls, sp->alloc_count);
		for (uint32_t w = 0; w < (sp->nelems + 63) / 64; w++) {
			h->word_rank[sp->first_word_ + w] = id;
			unsigned n = heap_popcount64(
				h->alloc_words[sp->first_word_ + w]);
			for (unsigned k = 0; k < n; k++)
				h->obj_span[id++] = (uint32_t)i;
		}
	}
	h->nobjects = id;
	return NULL;
}
