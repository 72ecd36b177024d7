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
 *
 * Either dump may be a core (analysed) or a report JSON of one
 * ("goretain-report/1", from `goretain report --format json`): the same
 * keys and figures come from its "top" and "suspects".  A report lists
 * only the largest groups of each grouping (--top); a group missing from
 * such a list is unknown on that side (null in JSON, "?" in text), never
 * taken for zero.
 */
#ifndef GR_DIFF_REPORT_H
#define GR_DIFF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/suspects.h"

struct gr_diff_options {
	size_t limit; /* rows per grouping (0 = all) */
	bool json;
	struct gr_suspect_options suspects;
};

/* One group of one dump; strings owned by its side. */
struct gr_diff_row {
	const char *key, *detail;
	uint64_t retained_bytes, members, shallow_bytes;
};

/* A leak suspect by its identity across dumps: "root main.sessions",
 * "shared TYPE", "site FUNC (FILE:LINE)". */
struct gr_diff_suspect {
	char *key;
	uint64_t retained_bytes;
	double share;
};

/* What one dump contributes to a diff. */
struct gr_diff_side;

/* From an analysed core (every group; suspects found with @o).  NOMEM. */
GR_MUST_USE
struct gr_error *gr_diff_side_from_analysis(const struct gr_analysis *a,
					    const struct gr_suspect_options *o,
					    struct gr_diff_side **ret);
/* From the report JSON at @path: OS errors, BAD_DATA naming the file
 * (bad JSON, another schema, a field missing). */
GR_MUST_USE
struct gr_error *gr_diff_side_from_report(const char *path,
					  struct gr_diff_side **ret);
void gr_diff_side_destroy(struct gr_diff_side *d);
/* Whether @path holds JSON (its first non-blank byte is '{') rather than
 * a core: cores start with ELF, gzip or zstd magic. */
bool gr_diff_is_report(const char *path);

GR_MUST_USE
struct gr_error *gr_diff_report(const struct gr_diff_side *base,
				const struct gr_diff_side *later,
				const struct gr_diff_options *o, FILE *out,
				const char *path);

#endif /* GR_DIFF_REPORT_H */
