/* SPDX-License-Identifier: MIT */
/*
 * goretain: what was holding the memory of a dead Go process, and why.
 * Subcommand dispatch; each subcommand lives in cli/cmd_<name>.c.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"report", gr_cmd_report,
	 "the whole story: suspects, top retainers, goroutines, maps, "
	 "pools"},
	{"info", gr_cmd_info,
	 "what the core and executable are: Go version, threads, mappings, "
	 "build IDs, symbols"},
	{"heap", gr_cmd_heap,
	 "live heap, garbage, where the memory went, size classes"},
	{"goroutines", gr_cmd_goroutines,
	 "goroutines grouped by creation site and wait reason"},
	{"roots", gr_cmd_roots,
	 "every GC root with its kind, name, type and what it reaches"},
	{"profile", gr_cmd_profile,
	 "the runtime's own heap profile (pprof), as /debug/pprof/heap"},
	{"top", gr_cmd_top,
	 "largest retainers by root, kind, site, type or package"},
	{"suspects", gr_cmd_suspects,
	 "leak suspects: what alone keeps a large share of the heap alive"},
	{"diff", gr_cmd_diff,
	 "what grew between two dumps of one program"},
	{"batch", gr_cmd_batch,
	 "many cores unattended: a report each and a JSON Lines summary"},
	{"slim", gr_cmd_slim,
	 "a copy of the core with only what the analysis reads, for a "
	 "ticket"},
	{"why", gr_cmd_why,
	 "why an object, global or type is alive: paths from roots, "
	 "dominators"},
};

static void usage(FILE *out)
{
	fputs("usage: goretain COMMAND [OPTIONS] --exe BIN CORE\n"
	      "\n"
	      "Analyse the ELF core dump of a Go program together with its "
	      "executable, offline.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n"
	      "CORE may be raw, gzip or zstd compressed (detected by content).\n"
	      "Run 'goretain COMMAND --help' for a command's options.\n"
	      "Every analysing command also takes --timings (or "
	      "GR_TIMINGS=1): each\n"
	      "phase's wall and CPU time and private memory on stderr, and\n"
	      "--threads N: threads scanning objects (default: one per CPU, at\n"
	      "most 8; the results are the same for any N).\n"
	      "\n"
	      "exit status: 0 success; 1 internal error (out of memory, "
	      "cannot write an output\n"
	      "             or temporary file);\n"
	      "             2 bad input (unreadable, truncated or mismatched "
	      "core or executable) or bad usage\n",
	      out);
}

int main(int argc, char **argv)
{
	/*
	 * Blocks of 128 KiB and more (among them the analysis' per-object
	 * arrays) are mapped on their own and unmapped when freed: glibc's
	 * default threshold, but fixed.  By default glibc raises it as big
	 * blocks are freed, up to 32 MiB, and then keeps freed arrays below
	 * it in its heap, resident: a phase's scratch would stay in the
	 * process's private memory through the next phases.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	if (argc < 2) {
		usage(stderr);
		return GR_EXIT_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return GR_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("goretain %s\n", GORETAIN_VERSION);
		return GR_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "goretain: unknown command '%s' (see goretain --help)\n",
		cmd);
	return GR_EXIT_BAD_INPUT;
}
