/* SPDX-License-Identifier: MIT */
/*
 * gr_report: `goretain report`, the whole story of one core in one
 * document: summary, leak suspects, top retainers by root, kind, site,
 * type and package, goroutine groups, maps and their waste, finalizers,
 * cleanups and pools, an excerpt of the dominator tree, and what could not
 * be read.  Text for a terminal and JSON (schema docs/report-schema.json,
 * "goretain-report/1") carry the same facts; the HTML page embeds the
 * JSON (report/html.c) and pprof is written from the same analysis
 * (report/pprof_retention.c).
 */
#ifndef GR_REPORT_H
#define GR_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/suspects.h"

#define GR_REPORT_SCHEMA "goretain-report/1"

struct gr_report_options {
	size_t top;	       /* rows per grouping (default 20) */
	size_t maps;	       /* maps listed (default 20) */
	size_t tree_nodes;     /* dominator-tree nodes in JSON (default 500) */
	double tree_min_share; /* of the live heap (default 0.001) */
	struct gr_suspect_options suspects;
	bool color;	       /* text: ANSI bold headings */
};
#define GR_REPORT_DEFAULTS {20, 20, 500, 0.001, GR_SUSPECT_DEFAULTS, false}

/* The JSON document to @out (@path names it in errors). */
GR_MUST_USE
struct gr_error *gr_report_json(const struct gr_analysis *a,
				const struct gr_report_options *o, FILE *out,
				const char *path);
/* The text report, 100 columns. */
GR_MUST_USE
struct gr_error *gr_report_text(const struct gr_analysis *a,
				const struct gr_report_options *o, FILE *out,
				const char *path);

#endif /* GR_REPORT_H */
