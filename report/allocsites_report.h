/* SPDX-License-Identifier: MIT */
/*
 * gr_allocsites_report: allocation stacks (forensics/12-query/allocsites.h) in the
 * report's formats: a JSON object per set of objects, text lines that fit
 * 100 columns, and what to say when the core has no memory profile.
 */
#ifndef GR_ALLOCSITES_REPORT_H
#define GR_ALLOCSITES_REPORT_H

#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/allocsites.h"
#include "report/json.h"

/* Stacks shown per suspect. */
enum { GR_ALLOCSITES_SHOWN = 5 };

/*
 * The JSON value {sampled_objects, sampled_bytes, estimated_objects,
 * estimated_bytes, stacks: [{function, file, line, frames: [{function,
 * file, line}], sampled_objects, sampled_bytes, estimated_objects,
 * estimated_bytes}]} for @n sites out of @all.  NOMEM (frames).
 */
GR_MUST_USE
struct gr_error *gr_allocsites_json(struct gr_json *j, struct gr_allocsites *as,
				    const struct gr_allocsite *s, size_t n,
				    const struct gr_allocsite *all);
/* The report-level object {available, reason, rate, disabled,
 * sampled_live_objects, unknown_bucket_objects}. */
void gr_allocsites_json_info(struct gr_json *j, const struct gr_allocsites *as);

/*
 * Text: a heading line then one line per site, indented by @indent (at
 * most 8) columns, 100 columns in all; nothing when @n is 0.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_text(FILE *f, struct gr_allocsites *as,
				    const struct gr_allocsite *s, size_t n,
				    const struct gr_allocsite *all,
				    int indent);
/*
 * Fold the sites of @s whose stacks read the same once symbolised (the
 * runtime frames pprof hides are what told their buckets apart), summing
 * their counts; *n_ret sites remain, sorted by sampled bytes.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_merge(struct gr_allocsites *as,
				     struct gr_allocsite *s, size_t n,
				     size_t *n_ret);
/*
 * The JSON value for the largest allocation stack (merged) under dominator
 * node @node: {function, file, line, sampled_objects, estimated_objects,
 * estimated_bytes} or null when nothing there was sampled.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_allocsites_json_top(struct gr_json *j,
					struct gr_allocsites *as,
					uint32_t node);
/* The same for the live objects @ids. */
GR_MUST_USE
struct gr_error *gr_allocsites_json_top_of(struct gr_json *j,
					   struct gr_allocsites *as,
					   const uint32_t *ids, size_t n);
/* Why no object has an allocation stack (a sentence, static), NULL when
 * some do. */
const char *gr_allocsites_missing(const struct gr_allocsites *as);

#endif /* GR_ALLOCSITES_REPORT_H */
