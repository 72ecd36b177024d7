/* SPDX-License-Identifier: MIT */
/* goretain info: what the core and the executable are. */
#include <stdio.h>

#include "cli/cli.h"
#include "report/info.h"

static const char usage[] = "goretain info --exe BIN CORE [--json] [--force]";
static const char help[] =
	"usage: goretain info --exe BIN CORE [--json] [--force] [--tmpdir DIR]\n"
	"\n"
	"Describe a core dump and the Go executable it came from: Go version,\n"
	"PIE load bias, threads, mappings, build-ID match, DWARF and pclntab\n"
	"contents, core format (raw, gzip, zstd) and decompression time.\n"
	"\n"
	"  --exe BIN      the executable the process ran (required)\n"
	"  --json         machine-readable output\n"
	"  --force        analyse even if the build IDs do not match\n"
	"  --tmpdir DIR   where compressed cores are decompressed (default\n"
	"                 $TMPDIR or /var/tmp)\n"
	"\n"
	"examples:\n"
	"  goretain info --exe ./server core.4242\n"
	"  goretain info --exe ./server --json core.4242.zst | jq .go_version\n";

int gr_cmd_info(int argc, char **argv)
{
	struct gr_cli_common c;
	int rc = gr_cli_parse_common(argc, argv, usage, help, &c);
	if (rc >= 0)
		return rc;
	struct gr_session *s;
	struct gr_error *err = gr_cli_open_session(&c, &s);
	if (err)
		return gr_cli_fail(err);
	struct gr_info info;
	gr_info_collect(s, &info);
	err = c.json ? gr_info_write_json(&info, stdout, "stdout")
		     : gr_info_write_text(&info, stdout, "stdout");
	gr_session_destroy(s);
	return err ? gr_cli_fail(err) : GR_EXIT_OK;
}
