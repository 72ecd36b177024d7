/* SPDX-License-Identifier: MIT */
/*
 * gr_session: one analysis of one core with its executable.
 *
 * Everything an analysis needs hangs off the session, passed first to every
 * later stage: the input bytes, the parsed core, the executable, the memory
 * reader over the dead address space, and the Go binary's metadata (build
 * info, pclntab, moduledata, DWARF).  No globals: batch mode and fuzzing run
 * independent sessions side by side.
 *
 * Opening does, in order: open (and decompress) the core; parse it; open the
 * executable; refuse a non-Go executable; find the PIE load bias; build the
 * memory reader (core bytes, zero fill, executable pages the kernel did not
 * dump); compare build IDs (MISMATCH unless forced); load the Go metadata.
 */
#ifndef GR_SESSION_H
#define GR_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/core.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/input.h"
#include "forensics/02-input/mem.h"

struct gr_buildinfo;
struct gr_pcln;
struct gr_moduledata;
struct gr_dwarf;

struct gr_session_options {
	const char *core_path;
	const char *exe_path;
	/* Analyse even if the build IDs say the executable is not the one the
	 * core was taken from. */
	bool force;
	/* Record the core pages every read touches from the first read of
	 * Go state on (gr_mem_record_start(); `goretain slim`). */
	bool record_access;
	/* Threads the analysis may use (gr_graph_build); 0: one per online
	 * CPU, at most 8.  Results do not depend on it. */
	unsigned threads;
	/* Passed to gr_input_open(). */
	struct gr_input_options input;
};

enum gr_build_match {
	/* The IDs the core holds equal the executable's. */
	GR_BUILD_MATCH,
	/* They differ and --force was given. */
	GR_BUILD_MISMATCH_FORCED,
	/* The core holds no build ID to compare (header page not dumped). */
	GR_BUILD_UNVERIFIED,
};

struct gr_session;

GR_MUST_USE
struct gr_error *gr_session_open(const struct gr_session_options *opts,
				 struct gr_session **ret);
void gr_session_destroy(struct gr_session *s);

struct gr_input *gr_session_input(const struct gr_session *s);
struct gr_core *gr_session_core(const struct gr_session *s);
struct gr_exe *gr_session_exe(const struct gr_session *s);
struct gr_mem *gr_session_mem(const struct gr_session *s);
/* gr_session_options.threads, resolved: at least 1. */
unsigned gr_session_threads(const struct gr_session *s);
struct gr_buildinfo *gr_session_buildinfo(const struct gr_session *s);
struct gr_pcln *gr_session_pcln(const struct gr_session *s);
struct gr_moduledata *gr_session_moduledata(const struct gr_session *s);
/* Never NULL; gr_dwarf_present() says whether the binary had DWARF. */
struct gr_dwarf *gr_session_dwarf(const struct gr_session *s);
/*
 * What the code stores into and reads from globals (codetypes.h), for a
 * binary analysed through a layout pack (no DWARF); *ret NULL otherwise,
 * or when its code is not Go code that scan knows.  Built on the first
 * call and kept: not thread-safe, so the roots ask first, before the
 * analysis starts threads.  NOMEM.
 */
struct gr_codetypes;
GR_MUST_USE
struct gr_error *gr_session_codetypes(struct gr_session *s,
				      const struct gr_codetypes **ret);

/* Run-time address minus link-time address of the executable (0 unless PIE). */
uint64_t gr_session_load_bias(const struct gr_session *s);
/* Where the executable's ELF header was mapped in the process. */
uint64_t gr_session_image_base(const struct gr_session *s);
enum gr_build_match gr_session_build_match(const struct gr_session *s);
const char *gr_build_match_name(enum gr_build_match m);
/* The build IDs found in the core's copy of the executable's first page. */
const struct gr_build_ids *gr_session_core_build_ids(const struct gr_session *s);
/* The Go version the binary was built with ("go1.22.12"). */
const char *gr_session_go_version(const struct gr_session *s);

#endif /* GR_SESSION_H */
