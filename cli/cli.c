/* SPDX-License-Identifier: MIT */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/escape.h"

int gr_cli_fail(struct gr_error *err)
{
	int code;
	switch (err->code) {
	case GR_ERR_NOMEM:
	case GR_ERR_OUTPUT:
		code = GR_EXIT_INTERNAL;
		break;
	default:
		code = GR_EXIT_BAD_INPUT;
	}
	/* Messages may quote bytes from the core: keep the terminal safe and
	 * the message on one line. */
	fputs("goretain: ", stderr);
	gr_escape_term(stderr, err->message, strlen(err->message));
	fputc('\n', stderr);
	gr_error_destroy(err);
	return code;
}

int gr_cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	fputs("goretain: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage: %s)\n", usage);
	return GR_EXIT_BAD_INPUT;
}

int gr_cli_parse(int argc, char **argv, const char *usage, const char *help,
		 const struct gr_cli_extra *extra, struct gr_cli_common *c)
{
	static const struct option common[] = {
		{"exe", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"force", no_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"tmpdir", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"timings", no_argument, NULL, 'T'},
		{"threads", required_argument, NULL, 'P'},
	};
	enum { NCOMMON = sizeof(common) / sizeof(common[0]), MAX_OPTS = 32 };
	struct option longopts[MAX_OPTS + 1];
	size_t n = 0;
	memset(longopts, 0, sizeof(longopts));
	for (; n < NCOMMON; n++)
		longopts[n] = common[n];
	for (size_t i = 0; extra && extra->longopts[i].name && n < MAX_OPTS; i++)
		longopts[n++] = extra->longopts[i];
	memset(c, 0, sizeof(*c));
	const char *env = getenv("GR_TIMINGS");
	c->timings = env && *env && strcmp(env, "0") != 0;
	optind = 1;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "e:jfqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			c->exe = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'f':
			c->force = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 't':
			c->tmpdir = optarg;
			break;
		case 'T':
			c->timings = true;
			break;
		case 'P': {
			size_t count;
			int rc = gr_cli_parse_count(usage, "--threads", optarg,
						    &count);
			if (rc >= 0)
				return rc;
			if (count < 1 || count > 64)
				return gr_cli_usage_error(
					usage, "--threads takes 1 to 64, not '%s'",
					optarg);
			c->threads = (unsigned)count;
			break;
		}
		case 'h':
			fputs(help, stdout);
			return GR_EXIT_OK;
		case '?':
		case ':':
			return gr_cli_usage_error(usage, "bad option '%s'",
						  argv[optind - 1]);
		default: {
			int rc = extra ? extra->fn(extra->arg, opt, optarg) : -1;
			if (rc >= 0)
				return rc;
		}
		}
	}
	if (optind >= argc)
		return gr_cli_usage_error(usage, "missing CORE");
	int npos = extra && extra->positional_name ? 2 : 1;
	if (npos == 2 && optind + 1 >= argc)
		return gr_cli_usage_error(usage, "missing %s",
					  extra->positional_name);
	if (optind + npos < argc)
		return gr_cli_usage_error(usage, "unexpected argument '%s'",
					  argv[optind + npos]);
	c->core = argv[optind];
	if (npos == 2)
		*extra->positional = argv[optind + 1];
	if (!c->exe && !(extra && extra->exe_optional))
		return gr_cli_usage_error(usage, "missing --exe BIN");
	return -1;
}

void gr_cli_alias_short(int argc, char **argv, char c, const char *longname)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == c && !argv[i][2])
			argv[i] = (char *)longname;
}

int gr_cli_parse_count(const char *usage, const char *opt, const char *val,
		       size_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(val, &end, 10);
	if (!*val || *end || *val == '-' || errno || n > SIZE_MAX)
		return gr_cli_usage_error(usage, "bad %s '%s'", opt, val);
	*ret = (size_t)n;
	return -1;
}

struct gr_error *gr_cli_open_session(const struct gr_cli_common *c,
				     struct gr_session **ret)
{
	struct gr_session_options o = {
		.core_path = c->core,
		.exe_path = c->exe,
		.force = c->force,
		.record_access = c->record_access,
		.threads = c->threads,
		.input = {.temp_dir = c->tmpdir},
	};
	return gr_session_open(&o, ret);
}

struct gr_error *gr_cli_name_core(const char *core, struct gr_error *err)
{
	/* Output errors name their own path; out of memory names nothing. */
	if (!err || err->code == GR_ERR_NOMEM || err->code == GR_ERR_OUTPUT ||
	    strstr(err->message, core))
		return err;
	return gr_error_prefix(err, "%s", core);
}

struct gr_progress *gr_cli_progress(const struct gr_cli_common *c)
{
	unsigned flags = 0;
	if (!c->quiet && isatty(STDERR_FILENO))
		flags |= GR_PROGRESS_BAR;
	if (c->timings)
		flags |= GR_PROGRESS_TIMINGS;
	return flags ? gr_progress_create_flags(stderr, flags) : NULL;
}

void gr_cli_finish(struct gr_progress *p)
{
	if (!p)
		return;
	if (gr_progress_has_bar(p))
		fprintf(stderr,
			"goretain: done in %.2f s, peak memory %.1f MiB\n",
			gr_progress_elapsed(p),
			(double)gr_peak_rss() / (1 << 20));
	gr_progress_total(p);
	gr_progress_destroy(p);
}

struct gr_error *gr_cli_load(const struct gr_cli_common *c,
			     struct gr_progress *p, struct gr_session **ret)
{
	gr_progress_phase(p, "loading", 0);
	struct gr_error *err = gr_cli_open_session(c, ret);
	if (!err)
		gr_progress_done(p);
	return err;
}

int gr_cli_analyse(const struct gr_cli_common *c, struct gr_cli_run *run)
{
	return gr_cli_analyse_to(c, GR_ANALYSIS_FULL, run);
}

int gr_cli_analyse_to(const struct gr_cli_common *c, int depth,
		      struct gr_cli_run *run)
{
	memset(run, 0, sizeof(*run));
	run->progress = gr_cli_progress(c);
	struct gr_error *err = gr_cli_load(c, run->progress, &run->session);
	if (!err)
		err = gr_cli_name_core(
			c->core, gr_analysis_run_to(run->session, run->progress,
						    (enum gr_analysis_depth)depth,
						    &run->analysis));
	if (!err)
		return -1;
	return gr_cli_run_end(run, err);
}

int gr_cli_run_end(struct gr_cli_run *run, struct gr_error *err)
{
	gr_analysis_destroy(run->analysis);
	run->analysis = NULL;
	/* The final time and memory line only after a complete run. */
	if (err) {
		gr_progress_destroy(run->progress);
	} else {
		gr_cli_finish(run->progress);
	}
	run->progress = NULL;
	gr_session_destroy(run->session);
	run->session = NULL;
	return err ? gr_cli_fail(err) : GR_EXIT_OK;
}
