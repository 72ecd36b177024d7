/* SPDX-License-Identifier: MIT */
/*
 * Internals of gr_goroutines shared by goroutines*.c: the runtime layout
 * resolved from DWARF, the string storage and the thread matching.
 */
#ifndef GR_GOROUTINES_INTERNAL_H
#define GR_GOROUTINES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/08-stacks/unwind.h"

enum { GR_G_ABSENT = UINT64_MAX };

/* A value in a global: the global's run-time address (0 when the binary
 * lacks it) and the member of it read (the whole global at offset 0). */
struct gr_g_global {
	uint64_t base;
	struct gr_dwarf_member m;
};

/* Offsets from DWARF; GR_G_ABSENT for optional members the binary lacks. */
struct gr_g_layout {
	uint64_t g_size;
	uint64_t stack_lo, stack_hi, panic, defer, m;
	uint64_t sched_sp, sched_pc, sched_ctxt, sched_bp, sched_lr;
	uint64_t syscallsp, syscallpc, stktopsp;
	uint64_t atomicstatus, goid, waitsince, waitreason;
	uint64_t gopc, startpc, labels, waiting, async_safe_point;
	uint64_t parent_goid;	   /* optional: Go 1.21+ */
	uint64_t running_cleanups; /* optional: Go 1.25+ */

	uint64_t m_procid, m_curg, m_g0, m_gsignal, m_alllink;
	uint64_t sudog_elem, sudog_c, sudog_waitlink; /* waitlink optional */
	uint64_t defer_fn, defer_link, defer_heap;    /* all required */

	/* Runtime addresses of globals; 0 when absent. */
	uint64_t allgs, allglen, allgptr, allm;
	uint64_t wait_reasons, wait_reasons_n;
	uint64_t status_strings, status_strings_n;
	struct gr_g_global fing_status;	 /* fingStatus (1.21+, 4 bytes) */
	struct gr_g_global fing_running; /* fingRunning (1.19, bool) */
	int64_t fing_running_bit;	 /* fingRunningFinalizer */
	struct gr_g_global sched_lastpoll, memstats_last_gc, work_tstart;

	/* What g.labels points to (runtime/pprof label.go labelMap). */
	enum gr_g_labels_shape {
		GR_G_LABELS_UNKNOWN, /* runtime/pprof not linked or unknown */
		GR_G_LABELS_MAP,     /* map[string]string (Go <= 1.23) */
		GR_G_LABELS_SLICE,   /* struct{ []label } (Go 1.24+) */
	} labels_shape;
	/* GR_G_LABELS_MAP: runtime.hmap and the bucket type of the map. */
	uint64_t hmap_count, hmap_b, hmap_buckets, hmap_oldbuckets;
	uint64_t bucket_size, bucket_tophash, bucket_keys, bucket_values;
	uint64_t bucket_overflow;
};

/* A chunked string store: strings stay where they were put. */
struct gr_g_strings {
	struct gr_g_chunk *head;
};
const char *goroutines_strdup(struct gr_g_strings *st, const char *s, size_t len);
void goroutines_strings_free(struct gr_g_strings *st);

struct gr_goroutines {
	struct gr_session *s;
	struct gr_mem *mem;
	struct gr_unwind *unwind;
	struct gr_g_layout l;
	struct gr_g_strings str;

	struct gr_goroutine *g;
	size_t ng;
	struct gr_frame *frames;
	size_t nframes, frames_cap;
	struct gr_g_label *labels;
	size_t nlabels, labels_cap;

	const char **wait_reasons; /* wait_reasons_n entries */
	const char **status_names; /* status_strings_n entries */
	int64_t newest_nanotime;
	bool fing_running_finalizer;
	/* What could not be read past allgs itself (names, labels). */
	struct gr_damage_list damage;
};

GR_MUST_USE
struct gr_error *goroutines_layout_resolve(const struct gr_dwarf *d, uint64_t bias,
				     struct gr_g_layout *l);

/* Read the Go string whose header is at @addr into the store; "" when
 * longer than @max, or when it cannot be read (then recorded as damage).
 * NOMEM is the only error. */
GR_MUST_USE
struct gr_error *goroutines_read_gostring(struct gr_goroutines *gs,
					  uint64_t addr, size_t max,
					  const char **ret);

/*
 * For each goroutine with an m: the thread whose tid equals m.procid, and
 * for _Grunning ones the registers to unwind from.  Fills g->tid and
 * *start (*@ret false when the goroutine should be unwound from g.sched).
 * NOMEM is the only error.
 */
GR_MUST_USE
struct gr_error *goroutines_running_start(struct gr_goroutines *gs,
					  struct gr_goroutine *g,
					  struct gr_unwind_start *start,
					  enum gr_g_frames_from *from,
					  bool *ret);
/* g->tid from g->m's procid; an m the core lacks is recorded in
 * gs->damage (tid -1).  NOMEM only. */
GR_MUST_USE
struct gr_error *goroutines_match_thread(struct gr_goroutines *gs,
					 struct gr_goroutine *g);

/* Resolve labels_shape and the map offsets (goroutines_labels.c): an
 * unknown shape leaves labels undecoded; only a lookup failing for
 * another reason than the shape (NOMEM) is an error. */
GR_MUST_USE
struct gr_error *goroutines_labels_layout(const struct gr_dwarf *d,
					  struct gr_g_layout *l);
/* Decode g.labels into gs->labels (goroutines_labels.c); labels the core
 * does not hold together leave g->labels_decoded false, not an error. */
GR_MUST_USE
struct gr_error *goroutines_decode_labels(struct gr_goroutines *gs,
					  struct gr_goroutine *g);

#endif /* GR_GOROUTINES_INTERNAL_H */
