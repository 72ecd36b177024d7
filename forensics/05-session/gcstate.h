/* SPDX-License-Identifier: MIT */
/*
 * gr_gcstate: the collector's settings and state at the moment of death,
 * read from the runtime's own variables (runtime.gcController,
 * runtime.memstats, runtime.gcphase): a badly tuned GOGC or memory limit is
 * itself a common cause of OOM kills.  Also the runtime's own accounting of
 * its metadata (memstats.*_sys: span structs, mcaches, profiling buckets, GC
 * metadata, the rest), which MemStats reports as MSpanSys, MCacheSys,
 * BuckHashSys, part of GCSys and OtherSys (runtime/mstats.go
 * readmemstats_m).
 *
 * Every field is read by DWARF name; one the binary does not have (or that
 * cannot be read) is marked absent in @have rather than guessed.
 *
 * Also what the runtime's consistent heap statistics do not count yet:
 * bytes allocated from the spans the Ps' mcaches hold, since each was
 * cached.  mcache.refill and releaseAll add them when the span leaves the
 * mcache (mcache.go: s.allocCount - s.allocCountBeforeCache); ReadMemStats
 * flushes every mcache first, runtime/metrics does not (metrics.go,
 * heapStats).  So a HeapAlloc read through runtime/metrics (Prometheus's
 * go_memstats_heap_alloc_bytes in client_golang 1.12+, expvar-less
 * servers) is short of the allocated bytes by that much.
 */
#ifndef GR_GCSTATE_H
#define GR_GCSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"

/* X(field, runtime global, Go field) — the order of struct gr_gcstate. */
#define GR_GCSTATE_FIELDS(X)                                                   \
	X(gc_percent, "runtime.gcController", "gcPercent")                     \
	X(memory_limit, "runtime.gcController", "memoryLimit")                 \
	X(heap_goal, "runtime.gcController", "gcPercentHeapGoal")              \
	X(last_heap_goal, "runtime.gcController", "lastHeapGoal")              \
	X(heap_marked, "runtime.gcController", "heapMarked")                   \
	X(heap_live, "runtime.gcController", "heapLive")                       \
	X(num_gc, "runtime.memstats", "numgc")                                 \
	X(num_forced_gc, "runtime.memstats", "numforcedgc")                    \
	X(last_gc_unix_ns, "runtime.memstats", "last_gc_unix")                 \
	X(last_gc_nanotime, "runtime.memstats", "last_gc_nanotime")            \
	X(pause_total_ns, "runtime.memstats", "pause_total_ns")                \
	X(gc_cpu_fraction_bits, "runtime.memstats", "gc_cpu_fraction")         \
	X(gc_phase, "runtime.gcphase", NULL)                                   \
	X(gc_blacken_enabled, "runtime.gcBlackenEnabled", NULL)                \
	X(mspan_sys, "runtime.memstats", "mspan_sys")                          \
	X(mcache_sys, "runtime.memstats", "mcache_sys")                        \
	X(buckhash_sys, "runtime.memstats", "buckhash_sys")                    \
	X(gc_misc_sys, "runtime.memstats", "gcMiscSys")                        \
	X(other_sys, "runtime.memstats", "other_sys")

enum gr_gcstate_field {
#define GR_X(f, g, m) GR_GCSTATE_##f,
	GR_GCSTATE_FIELDS(GR_X)
#undef GR_X
	GR_GCSTATE_COUNT
};

struct gr_gcstate {
	/* Raw values, sign-extended from the field's size; see @have. */
	int64_t value[GR_GCSTATE_COUNT];
	bool have[GR_GCSTATE_COUNT];
	/* Not @have although DWARF places the field: the core does not
	 * hold its bytes (damage, for a caller that keeps a list). */
	bool unreadable[GR_GCSTATE_COUNT];
	/* Bytes allocated from the mcaches' spans since they were cached
	 * (above); @have_unflushed false when allp, an mcache or a span
	 * could not be read or this Go lacks a field. */
	uint64_t unflushed_bytes;
	bool have_unflushed;
};

/* Never fails for missing fields (they are absent) nor for unreadable
 * ones (see @unreadable); NOMEM only. */
GR_MUST_USE
struct gr_error *gr_gcstate_read(struct gr_session *s, struct gr_gcstate *ret);
/* JSON/short name of a field ("gc_percent"). */
const char *gr_gcstate_name(enum gr_gcstate_field f);
/* Sum of the *_sys metadata fields present. */
uint64_t gr_gcstate_metadata_bytes(const struct gr_gcstate *st);
/* memstats.gc_cpu_fraction as a double, or a negative value if absent. */
double gr_gcstate_cpu_fraction(const struct gr_gcstate *st);

#endif /* GR_GCSTATE_H */
