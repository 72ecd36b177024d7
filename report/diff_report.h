/* SPDX-License-Identifier: MIT */
/*
 * gr_diff_report: `goretain diff` — what grew between two dumps of the
 * same program, as Chrome's heap-snapshot comparison and `pprof -base` do.
 *
 * Addresses differ between dumps, so groups are matched by their keys: a
 * root by name and kind, a kind, a goroutine creation site, a type, a
 * package (gr_retention).  Groups with the same key in one dump (two
 * frames of one function) are added up.  Each grouping lists the groups
 * whose retained bytes changed most, with both sizes, the difference in
 * retained bytes and in members; leak suspects of the later dump that the
 * base did not have are listed as new.
 */
#ifndef GR_DIFF_REPORT_H
#define GR_DIFF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"
#include "error.h"
#include "suspects.h"

struct gr_diff_options {
	size_t limit; /* rows per grouping (0 = all) */
	bool json;
	struct gr_suspect_options suspects;
};

struct gr_error *gr_diff_report(const struct gr_analysis *base,
				const struct gr_analysis *later,
				const struct gr_diff_options *o, FILE *out,
				const char *path);

#endif /* GR_DIFF_REPORT_H */
