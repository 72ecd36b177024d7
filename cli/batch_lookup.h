/* SPDX-License-Identifier: MIT */
/*
 * gr_batch_lookup: finding the executable of a core without being told,
 * for `goretain batch` (docs/BATCH.md).  Never a guess: a candidate is
 * taken only when every build ID the core holds equals the candidate's
 * and the candidate is a whole Go executable (a pclntab with bytes, so a
 * debuginfo-only .debug file falls through to the next candidate).
 *
 * Candidates, in order, for the core's GNU build ID H = xxrest:
 *   for each directory D given:  D/H, D/xx/rest, D/xx/rest.debug (the
 *     .build-id layout of /usr/lib/debug and debuginfod), D/H/executable
 *     (the debuginfod client cache);
 *   then beside the core: the file named by NT_PRPSINFO's pr_fname, then
 *   the basename of the executable's NT_FILE path (these two also work for
 *   Go before 1.24, whose binaries carry only a Go build ID).
 */
#ifndef GR_BATCH_LOOKUP_H
#define GR_BATCH_LOOKUP_H

#include <stddef.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/coreid.h"
#include "forensics/02-input/exe.h"

/*
 * NULL if the file at @path is a Go executable whose build IDs equal
 * every ID @want holds (@want must hold one).  Otherwise NOT_FOUND (no
 * such file), MISMATCH (other build IDs), BAD_DATA (not a whole Go
 * executable), naming @path.
 */
GR_MUST_USE
struct gr_error *gr_batch_exe_check(const char *path,
				    const struct gr_build_ids *want);

/*
 * The executable for the core at @core_path described by @id, searched
 * as above in @dirs[0..@ndirs).  On success *@path_ret is a malloc'd
 * path.  NOT_FOUND (naming the build ID and where it looked) when no
 * candidate matched, MISMATCH when the only candidates found beside the
 * core had other build IDs, BAD_DATA when the core holds no build ID.
 */
GR_MUST_USE
struct gr_error *gr_batch_lookup_exe(const struct gr_coreid *id,
				     const char *core_path,
				     const char *const *dirs, size_t ndirs,
				     char **path_ret);

#endif /* GR_BATCH_LOOKUP_H */
