/* SPDX-License-Identifier: MIT */
/*
 * gr_specials: the special records hanging off every in-use span
 * (mspan.specials, runtime/mheap.go): finalizers, cleanups, weak handles,
 * profile samples, pins..., decoded per object, and the roots some of them
 * are to the garbage collector.
 *
 * What the runtime marks from specials (runtime/mgcmark.go markrootSpans):
 *   - finalizer (all versions): the funcval `fn` is a root, and the object
 *     is *scanned* without being marked, so everything it points to is kept
 *     for the finalizer.  The object itself dies at the next GC that finds
 *     it otherwise unreachable, but is then queued on finq with the
 *     finalizer (resurrected): its bytes stay allocated until the finalizer
 *     has run and a later GC frees it.  goretain therefore counts it as
 *     kept: a FINALIZER root (slot = &special.fn) and a FINALIZER_OBJECT
 *     root holding the object's pointer words plus one synthetic slot
 *     (slot address 0, value = the object) that makes the object itself
 *     retained by its own finalizer.
 *   - cleanup (1.24+, runtime.AddCleanup): the cleanup is a root, the object
 *     is not kept by it.  1.24-1.25: specialCleanup.fn, a closure over the
 *     argument; 1.26+: specialCleanup.cleanup, a cleanupFn{call, fn, arg}
 *     whose three words are scanned (mcleanup.go cleanupFnPtrMask 0b111).
 *     CLEANUP root, one slot per scanned word.
 *   - weak handle (1.23+, package unique; weak from 1.24): the handle (a
 *     heap-allocated *atomic.Uintptr holding the object's address as an
 *     integer) is a root; the object is not kept.  RUNTIME root, not weak:
 *     the runtime does keep the handle strongly.
 *   - profile (specialprofile.b), reachable, pin counter, tiny block, check
 *     finalizer, bubble, secret: nothing the GC marks (the profile bucket
 *     is persistentalloc'd, not heap).  Listed, no roots.
 *
 * Walking is bounded: the runtime keeps each list sorted by (offset, kind)
 * (mheap.go addspecial / specialFindSplicePoint), so an out-of-order,
 * cyclic (Brent's algorithm), unreadable or absurdly long list is cut
 * where it goes wrong and recorded as damage; the walk goes on with the
 * next span.
 *
 * Field offsets come from DWARF (runtime.special, specialfinalizer,
 * specialCleanup, specialWeakHandle, specialprofile; special.offset is a
 * uint16 up to 1.23 and a uintptr from 1.24, read at its DWARF size).  The
 * kind bytes come from DWARF constants, else from layouts/special_kinds.c.
 * Missing required DWARF is UNSUPPORTED naming it.
 */
#ifndef GR_SPECIALS_H
#define GR_SPECIALS_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/09-roots/roots.h"
#include "layouts/special_kinds.h"

/* One special record, decoded. */
struct gr_special {
	uint64_t addr;	   /* the special record (off-heap, fixalloc) */
	uint64_t span;	   /* its mspan */
	uint64_t target;   /* span base + special.offset (may be interior) */
	uint64_t object;   /* base of the object holding target */
	uint32_t object_id; /* gr_heap id, GR_HEAP_NO_OBJECT if not allocated */
	uint8_t kind;	   /* enum gr_special_kind */
	uint8_t raw_kind;  /* the runtime's kind byte */
	/* finalizer: the funcval; cleanup: the closure (1.24-1.25) or the
	 * cleanup function (1.26+). */
	uint64_t fn;
	/* cleanup 1.26+: cleanupFn.arg and .call; 0 otherwise. */
	uint64_t arg, call;
	/* finalizer: specialfinalizer.fint, .ot (runtime type addresses),
	 * .nret. */
	uint64_t fint, ot, nret;
	/* cleanup: the id AddCleanup returned (mheap_.cleanupID). */
	uint64_t id;
	/* weak handle: the handle; profile: the bucket. */
	uint64_t handle, bucket;
	/* DWARF type of the object (from ot, finalizers only), or
	 * GR_DWARF_NO_TYPE. */
	uint32_t object_type;
};

struct gr_specials_stats {
	uint64_t spans_with_specials;
	uint64_t count[GR_SPECIAL_KIND_COUNT + 1]; /* by kind, UNKNOWN last */
};

struct gr_specials;

/*
 * Walk the specials of every in-use span of @heap.  *ret is the caller's,
 * freed with gr_specials_destroy().  Fails only for NOMEM and for runtime
 * types DWARF lacks (UNSUPPORTED); bad records are damage.
 */
GR_MUST_USE
struct gr_error *gr_specials_load(struct gr_session *s, struct gr_heap *heap,
				  struct gr_specials **ret);
void gr_specials_destroy(struct gr_specials *sp);

/* Specials in span order, each span's list in list order. */
size_t gr_specials_count(const struct gr_specials *sp);
const struct gr_special *gr_specials_get(const struct gr_specials *sp,
					 size_t i);
const struct gr_specials_stats *gr_specials_stats(const struct gr_specials *sp);
/* Where the kind bytes came from ("DWARF", "go1.24 table"). */
const char *gr_specials_kinds_source(const struct gr_specials *sp);

size_t gr_specials_damage_count(const struct gr_specials *sp);
/* Record @i (NULL past the end), owned by @sp: addr is the span, special
 * or object concerned; bytes is always 0. */
const struct gr_damage *gr_specials_damage(const struct gr_specials *sp,
					   size_t i);
const struct gr_damage_list *
gr_specials_damage_list(const struct gr_specials *sp);

/*
 * Append the roots described above to @roots: per finalizer a FINALIZER
 * root then a FINALIZER_OBJECT root (object pointer words through
 * gr_heap_scan_object, then the synthetic slot); per cleanup a CLEANUP
 * root; per weak handle a RUNTIME root.  An object whose pointer bitmap
 * cannot be read is recorded as damage in @sp (its synthetic slot is still
 * added).  @heap must be the one @sp was loaded from.
 */
GR_MUST_USE
struct gr_error *gr_specials_add_roots(struct gr_specials *sp,
				       struct gr_heap *heap,
				       struct gr_roots *roots);

#endif /* GR_SPECIALS_H */
