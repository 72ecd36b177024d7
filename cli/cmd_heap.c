/* SPDX-License-Identifier: MIT */
/* goretain heap: live heap, garbage, memory breakdown, size classes. */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "forensics/12-query/analysis.h"
#include "report/heap_report.h"

static const char usage[] = "goretain heap --exe BIN CORE [--json]";
static const char help[] =
	"usage: goretain heap --exe BIN CORE [--json] [--force] [--quiet]\n"
	"\n"
	"Rebuild the Go heap as the garbage collector sees it: live bytes and\n"
	"objects (reachable from the roots), garbage not yet swept, where the\n"
	"process's memory went (objects, free slots, size-class rounding,\n"
	"stacks, idle and released heap), and per size class the spans, slots\n"
	"used and free and the bytes wasted.\n"
	"\n"
	"  --exe BIN   the executable the process ran (required)\n"
	"  --json      machine-readable output\n"
	"  --force     analyse even if the build IDs do not match\n"
	"  --quiet     no progress on stderr\n"
	"\n"
	"example:\n"
	"  goretain heap --exe ./server core.4242\n";

int gr_cmd_heap(int argc, char **argv)
{
	struct gr_cli_common c;
	int rc = gr_cli_parse_common(argc, argv, usage, help, &c);
	if (rc >= 0)
		return rc;
	struct gr_cli_run run;
	/* Live and garbage need the marking, not types or dominators. */
	if ((rc = gr_cli_analyse_to(&c, GR_ANALYSIS_LIVE, &run)) >= 0)
		return rc;
	const struct gr_analysis *a = run.analysis;
	struct gr_error *err = c.json ? gr_heap_report_json(a, stdout, "stdout")
				       : gr_heap_report_text(a, stdout, "stdout");
	return gr_cli_run_end(&run, err);
}
