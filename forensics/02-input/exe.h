/* SPDX-License-Identifier: MIT */
/*
 * gr_exe: the Go executable on disk, read through libelf.
 *
 * The file is mmapped read-only, never copied.  Gives sections by name
 * (decompressed on demand when SHF_COMPRESSED, cached for the exe's life),
 * program headers, ELF symbols, the GNU and Go build IDs, and reads of
 * link-time virtual addresses (which the session shifts by the PIE bias).
 */
#ifndef GR_EXE_H
#define GR_EXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/arch.h"

struct gr_exe_section {
	const char *name;
	uint64_t addr;	 /* link-time virtual address (sh_addr) */
	uint64_t size;	 /* size in memory (decompressed size if compressed) */
	uint64_t offset; /* file offset of the raw bytes */
	uint32_t type;	 /* SHT_* */
	uint64_t flags;	 /* SHF_* */
};

struct gr_exe_segment {
	uint64_t vaddr, memsz, offset, filesz;
	unsigned prot; /* enum gr_mem_prot bits */
};

/*
 * Build IDs: hex strings ("" when absent).  The Go build ID is the
 * "actionID/contentID" text of the .note.go.buildid note.
 */
struct gr_build_ids {
	char gnu[2 * 64 + 1];
	char go[256];
};

struct gr_exe;

/* Open and validate @path: an x86-64 ELF64 executable (ET_EXEC or ET_DYN). */
GR_MUST_USE
struct gr_error *gr_exe_open(const char *path, struct gr_exe **ret);
void gr_exe_destroy(struct gr_exe *exe);

const char *gr_exe_path(const struct gr_exe *exe);
/* The raw file bytes. */
const uint8_t *gr_exe_file_data(const struct gr_exe *exe, size_t *size_ret);
/* ET_DYN, i.e. position-independent. */
/* The executable's architecture (its e_machine). */
enum gr_arch gr_exe_arch(const struct gr_exe *exe);
bool gr_exe_is_pie(const struct gr_exe *exe);
uint64_t gr_exe_entry(const struct gr_exe *exe);
/* True if the file has a .interp / PT_INTERP (dynamically linked, cgo). */
bool gr_exe_is_dynamic(const struct gr_exe *exe);
const struct gr_build_ids *gr_exe_build_ids(const struct gr_exe *exe);

size_t gr_exe_section_count(const struct gr_exe *exe);
const struct gr_exe_section *gr_exe_section_at(const struct gr_exe *exe,
					       size_t i);
/* The section named @name, or NULL. */
const struct gr_exe_section *gr_exe_section(const struct gr_exe *exe,
					    const char *name);
/*
 * The bytes of section @name, decompressed if needed; NOT_FOUND if there is
 * no such section, BAD_DATA if it lies outside the file.  SHT_NOBITS gives
 * NOT_FOUND (the bytes only exist in memory).  Owned by @exe.
 */
GR_MUST_USE
struct gr_error *gr_exe_section_bytes(struct gr_exe *exe, const char *name,
				      const uint8_t **data_ret,
				      size_t *size_ret);

size_t gr_exe_segment_count(const struct gr_exe *exe);
const struct gr_exe_segment *gr_exe_segment_at(const struct gr_exe *exe,
					       size_t i);

/* Address and size of ELF symbol @name (from .symtab); false if absent. */
bool gr_exe_symbol(const struct gr_exe *exe, const char *name,
		   uint64_t *addr_ret, uint64_t *size_ret);
/* Number of symbols in .symtab (0 when stripped). */
size_t gr_exe_symbol_count(const struct gr_exe *exe);

/*
 * Point *ret at @len file bytes backing link-time address @vaddr (within a
 * PT_LOAD's file part); FAULT if not file-backed.
 */
GR_MUST_USE
struct gr_error *gr_exe_read_vaddr(const struct gr_exe *exe, uint64_t vaddr,
				   size_t len, const uint8_t **ret);

/*
 * Extract build IDs from the ELF image in @buf (an ELF header followed by
 * program headers and PT_NOTE contents, as the first page of a mapped
 * executable holds them).  Notes lying past @size are ignored.  Used both on
 * the file and on the copy the kernel dumped into the core.  Malformed
 * notes leave the IDs empty (or those read before them); NOMEM only.
 */
GR_MUST_USE
struct gr_error *gr_build_ids_from_image(const uint8_t *buf, size_t size,
					 struct gr_build_ids *ids);

#endif /* GR_EXE_H */
