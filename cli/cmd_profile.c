/* SPDX-License-Identifier: MIT */
/* goretain profile: the runtime's own heap profile, as /debug/pprof/heap. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "forensics/05-session/gcstate.h"
#include "forensics/08-stacks/memprofile.h"
#include "report/memprof_report.h"
#include "report/pprof.h"

static const char usage[] =
	"goretain profile --exe BIN CORE [-o FILE.pb.gz] [--json]";
static const char help[] =
	"usage: goretain profile --exe BIN CORE [-o FILE.pb.gz] [--json]\n"
	"                        [--force] [--quiet]\n"
	"\n"
	"Recover the Go runtime's own sampled heap profile from the core: what\n"
	"the process would have served on /debug/pprof/heap at the moment it\n"
	"died (allocations and in-use objects and bytes per call stack, as of\n"
	"the last completed GC cycle, scaled by runtime.MemProfileRate).\n"
	"Read the file with `go tool pprof BIN FILE.pb.gz`.\n"
	"\n"
	"  -o, --output FILE  write the gzipped profile.proto to FILE\n"
	"                     (atomically: a temp file renamed into place)\n"
	"  --json             print every record (stack, counts, bytes) on\n"
	"                     stdout instead of the summary\n"
	"  --force            analyse even if the build IDs do not match\n"
	"\n"
	"A program that never references runtime.MemProfile (directly or\n"
	"through runtime/pprof or net/http/pprof) was linked with memory\n"
	"profiling disabled: its profile is empty and a warning says so.\n"
	"\n"
	"example:\n"
	"  goretain profile --exe ./server core.4242 -o heap.pb.gz\n"
	"  go tool pprof -top ./server heap.pb.gz\n";

enum { OPT_OUTPUT = 256 };

static int on_opt(void *arg, int opt, const char *val)
{
	if (opt == OPT_OUTPUT)
		*(const char **)arg = val;
	return -1;
}

/* Profile.time_nanos: the end of the last GC, which the profile reflects. */
GR_MUST_USE
static struct gr_error *profile_time(struct gr_session *s, int64_t *ret)
{
	struct gr_gcstate st;
	struct gr_error *err = gr_gcstate_read(s, &st);
	if (err)
		return err;
	*ret = st.have[GR_GCSTATE_last_gc_unix_ns]
		       ? st.value[GR_GCSTATE_last_gc_unix_ns]
		       : 0;
	return NULL;
}

GR_MUST_USE
static struct gr_error *write_pprof(struct gr_session *s,
				    struct gr_memprof *mp, const char *path)
{
	char comment[256];
	snprintf(comment, sizeof(comment),
		 "goretain: runtime heap profile recovered from core %s",
		 gr_session_go_version(s));
	struct gr_pprof *p;
	int64_t when;
	struct gr_error *err = profile_time(s, &when);
	if (!err)
		err = gr_memprof_report_pprof(mp, when, comment, &p);
	if (err)
		return err;
	/* runtime/pprof names the executable's mapping with its GNU build
	 * ID (elfBuildID); the Go one when the file has none. */
	struct gr_exe *exe = gr_session_exe(s);
	const struct gr_build_ids *ids = gr_exe_build_ids(exe);
	err = gr_pprof_set_mapping(p, gr_exe_path(exe),
				   ids->gnu[0] ? ids->gnu : ids->go);
	if (!err)
		err = gr_pprof_write_file(p, path);
	gr_pprof_destroy(p);
	return err;
}

static void summary(const struct gr_memprof *mp, const char *path)
{
	struct gr_memprof_totals t;
	gr_memprof_report_totals(mp, &t);
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	printf("heap profile: %" PRIu64 " records, MemProfileRate %" PRId64
	       ", GC cycle %" PRIu32 "\n",
	       t.records, info->rate, info->cycle);
	printf("  in use:    %" PRId64 " objects, %" PRId64
	       " bytes (estimated from %" PRId64 " sampled objects)\n",
	       t.scaled_inuse_objects, t.scaled_inuse_bytes, t.inuse_objects);
	printf("  allocated: %" PRId64 " objects, %" PRId64
	       " bytes (estimated from %" PRId64 " sampled objects)\n",
	       t.scaled_alloc_objects, t.scaled_alloc_bytes, t.alloc_objects);
	if (path)
		printf("wrote %s\n", path);
}

static void warnings(const struct gr_memprof *mp)
{
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	if (info->disabled)
		fputs("goretain: warning: memory profiling was disabled at link "
		      "time (the program never references runtime.MemProfile): "
		      "the profile holds only what was sampled before the "
		      "runtime started, if anything\n",
		      stderr);
	else if (info->rate == 0)
		fputs("goretain: warning: runtime.MemProfileRate was 0: "
		      "nothing sampled since it was set\n",
		      stderr);
	if (info->stopped)
		fprintf(stderr,
			"goretain: warning: bucket list walk stopped at "
			"0x%" PRIx64 ": %s; the profile is partial\n",
			info->stop_addr, info->stopped);
}

int gr_cmd_profile(int argc, char **argv)
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
	if (!out && !c.json)
		return gr_cli_usage_error(usage, "missing -o FILE (or --json)");
	struct gr_session *s;
	struct gr_memprof *mp;
	struct gr_error *err = gr_cli_open_session(&c, &s);
	if (err)
		return gr_cli_fail(err);
	err = gr_cli_name_core(c.core, gr_memprof_read(s, &mp));
	if (!err) {
		warnings(mp);
		if (out)
			err = write_pprof(s, mp, out);
		if (!err && c.json)
			err = gr_memprof_report_json(mp, stdout, "stdout");
		else if (!err && !c.quiet)
			summary(mp, out);
		gr_memprof_destroy(mp);
	}
	gr_session_destroy(s);
	return err ? gr_cli_fail(err) : GR_EXIT_OK;
}
