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
 * allocations) is one object.
 *
 * A span or object the walker cannot read (unmapped, inconsistent fields,
 * corrupt bitmaps) is recorded as damage and skipped; the walk goes on.
 *
 * Runtime field offsets come from DWARF (fail closed: UNSUPPORTED naming the
 * missing field); encodings DWARF does not describe (pointer bitmaps per Go
 * version, size classes) come from layouts/, each rule citing its source.
 */
#ifndef GR_HEAP_H
#define GR_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "session.h"

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
};

/* A problem found while walking, kept for the report. */
struct gr_heap_damage {
	uint64_t addr;	   /* span, object or structure at fault */
	uint64_t bytes;	   /* bytes whose analysis was lost (0 if unknown) */
	const char *what;  /* static: "unreadable span", "bad allocBits", ... */
};

/* Where the process's memory went, from mheap_ and the spans. */
struct gr_heap_breakdown {
	uint64_t object_bytes;	     /* allocated slots (live + not swept) */
	uint64_t objects;
	uint64_t span_inuse_bytes;   /* in-use spans, whole pages */
	uint64_t free_slot_bytes;    /* free slots in in-use spans */
	uint64_t tail_waste_bytes;   /* span bytes past the last slot */
	uint64_t stack_span_bytes;   /* manual spans (goroutine stacks...) */
	uint64_t heap_idle_bytes;    /* free pages, not returned to the OS */
	uint64_t heap_released_bytes;/* free pages returned to the OS */
	uint64_t arena_bytes;	     /* arenas mapped */
};

struct gr_heap;

struct gr_error *gr_heap_load(struct gr_session *s, struct gr_heap **ret);
void gr_heap_destroy(struct gr_heap *h);

uint32_t gr_heap_object_count(const struct gr_heap *h);
uint64_t gr_heap_object_addr(const struct gr_heap *h, uint32_t id);
uint64_t gr_heap_object_size(const struct gr_heap *h, uint32_t id);
/* The span holding object @id. */
const struct gr_span *gr_heap_object_span(const struct gr_heap *h, uint32_t id);
/*
 * The object containing @addr (interior pointers resolve to their object),
 * or GR_HEAP_NO_OBJECT if @addr is not inside an allocated object.  Hot path.
 */
uint32_t gr_heap_find(const struct gr_heap *h, uint64_t addr);
/* The in-use or manual span containing @addr, or NULL. */
const struct gr_span *gr_heap_span_at(const struct gr_heap *h, uint64_t addr);

/*
 * Call @fn for every word of object @id that the GC would scan as a pointer,
 * with the word's address and value (whatever it points at).  Objects in
 * noscan spans have none.  Returns BAD_DATA/FAULT if the pointer bitmap of
 * the object cannot be read (the caller records the damage and goes on).
 */
struct gr_error *gr_heap_scan_object(struct gr_heap *h, uint32_t id,
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
size_t gr_heap_damage_count(const struct gr_heap *h);
const struct gr_heap_damage *gr_heap_damage(const struct gr_heap *h, size_t i);

#endif /* GR_HEAP_H */
