/* SPDX-License-Identifier: MIT */
/*
 * gr_heap: load order, queries and the memory breakdown.  The pieces are
 * in heap_layout.c (DWARF), heap_spans.c (arenas, spans, objects),
 * heap_pages.c (page allocator) and heap_scan.c (pointer maps).
 */
#include "forensics/07-heap/heap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/07-heap/heap_internal.h"

const struct heap_arena *heap_arena_of(const struct gr_heap *h, uint64_t addr)
{
	uint64_t idx = (addr - h->L.k.arena_base_offset) /
		       h->L.k.heap_arena_bytes;
	size_t lo = 0, hi = h->narenas;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->arenas[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->narenas && h->arenas[lo].idx == idx ? &h->arenas[lo]
							   : NULL;
}

bool heap_in_arenas(const struct gr_heap *h, uint64_t base, uint64_t bytes)
{
	uint64_t ab = h->L.k.heap_arena_bytes, off = h->L.k.arena_base_offset;
	const struct heap_arena *a = heap_arena_of(h, base);
	if (!a || bytes == 0 || base + bytes < base)
		return false;
	uint64_t last = (base + bytes - 1 - off) / ab;
	if (last < a->idx || last - a->idx >= h->narenas)
		return false;
	for (uint64_t i = a->idx + 1; i <= last; i++)
		if (!heap_arena_of(h, i * ab + off))
			return false;
	return true;
}

/* The binary's class_to_size must be layouts/sizeclasses.c's table. */
GR_MUST_USE
static struct gr_error *check_size_classes(struct gr_heap *h)
{
	uint8_t b[2 * GR_NUM_SIZE_CLASSES];
	if (!h->L.class_to_size_addr)
		return NULL;
	struct gr_error *err = gr_mem_read(h->mem, h->L.class_to_size_addr, b,
					   sizeof(b));
	/* Unreadable: the table is the fallback. */
	if (gr_error_catch(&err, GR_ERR_BIT(FAULT)) || err)
		return err;
	for (unsigned c = 0; c < GR_NUM_SIZE_CLASSES; c++) {
		unsigned v = b[2 * c] | b[2 * c + 1] << 8;
		if (v != gr_sizeclass_size(c))
			return gr_error_create(
				GR_ERR_UNSUPPORTED,
				"heap: size class %u is %u bytes in the binary, "
				"%u in goretain's table",
				c, v, (unsigned)gr_sizeclass_size(c));
	}
	return NULL;
}

/*
 * The page -> span table over [first span, end of last span).  Heaps are
 * mostly contiguous from the arena hint (0xc000000000 on linux/amd64), so
 * one flat table costs 4 bytes per 8 KiB page (0.05% of the heap); a heap
 * spread over more than 64 GiB of addresses keeps the binary search.
 */
enum { PAGE_SPAN_MAX_PAGES = 1u << 23 };
GR_MUST_USE
static struct gr_error *build_page_index(struct gr_heap *h)
{
	uint64_t ps = h->L.k.page_size;
	if (h->nspans == 0 || ps == 0 || (ps & (ps - 1)) ||
	    h->nspans >= UINT32_MAX)
		return NULL;
	uint64_t lo = h->spans[0].base, hi = lo;
	for (size_t i = 0; i < h->nspans; i++) {
		const struct gr_span *sp = &h->spans[i];
		uint64_t end;
		if (__builtin_mul_overflow(sp->npages, ps, &end) ||
		    __builtin_add_overflow(end, sp->base, &end) ||
		    sp->base % ps)
			return NULL;
		if (end > hi)
			hi = end;
	}
	uint64_t n = (hi - lo) / ps;
	if (n > PAGE_SPAN_MAX_PAGES)
		return NULL;
	uint32_t *t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return gr_error_nomem();
	for (size_t i = 0; i < h->nspans; i++) {
		const struct gr_span *sp = &h->spans[i];
		uint64_t first = (sp->base - lo) / ps;
		/* Spans are disjoint and sorted: a later span never overlaps
		 * an earlier one, but keep the search's answer (the span
		 * with the greatest base at or below the page) if they do. */
		for (uint64_t pg = first; pg < first + sp->npages; pg++)
			t[pg] = (uint32_t)i + 1;
	}
	h->page_span = t;
	h->page_shift = (unsigned)__builtin_ctzll(ps);
	h->page_base = lo;
	h->npage_span = n;
	return NULL;
}

GR_MUST_USE
static struct gr_error *build_find_spans(struct gr_heap *h)
{
	struct heap_find_span *f = calloc(h->nspans + 1, sizeof(*f));
	if (!f)
		return gr_error_nomem();
	for (size_t i = 0; i < h->nspans; i++) {
		const struct gr_span *sp = &h->spans[i];
		if (sp->state != GR_SPAN_IN_USE || !sp->elemsize) {
			f[i + 1] = (struct heap_find_span){
				.base = sp->base, .elemsize = 1, .div_mul = 1};
			continue;
		}
		f[i + 1] = (struct heap_find_span){
			.base = sp->base,
			.elemsize = sp->elemsize,
			.nelems = sp->nelems,
			.div_mul = sp->div_mul_,
			.first_word = sp->first_word_,
		};
	}
	h->find_spans = f;
	return NULL;
}

static void breakdown(struct gr_heap *h)
{
	struct gr_heap_breakdown *bd = &h->bd;
	uint64_t ps = h->L.k.page_size;
	for (size_t i = 0; i < h->nspans; i++) {
		const struct gr_span *sp = &h->spans[i];
		uint64_t bytes = sp->npages * ps;
		if (sp->state == GR_SPAN_MANUAL) {
			/* stackalloc and stackpoolalloc set elemsize to the
			 * stack size (runtime/stack.go, 1.19-1.27); the other
			 * manual spans, GC work buffers (mgcwork.go) and the
			 * GC-program bitmaps of 1.22-1.23 (mbitmap.go
			 * heapSetType), keep the 0 of mspan.init. */
			if (sp->elemsize)
				bd->stack_span_bytes += bytes;
			else
				bd->manual_other_bytes += bytes;
			continue;
		}
		uint64_t used = (uint64_t)sp->nelems * sp->elemsize;
		bd->span_inuse_bytes += bytes;
		bd->objects += sp->alloc_count;
		bd->object_bytes += (uint64_t)sp->alloc_count * sp->elemsize;
		bd->free_slot_bytes +=
			(uint64_t)(sp->nelems - sp->alloc_count) * sp->elemsize;
		bd->tail_waste_bytes += used <= bytes ? bytes - used : 0;
	}
}

struct gr_error *gr_heap_load(struct gr_session *s, struct gr_heap **ret)
{
	struct gr_heap *h = calloc(1, sizeof(*h));
	if (!h)
		return gr_error_nomem();
	h->s = s;
	h->mem = gr_session_mem(s);
	struct gr_error *err;
	if ((err = heap_layout_resolve(s, &h->L)) ||
	    (err = check_size_classes(h)) ||
	    (err = gr_rtypes_create(s, &h->rt)) ||
	    (err = heap_load_arenas(h)) || (err = heap_load_spans(h)) ||
	    (err = heap_build_objects(h)) || (err = heap_load_pages(h)) ||
	    (err = build_page_index(h)) || (err = build_find_spans(h))) {
		gr_heap_destroy(h);
		return gr_error_prefix(err, "heap");
	}
	breakdown(h);
	if ((err = gr_damage_list_close(&h->damage))) {
		gr_heap_destroy(h);
		return err;
	}
	*ret = h;
	return NULL;
}

void gr_heap_destroy(struct gr_heap *h)
{
	if (!h)
		return;
	gr_rtypes_destroy(h->rt);
	free(h->arenas);
	free(h->spans);
	free(h->page_span);
	free(h->find_spans);
	free(h->alloc_words);
	free(h->word_rank);
	free(h->obj_span);
	free(h->obj_class);
	gr_damage_list_deinit(&h->damage);
	free(h);
}

uint32_t gr_heap_object_count(const struct gr_heap *h)
{
	return h->nobjects;
}

uint64_t gr_heap_object_addr(const struct gr_heap *h, uint32_t id)
{
	return id < h->nobjects ? heap_object_addr(h, id) : 0;
}

uint64_t gr_heap_object_size(const struct gr_heap *h, uint32_t id)
{
	return id < h->nobjects ? h->spans[h->obj_span[id]].elemsize : 0;
}

void gr_heap_sizes(const struct gr_heap *h, struct gr_heap_sizes *ret)
{
	ret->cls = h->obj_class;
	ret->class_size = h->class_size;
	ret->obj_span = h->obj_span;
	ret->spans = h->spans;
}

const struct gr_span *gr_heap_object_span(const struct gr_heap *h, uint32_t id)
{
	return id < h->nobjects ? &h->spans[h->obj_span[id]] : NULL;
}

/* gr_heap_span_at, inlined into gr_heap_find: the page table's O(1)
 * lookup (a shift: pages are a power of two), else a binary search. */
static inline const struct gr_span *span_at(const struct gr_heap *h,
					    uint64_t addr)
{
	if (h->page_span) {
		uint64_t pg = (addr - h->page_base) >> h->page_shift;
		if (addr < h->page_base || pg >= h->npage_span)
			return NULL;
		uint32_t i = h->page_span[pg];
		return i ? &h->spans[i - 1] : NULL;
	}
	size_t lo = 0, hi = h->nspans;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->spans[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct gr_span *sp = &h->spans[lo - 1];
	return addr - sp->base < sp->npages * h->L.k.page_size ? sp : NULL;
}

const struct gr_span *gr_heap_span_at(const struct gr_heap *h, uint64_t addr)
{
	return span_at(h, addr);
}

/*
 * The span index + 1 of @addr for h->find_spans, 0 if in no span: the
 * page table (an address below page_base wraps to a page past the end),
 * else span_at's search.
 */
static inline uint32_t find_span_index(const struct gr_heap *h,
				       uint64_t addr)
{
	if (h->page_span) {
		uint64_t pg = (addr - h->page_base) >> h->page_shift;
		return pg < h->npage_span ? h->page_span[pg] : 0;
	}
	const struct gr_span *sp = span_at(h, addr);
	return sp ? (uint32_t)(sp - h->spans) + 1 : 0;
}

/* Inlined into both callers, so that gr_heap_find computes nothing of
 * the hit (the scan calls it for every pointer word). */
static inline __attribute__((always_inline)) uint32_t
find(const struct gr_heap *h, uint64_t addr, uint32_t *span_ret,
     uint64_t *addr_ret)
{
	uint32_t i = find_span_index(h, addr);
	if (!i)
		return GR_HEAP_NO_OBJECT;
	const struct heap_find_span *f = &h->find_spans[i];
	uint64_t off = addr - f->base, slot;
	if (f->div_mul && off < ((uint64_t)1 << 32)) {
		/* ceil(2^32/size) overshoots off/size by less than one for
		 * off < 2^32 (the runtime's divideByElemSize): at most one
		 * step back makes it exact. */
		slot = (off * f->div_mul) >> 32;
		if (slot * f->elemsize > off)
			slot--;
	} else {
		slot = off / f->elemsize;
	}
	if (slot >= f->nelems)
		return GR_HEAP_NO_OBJECT;
	size_t w = f->first_word + slot / 64;
	uint64_t bits = h->alloc_words[w];
	uint64_t bit = UINT64_C(1) << (slot % 64);
	if (!(bits & bit))
		return GR_HEAP_NO_OBJECT;
	*span_ret = i;
	*addr_ret = f->base + slot * f->elemsize;
	return h->word_rank[w] + heap_popcount64(bits & (bit - 1));
}

uint32_t gr_heap_find(const struct gr_heap *h, uint64_t addr)
{
	uint32_t span;
	uint64_t start;
	return find(h, addr, &span, &start);
}

uint32_t gr_heap_find_hit(const struct gr_heap *h, uint64_t addr,
			  struct gr_heap_hit *hit)
{
	uint32_t span = 0;
	uint64_t start = 0;
	hit->id = find(h, addr, &span, &start);
	hit->span = span ? &h->spans[span - 1] : NULL;
	hit->addr = start;
	return hit->id;
}

uint64_t gr_heap_object_rtype(const struct gr_heap *h, uint32_t id)
{
	if (id >= h->nobjects || h->L.regime != GR_HEAPBITS_HEADERS)
		return 0;
	const struct gr_span *sp = &h->spans[h->obj_span[id]];
	if (sp->noscan)
		return 0;
	if (sp->sizeclass == 0)
		return sp->large_type;
	if (gr_hb_in_span(&h->L.k, sp->elemsize))
		return 0;
	uint64_t typ;
	/* An object whose header the core lacks cannot be scanned either:
	 * the graph counts it unscannable, and the report says so. */
	struct gr_error *err = gr_mem_u64(h->mem, heap_object_addr(h, id), &typ);
	if (err) {
		gr_error_destroy(err);
		return 0;
	}
	return typ;
}

size_t gr_heap_span_count(const struct gr_heap *h)
{
	return h->nspans;
}

const struct gr_span *gr_heap_span(const struct gr_heap *h, size_t i)
{
	return i < h->nspans ? &h->spans[i] : NULL;
}

void gr_heap_breakdown(const struct gr_heap *h, struct gr_heap_breakdown *ret)
{
	*ret = h->bd;
}

size_t gr_heap_damage_count(const struct gr_heap *h)
{
	return gr_damage_count(&h->damage);
}

const struct gr_damage *gr_heap_damage(const struct gr_heap *h, size_t i)
{
	return gr_damage_get(&h->damage, i);
}

const struct gr_damage_list *gr_heap_damage_list(const struct gr_heap *h)
{
	return &h->damage;
}

struct gr_rtypes *gr_heap_rtypes(const struct gr_heap *h)
{
	return h->rt;
}

enum gr_heapbits_regime gr_heap_regime(const struct gr_heap *h)
{
	return h->L.regime;
}
