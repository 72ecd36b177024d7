/* SPDX-License-Identifier: MIT */
/*
 * gr_coreid: what a core says about the executable it came from, without
 * the executable: the build IDs in the kernel's dump of the executable's
 * first page, the process name (NT_PRPSINFO pr_fname) and the executable's
 * path (the NT_FILE mapping holding AT_ENTRY).  Enough to find the
 * executable (cli batch, cli/batch_lookup.h); gr_session does the
 * full check once it is found.
 */
#ifndef GR_COREID_H
#define GR_COREID_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/input.h"

struct gr_coreid {
	/* "" for a kind the core does not hold. */
	struct gr_build_ids ids;
	/* pr_fname, "" without NT_PRPSINFO. */
	char fname[17];
	/* The executable's path as the process mapped it (NT_FILE), NULL
	 * without NT_FILE.  Owned; untrusted bytes. */
	char *exe_path;
	/* Size of the (decompressed) core. */
	uint64_t size;
};

/*
 * Open core @path (raw, gzip or zstd: @opts as for gr_input_open, may be
 * NULL), parse it and fill @ret.  Errors as gr_input_open and
 * gr_core_parse.  A core without a readable header page of the executable
 * succeeds with empty IDs.  Release with gr_coreid_deinit().
 */
GR_MUST_USE
struct gr_error *gr_coreid_read(const char *path,
				const struct gr_input_options *opts,
				struct gr_coreid *ret);
/* The same from a core already in memory (@name names it in errors). */
GR_MUST_USE
struct gr_error *gr_coreid_parse(const uint8_t *data, size_t size,
				 const char *name, struct gr_coreid *ret);
void gr_coreid_deinit(struct gr_coreid *id);


#endif /* GR_COREID_H */
