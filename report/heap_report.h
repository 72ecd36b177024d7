/* SPDX-License-Identifier: MIT */
/*
 * gr_heap_report: `goretain heap` — live and garbage bytes, where the
 * process's memory went, and per size class: spans, slots used and free,
 * bytes lost to rounding.  Text and JSON carry the same facts.
 */
#ifndef GR_HEAP_REPORT_H
#define GR_HEAP_REPORT_H

#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"
#include "report/json.h"

/* The fields of the JSON document, into an object @j has open (the
 * report command nests them). */
GR_MUST_USE
struct gr_error *gr_heap_report_json_fields(struct gr_json *j,
					    const struct gr_analysis *a);
GR_MUST_USE
struct gr_error *gr_heap_report_json(const struct gr_analysis *a, FILE *out,
				     const char *path);
GR_MUST_USE
struct gr_error *gr_heap_report_text(const struct gr_analysis *a, FILE *out,
				     const char *path);

#endif /* GR_HEAP_REPORT_H */
