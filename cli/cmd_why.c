/* SPDX-License-Identifier: MIT */
/* goretain why: the paths from roots that keep a target alive. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/paths.h"
#include "report/why_report.h"

static const char usage[] =
	"goretain why --exe BIN CORE TARGET [--paths N] [--via all] [--json]";
static const char help[] =
	"usage: goretain why --exe BIN CORE TARGET [--paths N] [--via all] "
	"[--json]\n"
	"\n"
	"Why is TARGET still alive?  TARGET is\n"
	"  0xADDR   an address inside a live heap object\n"
	"  NAME     a root: a global such as main.sessions\n"
	"  TYPE     every live object of a type, as goretain names types\n"
	"           (main.Session, map[string]*main.Session, []uint8); a\n"
	"           leading * also finds T for *T; globs (*Session) when\n"
	"           nothing matches literally\n"
	"\n"
	"Prints what the target retains, the shortest reference paths from\n"
	"distinct roots to it, each step with its field, element or map key\n"
	"and type, and the chain of objects that dominate it: the ones\n"
	"whose removal would free it, with what each retains.\n"
	"\n"
	"  --paths N   paths from distinct roots (default 3)\n"
	"  --via all   also through sync.Pool victim caches, weak roots and\n"
	"              finalizers (avoided by default: they explain little)\n"
	"  --json      machine-readable\n"
	"\n"
	"examples:\n"
	"  goretain why --exe ./server core.4242 main.sessions\n"
	"  goretain why --exe ./server core.4242 'map[string]*main.Session'\n"
	"  goretain why --exe ./server core.4242 0xc000123450 --paths 5\n";

enum { OPT_PATHS = 256, OPT_VIA };

static int on_opt(void *arg, int opt, const char *val)
{
	struct gr_why_options *o = arg;
	if (opt == OPT_PATHS)
		return gr_cli_parse_count(usage, "--paths", val, &o->max_paths);
	if (opt == OPT_VIA) {
		if (strcmp(val, "all") && strcmp(val, "strong"))
			return gr_cli_usage_error(usage, "bad --via '%s'", val);
		o->via_all = strcmp(val, "all") == 0;
	}
	return -1;
}

int gr_cmd_why(int argc, char **argv)
{
	static const struct option lo[] = {
		{"paths", required_argument, NULL, OPT_PATHS},
		{"via", required_argument, NULL, OPT_VIA},
		{NULL, 0, NULL, 0},
	};
	struct gr_why_options o = {.max_paths = 3};
	struct gr_cli_extra extra = {.longopts = lo, .fn = on_opt, .arg = &o, .positional_name = "TARGET", .positional = &o.text};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	o.json = c.json;
	struct gr_cli_run run;
	if ((rc = gr_cli_analyse(&c, &run)) >= 0)
		return rc;
	struct gr_target t = {0};
	struct gr_error *err = gr_target_resolve(run.analysis, o.text, &t);
	if (!err) {
		gr_progress_phase(run.progress, "paths", 0);
		err = gr_why_report(run.analysis, &t, &o, stdout, "stdout");
		gr_progress_done(run.progress);
	}
	gr_target_free(&t);
	return gr_cli_run_end(&run, err);
}
