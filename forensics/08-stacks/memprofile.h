/* SPDX-License-Identifier: MIT */
/*
 * gr_memprof: the Go runtime's own heap profile, recovered from the core.
 *
 * With MemProfileRate > 0 the runtime samples about one allocation per
 * MemProfileRate bytes and counts it, with its call stack, in a "bucket"
 * (runtime/mprof.go).  Buckets of the memory profile are chained from
 * runtime.mbuckets through bucket.allnext, newest first.  A bucket is a
 * header {next, allnext, typ, hash, size, nstk}, then nstk return PCs (the
 * stack runtime.Callers recorded: one PC per logical frame, innermost
 * first), then a memRecord {active, future[3]} of memRecordCycle
 * {allocs, frees[, alloc_bytes, free_bytes]} (the byte counts are gone in
 * Go 1.27, where bytes are size * count).
 *
 * What is reported is what runtime.MemProfile(p, inuseZero=true), and so
 * /debug/pprof/heap, would have returned at the moment of the core:
 * active plus future[cycle % 3] (MemProfile flushes that cycle first), or,
 * when no bucket has published anything yet, active plus every future
 * cycle.  One record per bucket, in list order.
 *
 * Layouts come from DWARF (runtime.bucket, runtime.memRecord,
 * runtime.memRecordCycle); a binary without them is UNSUPPORTED, naming
 * what is missing.  Every read goes through the session's gr_mem.  The
 * list is walked defensively: nstk is capped by the runtime's own limit
 * (maxStack before Go 1.23, maxProfStackDepth after), the bucket count by
 * what memstats.buckhash_sys could hold, and a cycle or an unreadable
 * bucket ends the walk with the reason recorded in the info (the records
 * read so far are kept).  What the core could not give (that bucket, a
 * global, the inline records of a stack's PCs) is also recorded in the
 * profile's damage list, for the report's trust section.
 */
#ifndef GR_MEMPROFILE_H
#define GR_MEMPROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"

/* One bucket of the memory profile, counts as MemProfile publishes them. */
struct gr_memprof_record {
	uint64_t bucket; /* address of the bucket in the process */
	uint64_t size;	 /* bucket.size: the sampled objects' size */
	uint64_t allocs, frees;
	uint64_t alloc_bytes, free_bytes;
	/* Return PCs, innermost first; owned by the gr_memprof. */
	const uint64_t *stk;
	uint32_t nstk;
};

struct gr_memprof_info {
	/* runtime.MemProfileRate (bytes per sample; 0 = off). */
	int64_t rate;
	/*
	 * runtime.disableMemoryProfiling: the linker sets it when the program
	 * never references runtime.MemProfile (nor runtime/pprof), and the
	 * runtime then zeroes MemProfileRate at start: no profile exists.
	 */
	bool disabled;
	/* mProfCycle: the heap profile cycle (GCs since start, wrapped) and
	 * whether future[cycle % 3] was already flushed into active. */
	uint32_t cycle;
	bool flushed;
	/* No bucket had published counts: every future cycle was summed in
	 * (MemProfile's "no GC yet" rule). */
	bool accumulated;
	/* The runtime counts bytes per cycle (Go <= 1.26). */
	bool has_byte_counts;
	/* The stack depth cap applied to nstk. */
	uint32_t max_stack;
	/* Why the bucket walk stopped early (static string), NULL if it
	 * reached the end; @stop_addr is the bucket it stopped at. */
	const char *stopped;
	uint64_t stop_addr;
};

struct gr_memprof;

/*
 * Read the memory profile of @s.  UNSUPPORTED when the binary lacks the
 * DWARF the layout needs; reading damage ends the walk (see info).
 * Borrowing @s, which must outlive the result.
 */
GR_MUST_USE
struct gr_error *gr_memprof_read(struct gr_session *s, struct gr_memprof **ret);
void gr_memprof_destroy(struct gr_memprof *mp);

const struct gr_memprof_info *gr_memprof_info(const struct gr_memprof *mp);
size_t gr_memprof_count(const struct gr_memprof *mp);
/* What reading the profile could not read: the walk's failed reads and
 * every stack PC's missing inline records (each PC once), all recorded
 * by gr_memprof_read(). */
const struct gr_damage_list *gr_memprof_damage_list(const struct gr_memprof *mp);
/* Record @i < gr_memprof_count(), in runtime list order. */
const struct gr_memprof_record *gr_memprof_record(const struct gr_memprof *mp,
						  size_t i);

/* One source-level frame of a record's stack. */
struct gr_memprof_frame {
	const char *func; /* never NULL; "?" when the PC is in no function */
	const char *file; /* "" when unknown */
	int32_t line;	  /* 0 when unknown */
	uint64_t pc;	  /* the recorded return PC it comes from */
	bool inlined;
};

/*
 * The frames of record @i, leaf first, as runtime/pprof writes them:
 * each recorded PC symbolised at pc - 1 to its innermost inlined function
 * (the runtime recorded one PC per logical frame), the last PC expanded to
 * all its inlined callers (runtime_expandFinalInlineFrame), runtime.goexit
 * dropped, and the leading frames of packages runtime and internal/runtime
 * hidden unless that leaves nothing (writeHeapProto's hideRuntime).  *ret is owned by
 * @mp and valid until the next call.  NOMEM only.
 */
GR_MUST_USE
struct gr_error *gr_memprof_frames(struct gr_memprof *mp, size_t i,
				   const struct gr_memprof_frame **ret,
				   size_t *n_ret);

/*
 * runtime/pprof scaleHeapSample: the estimated number of objects and bytes
 * behind @count sampled objects of @bytes bytes in all, at MemProfileRate
 * @rate (an object of average size S was sampled with probability
 * 1 - exp(-S/rate)); unscaled for rate <= 1.
 */
void gr_memprof_scale(int64_t count, int64_t bytes, int64_t rate,
		      int64_t *count_ret, int64_t *bytes_ret);

#endif /* GR_MEMPROFILE_H */
