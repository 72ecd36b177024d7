/* SPDX-License-Identifier: MIT */
/* goretain goroutines: goroutines grouped, like delve's goroutines -group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/08-stacks/goroutines.h"
#include "report/goroutines_report.h"

static const char usage[] =
	"goretain goroutines --exe BIN CORE [--group site|wait|func] [--all] "
	"[--json]";
static const char help[] =
	"usage: goretain goroutines --exe BIN CORE [--group site|wait|func]\n"
	"                           [--all] [--frames N] [--system] [--json]\n"
	"\n"
	"Goroutines of the dead process, grouped by default by creation site\n"
	"(the go statement) and wait reason, with counts, how long they had\n"
	"been waiting where the runtime recorded it, and the top frames.\n"
	"\n"
	"  --group KEY   site (creation site), wait (wait reason), func (top\n"
	"                user function); default: site and wait reason\n"
	"  --all         also list every goroutine with all its frames\n"
	"  --frames N    frames shown per group (default 5)\n"
	"  --system      include the runtime's own system goroutines in groups\n"
	"  --json        machine-readable output\n"
	"  --timings     load and read times and private memory on stderr\n"
	"                (also GR_TIMINGS=1)\n"
	"\n"
	"examples:\n"
	"  goretain goroutines --exe ./server core.4242\n"
	"  goretain goroutines --exe ./server core.4242 --group wait --json\n";

enum { OPT_GROUP = 256, OPT_ALL, OPT_FRAMES, OPT_SYSTEM };

static int on_opt(void *arg, int opt, const char *val)
{
	struct gr_g_report_opts *o = arg;
	switch (opt) {
	case OPT_GROUP:
		if (!strcmp(val, "site"))
			o->group = GR_G_GROUP_SITE;
		else if (!strcmp(val, "wait"))
			o->group = GR_G_GROUP_WAIT;
		else if (!strcmp(val, "func"))
			o->group = GR_G_GROUP_FUNC;
		else
			return gr_cli_usage_error(usage, "unknown --group '%s'",
						  val);
		break;
	case OPT_ALL:
		o->all = true;
		break;
	case OPT_FRAMES: {
		char *end;
		unsigned long n = strtoul(val, &end, 10);
		if (*end || !n || n > 1000000)
			return gr_cli_usage_error(usage, "bad --frames '%s'", val);
		o->frames = (unsigned)n;
		break;
	}
	case OPT_SYSTEM:
		o->system = true;
		break;
	}
	return -1;
}

int gr_cmd_goroutines(int argc, char **argv)
{
	static const struct option opts[] = {
		{"group", required_argument, NULL, OPT_GROUP},
		{"all", no_argument, NULL, OPT_ALL},
		{"frames", required_argument, NULL, OPT_FRAMES},
		{"system", no_argument, NULL, OPT_SYSTEM},
		{NULL, 0, NULL, 0},
	};
	struct gr_g_report_opts o = {.group = GR_G_GROUP_SITE_WAIT};
	struct gr_cli_extra extra = {.longopts = opts, .fn = on_opt, .arg = &o};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	/* Reading goroutines is quick: no bar, only timings when asked. */
	struct gr_progress *p =
		c.timings ? gr_progress_create_flags(stderr, GR_PROGRESS_TIMINGS)
			  : NULL;
	struct gr_session *s;
	struct gr_error *err = gr_cli_load(&c, p, &s);
	if (err) {
		gr_progress_destroy(p);
		return gr_cli_fail(err);
	}
	struct gr_goroutines *gs;
	gr_progress_phase(p, "reading goroutines", 0);
	err = gr_cli_name_core(c.core, gr_goroutines_load(s, &gs));
	if (!err) {
		gr_progress_done(p);
		gr_progress_phase(p, "writing the report", 0);
		err = gr_goroutines_report(gs, &o, c.json, stdout, "stdout");
		gr_goroutines_destroy(gs);
	}
	gr_session_destroy(s);
	if (err) {
		gr_progress_destroy(p);
		return gr_cli_fail(err);
	}
	gr_cli_finish(p);
	return GR_EXIT_OK;
}
