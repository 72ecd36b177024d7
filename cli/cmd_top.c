/* SPDX-License-Identifier: MIT */
/* goretain top: the largest retainers by root, kind, site, type or
 * package. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/12-query/allocsites.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/retention.h"
#include "report/top_report.h"

static const char usage[] =
	"goretain top --exe BIN CORE [--by root|kind|site|type|package] "
	"[-n N] [--json]";
static const char help[] =
	"usage: goretain top --exe BIN CORE [--by GROUPING] [-n N] [--json]\n"
	"\n"
	"The largest retainers of the live heap, grouped by:\n"
	"  root     each root: a global, a goroutine's stack variable, a\n"
	"           finalizer, a sync.Pool (default)\n"
	"  kind     root kind (data, bss, stack, pool, finalizer, ...)\n"
	"  site     the `go` statement that created the goroutines whose\n"
	"           stacks hold the memory\n"
	"  type     the type of the objects (arrays of T as []T)\n"
	"  package  the package of the objects' types\n"
	"\n"
	"Each row shows three sizes.  retained: what the garbage collector\n"
	"would free if the group were gone (from the dominator tree);\n"
	"reachable: everything the group reaches, including memory other\n"
	"groups also hold; shallow: the group's own bytes.\n"
	"\n"
	"  --by G   grouping (see above)\n"
	"  -n N     rows (default 20, 0 = all)\n"
	"  --json   machine-readable rows; by root or type, each with its\n"
	"           largest allocation stack (when the core has a profile)\n"
	"\n"
	"examples:\n"
	"  goretain top --exe ./server core.4242\n"
	"  goretain top --exe ./server core.4242 --by type -n 10\n";

enum { OPT_N = 256, OPT_BY };

struct opts {
	size_t limit;
	enum gr_retention_by by;
};

static int on_opt(void *arg, int opt, const char *val)
{
	struct opts *o = arg;
	if (opt == OPT_N)
		return gr_cli_parse_count(usage, "-n", val, &o->limit);
	if (opt == OPT_BY && !gr_retention_by_parse(val, &o->by))
		return gr_cli_usage_error(usage, "bad --by '%s'", val);
	return -1;
}

int gr_cmd_top(int argc, char **argv)
{
	static const struct option lo[] = {
		{"limit", required_argument, NULL, OPT_N},
		{"by", required_argument, NULL, OPT_BY},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.limit = 20, .by = GR_RETENTION_BY_ROOT};
	gr_cli_alias_short(argc, argv, 'n', "--limit");
	struct gr_cli_extra extra = {.longopts = lo, .fn = on_opt, .arg = &o};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	struct gr_cli_run run;
	if ((rc = gr_cli_analyse(&c, &run)) >= 0)
		return rc;
	struct gr_retention *r = NULL;
	gr_progress_phase(run.progress, "grouping", 0);
	struct gr_error *err = gr_retention_build(run.analysis, o.by, 0,
						  o.limit, &r);
	gr_progress_done(run.progress);
	/* JSON rows by root or type carry their allocation stacks, as the
	 * report's do. */
	struct gr_allocsites *as = NULL;
	if (!err && c.json &&
	    (o.by == GR_RETENTION_BY_ROOT || o.by == GR_RETENTION_BY_TYPE))
		err = gr_allocsites_create(run.analysis, &as);
	if (!err)
		err = gr_top_report(r, o.by, c.json, as, o.limit, stdout,
				    "stdout");
	gr_allocsites_destroy(as);
	gr_retention_destroy(r);
	return gr_cli_run_end(&run, err);
}
