/* SPDX-License-Identifier: MIT */
/*
 * gr_progress: phase, percent and rate on a terminal, like git's progress.c.
 *
 * A progress object exists only when someone should see it: the CLI creates
 * one when stderr is a terminal and --quiet is not given, and passes NULL
 * otherwise.  Every function accepts NULL and then does nothing, so library
 * code reports progress unconditionally.  Updates are throttled (at most a
 * few per second) so reporting costs nothing measurable.
 *
 * The same phases can also be timed (--timings, GR_TIMINGS): one line per
 * phase when it ends, with its wall and CPU time (getrusage, every thread)
 * and the process's private memory: resident pages that are not
 * file-backed (/proc/self/statm resident - shared), so the mapped core and
 * executable do not count.  Peaks come from a sampling thread that reads
 * statm every few milliseconds while timings are on (an allocation held for
 * less than that can be missed).
 */
#ifndef GR_PROGRESS_H
#define GR_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct gr_progress;

enum gr_progress_flags {
	GR_PROGRESS_BAR = 1,	 /* phase, percent and rate, redrawn in place */
	GR_PROGRESS_TIMINGS = 2, /* one timing line per phase, and a total */
};

/* Progress bar written to @out (normally stderr). */
struct gr_progress *gr_progress_create(FILE *out);
/* Progress with @flags (enum gr_progress_flags, at least one) on @out;
 * NULL when out of memory (progress is optional: callers go on). */
struct gr_progress *gr_progress_create_flags(FILE *out, unsigned flags);
/* Stops the timing sampler, if any; prints nothing. */
void gr_progress_destroy(struct gr_progress *p);

/* Start a phase ("scanning objects") of @total units (0: unknown). */
void gr_progress_phase(struct gr_progress *p, const char *phase,
		       uint64_t total);
/* @done units of the current phase are complete. */
void gr_progress_update(struct gr_progress *p, uint64_t done);
/* End the current phase: prints its final line with the time taken. */
void gr_progress_done(struct gr_progress *p);

/* Seconds since the progress object was created (monotonic). */
double gr_progress_elapsed(const struct gr_progress *p);
/* True if @p shows a progress bar (not only timings). */
bool gr_progress_has_bar(const struct gr_progress *p);
/*
 * With timings on, print the total line: wall and CPU time since creation,
 * peak private memory and peak RSS (VmHWM, mapped files included).
 * Format of every timing line (key=value, values in seconds and MiB):
 *   goretain: timing: phase="walking the heap" wall=0.412 cpu=0.405
 *     private_mib=96.1 peak_private_mib=97.0
 *   goretain: timing: phase="total" wall=... cpu=... peak_private_mib=...
 *     peak_rss_mib=...
 */
void gr_progress_total(struct gr_progress *p);
/* With timings on, print a size the timings are relative to:
 *   goretain: timing: count objects=722818 */
void gr_progress_count(struct gr_progress *p, const char *what, uint64_t n);

/* Monotonic seconds; for callers timing work without a progress object. */
double gr_now(void);
/* Peak resident set size of this process in bytes (getrusage), 0 if unknown. */
uint64_t gr_peak_rss(void);

#endif /* GR_PROGRESS_H */
