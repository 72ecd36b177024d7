/* SPDX-License-Identifier: MIT */
/* goretain slim: a core small enough to attach to a ticket (forensics/05-session/slim.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/05-session/slim.h"
#include "forensics/08-stacks/memprofile.h"
#include "report/goroutines_report.h"
#include "report/heap_report.h"
#include "report/info.h"
#include "report/memprof_report.h"
#include "report/pprof_retention.h"
#include "report/report.h"

static const char usage[] =
	"goretain slim --exe BIN CORE -o SMALL.core[.zst]";
static const char help[] =
	"usage: goretain slim --exe BIN CORE -o SMALL.core[.zst] [--force]\n"
	"                     [--quiet] [--tmpdir DIR]\n"
	"\n"
	"Write a copy of CORE that keeps only what goretain reads: the ELF\n"
	"header, every note, and of each memory segment only the non-zero\n"
	"pages the analysis touched (segments keep their addresses, sizes and\n"
	"flags; dropped pages read as zeros).  `goretain report` on the slim\n"
	"core gives the same report (docs/USER-GUIDE.md says which fields\n"
	"differ), and the file is small enough to attach to a ticket.  Prints\n"
	"the sizes: the input file, its non-zero bytes, the slim file.\n"
	"\n"
	"  -o, --output FILE  the slim core (atomically); zstd-compressed\n"
	"                     when FILE ends in .zst\n"
	"  --force            go on when the build IDs do not match\n"
	"\n"
	"The slim core holds only what this version of goretain needed: a\n"
	"newer goretain, or another tool, may want pages it dropped.  It is\n"
	"still process memory: treat it as carefully as the original.\n"
	"\n"
	"example:\n"
	"  goretain slim --exe ./server core.4242 -o ticket-1234.core.zst\n";

enum { OPT_OUTPUT = 256 };

static int on_opt(void *arg, int opt, const char *val)
{
	if (opt == OPT_OUTPUT)
		*(const char **)arg = val;
	return -1;
}

/* Everything the report, heap, goroutines, info and profile commands
 * read, rendered to nowhere: the memory reader records the pages. */
GR_MUST_USE
static struct gr_error *read_all(struct gr_cli_run *run, FILE *null)
{
	struct gr_analysis *a = run->analysis;
	struct gr_report_options ro = GR_REPORT_DEFAULTS;
	struct gr_error *err = gr_report_json(a, &ro, null, "/dev/null");
	if (!err)
		err = gr_report_text(a, &ro, null, "/dev/null");
	if (!err)
		err = gr_pprof_retention_write(a, null, "/dev/null");
	if (!err)
		err = gr_heap_report_json(a, null, "/dev/null");
	if (!err) {
		struct gr_g_report_opts go = {.frames = 1000};
		err = gr_goroutines_report(a->goroutines, &go, true, null,
					   "/dev/null");
	}
	if (!err) {
		struct gr_info info;
		gr_info_collect(run->session, &info);
		err = gr_info_write_json(&info, null, "/dev/null");
	}
	if (!err) {
		/* The runtime's heap profile: not every core has one. */
		struct gr_memprof *mp = NULL;
		struct gr_error *e = gr_memprof_read(run->session, &mp);
		if (!e)
			e = gr_memprof_report_json(mp, null, "/dev/null");
		gr_error_destroy(e);
		gr_memprof_destroy(mp);
	}
	return err;
}

static void human(char *buf, size_t n, uint64_t v)
{
	if (v >= 10ull << 20)
		snprintf(buf, n, "%.1f MiB", (double)v / (1 << 20));
	else
		snprintf(buf, n, "%.1f KiB", (double)v / 1024);
}

int gr_cmd_slim(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, OPT_OUTPUT},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	gr_cli_alias_short(argc, argv, 'o', "--output");
	struct gr_cli_extra extra = {.longopts = opts, .fn = on_opt, .arg = &out};
	struct gr_cli_common c;
	int rc = gr_cli_parse(argc, argv, usage, help, &extra, &c);
	if (rc >= 0)
		return rc;
	if (!out || !strcmp(out, "-"))
		return gr_cli_usage_error(usage, "missing -o FILE");
	if (c.json)
		return gr_cli_usage_error(usage, "--json: slim writes a core");
	struct gr_cli_run run = {0};
	run.progress = gr_cli_progress(&c);
	c.record_access = true;
	struct gr_error *err = gr_cli_open_session(&c, &run.session);
	if (!err)
		err = gr_cli_name_core(c.core,
				       gr_analysis_run(run.session, run.progress,
						       &run.analysis));
	FILE *null = NULL;
	if (!err && !(null = fopen("/dev/null", "we")))
		err = gr_error_output(errno, "/dev/null", "open");
	if (!err) {
		gr_progress_phase(run.progress, "reading what reports read", 0);
		err = read_all(&run, null);
		gr_progress_done(run.progress);
	}
	if (null)
		fclose(null);
	struct gr_slim_stats st;
	if (!err) {
		gr_progress_phase(run.progress, "writing the slim core", 0);
		err = gr_slim_write(run.session, out, &st);
		gr_progress_done(run.progress);
	}
	if (!err && !c.quiet) {
		char a[32], b[32], d[32];
		human(a, sizeof(a), st.file_bytes);
		human(b, sizeof(b), st.nonzero_bytes);
		human(d, sizeof(d), st.slim_bytes);
		printf("wrote %s: %s (%" PRIu64 " bytes); the core file: %s "
		       "(%" PRIu64 " bytes), %s non-zero (%" PRIu64 " bytes); "
		       "slim/non-zero %.1f%%, slim/file %.1f%%\n",
		       out, d, st.slim_bytes, a, st.file_bytes, b,
		       st.nonzero_bytes,
		       st.nonzero_bytes ? 100.0 * (double)st.slim_bytes /
						  (double)st.nonzero_bytes
					: 0.0,
		       st.file_bytes ? 100.0 * (double)st.slim_bytes /
					       (double)st.file_bytes
				     : 0.0);
	}
	return gr_cli_run_end(&run, err);
}
