/* SPDX-License-Identifier: MIT */
/*
 * gr_suspects_report: `goretain suspects` — the leak suspects (see
 * forensics/12-query/suspects.h), each with the path from its root to where the
 * memory accumulates and what accumulates there.
 */
#ifndef GR_SUSPECTS_REPORT_H
#define GR_SUSPECTS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/suspects.h"
#include "report/json.h"

/* The suspects as a JSON array (the value of a key @j has written). */
GR_MUST_USE
struct gr_error *gr_suspects_json_array(struct gr_json *j,
					const struct gr_analysis *a,
					const struct gr_suspect_options *o);
/* The text section (no flush); *err as for gr_suspects_report. */
void gr_suspects_text(const struct gr_analysis *a,
		      const struct gr_suspect_options *o, FILE *f,
		      struct gr_error **err);
GR_MUST_USE
struct gr_error *gr_suspects_report(const struct gr_analysis *a,
				    const struct gr_suspect_options *o,
				    bool json, FILE *out, const char *path);

#endif /* GR_SUSPECTS_REPORT_H */
