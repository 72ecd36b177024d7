/* SPDX-License-Identifier: MIT */
/* goretain report: the whole retention story of one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "forensics/01-base/outfile.h"
#include "forensics/12-query/analysis.h"
#include "report/html.h"
#include "report/pprof_retention.h"
#include "report/report.h"

static const char usage[] =
	"goretain report --exe BIN CORE [-o FILE] [--format text|json|html|pprof]";
static const char help[] =
	"usage: goretain report --exe BIN CORE [-o FILE] [--format FORMAT] "
	"[--color WHEN]\n"
	"\n"
	"The main job: one command after an OOM kill that tells the story.\n"
	"A summary (Go version, process, live heap, garbage, where the memory\n"
	"went), the leak suspects with their paths (and, when the program\n"
	"kept a memory profile, where their objects were allocated), the top\n"
	"retainers by root, root kind, goroutine creation site, type and\n"
	"package (shallow, retained and reachable bytes), goroutine groups,\n"
	"maps and their waste, channels with queued items or parked\n"
	"goroutines, finalizers, cleanups and sync.Pools, and what goretain\n"
	"could not read.\n"
	"\n"
	"  -o FILE          write to FILE (atomically) instead of stdout\n"
	"  --format F       text, json, html or pprof; by default from\n"
	"                   FILE's extension (.txt, .json, .html, .pb.gz),\n"
	"                   else text\n"
	"  --color WHEN     text headings in bold: auto (a terminal), always,\n"
	"                   never\n"
	"  -n N             rows per grouping (default 20)\n"
	"  --json           the same as --format json\n"
	"  --timings        each phase's wall and CPU time and private\n"
	"                   memory on stderr (also GR_TIMINGS=1)\n"
	"  --threads N      threads scanning objects (default: one per CPU,\n"
	"                   at most 8); the report is the same for any N\n"
	"\n"
	"The JSON follows docs/report-schema.json (\"goretain-report/1\").\n"
	"The HTML page is one self-contained file (no network): summary,\n"
	"suspects with paths, a zoomable icicle of the dominator tree,\n"
	"sortable tables, goroutine groups.\n"
	"The pprof profile (gzipped profile.proto) has one sample per object\n"
	"whose stack is its dominator chain, root outermost: in `go tool\n"
	"pprof`, a frame's cum is what it retains (retained_space, the\n"
	"default; also retained_objects, reachable_space, reachable_objects).\n"
	"\n"
	"examples:\n"
	"  goretain report --exe ./server core.4242\n"
	"  goretain report --exe ./server core.4242 -o report.json\n"
	"  goretain report --exe ./server core.4242 -o report.html\n"
	"  goretain report --exe ./server core.4242 -o retained.pb.gz &&\n"
	"    go tool pprof -top -cum retained.pb.gz\n";

enum { OPT_OUT = 256, OPT_FORMAT, OPT_COLOR, OPT_N };
enum format { FMT_DEFAULT, FMT_TEXT, FMT_JSON, FMT_PPROF, FMT_HTML };

struct opts {
	const char *out;
	enum format format;
	int color; /* -1 auto, 0 never, 1 always */
	struct gr_report_options r;
};

static int on_opt(void *arg, int opt, const char *val)
{
	struct opts *o = arg;
	switch (opt) {
	case OPT_OUT:
		o->out = val;
		break;
	case OPT_FORMAT:
		if (strcmp(val, "text") == 0)
			o->format = FMT_TEXT;
		else if (strcmp(val, "json") == 0)
			o->format = FMT_JSON;
		else if (strcmp(val, "pprof") == 0)
			o->format = FMT_PPROF;
		else if (strcmp(val, "html") == 0)
			o->format = FMT_HTML;
		else
			return gr_cli_usage_error(usage, "bad --format '%s'",
						  val);
		break;
	case OPT_COLOR:
		if (strcmp(val, "auto") == 0)
			o->color = -1;
		else if (strcmp(val, "always") == 0)
			o->color = 1;
		else if (strcmp(val, "never") == 0)
			o->color = 0;
		else
			return gr_cli_usage_error(usage, "bad --color '%s'",
						  val);
		break;
	case OPT_N:
		return gr_cli_parse_count(usage, "-n", val, &o->r.top);
	}
	return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The format asked for, else the output file's extension, else text. */
static int pick_format(struct opts *o, bool json)
{
	if (json) {
		if (o->format == FMT_TEXT)
			return gr_cli_usage_error(usage, "--json contradicts "
							 "--format text");
		o->format = FMT_JSON;
	}
	if (o->format != FMT_DEFAULT)
		return -1;
	o->format = FMT_TEXT;
	if (!o->out)
		return -1;
	if (ends_with(o->out, ".json"))
		o->format = FMT_JSON;
	else if (ends_with(o->out, ".pb.gz") || ends_with(o->out, ".pprof"))
		o->format = FMT_PPROF;
	else if (ends_with(o->out, ".html") || ends_with(o->out, ".htm"))
		o->format = FMT_HTML;
	else if (!ends_with(o->out, ".txt") && strcmp(o->out, "-"))
		return gr_cli_usage_error(usage, "cannot tell the format of "
						 "'%s' (use --format)",
					  o->out);
	return -1;
}

/* The HTML page embeds the JSON report: write that to memory first. */
GR_MUST_USE
static struct gr_error *write_html(const struct gr_analysis *a,
				   const struct opts *o, FILE *f,
				   const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return gr_error_nomem();
	struct gr_error *err = gr_report_json(a, &o->r, mem, name);
	if (fclose(mem) != 0 && !err)
		err = gr_error_nomem();
	if (!err)
		err = gr_html_write(buf, len, f, name);
	free(buf);
	return err;
}

GR_MUST_USE
static struct gr_error *write_report(const struct gr_analysis *a,
				     const struct opts *o, FILE *f,
				     const char *name)
{
	switch (o->format) {
	case FMT_HTML:
		return write_html(a, o, f, name);
	case FMT_JSON:
		return gr_report_json(a, &o->r, f, name);
	case FMT_PPROF:
		return gr_pprof_retention_write(a, f, name);
	default:
		return gr_report_text(a, &o->r, f, name);
	}
}

int gr_cmd_report(int argc, char **argv)
{
	static const struct option lo[] = {
		{"output", required_argument, NULL, OPT_OUT},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"color", required_argument, NULL, OPT_COLOR},
		{"limit", required_argument, NULL, OPT_N},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.color = -1, .r = GR_REPORT_DEFAULTS};
	gr_cli_alias_short(argc, argv, 'o', "--output");
	gr_cli_alias_short(argc, argv, 'n', "--limit");
	struct gr_cli_extra extra = {.longopts = lo, .fn = on_opt, .arg = &o};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc < 0)
		rc = pick_format(&o, c.json);
	if (rc >= 0)
		return rc;
	if (o.format == FMT_PPROF && (!o.out || strcmp(o.out, "-") == 0) &&
	    isatty(STDOUT_FILENO))
		return gr_cli_usage_error(usage, "a pprof profile is binary: "
						 "give -o FILE.pb.gz");
	bool to_stdout = !o.out || strcmp(o.out, "-") == 0;
	o.r.color = o.format == FMT_TEXT &&
		    (o.color == 1 ||
		     (o.color == -1 && to_stdout && isatty(STDOUT_FILENO)));
	/* The output first: an unwritable path fails at once, not after a
	 * minute of analysis. */
	struct gr_outfile out = {0};
	struct gr_error *err = gr_outfile_open(o.out ? o.out : "-", &out);
	if (err)
		return gr_cli_fail(err);
	struct gr_cli_run run;
	if ((rc = gr_cli_analyse(&c, &run)) >= 0) {
		gr_outfile_abort(&out);
		return rc;
	}
	gr_progress_phase(run.progress, "writing the report", 0);
	err = write_report(run.analysis, &o, out.f,
			   to_stdout ? "stdout" : o.out);
	gr_progress_done(run.progress);
	if (!err)
		err = gr_outfile_commit(&out);
	gr_outfile_abort(&out);
	return gr_cli_run_end(&run, err);
}
