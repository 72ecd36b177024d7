/* SPDX-License-Identifier: MIT */
/*
 * The goretain command line: shared option parsing, exit codes and error
 * printing for the subcommands (cli/cmd_*.c).  Only the CLI prints or exits.
 */
#ifndef GR_CLI_H
#define GR_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "forensics/01-base/error.h"
#include "forensics/01-base/progress.h"
#include "forensics/05-session/session.h"
#include "forensics/12-query/analysis.h"
#include "report/version.h"


/* Documented in docs/goretain.1 and `goretain --help`. */
enum gr_exit {
	GR_EXIT_OK = 0,
	GR_EXIT_INTERNAL = 1, /* out of memory, cannot write output, bug */
	GR_EXIT_BAD_INPUT = 2, /* bad core or executable, or bad usage */
};

/* Options most subcommands share. */
struct gr_cli_common {
	const char *exe;
	const char *core;
	bool json;
	bool force;
	bool quiet;
	/* --timings or $GR_TIMINGS: per-phase wall, CPU and private memory
	 * on stderr (docs/PERFORMANCE.md). */
	bool timings;
	/* --threads N: threads for the object scan; 0: one per CPU. */
	unsigned threads;
	const char *tmpdir;
	bool record_access; /* goretain slim: not an option */
};

/* Print "goretain: MESSAGE" on one line and return the exit code for @err.
 * Consumes @err. */
int gr_cli_fail(struct gr_error *err);
/* Print a usage error and the subcommand's usage line; returns exit 2. */
int gr_cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A subcommand's own options, parsed alongside the shared ones: @longopts
 * (terminated by a zero entry, values >= 256 to stay clear of the shared
 * short options) and @fn called for each; @fn returns -1 to continue or an
 * exit code.
 */
struct gr_cli_extra {
	const struct option *longopts;
	int (*fn)(void *arg, int opt, const char *optarg);
	void *arg;
	/* A second positional argument after CORE ("TARGET"), stored in
	 * *positional; NULL name: none allowed. */
	const char *positional_name;
	const char **positional;
	/* --exe may be left out (the command checks when it needs it). */
	bool exe_optional;
};

/*
 * Parse the shared options (--exe, --json, --force, --quiet, --timings,
 * --threads, --tmpdir, --help), @extra's (may be NULL) and one positional CORE from @argv.
 * Returns -1 when parsing succeeded, else the exit code to return (help
 * printed: 0, error: 2).
 */
int gr_cli_parse(int argc, char **argv, const char *usage, const char *help,
		 const struct gr_cli_extra *extra, struct gr_cli_common *c);
#define gr_cli_parse_common(argc, argv, usage, help, c)                        \
	gr_cli_parse(argc, argv, usage, help, NULL, c)
/* Replace every "-@c" in @argv by @longname ("--limit"), so a short
 * option can share a long option's table entry. */
void gr_cli_alias_short(int argc, char **argv, char c, const char *longname);
/* Parse a non-negative count for option @opt; returns -1 on success,
 * else the usage error's exit code. */
int gr_cli_parse_count(const char *usage, const char *opt, const char *val,
		       size_t *ret);

/* @err (may be NULL) prefixed with the core's path unless it names it
 * already: an analysis error says which file it is about, as the error
 * lines of goretain promise (docs/goretain.1). */
GR_MUST_USE
struct gr_error *gr_cli_name_core(const char *core, struct gr_error *err);
/* Open a session for the shared options. */
GR_MUST_USE
struct gr_error *gr_cli_open_session(const struct gr_cli_common *c,
				     struct gr_session **ret);

/* One analysed core: what most subcommands work on. */
struct gr_cli_run {
	struct gr_progress *progress;
	struct gr_session *session;
	struct gr_analysis *analysis;
};

/*
 * Open the session of the shared options and run the analysis pipeline,
 * with progress on a terminal.  Returns -1 with @run filled, or the exit
 * code after printing the error (nothing to tear down then).
 */
int gr_cli_analyse(const struct gr_cli_common *c, struct gr_cli_run *run);
/* The same, as far as @depth (enum gr_analysis_depth): goretain heap
 * needs no types or dominators. */
int gr_cli_analyse_to(const struct gr_cli_common *c, int depth,
		      struct gr_cli_run *run);
/* Tear @run down and return the exit code for @err (consumed; NULL: 0). */
int gr_cli_run_end(struct gr_cli_run *run, struct gr_error *err);

/* A progress sink on stderr: a bar when it is a terminal and --quiet is
 * unset, timing lines with --timings; NULL when neither. */
struct gr_progress *gr_cli_progress(const struct gr_cli_common *c);
/* Final line (time and peak memory) when a bar was shown, the total timing
 * line with --timings; destroys @p. */
void gr_cli_finish(struct gr_progress *p);
/* gr_cli_open_session as a "loading" phase of @p (may be NULL). */
GR_MUST_USE
struct gr_error *gr_cli_load(const struct gr_cli_common *c,
			     struct gr_progress *p, struct gr_session **ret);

int gr_cmd_info(int argc, char **argv);
int gr_cmd_heap(int argc, char **argv);
int gr_cmd_goroutines(int argc, char **argv);
int gr_cmd_roots(int argc, char **argv);
int gr_cmd_profile(int argc, char **argv);
int gr_cmd_top(int argc, char **argv);
int gr_cmd_why(int argc, char **argv);
int gr_cmd_suspects(int argc, char **argv);
int gr_cmd_report(int argc, char **argv);
int gr_cmd_diff(int argc, char **argv);
int gr_cmd_batch(int argc, char **argv);
int gr_cmd_slim(int argc, char **argv);

#endif /* GR_CLI_H */
