/* SPDX-License-Identifier: MIT */
/*
 * gr_memprof_report: `goretain profile` — the runtime's own heap profile
 * (gr_memprof) as the process would have served it on /debug/pprof/heap
 * (runtime/pprof writeHeapProto), or as JSON records.
 */
#ifndef GR_MEMPROF_REPORT_H
#define GR_MEMPROF_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/08-stacks/memprofile.h"
#include "report/pprof.h"

/*
 * Build the heap profile: period type space/bytes with period
 * MemProfileRate; sample types alloc_objects/count, alloc_space/bytes,
 * inuse_objects/count, inuse_space/bytes, scaled as the runtime scales them;
 * one sample per bucket with its frames and a numeric "bytes" label (the
 * object size; Go <= 1.26 only when the bucket has allocations).
 * @time_nanos (0 = unset) becomes Profile.time_nanos; @comment (may be
 * NULL) a comment.  The caller destroys *ret.
 */
GR_MUST_USE
struct gr_error *gr_memprof_report_pprof(struct gr_memprof *mp,
					 int64_t time_nanos,
					 const char *comment,
					 struct gr_pprof **ret);

/* Totals of a profile, raw (sampled) and scaled. */
struct gr_memprof_totals {
	uint64_t records;
	int64_t alloc_objects, alloc_bytes, inuse_objects, inuse_bytes;
	int64_t scaled_alloc_objects, scaled_alloc_bytes;
	int64_t scaled_inuse_objects, scaled_inuse_bytes;
};
void gr_memprof_report_totals(const struct gr_memprof *mp,
			      struct gr_memprof_totals *ret);

/* Every record with its frames, counts and scaled values, as JSON. */
GR_MUST_USE
struct gr_error *gr_memprof_report_json(struct gr_memprof *mp, FILE *out,
					const char *path);

#endif /* GR_MEMPROF_REPORT_H */
