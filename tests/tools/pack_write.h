/* SPDX-License-Identifier: MIT */
/*
 * The layout pack writer of gr-mkpack (scripts/make-packs.sh): goretain
 * only reads packs (forensics/03-dwarf/dwarf_pack.c, whose header comment
 * describes the format), so the writer lives with the tool.
 */
#ifndef GR_TESTS_PACK_WRITE_H
#define GR_TESTS_PACK_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "forensics/03-dwarf/dwarf.h"

/*
 * Write the pack of @d to @f: header for @go_version, the types in
 * @want (one byte per type id of @d, nonzero = keep; the caller closes it
 * under what it needs), then every constant and global marked in
 * @want_constants / @want_globals, each global with the locators
 * @locators[i] (unused ones with a NULL func; none: not written).  Type
 * references to types not kept are written as none.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_pack_write(const struct gr_dwarf *d,
				     const char *go_version,
				     const uint8_t *want,
				     const uint8_t *want_constants,
				     const uint8_t *want_globals,
				     const struct gr_dwarf_locator (*locators)
					     [GR_DWARF_MAX_LOCATORS],
				     FILE *f);

#endif
