/* SPDX-License-Identifier: MIT */
/* goretain batch: many cores, unattended (the engine is cli/batch.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch.h"
#include "cli/batch_plan.h"
#include "cli/cli.h"

static const char usage[] =
	"goretain batch [--exe BIN] [--exe-dir DIR]... --out DIR [-j N] "
	"[--max-memory SIZE] [--format json|text|html|pprof[,...]] [--shard I/N] "
	"[--quiet] INPUT...";
static const char help[] =
	"usage: goretain batch [--exe BIN] [--exe-dir DIR]... --out DIR [-j N]\n"
	"                      [--max-memory SIZE] [--format FORMAT]\n"
	"                      [--shard I/N] [--quiet] INPUT...\n"
	"\n"
	"Analyse many cores unattended, as a crash pipeline does: one report\n"
	"per core in DIR, named <key>.<ext> where the key is the XXH64 of the\n"
	"core and its executable, and one line per input in\n"
	"DIR/summary.jsonl.  A re-run skips what an earlier run finished, so\n"
	"an interrupted batch resumes.  See docs/BATCH.md.\n"
	"\n"
	"INPUT is a core (raw, .gz or .zst), a directory (every regular file\n"
	"below it) or a glob.\n"
	"\n"
	"  --exe BIN         the executable of every core; by default each\n"
	"                    core's is found by its build ID\n"
	"  --exe-dir DIR     where to look: DIR/<build-id>, DIR/xx/<rest>,\n"
	"                    DIR/xx/<rest>.debug, DIR/<build-id>/executable;\n"
	"                    then beside the core, by the process's name\n"
	"  --out DIR         reports and summary.jsonl (created if missing)\n"
	"  -j N              analyse N cores at once (default 1), each in\n"
	"                    its own process\n"
	"  --max-memory SIZE memory budget of the workers (8G, 512M; default\n"
	"                    half of MemAvailable)\n"
	"  --format F[,F]... json (default), text, html or pprof; several\n"
	"                    (--format json,html) write one report each,\n"
	"                    <key>.json, .txt, .html, .pb.gz\n"
	"  --shard I/N       only inputs whose index in the sorted list is I\n"
	"                    modulo N (0 <= I < N)\n"
	"  --tmpdir DIR      where compressed cores are decompressed\n"
	"  --quiet           no progress on stderr\n"
	"\n"
	"exit status: 0 every input ok or skipped; 1 some input failed (its\n"
	"record says why); 2 bad usage.\n"
	"\n"
	"examples:\n"
	"  goretain batch --exe-dir /usr/lib/debug/.build-id --out reports \\\n"
	"    /var/lib/systemd/coredump\n"
	"  parallel goretain batch --shard {}/8 --out reports cores/ ::: "
	"$(seq 0 7)\n";

enum {
	OPT_EXE = 256,
	OPT_EXE_DIR,
	OPT_OUT,
	OPT_JOBS,
	OPT_MAX_MEMORY,
	OPT_FORMAT,
	OPT_SHARD,
	OPT_QUIET,
	OPT_TMPDIR,
	OPT_HELP,
};

/* "json,html": each format once, in the order given. */
static bool parse_formats(struct gr_batch_options *o, const char *val)
{
	static const char *const names[GR_BATCH_FORMAT_COUNT_] = {
		[GR_BATCH_FORMAT_JSON] = "json",
		[GR_BATCH_FORMAT_TEXT] = "text",
		[GR_BATCH_FORMAT_PPROF] = "pprof",
		[GR_BATCH_FORMAT_HTML] = "html",
	};
	o->format_count = 0;
	for (const char *p = val;;) {
		size_t len = strcspn(p, ",");
		size_t f = 0;
		while (f < GR_BATCH_FORMAT_COUNT_ &&
		       (strlen(names[f]) != len || strncmp(p, names[f], len)))
			f++;
		if (f == GR_BATCH_FORMAT_COUNT_)
			return false;
		for (size_t i = 0; i < o->format_count; i++)
			if (o->formats[i] == (enum gr_batch_format)f)
				return false;
		o->formats[o->format_count++] = (enum gr_batch_format)f;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static int parse_opt(struct gr_batch_options *o, int opt, const char *val)
{
	size_t n;
	switch (opt) {
	case OPT_EXE:
		o->exe = val;
		break;
	case OPT_EXE_DIR:
		o->exe_dirs[o->exe_dir_count++] = val;
		break;
	case OPT_OUT:
		o->out = val;
		break;
	case 'j':
	case OPT_JOBS: {
		int rc = gr_cli_parse_count(usage, "-j", val, &n);
		if (rc >= 0)
			return rc;
		if (n < 1 || n > 1024)
			return gr_cli_usage_error(usage, "bad -j '%s'", val);
		o->jobs = (unsigned)n;
		break;
	}
	case OPT_MAX_MEMORY:
		if (!gr_batch_parse_size(val, &o->max_memory))
			return gr_cli_usage_error(usage, "bad --max-memory '%s'",
						  val);
		break;
	case OPT_FORMAT:
		if (!parse_formats(o, val))
			return gr_cli_usage_error(usage, "bad --format '%s' "
							 "(want a list of "
							 "json, text, html, "
							 "pprof)",
						  val);
		break;
	case OPT_SHARD:
		if (!gr_batch_parse_shard(val, &o->shard_i, &o->shard_n))
			return gr_cli_usage_error(usage, "bad --shard '%s' "
							 "(want I/N, 0 <= I < N)",
						  val);
		break;
	case 'q':
	case OPT_QUIET:
		o->quiet = true;
		break;
	case OPT_TMPDIR:
		o->tmpdir = val;
		break;
	case 'h':
	case OPT_HELP:
		fputs(help, stdout);
		return GR_EXIT_OK;
	default:
		return gr_cli_usage_error(usage, "bad option '%s'",
					  val ? val : "?");
	}
	return -1;
}

/* Its own getopt loop rather than gr_cli_parse: batch takes many inputs
 * and no single CORE. */
int gr_cmd_batch(int argc, char **argv)
{
	static const struct option lo[] = {
		{"exe", required_argument, NULL, OPT_EXE},
		{"exe-dir", required_argument, NULL, OPT_EXE_DIR},
		{"out", required_argument, NULL, OPT_OUT},
		{"jobs", required_argument, NULL, OPT_JOBS},
		{"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"quiet", no_argument, NULL, OPT_QUIET},
		{"tmpdir", required_argument, NULL, OPT_TMPDIR},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	struct gr_batch_options o = {.jobs = 1};
	/* Every argument could be an --exe-dir. */
	o.exe_dirs = calloc((size_t)argc + 1, sizeof(*o.exe_dirs));
	if (!o.exe_dirs)
		return gr_cli_fail(gr_error_nomem());
	optind = 1;
	opterr = 0;
	int opt, rc = -1;
	while (rc < 0 && (opt = getopt_long(argc, argv, "j:qh", lo, NULL)) != -1)
		rc = parse_opt(&o, opt,
			       opt == '?' || opt == ':' ? argv[optind - 1]
							: optarg);
	if (rc < 0 && !o.out)
		rc = gr_cli_usage_error(usage, "missing --out DIR");
	if (rc < 0 && optind >= argc)
		rc = gr_cli_usage_error(usage, "missing INPUT");
	if (rc < 0 && o.exe && o.exe_dir_count)
		rc = gr_cli_usage_error(usage, "--exe and --exe-dir exclude "
					       "each other");
	if (rc < 0 && !o.format_count)
		o.formats[o.format_count++] = GR_BATCH_FORMAT_JSON;
	if (rc < 0) {
		o.inputs = argv + optind;
		o.input_count = (size_t)(argc - optind);
		rc = gr_batch_run(&o);
	}
	free(o.exe_dirs);
	return rc;
}
