/* SPDX-License-Identifier: MIT */
/*
 * gr_batch: `goretain batch`, the engine (options are parsed in
 * cli/cmd_batch.c; docs/BATCH.md is the user's side).
 *
 * The parent lists the inputs, picks its shard, and runs one worker
 * process per input, at most @jobs at once and within the memory budget
 * (cli/batch_plan.h).  A worker finds the executable, hashes the
 * pair into the key, skips what an earlier run finished, analyses, writes
 * the report atomically and sends its summary record up a pipe; it runs
 * under RLIMIT_DATA, so a runaway analysis fails with "out of memory"
 * instead of taking the machine, and whatever kills it (a crash, the OOM
 * killer) is only that input's error record.  The parent alone appends to
 * summary.jsonl, in input order (completions that come early wait), one
 * write(2) per record on an O_APPEND descriptor: shards sharing one
 * output directory interleave whole lines.
 */
#ifndef GR_BATCH_H
#define GR_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gr_batch_format {
	GR_BATCH_FORMAT_JSON,
	GR_BATCH_FORMAT_TEXT,
	GR_BATCH_FORMAT_PPROF,
	GR_BATCH_FORMAT_HTML,
	GR_BATCH_FORMAT_COUNT_,
};

struct gr_batch_options {
	const char *exe;	/* NULL: find by build ID */
	const char **exe_dirs;
	size_t exe_dir_count;
	const char *out;	/* created if missing */
	unsigned jobs;		/* >= 1 */
	uint64_t max_memory;	/* 0: half of MemAvailable */
	/* The reports to write, in the order given (none: json); the
	 * record's "report" names the first. */
	enum gr_batch_format formats[GR_BATCH_FORMAT_COUNT_];
	size_t format_count;
	unsigned shard_i, shard_n; /* shard_n 0: every input */
	bool quiet;
	const char *tmpdir;
	char **inputs;
	size_t input_count;
};

/* Run the batch; returns the exit status: 0 every input ok or skipped,
 * 1 some failed (or the summary could not be written), 2 bad usage (an
 * output directory that cannot be made). */
int gr_batch_run(const struct gr_batch_options *o);

#endif /* GR_BATCH_H */
