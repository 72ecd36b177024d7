/* SPDX-License-Identifier: MIT */
/*
 * gr_goroutines_report: `goretain goroutines` — goroutines grouped by
 * creation site, wait reason or function (like delve's `goroutines
 * -group`), with counts, how long they waited, and the top frames; or every
 * goroutine with its frames.  Text and JSON carry the same facts.
 */
#ifndef GR_GOROUTINES_REPORT_H
#define GR_GOROUTINES_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/08-stacks/goroutines.h"
#include "report/json.h"

enum gr_g_group {
	GR_G_GROUP_SITE_WAIT, /* creation site and wait reason (default) */
	GR_G_GROUP_SITE,
	GR_G_GROUP_WAIT,
	GR_G_GROUP_FUNC, /* top user function */
};

struct gr_g_report_opts {
	enum gr_g_group group;
	bool all;	  /* every goroutine with all its frames */
	unsigned frames;  /* top frames shown per group (default 5) */
	bool system;	  /* include runtime system goroutines in groups */
};

/* The fields of the JSON document into an object @j has open. */
void gr_goroutines_report_json_fields(struct gr_json *j,
				      const struct gr_goroutines *gs,
				      const struct gr_g_report_opts *o);
GR_MUST_USE
struct gr_error *gr_goroutines_report(const struct gr_goroutines *gs,
				      const struct gr_g_report_opts *o,
				      bool json, FILE *out, const char *path);

#endif /* GR_GOROUTINES_REPORT_H */
