/* SPDX-License-Identifier: MIT */
/*
 * Idle and released heap memory, from the page allocator (mheap_.pages).
 *
 * MemStats defines HeapIdle = heapFree + heapReleased and HeapReleased =
 * heapReleased (runtime/mstats.go readmemstats_m, 1.19-1.27).  Both count
 * pages the page allocator holds free: the heap grows by whole palloc
 * chunks which enter pageAlloc.inUse free and scavenged (mheap.go grow,
 * mpagealloc.go grow: heapReleased += the growth), allocSpan takes pages
 * off (allocRange clears their scavenged bits), freeSpan returns them
 * unscavenged (heapFree), the scavenger moves free pages to scavenged.
 * So, over the chunks of inUse: HeapIdle = free pages (pallocBits clear),
 * HeapReleased = free pages whose scavenged bit is set.  Manual spans
 * (stacks) are allocated pages too, as in the runtime's accounting.
 *
 * One exception from Go 1.26: with the randomised heap base, the first
 * grow marks a random number of pages at the start of the heap allocated
 * *and* scavenged (mheap.go grow, mpagealloc.go markRandomPaddingPages),
 * never to be used, and leaves them in heapReleased.  Allocation clears
 * the scavenged bits of the pages it takes (pallocData.allocRange,
 * allocToCache) in every version, so "allocated and scavenged" means
 * exactly such padding: those pages count as idle and released.
 *
 * Each P keeps a page cache (runtime/mpagecache.go: pageCache{base, cache,
 * scav}, up to 64 pages taken from one chunk by allocToCache): those pages
 * are marked allocated in the chunk's bitmap, yet free for MemStats
 * (heapFree / heapReleased are only charged when allocSpan takes a page
 * from the cache).  They are added from allp[i].pcache.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "forensics/07-heap/heap_internal.h"

enum {
	/* Ranges in pageAlloc.inUse accepted (the runtime merges adjacent
	 * ones; a few per heap is normal). */
	MAX_RANGES = 1 << 16,
	/* Ps accepted in allp (GOMAXPROCS is capped at 1024 up to 1.24,
	 * and no machine has more). */
	MAX_PROCS = 1 << 16,
};

struct chunk_count {
	uint64_t free, scavenged;
};

/* Count the free and free-and-scavenged pages of chunk @ci that lie in
 * [base, limit). */
GR_MUST_USE
static struct gr_error *count_chunk(struct gr_heap *h, uint64_t ci,
				    uint64_t base, uint64_t limit,
				    struct chunk_count *cc)
{
	const struct heap_layout *L = &h->L;
	uint64_t ps = L->k.page_size, cp = L->k.palloc_chunk_pages;
	uint64_t l1 = ci / L->chunks_l2, l2 = ci % L->chunks_l2, l2base;
	if (l1 >= L->chunks_l1)
		return gr_damage_add(&h->damage, base, 0,
				     "palloc chunk out of range");
	uint64_t at = L->mheap_addr + L->mheap_pages.off + L->pages_chunks.off +
		      8 * l1;
	uint8_t data[512];
	if (L->palloc_data_size > sizeof(data))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "runtime.pallocData too large");
	struct gr_error *err = gr_mem_u64(h->mem, at, &l2base);
	if (!err)
		err = gr_mem_read(h->mem, l2base + l2 * L->palloc_data_size,
				  data, L->palloc_data_size);
	if (err)
		return gr_damage_catch(&h->damage, err, GR_ERR_BIT(FAULT), at,
				       cp * ps, "unreadable palloc chunk");
	uint64_t cbase = ci * cp * ps + L->k.arena_base_offset;
	const uint8_t *alloc = data + L->palloc_bits.off;
	const uint8_t *scav = data + L->palloc_scav.off;
	for (uint64_t p = 0; p < cp; p++) {
		uint64_t a = cbase + p * ps;
		if (a < base || a >= limit)
			continue;
		unsigned sc = (scav[p / 8] >> (p % 8)) & 1;
		if (((alloc[p / 8] >> (p % 8)) & 1) && !sc)
			continue;
		cc->free++;
		cc->scavenged += sc;
	}
	return NULL;
}

/* Free pages in the P page caches: cache bit set = free page, scav bit
 * set = that page is scavenged (mpagecache.go). */
GR_MUST_USE
static struct gr_error *count_page_caches(struct gr_heap *h,
					  struct chunk_count *cc)
{
	const struct heap_layout *L = &h->L;
	uint8_t sl[24];
	struct gr_error *err = gr_mem_read(h->mem, L->allp_addr, sl, sizeof(sl));
	if (err)
		return gr_damage_catch(&h->damage, err, GR_ERR_BIT(FAULT),
				       L->allp_addr, 0, "unreadable allp");
	uint64_t ptr = heap_get(sl, (struct heap_member){0, 8});
	uint64_t len = heap_get(sl, (struct heap_member){8, 8});
	if (len > MAX_PROCS)
		return gr_damage_add(&h->damage, L->allp_addr, 0,
				     "allp: too many Ps");
	for (uint64_t i = 0; i < len; i++) {
		uint64_t p;
		uint8_t pc[64];
		uint32_t pcsize = L->pc_scav.off + 8;
		if ((err = gr_mem_u64(h->mem, ptr + 8 * i, &p)) || !p ||
		    pcsize > sizeof(pc) ||
		    (err = gr_mem_read(h->mem, p + L->p_pcache.off, pc,
				       pcsize))) {
			if ((err = gr_damage_catch(&h->damage, err,
						   GR_ERR_BIT(FAULT),
						   ptr + 8 * i, 0,
						   "unreadable P page cache")))
				return err;
			continue;
		}
		uint64_t base = heap_get(pc, L->pc_base);
		uint64_t cache = heap_get(pc, L->pc_cache);
		uint64_t scav = heap_get(pc, L->pc_scav);
		if (!cache)
			continue;
		if (!heap_in_arenas(h, base, 64 * L->k.page_size)) {
			if ((err = gr_damage_add(&h->damage, p, 0,
						 "P page cache outside the "
						 "arenas")))
				return err;
			continue;
		}
		cc->free += (uint64_t)__builtin_popcountll(cache);
		cc->scavenged += (uint64_t)__builtin_popcountll(cache & scav);
	}
	return NULL;
}

struct gr_error *heap_load_pages(struct gr_heap *h)
{
	const struct heap_layout *L = &h->L;
	uint64_t pages = L->mheap_addr + L->mheap_pages.off;
	uint64_t at = pages + L->pages_inuse.off + L->ranges_slice.off;
	uint8_t sl[24];
	struct gr_error *err = gr_mem_read(h->mem, at, sl, sizeof(sl));
	if (err)
		return gr_damage_add(&h->damage, at, 0,
				     "unreadable pageAlloc.inUse");
	uint64_t ptr = heap_get(sl, (struct heap_member){0, 8});
	uint64_t len = heap_get(sl, (struct heap_member){8, 8});
	if (len > MAX_RANGES)
		return gr_damage_add(&h->damage, at, 0,
				     "pageAlloc.inUse: too many ranges");
	uint64_t chunk_bytes = L->k.palloc_chunk_pages * L->k.page_size;
	struct chunk_count cc = {0, 0};
	for (uint64_t i = 0; i < len; i++) {
		uint8_t r[64];
		uint64_t ra = ptr + i * L->addr_range_size;
		if (L->addr_range_size > sizeof(r) ||
		    (err = gr_mem_read(h->mem, ra, r, L->addr_range_size))) {
			if ((err = gr_damage_catch(
				     &h->damage, err, GR_ERR_BIT(FAULT), ra, 0,
				     "unreadable pageAlloc range")))
				return err;
			continue;
		}
		/* addrRange{base, limit offAddr}, offAddr{a uintptr}. */
		uint64_t base = heap_get(r, L->range_base);
		uint64_t limit = heap_get(r, L->range_limit);
		if (limit <= base || !heap_in_arenas(h, base, limit - base)) {
			if ((err = gr_damage_add(&h->damage, ra, 0,
						 "pageAlloc range outside the "
						 "arenas")))
				return err;
			continue;
		}
		/* chunkIndex(p) = (p - arenaBaseOffset) / pallocChunkBytes
		 * (mpagealloc.go). */
		uint64_t c0 = (base - L->k.arena_base_offset) / chunk_bytes;
		uint64_t c1 = (limit - 1 - L->k.arena_base_offset) / chunk_bytes;
		for (uint64_t c = c0; c <= c1; c++)
			if ((err = count_chunk(h, c, base, limit, &cc)))
				return err;
	}
	if ((err = count_page_caches(h, &cc)))
		return err;
	h->bd.heap_idle_bytes = cc.free * L->k.page_size;
	h->bd.heap_released_bytes = cc.scavenged * L->k.page_size;
	return NULL;
}
