/* SPDX-License-Identifier: MIT */
/*
 * gr_slim: a core cut down to what the analysis reads (`goretain slim`).
 *
 * The caller runs the whole analysis with the memory reader recording
 * (gr_mem_record_start()); gr_slim_write() then writes a valid ELF core
 * with the original ELF header fields, every PT_NOTE verbatim (prstatus,
 * auxv, NT_FILE, ...) and, for each original PT_LOAD, only the pages that
 * were touched and are not all zeros.  A dropped run of pages becomes zero
 * fill (p_filesz < p_memsz) of the PT_LOAD before it, or a PT_LOAD with
 * p_filesz 0, so every segment keeps its address, size and flags: the
 * reader sees the same mappings, and untouched pages read as zeros (or,
 * inside a file mapping, as "not dumped") which the analysis never asks
 * for.  Touched all-zero pages are dropped only outside file mappings
 * (where zero fill reads back as zeros).  The first page of each file
 * mapping is kept: `info` and build-ID matching read the executable's ELF
 * header there, outside the memory reader.
 *
 * Written atomically (gr_outfile); zstd-compressed when @path ends in
 * ".zst".  A truncated core is refused: its missing bytes cannot be said
 * in a well-formed file.
 */
#ifndef GR_SLIM_H
#define GR_SLIM_H

#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"

struct gr_slim_stats {
	uint64_t file_bytes;	/* the input core as given (compressed or not) */
	uint64_t nonzero_bytes; /* non-zero pages of the core's PT_LOAD data */
	uint64_t kept_bytes;	/* page bytes the slim core stores */
	uint64_t slim_bytes;	/* the file written */
	uint64_t loads_in, loads_out;
};

GR_MUST_USE
struct gr_error *gr_slim_write(struct gr_session *s, const char *path,
			       struct gr_slim_stats *stats);

#endif /* GR_SLIM_H */
