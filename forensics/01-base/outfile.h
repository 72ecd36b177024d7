/* SPDX-License-Identifier: MIT */
/*
 * gr_outfile: output files written atomically.  The bytes go to a new
 * file beside the target (same directory, so rename() is atomic), which is
 * synced and renamed over the target only when everything was written: a
 * reader, or a batch run resuming after a crash, never sees half a report.
 * The path "-" means standard output, written directly; so is a target
 * that exists and is not a regular file (/dev/null, a FIFO, a terminal),
 * which a rename would replace with a regular file.
 */
#ifndef GR_OUTFILE_H
#define GR_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "forensics/01-base/error.h"

struct gr_outfile {
	FILE *f;	  /* write here */
	const char *path; /* the target ("-": stdout) */
	char *tmp;	  /* the temporary file, NULL for stdout */
	/* The target is not a regular file (/dev/null, a FIFO, a terminal):
	 * written in place, never replaced. */
	bool direct;
};

GR_MUST_USE
struct gr_error *gr_outfile_open(const char *path, struct gr_outfile *o);
/* Flush, sync, close and rename into place; on error the target is left
 * as it was and the temporary removed. */
GR_MUST_USE
struct gr_error *gr_outfile_commit(struct gr_outfile *o);
/* Give up: close and remove the temporary.  Safe after commit. */
void gr_outfile_abort(struct gr_outfile *o);

#endif /* GR_OUTFILE_H */
