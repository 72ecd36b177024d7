/* SPDX-License-Identifier: MIT */
/* goretain roots: every root with kind, name, type and what it reaches. */
#include <stdio.h>
#include <stdlib.h>

#include "analysis.h"
#include "cli.h"
#include "roots_report.h"

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
	size_t *limit = arg;
	if (opt == OPT_N) {
		char *end;
		unsigned long n = strtoul(val, &end, 10);
		if (*end || *val == '-')
			return gr_cli_usage_error(usage, "bad -n '%s'", val);
		*limit = n;
	}
	return -1;
}

int gr_cmd_roots(int argc, char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, OPT_N},
		{NULL, 0, NULL, 0},
	};
	size_t limit = 50;
	/* Accept "-n N" as well as "--limit N". */
	for (int i = 1; i + 1 < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == 'n' && !argv[i][2])
			argv[i] = (char *)"--limit";
	struct gr_cli_extra extra = {opts, on_opt, &limit};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	struct gr_session *s;
	struct gr_analysis *a;
	struct gr_progress *p = gr_cli_progress(&c);
	struct gr_error *err = gr_cli_open_session(&c, &s);
	if (err) {
		gr_progress_destroy(p);
		return gr_cli_fail(err);
	}
	err = gr_analysis_run(s, p, &a);
	if (!err) {
		err = gr_roots_report(a, c.json, limit, stdout, "stdout");
		gr_analysis_destroy(a);
	}
	gr_cli_finish(p);
	gr_session_destroy(s);
	return err ? gr_cli_fail(err) : GR_EXIT_OK;
}
