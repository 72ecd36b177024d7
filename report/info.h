/* SPDX-License-Identifier: MIT */
/*
 * gr_info: what a core and its executable are (`goretain info`).
 *
 * Gathers the facts once into struct gr_info, then writes them as text or
 * JSON.  Both writers carry the same facts; the JSON fields are listed in
 * docs/info-schema.md.
 */
#ifndef GR_INFO_H
#define GR_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "report/json.h"

struct gr_info_mappings {
	uint64_t segments;	 /* segments of the address space */
	uint64_t file_backed;	 /* NT_FILE entries */
	uint64_t bytes_core;	 /* bytes read from the core */
	uint64_t bytes_zero;	 /* bytes that read as zero (never touched) */
	uint64_t bytes_exe;	 /* bytes read from the executable */
	uint64_t bytes_missing;	 /* mapped but unavailable */
};

struct gr_info {
	const struct gr_session *session;
	struct gr_info_mappings map;
	uint64_t threads;
	uint64_t dwarf_types, dwarf_globals, dwarf_functions, dwarf_constants;
	unsigned dwarf_version;
	bool dwarf_present; /* the executable's own DWARF */
	/* Stripped: the Go version of the layout pack that stands in for its
	 * DWARF (NULL if none), and the pack's globals its code did not place. */
	const char *layout_pack;
	uint64_t pack_unlocated;
	uint64_t pcln_functions, pcln_files;
	uint64_t elf_symbols;
};

void gr_info_collect(const struct gr_session *s, struct gr_info *ret);
/* The fields of the JSON document, into an object @j has open. */
void gr_info_json_fields(struct gr_json *j, const struct gr_info *info);
/* Write @info as one JSON document to @out; @path names @out in errors. */
GR_MUST_USE
struct gr_error *gr_info_write_json(const struct gr_info *info, FILE *out,
				    const char *path);
GR_MUST_USE
struct gr_error *gr_info_write_text(const struct gr_info *info, FILE *out,
				    const char *path);

#endif /* GR_INFO_H */
