/* SPDX-License-Identifier: MIT */
/*
 * gr_heap: the Go heap rebuilt from the core, as the garbage collector sees
 * it: arenas (mheap_.arenas), spans (mheap_.allspans) and every allocated
 * object, with which words of each object hold pointers.
 *
 * Objects get dense uint32_t ids in address order (id 0 = lowest address).
 * An object is one allocation slot: a small object's slot is its span's
 * elemsize; a large object is its whole span (npages * 8 KiB); a tiny block
 * (16-byte slot of a noscan tiny span holding several small noscan
 * allocations) is one object.  From Go 1.22 a pointerful small object over
 * 512 bytes starts with its 8-byte malloc header: the object's address and
 * size are the slot's, header included, and its data starts 8 bytes in.
 * Slot i of an in-use span is allocated iff i < freeindex or allocBits[i]
 * (see heap_spans.c): live objects and, in spans not yet swept since the
 * last mark, dead ones; this is what MemStats.HeapAlloc counts.
 *
 * Loading reads mheap_ (arenas, allspans, the page allocator, the P page
 * caches); a span the walker cannot believe (unreadable, fields that
 * contradict its size class or the arena span map, unreadable allocBits)
 * is recorded as damage and skipped; the walk goes on.  Only what the whole
 * walk depends on (DWARF layout, mheap_ itself, the arena list) fails the
 * load.  After load the heap is immutable: queries may run in parallel,
 * except gr_heap_scan_object and gr_heap_object_rtype's callers sharing the
 * type cache (gr_rtypes is not thread-safe; gr_heap_scanner shares it under
 * a lock) and a gr_mem recording the pages it reads.
 *
 * Runtime field offsets come from DWARF (fail closed: UNSUPPORTED naming the
 * missing field); encodings DWARF does not describe (pointer bitmaps per Go
 * version, size classes) come from layouts/, each rule citing its source.
 */
#ifndef GR_HEAP_H
#define GR_HEAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/06-rtype/rtype.h"
#include "layouts/heapbits.h"

enum { GR_HEAP_NO_OBJECT = UINT32_MAX };

/* mspan.state values (runtime/mheap.go mSpanState). */
enum gr_span_state {
	GR_SPAN_DEAD = 0,
	GR_SPAN_IN_USE = 1,
	GR_SPAN_MANUAL = 2, /* stacks, and other manually managed memory */
};

struct gr_span {
	uint64_t addr;	   /* the mspan struct itself */
	uint64_t base;	   /* startAddr */
	uint64_t npages;
	uint64_t elemsize; /* slot size; npages*pageSize for large objects */
	uint64_t limit;	   /* end of usable data */
	/* mspan.largeType (Go 1.22+): the type of a large object, 0 if
	 * none (noscan, older Go, or not yet set by the allocator). */
	uint64_t large_type;
	uint32_t nelems;
	uint32_t alloc_count; /* objects the walker found allocated */
	uint32_t freeindex;
	uint8_t state;	      /* enum gr_span_state */
	uint8_t sizeclass;    /* 0 = large */
	bool noscan;
	/* Green Tea: the span ends in inline mark bits (1.25 exp, 1.26+). */
	bool inline_marks;
	/* Object ids of this span's allocated objects: [first_object,
	 * first_object + alloc_count). */
	uint32_t first_object;
	/* Internal: first word of the span's allocation bitmap. */
	uint32_t first_word_;
	/* Internal: ceil(2^32 / elemsize), the runtime's mspan.divMul, so
	 * an offset's slot is a multiply (gr_heap_find); 0 when unusable. */
	uint32_t div_mul_;
};

/* Where the process's memory went, from mheap_ and the spans. */
struct gr_heap_breakdown {
	uint64_t object_bytes;	     /* allocated slots (live + not swept) */
	uint64_t objects;
	uint64_t span_inuse_bytes;   /* in-use spans, whole pages */
	uint64_t free_slot_bytes;    /* free slots in in-use spans */
	uint64_t tail_waste_bytes;   /* span bytes past the last slot */
	uint64_t stack_span_bytes;   /* manual spans holding goroutine stacks */
	uint64_t manual_other_bytes; /* other manual spans: GC work buffers,
					GC-program bitmaps of 1.22-1.23
					large objects */
	uint64_t heap_idle_bytes;    /* free pages, not returned to the OS */
	uint64_t heap_released_bytes;/* free pages returned to the OS */
	uint64_t arena_bytes;	     /* arenas mapped */
};

/*
 * Invariants of a loaded heap: span_inuse_bytes = object_bytes +
 * free_slot_bytes + tail_waste_bytes; on a quiescent core, object_bytes and
 * objects are MemStats.HeapAlloc and HeapObjects, span_inuse_bytes
 * HeapInuse, stack_span_bytes StackInuse, heap_idle_bytes HeapIdle and
 * heap_released_bytes HeapReleased (tests/unit/test_heap.c checks them).
 */

struct gr_heap;

/*
 * Walk the heap of @s (which must outlive the result).  UNSUPPORTED when
 * the binary lacks DWARF or a runtime member the walk needs (named), or
 * the binary's size classes differ from layouts/sizeclasses.c; FAULT or
 * BAD_DATA when mheap_ or its arena list cannot be read; NOMEM, LIMIT
 * (more than 2^32-2 objects).  Everything else is damage.
 */
GR_MUST_USE
struct gr_error *gr_heap_load(struct gr_session *s, struct gr_heap **ret);
void gr_heap_destroy(struct gr_heap *h);

uint32_t gr_heap_object_count(const struct gr_heap *h);
uint64_t gr_heap_object_addr(const struct gr_heap *h, uint32_t id);
uint64_t gr_heap_object_size(const struct gr_heap *h, uint32_t id);
/*
 * Object sizes for the loops that visit every object or edge (marking,
 * reachable sizes): gr_heap_size_of(&z, id) is gr_heap_object_size(h, id)
 * for every valid id, inlined, from one byte per object and a table of 256
 * (the size class's slot size) instead of two calls and a span lookup.
 * Valid while @h lives.
 */
struct gr_heap_sizes {
	const uint8_t *cls;
	const uint64_t *class_size;
	const uint32_t *obj_span;
	const struct gr_span *spans;
};
void gr_heap_sizes(const struct gr_heap *h, struct gr_heap_sizes *ret);
static inline uint64_t gr_heap_size_of(const struct gr_heap_sizes *z,
				       uint32_t id)
{
	uint8_t c = z->cls[id];
	return c ? z->class_size[c] : z->spans[z->obj_span[id]].elemsize;
}
/* The span holding object @id. */
const struct gr_span *gr_heap_object_span(const struct gr_heap *h, uint32_t id);
/*
 * The object containing @addr (interior pointers resolve to their object),
 * or GR_HEAP_NO_OBJECT if @addr is not inside an allocated object.  Hot path.
 */
uint32_t gr_heap_find(const struct gr_heap *h, uint64_t addr);
/* What gr_heap_find found: the object, its span and its first address
 * (gr_heap_object_span and gr_heap_object_addr, without looking again). */
struct gr_heap_hit {
	uint32_t id; /* GR_HEAP_NO_OBJECT: nothing found, then no span */
	const struct gr_span *span;
	uint64_t addr;
};
uint32_t gr_heap_find_hit(const struct gr_heap *h, uint64_t addr,
			  struct gr_heap_hit *hit);
/* The in-use or manual span containing @addr, or NULL. */
const struct gr_span *gr_heap_span_at(const struct gr_heap *h, uint64_t addr);

/*
 * Call @fn for every word of object @id that the GC would scan as a pointer,
 * in address order, with the word's address and value (whatever it points
 * at).  Objects in noscan spans have none.  The rules per Go version are in
 * layouts/heapbits.h and heap_scan.c.  Returns BAD_DATA/FAULT if the pointer
 * bitmap, header or type of the object cannot be read (@fn may have been
 * called for earlier words; the caller records the damage and goes on),
 * NOT_FOUND for an id out of range.
 */
GR_MUST_USE
struct gr_error *gr_heap_scan_object(struct gr_heap *h, uint32_t id,
				     void (*fn)(void *arg, uint64_t slot,
						uint64_t value),
				     void *arg);

/*
 * Scanning from several threads at once (gr_graph_build): each thread
 * scans through its own scanner, whose small cache of type descriptors and
 * their pointer masks answers most objects of the 1.22+ regimes; a miss
 * takes the shared type cache under @lock (gr_rtypes is not thread-safe;
 * NULL: one thread only).  A scanner also keeps the span it is in: its
 * bytes and its heap bitmap looked up once for all its objects, so
 * scanning objects in id order (span by span) costs no memory lookup per
 * object (except while the memory records the pages read: then per
 * object, as gr_heap_scan_object).  The results are those of
 * gr_heap_scan_object.
 */
struct gr_heap_scanner;
GR_MUST_USE
struct gr_error *gr_heap_scanner_create(struct gr_heap *h,
					pthread_mutex_t *lock,
					struct gr_heap_scanner **ret);
void gr_heap_scanner_destroy(struct gr_heap_scanner *sc);
GR_MUST_USE
struct gr_error *gr_heap_scanner_scan(struct gr_heap_scanner *sc, uint32_t id,
				      void (*fn)(void *arg, uint64_t slot,
						 uint64_t value),
				      void *arg);
/*
 * The runtime type (*abi.Type / *_type address) recorded for object @id by
 * the allocator: the malloc header or mspan.largeType (Go 1.22+); 0 when
 * the version or size class keeps none.
 */
uint64_t gr_heap_object_rtype(const struct gr_heap *h, uint32_t id);

size_t gr_heap_span_count(const struct gr_heap *h);
const struct gr_span *gr_heap_span(const struct gr_heap *h, size_t i);
void gr_heap_breakdown(const struct gr_heap *h, struct gr_heap_breakdown *ret);
/* Problems found while walking (the span, object or structure at fault,
 * the bytes whose analysis was lost, what was wrong), in the order met;
 * record @i is NULL past the count. */
size_t gr_heap_damage_count(const struct gr_heap *h);
const struct gr_damage *gr_heap_damage(const struct gr_heap *h, size_t i);
const struct gr_damage_list *gr_heap_damage_list(const struct gr_heap *h);

/* The type-descriptor cache the walker reads headers with (for names of
 * gr_heap_object_rtype() results); owned by @h. */
struct gr_rtypes *gr_heap_rtypes(const struct gr_heap *h);
/* Which pointer-bitmap encoding the binary uses (layouts/heapbits.h). */
enum gr_heapbits_regime gr_heap_regime(const struct gr_heap *h);

#endif /* GR_HEAP_H */
