/* SPDX-License-Identifier: MIT */
/*
 * gr_allocsites: where live objects were allocated, from the runtime's own
 * memory profile.
 *
 * Every allocation the runtime samples (about one per MemProfileRate
 * bytes) gets a profile special naming its bucket (runtime/malloc.go
 * profilealloc -> runtime/mprof.go mProf_Malloc -> runtime/mheap.go
 * setprofilebucket), and the bucket holds the allocation stack
 * (forensics/08-stacks/memprofile.h).  Joining the two gives, for any dominator
 * subtree, its sampled live objects grouped by allocation stack: a leak
 * suspect then shows where its objects were allocated, not only who
 * holds them.
 *
 * Counts are of sampled objects; the estimates scale them as pprof does
 * (gr_memprof_scale, runtime/pprof scaleHeapSample): exact at
 * MemProfileRate 1.  Sampled bytes are count x bucket.size, the size
 * mProf_Malloc recorded (the size-class slot), as the heap profile counts
 * them.  A program that never references runtime.MemProfile has no
 * profile at all (the linker sets runtime.disableMemoryProfiling): every
 * list is then empty and the info says why.
 */
#ifndef GR_ALLOCSITES_H
#define GR_ALLOCSITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/08-stacks/memprofile.h"
#include "forensics/12-query/analysis.h"

struct gr_allocsites_info {
	/* The profile buckets were read (the binary has their DWARF). */
	bool available;
	/* Why not, when !available: the reading error's message, owned by
	 * the gr_allocsites. */
	const char *unavailable;
	int64_t rate;	/* runtime.MemProfileRate */
	bool disabled;	/* runtime.disableMemoryProfiling */
	/* Live objects with a profile special naming a bucket of the list,
	 * and profile specials on live objects whose bucket is not in it
	 * (a cut bucket walk, damage). */
	uint64_t sampled_objects, unknown_bucket;
};

/* One allocation stack's share of a set of live objects. */
struct gr_allocsite {
	size_t record;	   /* gr_memprof record index (the stack) */
	uint64_t objects;  /* sampled live objects */
	uint64_t bytes;	   /* objects x the bucket's size */
	int64_t est_objects, est_bytes; /* scaled by the profile rate */
};

/* qsort() order of struct gr_allocsite: most bytes first, then most
 * objects, then by record. */
int gr_allocsite_cmp(const void *x, const void *y);

struct gr_allocsites;

/*
 * Join @a's profile specials (a->specials) with the profile buckets of its
 * session.  A profile that cannot be read is not an error (the info says
 * why); NOMEM only.  Borrows @a, which must outlive the result.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_create(const struct gr_analysis *a,
				      struct gr_allocsites **ret);
void gr_allocsites_destroy(struct gr_allocsites *as);

const struct gr_allocsites_info *
gr_allocsites_info(const struct gr_allocsites *as);
/* The profile (frames of a record: gr_memprof_frames); NULL when not
 * available. */
struct gr_memprof *gr_allocsites_profile(struct gr_allocsites *as);

/*
 * The sampled live objects of dominator node @node's subtree (@node
 * included), by allocation stack, most sampled bytes first (then
 * objects, then record), at most @max of them: *ret is the caller's to free(), NULL
 * when *n_ret is 0.  @all (may be NULL) gets the sum over every stack,
 * record SIZE_MAX.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_under(const struct gr_allocsites *as,
				     uint32_t node, size_t max,
				     struct gr_allocsite **ret, size_t *n_ret,
				     struct gr_allocsite *all);

/*
 * The same for the live objects @ids (@n of them): their sampled ones by
 * allocation stack.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_of_objects(const struct gr_allocsites *as,
					  const uint32_t *ids, size_t n,
					  size_t max, struct gr_allocsite **ret,
					  size_t *n_ret,
					  struct gr_allocsite *all);

/* The analysis it was made from. */
const struct gr_analysis *gr_allocsites_analysis(const struct gr_allocsites *as);

/* Record of the profile special on live object @id, SIZE_MAX if it was
 * not sampled (or its bucket is unknown). */
size_t gr_allocsites_object_record(const struct gr_allocsites *as,
				   uint32_t id);

#endif /* GR_ALLOCSITES_H */
