/* SPDX-License-Identifier: MIT */
/*
 * gr_batch_summary: the records of `goretain batch`'s summary.jsonl, one
 * JSON object per line (docs/BATCH.md), and the cache a re-run reads
 * from it.  Members always come in the order below, so a record can be
 * re-stated for a skipped input without parsing it whole:
 *
 *   {"input","key","status":"ok"|"skipped","exe","go_version",
 *    "live_bytes","objects","top_suspect","report","seconds"}
 *   {"input","status":"error","error","exit"}
 */
#ifndef GR_BATCH_SUMMARY_H
#define GR_BATCH_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

enum gr_batch_status {
	GR_BATCH_OK,
	GR_BATCH_SKIPPED,
	GR_BATCH_ERROR,
};

/* The leak suspect retaining the most. */
struct gr_batch_suspect {
	const char *kind; /* "root", "shared", "site" */
	const char *name; /* root name, object type or creation site */
	uint64_t retained_bytes;
	double share;
};

struct gr_batch_record {
	const char *input;
	enum gr_batch_status status;
	/* OK */
	uint64_t key;
	const char *exe;
	const char *go_version;
	uint64_t live_bytes, objects;
	const struct gr_batch_suspect *top_suspect; /* NULL: none */
	const char *report; /* file name inside the output directory */
	double seconds;
	/* ERROR */
	const char *error;
	int exit;
};

/* "0123456789abcdef": the key as report names and records spell it. */
void gr_batch_key_hex(uint64_t key, char out[17]);

/* Format @r as one line (with its '\n'), malloc'd into *@ret. */
GR_MUST_USE
struct gr_error *gr_batch_record_format(const struct gr_batch_record *r,
					char **ret, size_t *len_ret);

/* Successful records of earlier runs, by key. */
struct gr_batch_cache;

/* Read @path (a missing file is an empty cache).  Lines that are not
 * records of ours (a line cut by a crash) are ignored. */
GR_MUST_USE
struct gr_error *gr_batch_cache_load(const char *path,
				     struct gr_batch_cache **ret);
void gr_batch_cache_destroy(struct gr_batch_cache *c);
size_t gr_batch_cache_count(const struct gr_batch_cache *c);

/*
 * The last "ok" or "skipped" record for @key whose report is @report,
 * re-stated for @input with status "skipped" (the rest, timing included,
 * as recorded); malloc'd into *@ret.  NOT_FOUND if there is none.
 */
GR_MUST_USE
struct gr_error *gr_batch_cache_skip(const struct gr_batch_cache *c,
				     uint64_t key, const char *report,
				     const char *input, char **ret);

/* Parse the start of a record line: its status and key (0 for errors). 
 * False if @line is not a record of ours. */
bool gr_batch_record_parse(const char *line, enum gr_batch_status *status,
			   uint64_t *key);

#endif /* GR_BATCH_SUMMARY_H */
