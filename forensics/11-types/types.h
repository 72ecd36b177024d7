/* SPDX-License-Identifier: MIT */
/*
 * gr_types: what every live object is, named the way a person reads Go.
 *
 * Sources, strongest first (an object keeps the first that types it):
 *   1. the allocator's record: the malloc header or mspan.largeType (Go
 *      1.22+), read through gr_heap_object_rtype(); names come from the
 *      binary's type data (gr_rtype_name), so they survive without DWARF;
 *   2. the declared DWARF type of whatever points at the object,
 *      propagated from the roots (globals, stack variables) through
 *      fields, pointers, slices, strings, arrays, maps and channels, as a
 *      worklist (no recursion over the graph);
 *   3. interface words: the itab's or eface's type word gives the
 *      dynamic type of the data word's target (DW_AT_go_runtime_type maps
 *      it to a DWARF type so propagation goes on);
 *   4. closures: a funcval whose first word is a func literal's PC is
 *      "func literal in pkg.F" (from pclntab), method values likewise;
 *      the captured variables are typed from the closure function's
 *      DW_AT_go_closure_offset (Go 1.23+; before that the binary does
 *      not say where they are), a method value's receiver from the
 *      method's name, a cleanup's argument from the cleanup function's
 *      parameter.
 *   5. inference, for a stripped binary only and after all the above:
 *      what the code stores into globals (gr_codetypes, codetypes.h)
 *      types the objects those globals point to, and propagation goes on
 *      from them; every object so typed gets the type's inferred twin,
 *      "T (inferred)", so no output presents it as exact
 *      (types_infer.c).
 * Maps are typed through gr_maps (maps.h): the buckets, overflow
 * buckets, directory, tables and groups each get their map's types, and
 * every map header's gr_map_info is kept for the report.
 *
 * An object is typed as one value of a type or as an array of count
 * values of it (slice backing arrays, channel buffers, bucket arrays).
 * Objects nothing types are "unknown"; their bytes are counted so the
 * unknown share can be reported and only shrink.
 *
 * The type table is deduplicated by display name; indices are dense and
 * stable for one build.  Everything is owned by the gr_types.
 */
#ifndef GR_TYPES_H
#define GR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/07-heap/maps.h"
#include "forensics/09-roots/roots.h"
#include "forensics/10-graph/graph.h"
#include "forensics/10-graph/mark.h"

enum { GR_TYPE_UNKNOWN = UINT32_MAX };

/* How an object got its type (for statistics and tests). */
#define GR_TYPE_SOURCES(X)                                                     \
	X(NONE, "none")                                                       \
	X(HEADER, "header")           /* malloc header / largeType */          \
	X(DWARF, "dwarf")             /* propagated from a declared type */    \
	X(INTERFACE, "interface")     /* dynamic type of an interface */       \
	X(MAP, "map")                 /* map storage through gr_maps */        \
	X(CLOSURE, "closure")         /* funcval of a func literal */          \
	X(OTHER, "other")                                                     \
	X(CODE, "code")               /* a global the code stores into */

enum gr_type_source {
#define GR_X(e, s) GR_TYPE_SOURCE_##e,
	GR_TYPE_SOURCES(GR_X)
#undef GR_X
	GR_TYPE_SOURCE_COUNT
};
const char *gr_type_source_name(enum gr_type_source s);

struct gr_type_info {
	/* "main.Session", "map[string]*main.Session", "[]uint8",
	 * "func literal in main.worker", "map.bucket[string]*main.Session".
	 * For an object typed as an array of this type, the object's own
	 * display name is "[count]name" (gr_types_object_name). */
	const char *name;
	/* Package the type belongs to, for --by package: "main",
	 * "net/http", "runtime"; "" for unnamed basic types (string, []uint8). */
	const char *package;
	uint64_t size; /* size of one value */
	/* DWARF type id, or UINT32_MAX if the type has none (no DWARF,
	 * runtime-only types). */
	uint32_t dwarf_type;
	/* Runtime type descriptor address (load address), 0 if unknown. */
	uint64_t rtype;
	/* The inferred twin of a type: its name ends in " (inferred)" and
	 * only objects the inference pass typed have it (types_infer.c). */
	bool inferred;
};

struct gr_type_object {
	uint32_t type;	 /* index into the table, or GR_TYPE_UNKNOWN */
	uint8_t source;	 /* enum gr_type_source */
	/* 0: one value; n: an array of n values (slice backing array,
	 * channel buffer, bucket array). */
	uint64_t count;
};

struct gr_types_stats {
	uint64_t typed_objects, typed_bytes;	 /* live objects */
	uint64_t unknown_objects, unknown_bytes; /* live objects */
	uint64_t source_objects[GR_TYPE_SOURCE_COUNT];
	uint64_t source_bytes[GR_TYPE_SOURCE_COUNT];
	/* Of the typed ones, those typed by inference (twin types). */
	uint64_t inferred_objects, inferred_bytes;
	/* Whether the inference pass ran (a stripped binary). */
	bool inference;
	uint64_t maps; /* map headers found */
};

struct gr_types;

/*
 * Type every live object (@mark) of @heap.  Works without DWARF (only
 * header types then).  Problems with single objects are counted, not
 * fatal; NOMEM.  The result borrows @s, @heap, @graph, @roots (which must
 * outlive it).
 */
GR_MUST_USE
struct gr_error *gr_types_build(struct gr_session *s, struct gr_heap *heap,
				const struct gr_graph *graph,
				const struct gr_roots *roots,
				const struct gr_mark *mark,
				struct gr_types **ret);
void gr_types_destroy(struct gr_types *t);
/* What could not be read while typing; see damage.h. */
const struct gr_damage_list *gr_types_damage_list(const struct gr_types *t);

uint32_t gr_types_count(const struct gr_types *t);
const struct gr_type_info *gr_types_info(const struct gr_types *t,
					 uint32_t type);
/* The type of object @id ({GR_TYPE_UNKNOWN, NONE, 0} if untyped). */
struct gr_type_object gr_types_object(const struct gr_types *t, uint32_t id);
/* "main.Session", "[128]uint8", "unknown (48 B)" into @buf (always
 * NUL-terminated, truncated to @len). */
void gr_types_object_name(const struct gr_types *t, uint32_t id, char *buf,
			  size_t len);

/*
 * What the pointer word at byte offset @off of object @id is, as a path
 * step: ".Payload", "[3]", "[3].ID", "[key \"session-1\"]", "[value of
 * key 17]", "<data>" for the data word of an interface.  Falls back to
 * "+0x18" when the object's type says nothing about the offset.
 */
void gr_types_describe_offset(const struct gr_types *t, uint32_t id,
			      uint64_t off, char *buf, size_t len);
/* The same for a root slot at byte offset @off from the root's address
 * (fields of a global's declared type). */
void gr_types_describe_root_offset(const struct gr_types *t, uint32_t root,
				   uint64_t off, char *buf, size_t len);

/* Maps found while typing (headers of live maps), in address order. */
size_t gr_types_map_count(const struct gr_types *t);
const struct gr_map_info *gr_types_map(const struct gr_types *t, size_t i);

const struct gr_types_stats *gr_types_stats(const struct gr_types *t);

#endif /* GR_TYPES_H */
