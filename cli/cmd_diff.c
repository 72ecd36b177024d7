/* SPDX-License-Identifier: MIT */
/* goretain diff: what grew between two dumps of one program. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/12-query/analysis.h"
#include "report/diff_report.h"

static const char usage[] =
	"goretain diff [--exe BIN] BASE LATER [--base-exe BIN] [-n N] "
	"[--json]";
static const char help[] =
	"usage: goretain diff [--exe BIN] BASE LATER [--base-exe BIN] [-n N] "
	"[--json]\n"
	"\n"
	"What grew between two dumps of the same program, as pprof -base\n"
	"does for profiles: retained bytes per root, root kind, goroutine\n"
	"creation site, type and package in both dumps and the difference,\n"
	"largest growth first, and the leak suspects the later dump has that\n"
	"the base had not.  Addresses differ between dumps, so groups are\n"
	"matched by name.\n"
	"\n"
	"BASE and LATER are each a core (then --exe is needed) or a report\n"
	"JSON of one (goretain report --format json), told apart by content.\n"
	"A report lists only the largest groups (report --top): a group\n"
	"missing from it shows as ? (null in JSON), not as zero.\n"
	"\n"
	"  --base-exe BIN   the base core's executable, if not BIN\n"
	"  -n N             rows per grouping (default 10, 0 = all)\n"
	"  --json           machine-readable\n"
	"\n"
	"examples:\n"
	"  goretain diff --exe ./server core.before core.after\n"
	"  goretain diff monday.json tuesday.json\n";

enum { OPT_BASE_EXE = 256, OPT_N };

struct opts {
	const char *base_exe;
	const char *later;
	struct gr_diff_options d;
};

static int on_opt(void *arg, int opt, const char *val)
{
	struct opts *o = arg;
	if (opt == OPT_BASE_EXE)
		o->base_exe = val;
	if (opt == OPT_N)
		return gr_cli_parse_count(usage, "-n", val, &o->d.limit);
	return -1;
}

/* One side of the diff: a report JSON, or a core analysed with @c. */
GR_MUST_USE
static struct gr_error *side(const struct gr_cli_common *c,
			     const struct opts *o, struct gr_progress *p,
			     struct gr_session **s, struct gr_analysis **a,
			     struct gr_diff_side **ret)
{
	if (gr_diff_is_report(c->core))
		return gr_diff_side_from_report(c->core, ret);
	if (!c->exe)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "%s: a core needs --exe BIN (or give a "
				       "report JSON)",
				       c->core);
	struct gr_error *err = gr_cli_open_session(c, s);
	if (!err)
		err = gr_cli_name_core(c->core, gr_analysis_run(*s, p, a));
	if (!err)
		err = gr_diff_side_from_analysis(*a, &o->d.suspects, ret);
	return err;
}

int gr_cmd_diff(int argc, char **argv)
{
	static const struct option lo[] = {
		{"base-exe", required_argument, NULL, OPT_BASE_EXE},
		{"limit", required_argument, NULL, OPT_N},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.d = {.limit = 10, .suspects = GR_SUSPECT_DEFAULTS}};
	gr_cli_alias_short(argc, argv, 'n', "--limit");
	struct gr_cli_extra extra = {.longopts = lo,
				     .fn = on_opt,
				     .arg = &o,
				     .positional_name = "LATER",
				     .positional = &o.later,
				     .exe_optional = true};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	o.d.json = c.json;
	struct gr_cli_common cb = c;
	if (o.base_exe)
		cb.exe = o.base_exe;
	struct gr_cli_common cl = c;
	cl.core = o.later;
	struct gr_session *s[2] = {NULL, NULL};
	struct gr_analysis *a[2] = {NULL, NULL};
	struct gr_diff_side *d[2] = {NULL, NULL};
	struct gr_progress *p = gr_cli_progress(&c);
	struct gr_error *err = side(&cb, &o, p, &s[0], &a[0], &d[0]);
	if (!err)
		err = side(&cl, &o, p, &s[1], &a[1], &d[1]);
	if (!err) {
		gr_progress_phase(p, "comparing", 0);
		err = gr_diff_report(d[0], d[1], &o.d, stdout, "stdout");
		gr_progress_done(p);
	}
	for (int i = 0; i < 2; i++) {
		gr_diff_side_destroy(d[i]);
		gr_analysis_destroy(a[i]);
		gr_session_destroy(s[i]);
	}
	gr_cli_finish(p);
	return err ? gr_cli_fail(err) : GR_EXIT_OK;
}
