/* SPDX-License-Identifier: MIT */
/* goretain suspects: leak suspects over the dominator tree. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "forensics/12-query/analysis.h"
#include "report/suspects_report.h"

static const char usage[] =
	"goretain suspects --exe BIN CORE [--min-share PCT] [-n N] [--json]";
static const char help[] =
	"usage: goretain suspects --exe BIN CORE [--min-share PCT] "
	"[--accumulation PCT] [-n N] [--json]\n"
	"\n"
	"Leak suspects, as Eclipse MAT finds them: a root, an object no\n"
	"single root holds, or the goroutines of one `go` statement, that\n"
	"alone keeps at least PCT% of the live heap alive.  For each: the\n"
	"path from its root down to where the memory fans out (a map's\n"
	"storage, a slice's array) and the type accumulating there.  When\n"
	"the runtime kept a memory profile (the program references\n"
	"runtime.MemProfile or runtime/pprof), also the allocation stacks of\n"
	"the sampled objects it retains, with counts and estimated bytes.\n"
	"\n"
	"  --min-share PCT      threshold, percent of the live heap "
	"(default 10)\n"
	"  --accumulation PCT   descend while one child holds PCT% of its\n"
	"                       parent (default 80)\n"
	"  -n N                 at most N suspects (default 10)\n"
	"  --json               machine-readable\n"
	"\n"
	"example:\n"
	"  goretain suspects --exe ./server core.4242 --min-share 5\n";

enum { OPT_MIN = 256, OPT_ACC, OPT_N };

static int percent(const char *opt, const char *val, double *ret)
{
	char *end;
	double v = strtod(val, &end);
	if (!*val || *end || !(v > 0 && v <= 100))
		return gr_cli_usage_error(usage, "bad %s '%s' (a percentage)",
					  opt, val);
	*ret = v / 100;
	return -1;
}

static int on_opt(void *arg, int opt, const char *val)
{
	struct gr_suspect_options *o = arg;
	if (opt == OPT_MIN)
		return percent("--min-share", val, &o->min_share);
	if (opt == OPT_ACC)
		return percent("--accumulation", val, &o->accumulation_share);
	if (opt == OPT_N)
		return gr_cli_parse_count(usage, "-n", val, &o->max);
	return -1;
}

int gr_cmd_suspects(int argc, char **argv)
{
	static const struct option lo[] = {
		{"min-share", required_argument, NULL, OPT_MIN},
		{"accumulation", required_argument, NULL, OPT_ACC},
		{"limit", required_argument, NULL, OPT_N},
		{NULL, 0, NULL, 0},
	};
	struct gr_suspect_options o = GR_SUSPECT_DEFAULTS;
	gr_cli_alias_short(argc, argv, 'n', "--limit");
	struct gr_cli_extra extra = {.longopts = lo, .fn = on_opt, .arg = &o};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	struct gr_cli_run run;
	if ((rc = gr_cli_analyse(&c, &run)) >= 0)
		return rc;
	return gr_cli_run_end(&run, gr_suspects_report(run.analysis, &o, c.json,
						       stdout, "stdout"));
}
