/* SPDX-License-Identifier: MIT */
/*
 * gr_top_report: `goretain top` — the largest retainers of one grouping
 * (gr_retention), with shallow, retained and reachable bytes and counts.
 */
#ifndef GR_TOP_REPORT_H
#define GR_TOP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/allocsites.h"
#include "forensics/12-query/retention.h"
#include "report/json.h"

/*
 * The fields of the JSON document into an object @j has open.  With @as
 * (may be NULL) and @by ROOT or TYPE, each row also gets "allocated_at":
 * the largest allocation stack of what the root retains, or of the
 * type's own live instances (null if none of them was sampled).  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_top_report_json_fields(struct gr_json *j,
					   const struct gr_retention *r,
					   enum gr_retention_by by,
					   size_t limit,
					   struct gr_allocsites *as);
/* @limit rows (0 = all), text or JSON, to @out (@path names it in
 * errors); JSON rows carry "allocated_at" as above when @as is given. */
GR_MUST_USE
struct gr_error *gr_top_report(const struct gr_retention *r,
			       enum gr_retention_by by, bool json,
			       struct gr_allocsites *as,
			       size_t limit, FILE *out, const char *path);

#endif /* GR_TOP_REPORT_H */
