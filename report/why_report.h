/* SPDX-License-Identifier: MIT */
/*
 * gr_why_report: `goretain why` — what a target is, what it retains, the
 * shortest reference paths from roots to it, and the chain of objects that
 * dominate it (each would free it if it were gone), with retained sizes.
 */
#ifndef GR_WHY_REPORT_H
#define GR_WHY_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/paths.h"

struct gr_why_options {
	const char *text;  /* the target as given */
	size_t max_paths;  /* paths shown (from distinct roots) */
	bool via_all;	   /* allow pool victims, finalizers, weak roots */
	bool json;
};

GR_MUST_USE
struct gr_error *gr_why_report(const struct gr_analysis *a,
			       const struct gr_target *t,
			       const struct gr_why_options *o, FILE *out,
			       const char *path);

/* A path, terminal-escaped, "main.sessions -> .buckets -> [key \"x\"] ->
 * main.Session", starting at column @col and wrapped before column 100. */
void gr_why_path_line(const struct gr_analysis *a, const struct gr_path *p,
		      FILE *f, size_t col);

#endif /* GR_WHY_REPORT_H */
