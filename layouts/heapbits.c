/* SPDX-License-Identifier: MIT */
/*
 * Encodings of the Go heap's pointer bitmaps and the allocator constants
 * they depend on, per Go version.  See heap.h for the contracts.
 */
#include "layouts/heapbits.h"

void gr_heap_consts_default(struct gr_heap_consts *c)
{
	/* runtime/malloc.go, 1.19-1.27: _PageShift = 13 (gc.PageShift from
	 * 1.25); logHeapArenaBytes = 6 + 20 on 64-bit Linux; arenaBaseOffset
	 * = 0xffff800000000000 * goarch.IsAmd64 (so that the 48-bit address
	 * space, negative half included, indexes from 0). */
	c->page_size = 8192;
	c->heap_arena_bytes = (uint64_t)64 << 20;
	c->arena_base_offset = UINT64_C(0xffff800000000000);
	/* runtime/mpagealloc.go: logPallocChunkPages = 9. */
	c->palloc_chunk_pages = 512;
	/* runtime/malloc.go 1.22+: mallocHeaderSize = 8;
	 * minSizeForMallocHeader = goarch.PtrSize * ptrBits = 512. */
	c->malloc_header_size = 8;
	c->min_size_for_header = 512;
	/* runtime/mgcmark_greenteagc.go 1.25+: spanInlineMarkBits is
	 * scans [63]uint8, owned uint8, marks [63]uint8, class uint8. */
	c->inline_mark_bytes = 128;
}

/* ---- Go <= 1.19: runtime/mbitmap.go ---- */

/*
 * "ha.bitmap[0] holds the 2-bit entries for the four words start through
 * start+3*ptrSize ... the top half of the byte contains 4 high (scan) bits
 * and the bottom half contains 4 low (pointer) bits" (mbitmap.go 1.19,
 * heapBitsForAddr: bitmap[(addr/(PtrSize*4)) % heapArenaBitmapBytes],
 * shift (addr/PtrSize) & 3).
 */
void gr_hb2_locate(uint64_t addr, uint64_t bitmap_bytes, uint64_t *byte_ret,
		   unsigned *shift_ret)
{
	*byte_ret = bitmap_bytes ? (addr / 32) % bitmap_bytes : 0;
	*shift_ret = (unsigned)((addr / 8) & 3);
}

/* scanobject (mgcmark.go 1.19): "if bits&bitScan == 0 { break }" then
 * "if bits&bitPointer == 0 { continue }". */
uint64_t gr_hb2_decode(const uint8_t *bm, unsigned shift, uint64_t nwords,
		       uint64_t *ptr_ret)
{
	for (uint64_t i = 0; i < (nwords + 63) / 64; i++)
		ptr_ret[i] = 0;
	for (uint64_t i = 0; i < nwords; i++) {
		uint64_t pos = shift + i;
		unsigned b = bm[pos / 4] >> (pos % 4);
		if (!(b & 0x10))
			return i;
		if (b & 1)
			ptr_ret[i / 64] |= UINT64_C(1) << (i % 64);
	}
	return nwords;
}

/* ---- Go 1.20-1.21: runtime/mbitmap.go heapBitsForAddr ---- */

void gr_hb1_step(uint64_t bitmap_word, uint8_t nomore_byte, uint64_t word,
		 uint64_t remaining, uint64_t *mask_ret, uint64_t *consumed_ret,
		 bool *last_ret)
{
	uint64_t idx = word / 64;
	unsigned off = (unsigned)(word % 64);
	uint64_t mask = bitmap_word >> off;
	uint64_t valid = 64 - off;
	bool last;
	if (remaining < valid) {
		/* "Bits for this object end before the end of this bitmap
		 * word. Squash bits for the following objects." */
		mask &= (UINT64_C(1) << remaining) - 1;
		valid = remaining;
		last = true;
	} else if (remaining == valid) {
		last = true;
	} else {
		/* "See if there may be any pointers recorded there":
		 * noMorePtrs[idx/8]>>(idx%8)&1 ends the object here. */
		last = (nomore_byte >> (idx % 8)) & 1;
	}
	*mask_ret = mask;
	*consumed_ret = valid;
	*last_ret = last;
}

/* ---- Go 1.22+: runtime/mbitmap.go (mbitmap_allocheaders.go in 1.22) ---- */

/* "return userSize <= minSizeForMallocHeader": exclusive minimum, at a
 * size class boundary, so it holds for slot sizes too. */
bool gr_hb_in_span(const struct gr_heap_consts *c, uint64_t elemsize)
{
	return elemsize <= c->min_size_for_header;
}

/* spanHeapBitsRange (1.25+; heapBitsSlice in 1.22-1.24): size =
 * spanSize / PtrSize / 8 at the end of the span; "if
 * goexperiment.GreenTeaGC && gcUsesSpanInlineMarkBits(elemsize) { base -=
 * unsafe.Sizeof(spanInlineMarkBits{}) }".  The caller knows whether the
 * span has inline mark bits from heapArena.pageUseSpanInlineMarkBits,
 * which the runtime sets exactly when that condition holds (mheap.go
 * allocSpan, 1.25+). */
void gr_hb_span_bitmap_range(const struct gr_heap_consts *c,
			     uint64_t span_base, uint64_t span_bytes,
			     bool inline_marks, uint64_t *base_ret,
			     uint64_t *size_ret)
{
	uint64_t size = span_bytes / 8 / 8;
	uint64_t base = span_base + span_bytes - size;
	if (inline_marks)
		base -= c->inline_mark_bytes;
	*base_ret = base;
	*size_ret = size;
}

/* heapBitsSmallForAddr: i = off/PtrSize/ptrBits, j = off/PtrSize%ptrBits,
 * bits = elemsize/PtrSize; one or two uintptr loads. */
bool gr_hb_span_object_bits(const uint8_t *bm, size_t bm_len, uint64_t off,
			    uint64_t elemsize, uint64_t *bits_ret)
{
	uint64_t i = off / 8 / 64, j = off / 8 % 64, bits = elemsize / 8;
	if (bits == 0 || bits > 64 || i >= bm_len / 8)
		return false;
	const uint8_t *p0 = bm + 8 * i;
	uint64_t w0 = 0, w1 = 0;
	for (unsigned k = 0; k < 8; k++)
		w0 |= (uint64_t)p0[k] << (8 * k);
	uint64_t all = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	if (j + bits > 64) {
		if (i + 1 >= bm_len / 8)
			return false;
		for (unsigned k = 0; k < 8; k++)
			w1 |= (uint64_t)p0[8 + k] << (8 * k);
		uint64_t bits0 = 64 - j, bits1 = bits - bits0;
		*bits_ret = (w0 >> j) | ((w1 & ((UINT64_C(1) << bits1) - 1))
					 << bits0);
		return true;
	}
	*bits_ret = (w0 >> j) & all;
	return true;
}

void gr_hb_tile_init(struct gr_hb_tile *t, const uint8_t *mask,
		     uint64_t size, uint64_t ptrbytes, uint64_t limit)
{
	t->mask = mask;
	t->size = size;
	t->ptrbytes = ptrbytes < size ? ptrbytes : size;
	t->limit = limit;
	t->elem = 0;
	t->word = 0;
	/* A zero-sized or pointer-free element tiles nothing. */
	if (!mask || size == 0 || t->ptrbytes < 8)
		t->elem = limit;
}

/*
 * typePointers.next: "if tp.addr+PtrSize*ptrBits >= tp.elem+tp.typ.PtrBytes
 * { tp.elem += tp.typ.Size_ ... }" and "if tp.addr >= limit { return }":
 * within each element only the first PtrBytes are described; offsets at or
 * past the limit end the walk.
 */
bool gr_hb_tile_next(struct gr_hb_tile *t, uint64_t *off_ret)
{
	uint64_t nw = t->ptrbytes / 8;
	while (t->elem < t->limit) {
		while (t->word < nw) {
			uint64_t w = t->word;
			if (w % 8 == 0 && t->mask[w / 8] == 0) {
				t->word += 8;
				continue;
			}
			t->word++;
			if (!((t->mask[w / 8] >> (w % 8)) & 1))
				continue;
			uint64_t off = t->elem + 8 * w;
			if (off >= t->limit) {
				t->elem = t->limit;
				return false;
			}
			*off_ret = off;
			return true;
		}
		if (t->size > t->limit - t->elem) {
			t->elem = t->limit;
			return false;
		}
		t->elem += t->size;
		t->word = 0;
	}
	return false;
}
