/* SPDX-License-Identifier: MIT */
/*
 * gr_locate: runtime globals of a binary without symbols, found through the
 * machine code that uses them.
 *
 * A stripped Go binary still has its pclntab (function names and extents:
 * the runtime needs them to unwind), but nothing says where runtime.mheap_
 * or runtime.allgs live.  The code that uses them does: on amd64 every
 * access to a package-level variable is a RIP-relative operand.  The layout
 * pack of the binary's release names, for each global it needs, a runtime
 * function and which of that function's data references is the global
 * (struct gr_dwarf_locator: the ordinal counts the references that have
 * the locator's code fingerprint); this module reads the function's
 * instructions with gr_x86 and answers with the address.  Only references that land in
 * the module's data and bss (moduledata noptrdata..enoptrbss) count, so
 * loads of type descriptors, strings and code do not shift the numbering.
 *
 * The same function also serves tests/tools/mkpack.c, which chooses
 * locators from binaries that do have DWARF.
 */
#ifndef GR_LOCATE_H
#define GR_LOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"

struct gr_locate;

/* @mem, @pcln and @md must outlive the result; @bias is the PIE load bias. */
GR_MUST_USE
struct gr_error *gr_locate_create(struct gr_mem *mem, const struct gr_pcln *pcln,
				  const struct gr_moduledata *md, uint64_t bias,
				  struct gr_locate **ret);
void gr_locate_destroy(struct gr_locate *l);

/*
 * A data reference: the link-time address, and a fingerprint of the code
 * around it (opcode, ModRM and length of the referring instruction and of
 * the one before it; never the displacement, which differs per binary).
 * A locator counts only references with its fingerprint, so that code that
 * differs from the release's (another build mode, a patch release) finds
 * nothing rather than something else.
 */
struct gr_locate_ref {
	uint64_t addr;
	uint32_t fp;
};

/*
 * The references inside data and bss of function @i of the pclntab, in
 * instruction order (*refs valid until the next call).  A function whose
 * code cannot be read or decoded to its end gives the references before
 * the first undecodable byte.  NOMEM only.
 */
GR_MUST_USE
struct gr_error *gr_locate_refs(struct gr_locate *l, uint32_t i,
				const struct gr_locate_ref **refs, size_t *n);
/* Index of the function called @name, or UINT32_MAX; of several (a
 * function and its ABI wrapper), the biggest. */
uint32_t gr_locate_func(const struct gr_locate *l, const char *name);

/* gr_dwarf_locate_fn over @arg, a struct gr_locate. */
bool gr_locate_resolve(void *arg, const struct gr_dwarf_locator *loc,
		       uint64_t *addr);

#endif /* GR_LOCATE_H */
