/* SPDX-License-Identifier: MIT */
/*
 * layouts/heap: what the Go heap looks like where DWARF does not say: the
 * size-class table, fallback values of the allocator's constants on
 * linux/amd64, and the encodings of the pointer bitmaps the garbage
 * collector keeps, one regime per range of Go versions.  Pure functions over
 * bytes the caller has read (gr_heap reads them through gr_mem): nothing
 * here touches the dead process.
 *
 * Every rule cites the runtime file of the versions it comes from
 * (/usr/lib/go-1.NN/src/runtime/...).
 *
 * Checklist for a new Go version (1.NN), heap side:
 *   1. diff runtime/sizeclasses.go (internal/runtime/gc/sizeclasses.go from
 *      1.25) against layouts/sizeclasses.c; test_heap compares the table with
 *      the binary's own class_to_size on every cached core.
 *   2. read runtime/mbitmap.go (typePointersOfUnchecked, heapBitsSmallForAddr,
 *      spanHeapBitsRange) and mgcmark_greenteagc.go (spanInlineMarkBits,
 *      gcUsesSpanInlineMarkBits) for changes to the encodings below.
 *   3. compare the mspan, heapArena, mheap and pageAlloc members goretain
 *      reads (forensics/07-heap/heap_layout.c) with the new runtime/mheap.go and
 *      mpagealloc.go; regenerate the test cores and run test_heap.
 */
#ifndef GR_LAYOUTS_HEAP_H
#define GR_LAYOUTS_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- size classes ---- */

enum {
	/* _NumSizeClasses / gc.NumSizeClasses, 1.19-1.27. */
	GR_NUM_SIZE_CLASSES = 68,
	/* Most objects one span can hold: pageSize / smallest class (8). */
	GR_MAX_OBJS_PER_SPAN = 1024,
};

/* Slot size of size class @cls (class_to_size); 0 for class 0 or >= 68. */
uint32_t gr_sizeclass_size(unsigned cls);
/* Pages per span of size class @cls (class_to_allocnpages); 0 if none. */
unsigned gr_sizeclass_npages(unsigned cls);

/* ---- allocator constants ---- */

/*
 * The constants the heap walker needs.  The loader fills them from DWARF
 * where the binary keeps them (runtime/malloc.go keeps several "for
 * viewcore") and takes the rest from gr_heap_consts_default().
 */
struct gr_heap_consts {
	uint64_t page_size;	      /* runtime.pageSize / _PageSize */
	uint64_t heap_arena_bytes;    /* runtime.heapArenaBytes */
	uint64_t arena_base_offset;   /* runtime.arenaBaseOffset(Uintptr) */
	uint64_t palloc_chunk_pages;  /* runtime.pallocChunkPages */
	uint64_t malloc_header_size;  /* runtime.mallocHeaderSize (1.22+) */
	uint64_t min_size_for_header; /* runtime.minSizeForMallocHeader */
	uint64_t inline_mark_bytes;   /* sizeof(spanInlineMarkBits) (1.25+) */
};

/* The linux/amd64 values, identical in Go 1.19-1.27 (see heapbits.c). */
void gr_heap_consts_default(struct gr_heap_consts *c);

/* ---- pointer bitmaps ---- */

/* How the garbage collector finds the pointer words of a heap object. */
enum gr_heapbits_regime {
	/* Go <= 1.19: heapArena.bitmap, 2 bits per word (pointer, scan). */
	GR_HEAPBITS_ARENA_2BIT,
	/* Go 1.20-1.21: heapArena.bitmap, 1 bit per word, + noMorePtrs. */
	GR_HEAPBITS_ARENA_1BIT,
	/* Go 1.22+: span-tail bitmaps, malloc headers, mspan.largeType. */
	GR_HEAPBITS_HEADERS,
};

/*
 * Go <= 1.19 (runtime/mbitmap.go heapBitsForAddr): the entry of the word at
 * @addr is in heapArena.bitmap[(addr / 32) % @bitmap_bytes], pointer bit at
 * @shift, scan bit at @shift + 4.
 */
void gr_hb2_locate(uint64_t addr, uint64_t bitmap_bytes, uint64_t *byte_ret,
		   unsigned *shift_ret);
/*
 * Decode the 2-bit entries of @nwords consecutive words, the first at bit
 * position @shift of @bm[0], into pointer bits (@ptr_ret, bit i = word i,
 * (nwords + 63) / 64 words, cleared first).  The walk stops at the first
 * entry whose scan bit is clear, as scanobject does ("no more pointers");
 * returns the number of words before it (== nwords if none).  @bm holds
 * (shift + nwords + 3) / 4 bytes.
 */
uint64_t gr_hb2_decode(const uint8_t *bm, unsigned shift, uint64_t nwords,
		       uint64_t *ptr_ret);

/*
 * Go 1.20-1.21 (runtime/mbitmap.go heapBitsForAddr, next): one step of the
 * walk over an object whose next word is word @word of its arena and which
 * has @remaining words left.  @bitmap_word is heapArena.bitmap[word / 64]
 * and @nomore_byte heapArena.noMorePtrs[word / 64 / 8].  *mask_ret gets
 * the pointer bits of the next *consumed_ret words (bit i = word + i);
 * *last_ret is set when the object has no pointers past them.
 */
void gr_hb1_step(uint64_t bitmap_word, uint8_t nomore_byte, uint64_t word,
		 uint64_t remaining, uint64_t *mask_ret, uint64_t *consumed_ret,
		 bool *last_ret);

/*
 * Go 1.22+ (runtime/mbitmap.go heapBitsInSpan): objects of slot size
 * @elemsize keep their pointer bits at the end of their span rather than
 * in a malloc header.
 */
bool gr_hb_in_span(const struct gr_heap_consts *c, uint64_t elemsize);
/*
 * Where the span-tail bitmap of a span lies (spanHeapBitsRange, 1.22+):
 * span_bytes / 64 bytes at the end of the span, moved down by the inline
 * mark bits when the span has them (Green Tea, 1.25+).
 */
void gr_hb_span_bitmap_range(const struct gr_heap_consts *c,
			     uint64_t span_base, uint64_t span_bytes,
			     bool inline_marks, uint64_t *base_ret,
			     uint64_t *size_ret);
/*
 * The pointer bits of the object at byte offset @off of its span, slot
 * size @elemsize (<= 512), from the span-tail bitmap @bm of @bm_len bytes
 * (heapBitsSmallForAddr).  False if the bits lie outside @bm.
 */
bool gr_hb_span_object_bits(const uint8_t *bm, size_t bm_len, uint64_t off,
			    uint64_t elemsize, uint64_t *bits_ret);

/*
 * The tiling of a type's pointer mask over an allocation (runtime/mbitmap.go
 * of 1.22+, the comment at its top and typePointers.next): the mask of
 * one element of @size bytes, @ptrbytes of them possibly pointers, is
 * repeated every @size bytes from the start of the object's data up to
 * @limit bytes.  Bits of the mask past @ptrbytes are never used (the
 * compiler pads masks with zeros; the runtime reads them but they are 0).
 */
struct gr_hb_tile {
	const uint8_t *mask; /* ptrbytes / 8 bits, least significant first */
	uint64_t size, ptrbytes, limit;
	uint64_t elem; /* offset of the current element */
	uint64_t word; /* next word within the element */
};

void gr_hb_tile_init(struct gr_hb_tile *t, const uint8_t *mask,
		     uint64_t size, uint64_t ptrbytes, uint64_t limit);
/* The byte offset of the next pointer word; false at the end. */
bool gr_hb_tile_next(struct gr_hb_tile *t, uint64_t *off_ret);

#endif /* GR_LAYOUTS_HEAP_H */
