/* SPDX-License-Identifier: MIT */
/*
 * gr_roots_report: `goretain roots` — every GC root with kind, name,
 * declared type where known, its pointer slots, the bytes it owns (first
 * reached by it) and the bytes reachable from it.
 */
#ifndef GR_ROOTS_REPORT_H
#define GR_ROOTS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

/* @limit: text rows shown (0 = all); JSON always lists every root. */
GR_MUST_USE
struct gr_error *gr_roots_report(const struct gr_analysis *a, bool json,
				 size_t limit, FILE *out, const char *path);

#endif /* GR_ROOTS_REPORT_H */
