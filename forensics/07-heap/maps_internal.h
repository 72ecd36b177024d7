/* SPDX-License-Identifier: MIT */
/*
 * Internals of gr_maps shared by maps.c (layouts), maps_walk.c (storage
 * accounting, entries), maps_classic.c, maps_swiss.c and
 * maps_describe.c.
 */
#ifndef GR_MAPS_INTERNAL_H
#define GR_MAPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/u64map.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"
#include "forensics/07-heap/maps.h"

enum {
	MAP_SLOTS = GR_MAP_SLOTS, /* per bucket or group (maps.h) */
	/* Keys and elems above this size are stored as pointers
	 * (abi.OldMapMaxKeyBytes/MaxElemBytes, abi.MapMaxKeyBytes/...;
	 * runtime/map.go maxKeySize/maxElemSize before 1.22): 128 throughout. */
	MAP_MAX_INLINE = 128,
	/* Bounded buffer for one bucket or group header plus a key: a bucket
	 * is at most 8 + 8 x 128 x 2 + 8 bytes. */
	MAP_MAX_CONTAINER = 1 << 16,
	/* Bound on a map header or table struct read whole (48 and 32
	 * bytes in Go 1.19-1.27). */
	MAP_MAX_HEADER = 1024,
};

/* runtime/map.go (and map_noswiss.go, 1.24-1.25) hmap.flags bits; the
 * tophash rule is gr_maps_classic_full() (maps.h). */
enum {
	CLASSIC_FLAG_WRITING = 4,    /* hmap.flags hashWriting */
	CLASSIC_FLAG_SAME_SIZE = 8,  /* hmap.flags sameSizeGrow */
};

/* internal/runtime/maps/group.go: a control byte with the top bit clear
 * is a full slot (its value is h2); ctrlEmpty 0x80, ctrlDeleted 0xFE. */
enum { SWISS_CTRL_EMPTY_BIT = 0x80 };

/* A member of a header struct: offset and byte size (1, 2, 4, 8). */
struct map_member {
	uint64_t off;
	uint8_t size;
};

/* Everything about one Go map type that a walk needs, from DWARF. */
struct map_shape {
	uint32_t map_type;    /* go_kind MAP typedef, or GR_DWARF_NO_TYPE */
	uint32_t header_type; /* hash<K,V> / map<K,V> */
	uint32_t key_type, elem_type; /* K and V themselves */
	/* bucket<K,V> or the compiler's group struct; GR_DWARF_NO_TYPE when
	 * the layout was computed from K and V. */
	uint32_t container_type;
	bool swiss;
	bool indirect_key, indirect_elem;
	uint64_t header_size;
	uint64_t container_size;
	/* Slot i of a bucket/group at c: key at c + key_off + i *
	 * key_stride, elem at c + elem_off + i * elem_stride.  Covers the
	 * classic bucket (keys then elems), the interleaved Swiss group
	 * (slots of {key, elem}) and the 1.27 mapsplitgroup experiment. */
	uint64_t key_off, key_stride, key_slot_size;
	uint64_t elem_off, elem_stride, elem_slot_size;

	/* classic: hmap members, bucket overflow offset, mapextra */
	struct map_member count, flags, b, buckets, oldbuckets, extra;
	uint64_t overflow_off;
	uint32_t extra_type;		   /* runtime.mapextra */
	uint64_t extra_overflow, extra_oldoverflow; /* offsets in mapextra */
	uint32_t extra_slice_type;	   /* []*runtime.bmap */

	/* swiss: Map members, table<K,V> members */
	struct map_member used, dir_ptr, dir_len, global_depth, writing;
	uint32_t table_type, table_ptr_type;
	uint64_t table_size;
	struct map_member t_used, t_capacity, t_local_depth, t_groups_data,
		t_groups_mask;
};

struct gr_maps {
	struct gr_session *s;
	struct gr_heap *heap;
	const struct gr_dwarf *dwarf;
	struct gr_mem *mem;
	/* type id -> 1 + index into shapes; 0 = not resolved yet. */
	uint32_t *shape_of;
	size_t ntypes;
	struct map_shape *shapes;
	size_t nshapes, shapes_cap;
	/* (header struct, map type) pairs sorted by header, to find K and V
	 * when a walk is given the header struct. */
	struct { uint32_t header, map; } *by_header;
	size_t nby_header;
};

/* What a walk visits: each bucket or group (with its 8 tophash / control
 * bytes already read).  Return false to stop the walk. */
struct map_walk;
typedef bool map_container_fn(struct map_walk *w, uint64_t addr,
			      const uint8_t ctrl[MAP_SLOTS]);

struct map_walk {
	struct gr_maps *m;
	const struct map_shape *sh;
	uint64_t header;
	uint8_t hdr[MAP_MAX_HEADER]; /* the header's bytes */
	gr_maps_part_fn *fn;
	void *arg;
	struct gr_map_info *info;
	struct gr_u64set seen; /* heap object ids, bounded by the heap */
	uint64_t header_bytes, storage_bytes;
	uint64_t found; /* full slots seen */
	bool writing;	/* the map was being written at dump time */
	/* Optional visitor (entries, describe_slot); NULL: count only. */
	map_container_fn *visit;
	void *visit_arg;
	bool stopped;
};

/* Where a storage pointer landed. */
struct maps_storage {
	uint32_t id;	/* heap object, or GR_HEAP_NO_OBJECT (goroutine stack) */
	uint64_t end;	/* end of the object's slot (or of the stack span) */
	bool fresh;	/* first time this walk saw the object */
};

/* maps.c */
GR_MUST_USE
struct gr_error *maps_shape_get(struct gr_maps *m, uint32_t type,
			       const struct map_shape **ret);

/* maps_walk.c */
GR_MUST_USE
struct gr_error *maps_bad(const struct map_walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
GR_MUST_USE
struct gr_error *maps_storage(struct map_walk *w, uint64_t addr, uint64_t need,
			     uint32_t dwarf_type, uint64_t count,
			     enum gr_map_part part, const char *what,
			     struct maps_storage *ret);
GR_MUST_USE
struct gr_error *maps_read(struct map_walk *w, uint64_t addr, void *buf,
			  size_t len);
uint64_t maps_member_value(const uint8_t *buf, const struct map_member *mm);
/* The header's sh->header_size bytes into @buf (MAP_MAX_HEADER bytes). */
GR_MUST_USE
struct gr_error *maps_header_read(struct gr_maps *m, const struct map_shape *sh,
				 uint64_t header, uint8_t *buf);
/* Visit one bucket/group: count its full slots, call w->visit. */
bool maps_container(struct map_walk *w, uint64_t addr,
		   const uint8_t ctrl[MAP_SLOTS]);
bool maps_slot_full(const struct map_shape *sh, uint8_t ctrl);
GR_MUST_USE
struct gr_error *maps_walk_run(struct gr_maps *m, uint64_t header,
			      uint32_t map_type, gr_maps_part_fn *fn, void *arg,
			      map_container_fn *visit, void *visit_arg,
			      struct gr_map_info *info);

/* maps_classic.c, maps_swiss.c */
GR_MUST_USE
struct gr_error *maps_walk_classic(struct map_walk *w);
GR_MUST_USE
struct gr_error *maps_walk_swiss(struct map_walk *w);

#endif /* GR_MAPS_INTERNAL_H */
