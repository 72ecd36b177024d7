/* SPDX-License-Identifier: MIT */
/* goretain roots: every root with kind, name, type and what it reaches. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "forensics/12-query/analysis.h"
#include "report/roots_report.h"

static const char usage[] = "goretain roots --exe BIN CORE [-n N] [--json]";
static const char help[] =
	"usage: goretain roots --exe BIN CORE [-n N] [--json] [--quiet]\n"
	"\n"
	"Every place the garbage collector starts marking from: globals in\n"
	"data and bss, goroutine stack slots, finalizers and cleanups, queued\n"
	"finalizers, sync.Pool contents, tiny-allocator blocks and other\n"
	"runtime roots; with the declared type where DWARF knows it, the bytes\n"
	"the root owns (reached first by it) and all the bytes reachable from it.\n"
	"\n"
	"  -n N     rows in the text output (default 50, 0 = all)\n"
	"  --json   every root, machine-readable\n"
	"\n"
	"example:\n"
	"  goretain roots --exe ./server core.4242 -n 20\n";

enum { OPT_N = 256 };

static int on_opt(void *arg, int opt, const char *val)
{
	if (opt == OPT_N)
		return gr_cli_parse_count(usage, "-n", val, arg);
	return -1;
}

int gr_cmd_roots(int argc, char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, OPT_N},
		{NULL, 0, NULL, 0},
	};
	size_t limit = 50;
	gr_cli_alias_short(argc, argv, 'n', "--limit");
	struct gr_cli_extra extra = {.longopts = opts, .fn = on_opt, .arg = &limit};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	struct gr_cli_run run;
	if ((rc = gr_cli_analyse(&c, &run)) >= 0)
		return rc;
	return gr_cli_run_end(&run, gr_roots_report(run.analysis, c.json, limit,
						   stdout, "stdout"));
}
