/* SPDX-License-Identifier: MIT */
/*
 * gr_names: how the report writers name things the analysis found:
 * objects by type ("main.Session", "[128]uint8", "unknown (48 B)"), roots
 * by declared type, and the steps of a reference path (".Payload",
 * "[key \"u42\"]").  One place, so text, JSON and HTML say the same.
 * Names may quote bytes from the core: writers escape them.
 */
#ifndef GR_NAMES_H
#define GR_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/12-query/analysis.h"

/* The DWARF name of a root's declared type, "" if none. */
const char *gr_name_root_type(const struct gr_analysis *a, uint32_t root);
/* The type of object @id as people read it. */
void gr_name_object(const struct gr_analysis *a, uint32_t id, char *buf,
		    size_t len);
/* The step into an object through the word at address @slot of root
 * @root (from_object = GR_HEAP_NO_OBJECT) or of object @from_object: a
 * field or element path, "" when the slot is the holder itself (a
 * pointer variable), "+0x18" when nothing is known. */
void gr_name_step(const struct gr_analysis *a, uint32_t root,
		  uint32_t from_object, uint64_t slot, char *buf, size_t len);

#endif /* GR_NAMES_H */
