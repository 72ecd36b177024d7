/* SPDX-License-Identifier: MIT */
/*
 * gr_batch_plan: the pure parts of planning a `goretain batch` run
 * (docs/BATCH.md): the input list, shard selection, the key of a
 * (core, executable) pair, and memory accounting for parallel workers.
 */
#ifndef GR_BATCH_PLAN_H
#define GR_BATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

/* The inputs of a run: paths, sorted (strcmp) and without duplicates. */
struct gr_batch_inputs {
	char **paths;
	size_t count, cap;
};

/*
 * Add what @arg names: a directory adds every regular file below it
 * (symbolic links to regular files included, linked directories not
 * followed, the directory with device/inode @skip_dev/@skip_ino left out:
 * the output directory); a path that does not exist and holds a glob
 * character is expanded with glob(3); anything else is added as given (a
 * missing file becomes an error record later, not a usage error).
 * Call gr_batch_inputs_finish() after the last add.
 */
GR_MUST_USE
struct gr_error *gr_batch_inputs_add(struct gr_batch_inputs *in,
				     const char *arg, uint64_t skip_dev,
				     uint64_t skip_ino);
/* Sort and remove duplicates. */
void gr_batch_inputs_finish(struct gr_batch_inputs *in);
void gr_batch_inputs_deinit(struct gr_batch_inputs *in);

/* Parse "I/N" with 0 <= I < N; false if malformed. */
bool gr_batch_parse_shard(const char *s, unsigned *i_ret, unsigned *n_ret);
/* Whether the input at @index (in the sorted list) is shard @i of @n's. */
static inline bool gr_batch_in_shard(size_t index, unsigned i, unsigned n)
{
	return n == 0 || index % n == i;
}

/* Parse a size: bytes, or a number with K, M, G or T (powers of 1024,
 * optionally followed by "B" or "iB"); false if malformed or zero. */
bool gr_batch_parse_size(const char *s, uint64_t *ret);
/* MemAvailable from /proc/meminfo (@path, NULL for it), in bytes. */
GR_MUST_USE
struct gr_error *gr_batch_mem_available(const char *path, uint64_t *ret);

/*
 * Memory one analysis of the core at @path is expected to need at most:
 * GR_BATCH_MEM_BASE + GR_BATCH_MEM_FACTOR x the core's non-zero bytes.
 * For a raw file those are the bytes allocated on disk (a sparse core's
 * holes are zero pages, which hold no objects), for zstd the content size
 * its frame header states, for gzip the size in its trailer, else
 * GR_BATCH_MEM_RATIO x the compressed size.  Measured peak resident
 * memory of `goretain report` stays under 0.7 x the core's size on the
 * corpora (the object graph, marks and dominator arrays are a few words
 * per heap object); the factor leaves 3x room.
 */
enum {
	GR_BATCH_MEM_FACTOR = 2,
	GR_BATCH_MEM_RATIO = 10,
};
#define GR_BATCH_MEM_BASE (UINT64_C(128) << 20)
GR_MUST_USE
struct gr_error *gr_batch_estimate(const char *path, uint64_t *ret);

/*
 * Memory accounting across workers: a job is admitted while the sum of
 * the running jobs' estimates plus its own fits @limit, or when nothing
 * runs (a job larger than the budget runs alone).
 */
struct gr_batch_budget {
	uint64_t limit, used;
	unsigned running;
};
bool gr_batch_budget_admits(const struct gr_batch_budget *b, uint64_t need);
void gr_batch_budget_take(struct gr_batch_budget *b, uint64_t need);
void gr_batch_budget_give(struct gr_batch_budget *b, uint64_t need);

/*
 * The key of a (core, executable) pair: XXH64 (seed 0) over the core
 * file's bytes as stored (compressed ones compressed), its size as 8
 * little-endian bytes, then the executable's bytes.  Read through mmap in
 * order: the cost is reading the files once.
 */
GR_MUST_USE
struct gr_error *gr_batch_hash(const char *core_path, const char *exe_path,
			       uint64_t *ret);

#endif /* GR_BATCH_PLAN_H */
