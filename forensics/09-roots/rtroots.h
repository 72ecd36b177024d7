/* SPDX-License-Identifier: MIT */
/*
 * gr_rtroots: the roots the runtime keeps outside data/bss, goroutine
 * stacks and span specials, plus sync.Pool contents.
 *
 * FINQ / CLEANUP_QUEUE: finalizer blocks (runtime/mfinal.go finblock,
 *   finBlock from 1.25) live in persistentalloc'd memory the GC does not
 *   scan as heap; markroot's fixedRootFinalizers (runtime/mgcmark.go, every
 *   version) scans the first cnt entries of every block on runtime.allfin
 *   with finptrmask: fn, arg, fint and ot of each `finalizer` (nret is an
 *   integer).  One root per entry, one slot per pointer word.  An entry
 *   whose block is on runtime.finq is "queued"; one in a block the
 *   finalizer goroutine has taken (runfinq sets finq = nil and clears each
 *   entry only after its call returns) is "being run".  Go 1.24 queues
 *   cleanups on the same queue with arg == nil (mheap.go freeSpecial:
 *   queuefinalizer(nil, sc.fn, 0, nil, nil)): those are CLEANUP_QUEUE.
 *   From 1.25, queued cleanups are in cleanupBlocks on
 *   runtime.gcCleanups.all (runtime/mcleanup.go; per-P blocks are on that
 *   list too), scanned by fixedRootCleanups up to each block's n:
 *   cleanups [N]*funcval (1.25) or [N]cleanupFn{call, fn, arg} (1.26+),
 *   every word a pointer (cleanupBlockPtrMask is all ones).
 *
 * TINY: runtime/mgcmark.go gcMarkTinyAllocs greys the current tiny block of
 *   every P's mcache (allp[i].mcache.tiny, a uintptr no mask covers).  Slot
 *   = &mcache.tiny (off-heap), value = the block.
 *
 * POOL / POOL_VICTIM: sync.Pool contents are not runtime roots.  A Pool's
 *   per-P arrays ([P]poolLocal, untyped unsafe.Pointer in DWARF) are heap
 *   objects reached from wherever the Pool lives, usually a global, so the
 *   data/bss roots already reach them; the runtime empties pools at the
 *   start of every GC (sync/pool.go poolCleanup: victim dropped, primary
 *   moved to victim).  These roots name what a pool holds: for every pool
 *   on sync.allPools or sync.oldPools (deduplicated), one POOL root for the
 *   primary cache (Pool.local, localSize) and one POOL_VICTIM root, weak,
 *   for the victim cache (Pool.victim, victimSize), each with a slot per
 *   non-nil value: poolLocal.private's data word and every non-nil val of
 *   the shared poolChain's dequeues (sync/poolqueue.go).  Slot addresses
 *   are inside the heap arrays.  Roots are named after the global holding
 *   the Pool ("main.bufPool", "net/http.bufioReaderPool+0x8" if inside
 *   one), else "sync.Pool at 0x...".  A cache holding nothing gets no root.
 *
 * Not added, because data/bss already reach them through heap objects:
 * per-P timer heaps (runtime.allp -> heap-allocated p -> p.timers; 1.23+
 * timers.heap []timerWhen -> *timer inside time.Timer), sudog caches,
 * defer pools, sched's free G lists, allgs, allm.  markroot's
 * fixedRootFreeGStacks marks nothing (it frees stacks of dead Gs).
 *
 * Every count read from the core is bounded before it is looped over; a
 * structure that cannot be read is damage, the rest goes on.  Field
 * offsets come from DWARF; a queue whose types DWARF lacks is damage
 * naming the type (the other queues are still read).
 */
#ifndef GR_RTROOTS_H
#define GR_RTROOTS_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/09-roots/roots.h"

struct gr_rtroots_stats {
	uint64_t finblocks;	     /* blocks on allfin */
	uint64_t finq_queued;	     /* entries in blocks on finq */
	uint64_t finq_running;	     /* entries in blocks taken by runfinq */
	uint64_t cleanups_queued;    /* CLEANUP_QUEUE roots */
	uint64_t cleanup_blocks;     /* 1.25+: blocks on gcCleanups.all */
	uint64_t pools;		     /* distinct pools on allPools/oldPools */
	uint64_t pool_values;	     /* slots of POOL roots */
	uint64_t victim_values;	     /* slots of POOL_VICTIM roots */
	uint64_t tiny_blocks;	     /* TINY roots */
};

struct gr_rtroots;

/*
 * Append the roots described above to @roots, in the order finalizer
 * queue, cleanup queue, pools, tiny blocks.  *ret (the caller's, freed with
 * gr_rtroots_destroy()) holds the counters and the damage.  Fails only for
 * NOMEM or a gr_roots error.
 */
GR_MUST_USE
struct gr_error *gr_rtroots_add(struct gr_session *s, struct gr_roots *roots,
				struct gr_rtroots **ret);
void gr_rtroots_destroy(struct gr_rtroots *rt);

const struct gr_rtroots_stats *gr_rtroots_stats(const struct gr_rtroots *rt);
size_t gr_rtroots_damage_count(const struct gr_rtroots *rt);
/* Record @i (NULL past the end), owned by @rt: addr is the structure
 * concerned (0 if none); bytes is always 0. */
const struct gr_damage *gr_rtroots_damage(const struct gr_rtroots *rt, size_t i);
const struct gr_damage_list *
gr_rtroots_damage_list(const struct gr_rtroots *rt);

#endif /* GR_RTROOTS_H */
