/* SPDX-License-Identifier: MIT */
/*
 * gr_globals: the data and bss roots.
 *
 * The runtime scans .data and .bss with the pointer masks modulesinit()
 * built from the linker's GC programs (moduledata.gcdatamask/gcbssmask;
 * runtime/mgcmark.go markroot -> markrootBlock, every version 1.19-1.27);
 * .noptrdata and .noptrbss are never scanned.  Every word flagged in a mask
 * is a root slot (its address, its value), nil or not.
 *
 * Slots are grouped into one root per DWARF global covering them
 * (gr_dwarf_global_at): kind DATA or BSS, named "main.sessions", with the
 * global's address, size and DWARF type.  Masked words no global covers
 * (runtime-internal symbols without DWARF, a binary built with -w) are
 * grouped per run of consecutive masked words into roots named
 * "data+0x1a8" / "bss+0x40" (offset from the section start), type
 * GR_ROOT_NO_TYPE.
 *
 * Only the first module (runtime.firstmoduledata) is scanned: a Go binary
 * without plugins or -linkshared has no other; a non-nil md->next is
 * recorded as damage.
 *
 * A mask or word that cannot be read is damage, not failure: it is
 * recorded (gr_globals_damage) and the rest is scanned.  Only NOMEM (and
 * errors from gr_roots) fail the call.
 */
#ifndef GR_GLOBALS_H
#define GR_GLOBALS_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/09-roots/roots.h"

/* Index of the per-section counters below. */
enum gr_globals_section {
	GR_GLOBALS_DATA = 0,
	GR_GLOBALS_BSS = 1,
	GR_GLOBALS_NSECTIONS
};

struct gr_globals_stats {
	/* Set bits of gcdatamask / gcbssmask (0 if the mask was unreadable). */
	uint64_t mask_bits[GR_GLOBALS_NSECTIONS];
	/* Slots emitted: mask_bits minus the words that could not be read. */
	uint64_t slots[GR_GLOBALS_NSECTIONS];
	/* ... of which non-nil. */
	uint64_t nonnil_slots[GR_GLOBALS_NSECTIONS];
	/* Roots emitted, named after a DWARF global or "data+0x..". */
	uint64_t named_roots[GR_GLOBALS_NSECTIONS];
	uint64_t unnamed_roots[GR_GLOBALS_NSECTIONS];
};

struct gr_globals;

/*
 * Append the data and bss roots of @s to @roots.  *ret (the caller's, freed
 * with gr_globals_destroy()) holds the counters and the damage.
 */
GR_MUST_USE
struct gr_error *gr_globals_add_roots(struct gr_session *s,
				      struct gr_roots *roots,
				      struct gr_globals **ret);
void gr_globals_destroy(struct gr_globals *g);

const struct gr_globals_stats *gr_globals_stats(const struct gr_globals *g);
size_t gr_globals_damage_count(const struct gr_globals *g);
/* Record @i (NULL past the end), owned by @g: addr is the first address
 * concerned, bytes how many were not scanned (0 if unknown). */
const struct gr_damage *gr_globals_damage(const struct gr_globals *g, size_t i);
const struct gr_damage_list *gr_globals_damage_list(const struct gr_globals *g);

#endif /* GR_GLOBALS_H */
