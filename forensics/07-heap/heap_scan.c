/* SPDX-License-Identifier: MIT */
/*
 * Pointer maps: which words of an object the garbage collector scans, per
 * regime (layouts/heapbits.h), reading the bitmaps through gr_mem.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/07-heap/heap_internal.h"

enum {
	/* Words of a 2-bit arena bitmap decoded per read. */
	HB2_CHUNK_WORDS = 4096,
};

/* Type descriptors a scanner remembers: a power of two. */
enum { SCANNER_SLOTS = 512 };

struct gr_heap_scanner {
	struct gr_heap *h;
	pthread_mutex_t *lock; /* NULL: one thread */
	/* The span of the last object scanned, and where its bytes and (for
	 * 1.22+ small objects) its bitmap are in the core; NULL where they
	 * are not in one piece of the file (then per object, as before). */
	bool span_views;
	size_t span; /* SIZE_MAX: none yet */
	const uint8_t *span_bytes, *span_bitmap;
	/* The last object scanned and its slot: the next id in the same
	 * span is at the next allocated slot. */
	uint32_t last_id;
	uint64_t last_slot;
	struct scanner_slot {
		uint64_t typ; /* 0: empty */
		const struct gr_rtype *t;
		const uint8_t *mask;
		uint64_t nbits;
	} slot[SCANNER_SLOTS];
};

/* Where the scan reports to, and the object's bytes when they can be
 * viewed without copying. */
struct scan {
	struct gr_heap *h;
	struct gr_heap_scanner *scanner; /* NULL: no cache */
	uint64_t addr;
	const uint8_t *view; /* NULL: read word by word */
	uint64_t size;
	void (*fn)(void *arg, uint64_t slot, uint64_t value);
	void *arg;
};

GR_MUST_USE
static struct gr_error *emit(struct scan *sc, uint64_t slot)
{
	uint64_t v;
	if (slot - sc->addr > sc->size - 8)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "pointer slot 0x%" PRIx64
				       " outside object 0x%" PRIx64,
				       slot, sc->addr);
	if (sc->view) {
		v = heap_get(sc->view,
			     (struct heap_member){(uint32_t)(slot - sc->addr),
						  8});
	} else {
		struct gr_error *err = gr_mem_u64(sc->h->mem, slot, &v);
		if (err)
			return err;
	}
	sc->fn(sc->arg, slot, v);
	return NULL;
}

GR_MUST_USE
static struct gr_error *emit_mask(struct scan *sc, uint64_t first,
				  uint64_t mask)
{
	while (mask) {
		unsigned b = (unsigned)__builtin_ctzll(mask);
		mask &= mask - 1;
		struct gr_error *err = emit(sc, first + 8 * (uint64_t)b);
		if (err)
			return err;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *no_arena(uint64_t addr)
{
	return gr_error_create(GR_ERR_BAD_DATA,
			       "no heap arena holds 0x%" PRIx64, addr);
}

/* Go <= 1.19: 2-bit entries in heapArena.bitmap, words until the first
 * clear scan bit (mgcmark.go scanobject; heapBits.next crosses arenas). */
GR_MUST_USE
static struct gr_error *scan_2bit(struct scan *sc)
{
	const struct heap_layout *L = &sc->h->L;
	uint8_t bm[HB2_CHUNK_WORDS / 4 + 1];
	uint64_t ptrs[HB2_CHUNK_WORDS / 64];
	uint64_t cur = sc->addr, left = sc->size / 8;
	while (left) {
		const struct heap_arena *a = heap_arena_of(sc->h, cur);
		if (!a)
			return no_arena(cur);
		uint64_t in_arena = (a->base + L->k.heap_arena_bytes - cur) / 8;
		uint64_t n = left < HB2_CHUNK_WORDS ? left : HB2_CHUNK_WORDS;
		if (n > in_arena)
			n = in_arena;
		uint64_t byte;
		unsigned shift;
		gr_hb2_locate(cur, L->ha_bitmap.size, &byte, &shift);
		uint64_t nbytes = (shift + n + 3) / 4;
		if (byte + nbytes > L->ha_bitmap.size)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "heap bitmap of 0x%" PRIx64
					       " past its arena",
					       cur);
		struct gr_error *err = gr_mem_read(
			sc->h->mem, a->ha + L->ha_bitmap.off + byte, bm, nbytes);
		if (err)
			return gr_error_prefix(err, "heap bitmap");
		uint64_t valid = gr_hb2_decode(bm, shift, n, ptrs);
		for (uint64_t w = 0; w < (valid + 63) / 64; w++)
			if ((err = emit_mask(sc, cur + 512 * w, ptrs[w])))
				return err;
		if (valid < n)
			break;
		cur += 8 * n;
		left -= n;
	}
	return NULL;
}

/* Go 1.20-1.21: heapBitsForAddr/next over 1-bit words and noMorePtrs. */
GR_MUST_USE
static struct gr_error *scan_1bit(struct scan *sc)
{
	const struct heap_layout *L = &sc->h->L;
	uint64_t arena_words = L->k.heap_arena_bytes / 8;
	uint64_t cur = sc->addr, left = sc->size / 8;
	while (left) {
		const struct heap_arena *a = heap_arena_of(sc->h, cur);
		if (!a)
			return no_arena(cur);
		uint64_t word = (cur / 8) % arena_words, idx = word / 64;
		uint64_t bits, mask, consumed;
		uint8_t nomore;
		bool last;
		if (8 * (idx + 1) > L->ha_bitmap.size ||
		    idx / 8 >= L->ha_nomoreptrs.size)
			return gr_error_create(GR_ERR_BAD_DATA,
					       "heap bitmap of 0x%" PRIx64
					       " past its arena",
					       cur);
		struct gr_error *err = gr_mem_u64(
			sc->h->mem, a->ha + L->ha_bitmap.off + 8 * idx, &bits);
		if (!err)
			err = gr_mem_u8(sc->h->mem,
					a->ha + L->ha_nomoreptrs.off + idx / 8,
					&nomore);
		if (err)
			return gr_error_prefix(err, "heap bitmap");
		gr_hb1_step(bits, nomore, word, left, &mask, &consumed, &last);
		if ((err = emit_mask(sc, cur, mask)))
			return err;
		if (last)
			break;
		cur += 8 * consumed;
		left -= consumed;
	}
	return NULL;
}

/* Go 1.22+, slots <= 512 bytes: the span-tail bitmap
 * (typePointersOfUnchecked: "Handle header-less objects"). */
GR_MUST_USE
static struct gr_error *scan_span_bits(struct scan *sc,
				       const struct gr_span *sp)
{
	const struct heap_layout *L = &sc->h->L;
	uint64_t bm_base, bm_size, mask;
	gr_hb_span_bitmap_range(&L->k, sp->base, sp->npages * L->k.page_size,
				sp->inline_marks, &bm_base, &bm_size);
	uint64_t off = sc->addr - sp->base;
	/* Only the one or two words holding this object's bits. */
	uint64_t first = off / 8 / 64 * 8;
	uint8_t buf[16];
	const uint8_t *bm = buf;
	uint64_t n = bm_size - first < 16 ? bm_size - first : 16;
	if (first >= bm_size)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "object 0x%" PRIx64
				       " past its span's bitmap",
				       sc->addr);
	if (sc->scanner && sc->scanner->span_bitmap) {
		bm = sc->scanner->span_bitmap + first;
	} else {
		struct gr_error *err =
			gr_mem_read(sc->h->mem, bm_base + first, buf, n);
		if (err)
			return gr_error_prefix(err, "span heap bits");
	}
	if (!gr_hb_span_object_bits(bm, n, off - first * 64, sp->elemsize,
				    &mask))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "object 0x%" PRIx64
				       ": bits past its span's bitmap",
				       sc->addr);
	return emit_mask(sc, sc->addr, mask);
}

/* The type descriptor at @typ and its pointer mask, through the scanner's
 * cache when there is one (records and masks never move once made). */
GR_MUST_USE
static struct gr_error *type_mask(struct scan *sc, uint64_t typ,
				  const struct gr_rtype **t,
				  const uint8_t **mask, uint64_t *nbits)
{
	struct gr_heap_scanner *s = sc->scanner;
	struct scanner_slot *e = NULL;
	if (s) {
		e = &s->slot[((typ >> 3) * UINT64_C(0x9e3779b97f4a7c15) >>
			      32) & (SCANNER_SLOTS - 1)];
		if (typ && e->typ == typ) {
			*t = e->t;
			*mask = e->mask;
			*nbits = e->nbits;
			return NULL;
		}
		if (s->lock)
			pthread_mutex_lock(s->lock);
	}
	struct gr_error *err = gr_rtype_get(sc->h->rt, typ, t);
	if (!err)
		err = gr_rtype_gcmask(sc->h->rt, *t, mask, nbits);
	if (s) {
		if (s->lock)
			pthread_mutex_unlock(s->lock);
		if (!err)
			*e = (struct scanner_slot){typ, *t, *mask, *nbits};
	}
	return err;
}

/* Go 1.22+: tile the type's mask from @data (after the header, if any)
 * to the end of the slot. */
GR_MUST_USE
static struct gr_error *scan_typed(struct scan *sc, uint64_t typ,
				   uint64_t data)
{
	const struct gr_rtype *t;
	const uint8_t *mask;
	uint64_t nbits, off;
	struct gr_error *err = type_mask(sc, typ, &t, &mask, &nbits);
	if (err)
		return gr_error_prefix(err, "object 0x%" PRIx64, sc->addr);
	struct gr_hb_tile tile;
	gr_hb_tile_init(&tile, mask, t->size, nbits * 8,
			sc->addr + sc->size - data);
	while (gr_hb_tile_next(&tile, &off))
		if ((err = emit(sc, data + off)))
			return err;
	return NULL;
}

GR_MUST_USE
static struct gr_error *scan_headers(struct scan *sc, const struct gr_span *sp)
{
	const struct heap_layout *L = &sc->h->L;
	if (sp->sizeclass != 0 && gr_hb_in_span(&L->k, sp->elemsize))
		return scan_span_bits(sc, sp);
	if (sp->sizeclass == 0)
		/* "Allow a nil type here for delayed zeroing" (mbitmap.go). */
		return sp->large_type ? scan_typed(sc, sp->large_type, sc->addr)
				      : NULL;
	/* "Pull the allocation header from the first word of the object." */
	uint64_t typ;
	struct gr_error *err = gr_mem_u64(sc->h->mem, sc->addr, &typ);
	if (err)
		return gr_error_prefix(err, "malloc header");
	if (!typ)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "object 0x%" PRIx64
				       ": nil malloc header",
				       sc->addr);
	return scan_typed(sc, typ, sc->addr + L->k.malloc_header_size);
}

/* Look up the bytes and the bitmap of span @i once for its objects.  A
 * view that fails leaves NULL: each object is then read as alone. */
static void span_enter(struct gr_heap_scanner *s, size_t i)
{
	const struct gr_heap *h = s->h;
	const struct gr_span *sp = &h->spans[i];
	const struct heap_layout *L = &h->L;
	uint64_t bytes = sp->npages * L->k.page_size;
	s->span = i;
	s->span_bytes = s->span_bitmap = NULL;
	if (!s->span_views)
		return;
	/* No view is not damage: the objects are then read one by one,
	 * and one that cannot be is counted unscannable by the graph. */
	struct gr_error *err = gr_mem_view(h->mem, sp->base, bytes,
					   &s->span_bytes);
	if (err) {
		gr_error_destroy(err);
		s->span_bytes = NULL;
	}
	if (L->regime != GR_HEAPBITS_HEADERS || sp->sizeclass == 0 ||
	    !gr_hb_in_span(&L->k, sp->elemsize))
		return;
	uint64_t bm_base, bm_size;
	gr_hb_span_bitmap_range(&L->k, sp->base, bytes, sp->inline_marks,
				&bm_base, &bm_size);
	if ((err = gr_mem_view(h->mem, bm_base, bm_size, &s->span_bitmap))) {
		/* As above, no view is not damage: the bits are then read word by word. */
		gr_error_destroy(err);
		s->span_bitmap = NULL;
	}
}

GR_MUST_USE
static struct gr_error *scan_object(struct gr_heap *h,
				   struct gr_heap_scanner *scanner,
				   uint32_t id,
				   void (*fn)(void *arg, uint64_t slot,
					      uint64_t value),
				   void *arg)
{
	if (id >= h->nobjects)
		return gr_error_create(GR_ERR_NOT_FOUND, "no heap object %u",
				       (unsigned)id);
	const struct gr_span *sp = &h->spans[h->obj_span[id]];
	if (sp->noscan)
		return NULL;
	if (sp->elemsize < 8)
		return NULL;
	uint64_t slot;
	if (scanner && scanner->span == h->obj_span[id] &&
	    scanner->last_id + 1 == id)
		slot = heap_next_slot(h, sp, scanner->last_slot);
	else
		slot = heap_object_slot(h, id);
	struct scan sc = {h, scanner, sp->base + slot * sp->elemsize, NULL,
			  sp->elemsize, fn, arg};
	if (scanner) {
		if (scanner->span != h->obj_span[id])
			span_enter(scanner, h->obj_span[id]);
		scanner->last_id = id;
		scanner->last_slot = slot;
		if (scanner->span_bytes)
			sc.view = scanner->span_bytes + (sc.addr - sp->base);
	}
	if (!sc.view) {
		struct gr_error *err =
			gr_mem_view(h->mem, sc.addr, sc.size, &sc.view);
		/* Not one view: the words are read one by one. */
		if (gr_error_catch(&err, GR_ERR_BIT(FAULT)))
			sc.view = NULL;
		else if (err)
			return err;
	}
	switch (h->L.regime) {
	case GR_HEAPBITS_ARENA_2BIT:
		return scan_2bit(&sc);
	case GR_HEAPBITS_ARENA_1BIT:
		return scan_1bit(&sc);
	case GR_HEAPBITS_HEADERS:
		return scan_headers(&sc, sp);
	}
	return NULL;
}

struct gr_error *gr_heap_scan_object(struct gr_heap *h, uint32_t id,
				     void (*fn)(void *arg, uint64_t slot,
						uint64_t value),
				     void *arg)
{
	return scan_object(h, NULL, id, fn, arg);
}

struct gr_error *gr_heap_scanner_create(struct gr_heap *h,
					pthread_mutex_t *lock,
					struct gr_heap_scanner **ret)
{
	struct gr_heap_scanner *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return gr_error_nomem();
	sc->h = h;
	sc->lock = lock;
	/* Views would record whole spans where the object's pages are
	 * wanted (goretain slim). */
	sc->span_views = !gr_mem_recording(h->mem);
	sc->span = SIZE_MAX;
	*ret = sc;
	return NULL;
}

void gr_heap_scanner_destroy(struct gr_heap_scanner *sc)
{
	free(sc);
}

struct gr_error *gr_heap_scanner_scan(struct gr_heap_scanner *sc, uint32_t id,
				      void (*fn)(void *arg, uint64_t slot,
						 uint64_t value),
				      void *arg)
{
	return scan_object(sc->h, sc, id, fn, arg);
}
