/* SPDX-License-Identifier: MIT */
/*
 * gr_stackroots: the pointer slots of goroutine stacks, as the garbage
 * collector finds them, appended to a gr_roots.
 *
 * For every goroutine the runtime would scan (runtime/mgcmark.go
 * scanstack: not _Gdead/_Gdeadextra; goroutines caught _Grunning are
 * scanned too, see below), this follows scanstack and scanframeworker:
 *   - g.sched.ctxt (a live closure context register);
 *   - every frame: the locals pointer map (FUNCDATA_LocalsPointerMaps)
 *     entry chosen by PCDATA_StackMapIndex at continpc - 1, covering
 *     [varp - 8*nbit, varp); the arguments pointer map
 *     (FUNCDATA_ArgsPointerMaps) at argp, n = _func.args / 8, or, for
 *     reflect.makeFuncStub and reflect.methodValueCall (args unknown), the
 *     bitvector of the reflect.methodValue in their first local
 *     (stkframe.go argMapInternal); dead frames (continpc 0) have none;
 *   - stack objects (FUNCDATA_StackObjects; address-taken locals) are
 *     scanned only when reachable from a pointer into the stack found
 *     while scanning, precise pointers first, as scanstack's worklist
 *     does (mgcstack.go);
 *   - frames of asyncPreempt/debugCallV2 and the frame they interrupted
 *     are scanned conservatively (every word, [sp, varp) plus the
 *     arguments), as is the innermost frame of a goroutine caught running,
 *     whose registers are conservative roots too;
 *   - defer records (g._defer chain: fn, link, and the record itself when
 *     heap-allocated) become DEFER roots; g._panic only marks the stack
 *     object it lives in.
 * Pointers into the goroutine's own stack are followed (stack objects),
 * never reported; every other non-zero word of a pointer slot is reported
 * as a slot (slot address, value) of a root, leaving it to the marker to
 * resolve values to heap objects (a value pointing outside the heap is
 * not an edge).  Precise slots are kind STACK, conservative ones
 * STACK_CONSERVATIVE: the marker must only count those that point into an
 * allocated object, as the runtime does (mgcmark.go scanConservative).
 *
 * Roots are named "goroutine 7 (main.worker) frame 2 main.consume var buf"
 * after the DWARF variable covering the slot (CFA = frame.fp on amd64),
 * "... frame 2 main.consume sp+0x38" when no variable does; consecutive
 * slots of one variable share a root.  Sudog elements of blocked
 * goroutines (g.waiting) that point outside the stack are added as
 * CHANNEL_WAIT roots: not roots to the runtime (the g reaches them through
 * allgs), but the reason the value is alive that a reader wants to see.
 *
 * Differences from the runtime, all of which can only keep more alive:
 *   - Go <= 1.23 stack objects whose type uses a GC program (negative
 *     _ptrdata) are scanned conservatively over their pointer prefix;
 *   - a frame whose stack map is missing or out of range (the runtime
 *     would throw "missing stackmap" / "bad symbol table") is scanned
 *     conservatively and counted as damaged;
 *   - Go 1.26's extended register state of async-preempted goroutines
 *     (g.xRegs, scanned conservatively by xRegScan) is not read.
 */
#ifndef GR_STACKROOTS_H
#define GR_STACKROOTS_H

#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/09-roots/roots.h"

struct gr_session;
struct gr_heap;

struct gr_stackroots_stats {
	uint64_t goroutines; /* stacks scanned */
	uint64_t frames;
	uint64_t precise_slots;	     /* non-zero words reported precisely */
	uint64_t conservative_slots; /* and conservatively */
	uint64_t stack_objects;	     /* declared in scanned frames */
	uint64_t stack_objects_live; /* reached and scanned */
	uint64_t defer_slots;
	uint64_t channel_wait_slots;
	/* Frames whose stack map could not be used (scanned conservatively). */
	uint64_t damaged_frames;
	/* Words a frame's map marks as pointers that the core lacks: failed
	 * reads, counted in the roots stage's damage (gr_analysis_damage). */
	uint64_t unreadable_words;
	/* Goroutines whose walk did not reach the top (frames above the
	 * break are not scanned). */
	uint64_t incomplete_stacks;
};

/*
 * Append the stack roots of every goroutine of @gs to @roots.  @heap may
 * be NULL; when given, conservative words are reported only if they point
 * into an allocated heap object (gr_heap_find).  @stats may be NULL.
 * Errors: NOMEM; unreadable stack words are skipped and counted, never
 * fatal.
 */
GR_MUST_USE
struct gr_error *gr_stackroots_add(struct gr_session *s,
				   const struct gr_goroutines *gs,
				   const struct gr_heap *heap,
				   struct gr_roots *roots,
				   struct gr_stackroots_stats *stats);

#endif /* GR_STACKROOTS_H */
