/* SPDX-License-Identifier: MIT */
/*
 * gr_session_go: the Go side of a session (internal to session.c).
 *
 * Recognises a Go executable and loads its metadata: build info (version),
 * pclntab, moduledata (read from the process image through gr_mem) and
 * DWARF.  Kept apart from session.c so that the ELF plumbing and the Go
 * metadata each stay small.
 */
#ifndef GR_SESSION_GO_H
#define GR_SESSION_GO_H

#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/pclntab.h"

struct gr_buildinfo;
struct gr_pcln;
struct gr_moduledata;
struct gr_dwarf;

struct gr_session_go {
	struct gr_buildinfo *buildinfo;
	struct gr_pcln *pcln;
	struct gr_moduledata *moduledata;
	struct gr_dwarf *dwarf;
	/* Points into buildinfo. */
	const char *version;
	/* Where the executable keeps its pclntab. */
	struct gr_pcln_location pcln_loc;
};

/* BAD_DATA "not a Go executable" unless @exe has Go's pclntab; records
 * where it is in @go. */
GR_MUST_USE
struct gr_error *gr_session_go_check_exe(struct gr_session_go *go,
					 struct gr_exe *exe);
/* Load everything; @bias is the PIE load bias. */
GR_MUST_USE
struct gr_error *gr_session_go_load(struct gr_session_go *go, struct gr_exe *exe,
				    struct gr_mem *mem, uint64_t bias);
void gr_session_go_deinit(struct gr_session_go *go);

#endif /* GR_SESSION_GO_H */
