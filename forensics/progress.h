/* SPDX-License-Identifier: MIT */
/*
 * gr_progress: phase, percent and rate on a terminal, like git's progress.c.
 *
 * A progress object exists only when someone should see it: the CLI creates
 * one when stderr is a terminal and --quiet is not given, and passes NULL
 * otherwise.  Every function accepts NULL and then does nothing, so library
 * code reports progress unconditionally.  Updates are throttled (at most a
 * few per second) so reporting costs nothing measurable.
 */
#ifndef GR_PROGRESS_H
#define GR_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct gr_progress;

/* Progress written to @out (normally stderr). */
struct gr_progress *gr_progress_create(FILE *out);
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

/* Monotonic seconds; for callers timing work without a progress object. */
double gr_now(void);
/* Peak resident set size of this process in bytes (getrusage), 0 if unknown. */
uint64_t gr_peak_rss(void);

#endif /* GR_PROGRESS_H */
