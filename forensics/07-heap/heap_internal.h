/* SPDX-License-Identifier: MIT */
/*
 * Private to the heap walker: heap.c (load, queries), heap_layout.c (DWARF
 * offsets), heap_spans.c (arenas, spans, objects), heap_pages.c (page
 * allocator: idle and released memory), heap_scan.c (pointer maps).
 */
#ifndef GR_HEAP_INTERNAL_H
#define GR_HEAP_INTERNAL_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "forensics/02-input/mem.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/07-heap/heap.h"
#include "layouts/heapbits.h"

enum {
	/* Words of the allocation bitmap per span: nelems <= 1024. */
	HEAP_MAX_SPAN_WORDS = GR_MAX_OBJS_PER_SPAN / 64,
};

/* A member of a runtime struct: offset and byte size (0 = absent). */
struct heap_member {
	uint32_t off, size;
};

/* Everything the walker reads, resolved from DWARF once (heap_layout.c). */
struct heap_layout {
	uint64_t mheap_addr; /* runtime.mheap_, run-time address */
	struct heap_member mheap_allspans, mheap_arenas, mheap_all_arenas,
		mheap_user_arenas, mheap_pages;
	uint64_t arenas_l1, arenas_l2; /* [L1]*[L2]*heapArena */

	struct heap_member pages_chunks, pages_inuse, ranges_slice;
	uint64_t chunks_l1, chunks_l2; /* [L1]*[L2]pallocData */
	struct heap_member palloc_bits, palloc_scav;
	uint32_t palloc_data_size, addr_range_size;
	struct heap_member range_base, range_limit;
	uint64_t allp_addr; /* runtime.allp, run-time address */
	struct heap_member p_pcache, pc_base, pc_cache, pc_scav;

	uint32_t ha_size;
	struct heap_member ha_spans, ha_bitmap, ha_nomoreptrs, ha_inline_marks;

	uint32_t span_size;
	struct heap_member sp_start, sp_npages, sp_freeindex, sp_nelems,
		sp_alloc_bits, sp_alloc_count, sp_spanclass, sp_state,
		sp_elemsize, sp_limit, sp_large_type, sp_user_arena;

	enum gr_heapbits_regime regime;
	struct gr_heap_consts k;
	/* The binary's own class_to_size, when DWARF locates it. */
	uint64_t class_to_size_addr;
};

struct heap_arena {
	uint64_t idx;	 /* arena index: (base - arenaBaseOffset) / bytes */
	uint64_t base;	 /* first address */
	uint64_t ha;	 /* its *heapArena */
};

/*
 * What gr_heap_find reads of a span, 32 bytes (two to a cache line)
 * instead of the 80 of struct gr_span: find_spans[i + 1] is spans[i]'s
 * (the page table's index; entry 0 unused).  A span find never answers in
 * (manual, or elemsize 0) holds nothing: nelems 0, so every slot is past
 * the end (elemsize and div_mul 1: no division by 0, and none at all
 * below 4 GiB).
 */
struct heap_find_span {
	uint64_t base;
	uint64_t elemsize;
	uint32_t nelems;
	uint32_t div_mul;    /* gr_span.div_mul_ (0: divide) */
	uint32_t first_word; /* gr_span.first_word_ */
	uint32_t pad_;
};

struct gr_heap {
	struct gr_session *s;
	struct gr_mem *mem;
	struct heap_layout L;
	struct gr_rtypes *rt;

	struct heap_arena *arenas; /* sorted by idx */
	size_t narenas, arenas_cap;

	struct gr_span *spans; /* in-use and manual, sorted by base */
	size_t nspans, spans_cap;

	/* Allocation bitmap of every in-use span (bit i = slot i allocated),
	 * HEAP span words each starting at span.first_word_, and the object
	 * id of the first allocated slot of each word (rank). */
	uint64_t *alloc_words;
	uint32_t *word_rank;
	size_t nwords, words_cap;

	/* Address -> span in O(1), like the runtime's heapArena.spans:
	 * page_span[(addr - page_base) / page_size] is a span index + 1
	 * (0: no span) for every page from page_base for npage_span pages,
	 * the span of every page of every in-use and manual span.  NULL
	 * when the spans are too spread out for one table (then
	 * gr_heap_span_at searches). */
	uint32_t *page_span;
	uint64_t page_base, npage_span;
	unsigned page_shift; /* log2 of the page size, which is a power of 2 */
	struct heap_find_span *find_spans; /* nspans + 1 */

	/* No address per object (8 bytes an object, 185 MB on a 2 GB
	 * heap): heap_object_addr finds it from the span, word_rank and
	 * the allocation bits. */
	uint32_t *obj_span;  /* index into spans, by id */
	uint32_t nobjects;
	/* The size of each object in one byte, for the loops that visit
	 * every object or edge (gr_heap_sizes): its span's size class, whose
	 * slot size is class_size[]; 0 for a large object, or where a span's
	 * elemsize disagrees with its class's (then obj_span says). */
	uint8_t *obj_class;
	uint64_t class_size[256];

	/* Capped (see damage.h) and closed once the walk is done. */
	struct gr_damage_list damage;

	struct gr_heap_breakdown bd;
};

/* heap_layout.c */
GR_MUST_USE
struct gr_error *heap_layout_resolve(struct gr_session *s,
				     struct heap_layout *L);
/* Unsigned little-endian member of @m.size bytes at buf + m.off; inline,
 * as the scan reads every pointer word of the heap with it. */
static inline uint64_t heap_get(const uint8_t *buf,
				struct heap_member m)
{
	/* One load each (the byte-by-byte form cost 70 instructions a word
	 * on the scan's hot path); the core is little-endian. */
	const uint8_t *p = buf + m.off;
	switch (m.size) {
	case 1:
		return p[0];
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return le16toh(v);
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return le32toh(v);
	}
	case 8: {
		uint64_t v;
		memcpy(&v, p, 8);
		return le64toh(v);
	}
	default:
		return 0;
	}
}

/* Set bits of @x, without a libgcc call on CPUs the build does not
 * assume have POPCNT. */
static inline unsigned heap_popcount64(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) +
	    ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* Position of the set bit of @x with @k set bits below it (k <
 * popcount(x)): the byte from the bytes' running counts (one multiply),
 * then the bit within it. */
static inline unsigned heap_select64(uint64_t x, unsigned k)
{
	uint64_t s = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	s = (s & UINT64_C(0x3333333333333333)) +
	    ((s >> 2) & UINT64_C(0x3333333333333333));
	/* Byte i: set bits in bytes 0..i. */
	s = ((s + (s >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f)) *
	    UINT64_C(0x0101010101010101);
	/* High bit of byte i set iff its count exceeds k: no borrow
	 * crosses a byte, as every count is at most 64 < 0x80. */
	uint64_t over = ((s | UINT64_C(0x8080808080808080)) -
			 (uint64_t)(k + 1) * UINT64_C(0x0101010101010101)) &
			UINT64_C(0x8080808080808080);
	unsigned i = (unsigned)__builtin_ctzll(over) / 8;
	unsigned below = i ? (unsigned)(s >> (8 * i - 8)) & 0xff : 0;
	unsigned byte = (unsigned)(x >> (8 * i)) & 0xff;
	for (k -= below; k; k--)
		byte &= byte - 1;
	return 8 * i + (unsigned)__builtin_ctz(byte);
}

/*
 * Slot of object @id (< nobjects) in its span: the allocated slot of
 * rank id - first_object, found by a binary search of the span's word
 * ranks (at most 16 words: 1024 slots) and a select in one word.  The
 * arrays searched are small (a bit per slot) and stay cached.
 */
static inline uint64_t heap_object_slot(const struct gr_heap *h, uint32_t id)
{
	const struct gr_span *sp = &h->spans[h->obj_span[id]];
	size_t lo = sp->first_word_, hi = lo + (sp->nelems + 63) / 64;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->word_rank[mid] <= id)
			lo = mid;
		else
			hi = mid;
	}
	return 64 * (uint64_t)(lo - sp->first_word_) +
	       heap_select64(h->alloc_words[lo], id - h->word_rank[lo]);
}

/* Address of object @id (< nobjects). */
static inline uint64_t heap_object_addr(const struct gr_heap *h, uint32_t id)
{
	const struct gr_span *sp = &h->spans[h->obj_span[id]];
	return sp->base + heap_object_slot(h, id) * sp->elemsize;
}

/* The next allocated slot of span @sp after slot @slot (which is one),
 * for walks in id order. */
static inline uint64_t heap_next_slot(const struct gr_heap *h,
				      const struct gr_span *sp, uint64_t slot)
{
	size_t w = sp->first_word_ + (slot + 1) / 64;
	uint64_t bits = (slot + 1) % 64
				? h->alloc_words[w] &
					  (~UINT64_C(0) << ((slot + 1) % 64))
				: h->alloc_words[w];
	while (!bits)
		bits = h->alloc_words[++w];
	return 64 * (uint64_t)(w - sp->first_word_) +
	       (unsigned)__builtin_ctzll(bits);
}

/* heap.c */
/* The arena holding @addr, or NULL. */
const struct heap_arena *heap_arena_of(const struct gr_heap *h, uint64_t addr);
/* True if every arena of [base, base + bytes) is known (bytes > 0). */
bool heap_in_arenas(const struct gr_heap *h, uint64_t base, uint64_t bytes);

/* heap_spans.c */
GR_MUST_USE
struct gr_error *heap_load_arenas(struct gr_heap *h);
GR_MUST_USE
struct gr_error *heap_load_spans(struct gr_heap *h);
GR_MUST_USE
struct gr_error *heap_build_objects(struct gr_heap *h);

/* heap_pages.c */
GR_MUST_USE
struct gr_error *heap_load_pages(struct gr_heap *h);

#endif /* GR_HEAP_INTERNAL_H */
