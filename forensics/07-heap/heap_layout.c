/* SPDX-License-Identifier: MIT */
/*
 * The heap walker's view of the runtime, resolved once from DWARF: member
 * offsets and sizes of runtime.mheap, pageAlloc, heapArena and mspan, the
 * allocator constants, and which pointer-bitmap regime the binary uses
 * (from the shape of heapArena and mspan, never from the version string).
 */
#include <stdlib.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/buildinfo.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap_internal.h"


GR_MUST_USE
static struct gr_error *unsupported(const char *type, const char *field,
				    const char *why)
{
	return gr_error_create(GR_ERR_UNSUPPORTED, "DWARF: %s.%s %s", type,
			       field, why);
}

/*
 * Member @field of @type: offset and byte size.  Absent: UNSUPPORTED when
 * @required, else size 0.  When @sizes is not NULL the size must be one of
 * its entries (GR_DWARF_SIZES).
 */
GR_MUST_USE
static struct gr_error *member(const struct gr_dwarf *d, const char *type,
			       const char *field, bool required,
			       const uint64_t *sizes, struct heap_member *m)
{
	m->off = m->size = 0;
	if (!required && !gr_dwarf_has_member(d, type, field))
		return NULL;
	struct gr_dwarf_member dm;
	struct gr_error *err = gr_dwarf_member_of(d, type, field, sizes, &dm);
	if (err)
		return err;
	/* Size 0 (unsized, or empty as heapArenaPtrScalar is in 1.22 with
	 * allocation headers) reads as absent below. */
	if (dm.off > UINT32_MAX || dm.size > UINT32_MAX)
		return unsupported(type, field, "is out of range");
	m->off = (uint32_t)dm.off;
	m->size = (uint32_t)dm.size;
	return NULL;
}

#define SZ_1 GR_DWARF_SIZES(1)
#define SZ_2 GR_DWARF_SIZES(2)
#define SZ_8 GR_DWARF_SIZES(8)
#define SZ_2_8 GR_DWARF_SIZES(2, 8)
#define SZ_SLICE GR_DWARF_SIZES(24)

/* The size of runtime struct @type, which must be plausible. */
GR_MUST_USE
static struct gr_error *type_size(const struct gr_dwarf *d, const char *type,
				  uint32_t *ret)
{
	uint64_t size;
	struct gr_error *err = gr_dwarf_type_size_of(d, type, &size);
	if (err)
		return err;
	if (size == 0 || size > (1u << 26))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s has no plausible size", type);
	*ret = (uint32_t)size;
	return NULL;
}

/*
 * A two-level index [L1]*[L2]T (mheap.arenas, pageAlloc.chunks): the two
 * array lengths, from the member's DWARF type.
 */
GR_MUST_USE
static struct gr_error *two_level(const struct gr_dwarf *d, const char *type,
				  const char *field, uint64_t *l1,
				  uint64_t *l2)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member_of(d, type, field, NULL, &m);
	if (err)
		return err;
	const struct gr_dwarf_type *a =
		gr_dwarf_type(d, gr_dwarf_type_strip(d, m.type));
	const struct gr_dwarf_type *p =
		a ? gr_dwarf_type(d, gr_dwarf_type_strip(d, a->type)) : NULL;
	const struct gr_dwarf_type *b =
		p ? gr_dwarf_type(d, gr_dwarf_type_strip(d, p->type)) : NULL;
	if (!a || a->kind != GR_DWARF_TYPE_ARRAY || !a->has_count || !p ||
	    p->kind != GR_DWARF_TYPE_POINTER || !b ||
	    b->kind != GR_DWARF_TYPE_ARRAY || !b->has_count ||
	    a->count == 0 || b->count == 0 || a->count > (1u << 26) ||
	    b->count > (1u << 26))
		return unsupported(type, field, "is not an [L1]*[L2] index");
	*l1 = a->count;
	*l2 = b->count;
	return NULL;
}

static uint64_t constant(const struct gr_dwarf *d, const char *a,
			 const char *b, uint64_t def)
{
	const char *names[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		int64_t v;
		if (!names[i])
			continue;
		struct gr_error *err = gr_dwarf_constant(d, names[i], &v);
		if (!err)
			return (uint64_t)v;
		/* The executable's DWARF lacks this name: try the next; not damage. */
		gr_error_destroy(err);
	}
	return def;
}

/* The allocator constants: DWARF keeps them "for viewcore" (runtime/
 * malloc.go); the defaults are layouts/heapbits.c's. */
static void resolve_consts(struct gr_session *s, struct heap_layout *L)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	struct gr_heap_consts *k = &L->k;
	gr_heap_consts_default(k);
	k->page_size = constant(d, "runtime.pageSize", "runtime._PageSize",
				k->page_size);
	k->heap_arena_bytes = constant(d, "runtime.heapArenaBytes", NULL,
				       k->heap_arena_bytes);
	k->arena_base_offset =
		constant(d, "runtime.arenaBaseOffsetUintptr",
			 "runtime.arenaBaseOffset", k->arena_base_offset);
	k->palloc_chunk_pages = constant(d, "runtime.pallocChunkPages", NULL,
					 k->palloc_chunk_pages);
	k->malloc_header_size =
		constant(d, "runtime.mallocHeaderSize",
			 "internal/runtime/gc.MallocHeaderSize",
			 k->malloc_header_size);
	k->min_size_for_header =
		constant(d, "runtime.minSizeForMallocHeader",
			 "internal/runtime/gc.MinSizeForMallocHeader",
			 k->min_size_for_header);
	uint32_t sz = 0;
	struct gr_error *err = type_size(d, "runtime.spanInlineMarkBits", &sz);
	if (!err)
		k->inline_mark_bytes = sz;
	/* The executable's DWARF lacks the type (no inline marks): not damage. */
	gr_error_destroy(err);
}

/* The class_to_size table in the binary, to check layouts/sizeclasses.c. */
static void resolve_class_table(struct gr_session *s, struct heap_layout *L)
{
	static const char *const names[] = {
		"runtime.class_to_size",	       /* 1.19-1.24 */
		"internal/runtime/gc.SizeClassToSize", /* 1.25+ */
	};
	const struct gr_dwarf *d = gr_session_dwarf(s);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct gr_dwarf_global *g;
		struct gr_error *err = gr_dwarf_global(d, names[i], &g);
		if (!err && g->has_size && g->size == 2 * GR_NUM_SIZE_CLASSES) {
			L->class_to_size_addr =
				g->addr + gr_session_load_bias(s);
			return;
		}
		/* Not in the executable's DWARF under this name: not damage. */
		gr_error_destroy(err);
	}
}

GR_MUST_USE
static struct gr_error *resolve_mheap(const struct gr_dwarf *d,
				      struct heap_layout *L)
{
	const char *T = "runtime.mheap";
	struct gr_error *err;
	if ((err = member(d, T, "allspans", true, SZ_SLICE,
			  &L->mheap_allspans)) ||
	    (err = member(d, T, "arenas", true, SZ_8, &L->mheap_arenas)) ||
	    (err = member(d, T, "pages", true, NULL, &L->mheap_pages)) ||
	    (err = two_level(d, T, "arenas", &L->arenas_l1, &L->arenas_l2)))
		return err;
	/* allArenas up to 1.26; 1.27 splits it into heapArenas and
	 * userArenaArenas (runtime/mheap.go). */
	if ((err = member(d, T, "allArenas", false, SZ_SLICE,
			  &L->mheap_all_arenas)))
		return err;
	if (!L->mheap_all_arenas.size &&
	    ((err = member(d, T, "heapArenas", true, SZ_SLICE,
			   &L->mheap_all_arenas)) ||
	     (err = member(d, T, "userArenaArenas", false, SZ_SLICE,
			   &L->mheap_user_arenas))))
		return err;
	const char *P = "runtime.pageAlloc";
	if ((err = member(d, P, "chunks", true, NULL, &L->pages_chunks)) ||
	    (err = member(d, P, "inUse", true, NULL, &L->pages_inuse)) ||
	    (err = two_level(d, P, "chunks", &L->chunks_l1, &L->chunks_l2)) ||
	    (err = member(d, "runtime.addrRanges", "ranges", true, SZ_SLICE,
			  &L->ranges_slice)) ||
	    (err = member(d, "runtime.addrRange", "base", true, SZ_8,
			  &L->range_base)) ||
	    (err = member(d, "runtime.addrRange", "limit", true, SZ_8,
			  &L->range_limit)) ||
	    (err = type_size(d, "runtime.addrRange", &L->addr_range_size)) ||
	    (err = member(d, "runtime.pallocData", "pallocBits", true, NULL,
			  &L->palloc_bits)) ||
	    (err = member(d, "runtime.pallocData", "scavenged", true, NULL,
			  &L->palloc_scav)) ||
	    (err = type_size(d, "runtime.pallocData", &L->palloc_data_size)))
		return err;
	/* The per-P page caches (runtime/mpagecache.go pageCache, p.pcache):
	 * pages there are allocated in the chunks but free to MemStats. */
	const char *C = "runtime.pageCache";
	if ((err = member(d, "runtime.p", "pcache", true, NULL,
			  &L->p_pcache)) ||
	    (err = member(d, C, "base", true, SZ_8, &L->pc_base)) ||
	    (err = member(d, C, "cache", true, SZ_8, &L->pc_cache)) ||
	    (err = member(d, C, "scav", true, SZ_8, &L->pc_scav)))
		return err;
	return NULL;
}

/*
 * heapArena: spans always; bitmap (+ noMorePtrs from 1.20) up to 1.21,
 * or inside the embedded heapArenaPtrScalar of 1.22-1.23 built with
 * GOEXPERIMENT=noallocheaders; pageUseSpanInlineMarkBits from 1.25.
 */
GR_MUST_USE
static struct gr_error *resolve_arena(const struct gr_dwarf *d,
				      struct heap_layout *L)
{
	const char *A = "runtime.heapArena";
	struct gr_error *err;
	struct heap_member embed = {0, 0};
	if ((err = type_size(d, A, &L->ha_size)) ||
	    (err = member(d, A, "spans", true, NULL, &L->ha_spans)) ||
	    (err = member(d, A, "bitmap", false, NULL, &L->ha_bitmap)) ||
	    (err = member(d, A, "noMorePtrs", false, NULL,
			  &L->ha_nomoreptrs)) ||
	    (err = member(d, A, "pageUseSpanInlineMarkBits", false, NULL,
			  &L->ha_inline_marks)) ||
	    (err = member(d, A, "heapArenaPtrScalar", false, NULL, &embed)))
		return err;
	if (!L->ha_bitmap.size && embed.size) {
		const char *E = "runtime.heapArenaPtrScalar";
		if ((err = member(d, E, "bitmap", true, NULL, &L->ha_bitmap)) ||
		    (err = member(d, E, "noMorePtrs", true, NULL,
				  &L->ha_nomoreptrs)))
			return err;
		L->ha_bitmap.off += embed.off;
		L->ha_nomoreptrs.off += embed.off;
	}
	if (L->ha_spans.size < 8 || L->ha_spans.off > L->ha_size ||
	    L->ha_size - L->ha_spans.off < L->ha_spans.size)
		return unsupported(A, "spans", "does not fit");
	return NULL;
}

GR_MUST_USE
static struct gr_error *resolve_span(const struct gr_dwarf *d,
				     struct heap_layout *L)
{
	const char *S = "runtime.mspan";
	struct gr_error *err;
	if ((err = type_size(d, S, &L->span_size)) ||
	    (err = member(d, S, "startAddr", true, SZ_8, &L->sp_start)) ||
	    (err = member(d, S, "npages", true, SZ_8, &L->sp_npages)) ||
	    /* uintptr up to 1.21, uint16 from 1.22 (runtime/mheap.go). */
	    (err = member(d, S, "freeindex", true, SZ_2_8,
			  &L->sp_freeindex)) ||
	    (err = member(d, S, "nelems", true, SZ_2_8, &L->sp_nelems)) ||
	    (err = member(d, S, "allocBits", true, SZ_8,
			  &L->sp_alloc_bits)) ||
	    (err = member(d, S, "allocCount", true, SZ_2,
			  &L->sp_alloc_count)) ||
	    (err = member(d, S, "spanclass", true, SZ_1,
			  &L->sp_spanclass)) ||
	    /* mSpanStateBox{s mSpanState} (1.19), {s atomic.Uint8} (1.20+):
	     * one byte either way. */
	    (err = member(d, S, "state", true, SZ_1, &L->sp_state)) ||
	    (err = member(d, S, "elemsize", true, SZ_8, &L->sp_elemsize)) ||
	    (err = member(d, S, "limit", true, SZ_8, &L->sp_limit)) ||
	    (err = member(d, S, "largeType", false, SZ_8,
			  &L->sp_large_type)) ||
	    (err = member(d, S, "isUserArenaChunk", false, SZ_1,
			  &L->sp_user_arena)))
		return err;
	if (L->span_size > 1024)
		return unsupported(S, "(struct)", "is implausibly large");
	return NULL;
}

/* Which pointer-bitmap regime: shapes first (heapArena.bitmap with or
 * without noMorePtrs, mspan.largeType), see layouts/heapbits.h. */
GR_MUST_USE
static struct gr_error *resolve_regime(struct heap_layout *L)
{
	if (L->ha_bitmap.size && L->ha_nomoreptrs.size)
		L->regime = GR_HEAPBITS_ARENA_1BIT;
	else if (L->ha_bitmap.size)
		L->regime = GR_HEAPBITS_ARENA_2BIT;
	else if (L->sp_large_type.size)
		L->regime = GR_HEAPBITS_HEADERS;
	else
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: neither heapArena.bitmap nor "
				       "mspan.largeType: unknown heap bitmap "
				       "layout");
	return NULL;
}

static bool power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

struct gr_error *heap_layout_resolve(struct gr_session *s,
				     struct heap_layout *L)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	memset(L, 0, sizeof(*L));
	if (!gr_dwarf_present(d))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "the executable has no DWARF (stripped) and "
				       "goretain has no layout pack for its Go "
				       "release: the heap layout cannot be read");
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(d, "runtime.mheap_", &g);
	if (err) {
		gr_error_destroy(err);
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: no global runtime.mheap_");
	}
	L->mheap_addr = g->addr + gr_session_load_bias(s);
	if ((err = gr_dwarf_global(d, "runtime.allp", &g))) {
		gr_error_destroy(err);
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: no global runtime.allp");
	}
	L->allp_addr = g->addr + gr_session_load_bias(s);
	if ((err = resolve_mheap(d, L)) || (err = resolve_arena(d, L)) ||
	    (err = resolve_span(d, L)) || (err = resolve_regime(L)))
		return err;
	resolve_consts(s, L);
	resolve_class_table(s, L);
	const struct gr_heap_consts *k = &L->k;
	if (!power_of_two(k->page_size) || !power_of_two(k->heap_arena_bytes) ||
	    k->heap_arena_bytes < k->page_size ||
	    !power_of_two(k->palloc_chunk_pages) ||
	    L->palloc_data_size < 2 * k->palloc_chunk_pages / 8 ||
	    L->palloc_bits.size < k->palloc_chunk_pages / 8 ||
	    L->palloc_scav.size < k->palloc_chunk_pages / 8 ||
	    L->ha_spans.size / 8 != k->heap_arena_bytes / k->page_size)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "heap: DWARF constants and types "
				       "disagree (page size, arena size, "
				       "palloc chunk)");
	return NULL;
}
