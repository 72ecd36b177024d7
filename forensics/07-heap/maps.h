/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: Go maps read from a core, as a person thinks of them: entries,
 * capacity, bytes and the bytes wasted on empty slots.
 *
 * Two implementations, chosen by what the binary's DWARF describes:
 *   - classic (runtime.hmap, Go <= 1.23, and 1.24-1.25 built with
 *     GOEXPERIMENT=noswissmap): 2^B bucket array, overflow buckets chained
 *     through each bucket's last word, the old bucket array during growth
 *     (runtime/map.go);
 *   - Swiss tables (internal/runtime/maps, Go 1.24+): a Map header whose
 *     dirPtr is one group (small map, dirLen 0) or a directory of *table,
 *     each table holding a power-of-two array of groups of 8 slots with a
 *     control word (internal/runtime/maps/map.go, table.go, group.go).
 * Layouts come from DWARF (fail closed: UNSUPPORTED naming the member);
 * the key and element types of one map come from its DWARF map type (the
 * linker synthesizes bucket/group types per map type: cmd/link
 * internal/ld/dwarf.go) or, failing that, from its map type descriptor.
 *
 * Every read goes through the session's gr_mem; a map whose structure
 * does not hold together (counts past capacity, cycles in overflow
 * chains, storage outside the heap) is BAD_DATA, never a crash.
 */
#ifndef GR_MAPS_H
#define GR_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/mem.h"
#include "forensics/05-session/session.h"
#include "forensics/07-heap/heap.h"

/* Slots per classic bucket or Swiss group: abi.OldMapBucketCount
 * (runtime/map.go bucketCnt up to 1.21) and abi.MapGroupSlots. */
enum { GR_MAP_SLOTS = 8 };

/* runtime/map.go minTopHash: a classic bucket's cell holds an entry when
 * its tophash is at least 5; below are empty and evacuated cells. */
static inline bool gr_maps_classic_full(uint8_t tophash)
{
	return tophash >= 5;
}

/*
 * One classic bucket chain (runtime/map.go bmap: tophash, keys, elems,
 * then the overflow pointer), read through @mem alone: for a reader that
 * has no heap, or bounds the chain its own way.  Set the offsets and the
 * first bucket in @next.
 */
struct gr_maps_chain {
	struct gr_mem *mem;
	uint64_t tophash_off, overflow_off; /* in a bucket */
	uint64_t next;			    /* bucket to read; 0: chain ended */
};

/*
 * The bucket at c->next (into *bucket_ret) and its tophash bytes; c->next
 * moves to the bucket's overflow pointer.  The chain is not checked for
 * cycles: the caller bounds it.  FAULT as gr_mem_read() gives it (nothing
 * written, c->next unchanged).
 */
GR_MUST_USE
struct gr_error *gr_maps_chain_next(struct gr_maps_chain *c,
				    uint64_t *bucket_ret,
				    uint8_t tophash[GR_MAP_SLOTS]);

struct gr_map_info {
	uint64_t header;   /* hmap / maps.Map address */
	uint32_t dwarf_type; /* the Go map type (go_kind MAP), or UINT32_MAX */
	bool swiss;
	uint64_t entries;  /* hmap.count / Map.used */
	/* Slots allocated for entries: 8 per bucket (overflow and old
	 * buckets included) or per group. */
	uint64_t capacity;
	/* Heap bytes of the map: its header and every storage object, in
	 * whole slots as the allocator sized them. */
	uint64_t bytes;
	/* Storage bytes holding no entry: storage bytes x (1 - entries /
	 * capacity), rounded down; a map grown to a million entries and
	 * emptied wastes all but its header. */
	uint64_t wasted_bytes;
	uint32_t storage_objects; /* heap objects besides the header */
};

/* A storage object of a map. */
enum gr_map_part {
	GR_MAP_PART_BUCKETS,	 /* classic bucket array */
	GR_MAP_PART_OLDBUCKETS,	 /* classic array being evacuated */
	GR_MAP_PART_OVERFLOW,	 /* classic overflow bucket */
	GR_MAP_PART_EXTRA,	 /* classic hmap.extra and its overflow slices */
	GR_MAP_PART_DIRECTORY,	 /* Swiss directory ([]*table) */
	GR_MAP_PART_TABLE,	 /* Swiss table */
	GR_MAP_PART_GROUPS,	 /* Swiss group array (or the small map's group) */
};

/*
 * Called once per storage object: its address (the heap object's start,
 * as gr_heap_object_addr gives it: a Go 1.22+ malloc header included, so
 * the storage data may start 8 bytes in), the DWARF type of one element
 * (bucket<K,V>, the group struct, table<K,V>, *table<K,V>, mapextra,
 * []*bmap, *bmap; UINT32_MAX if the binary has none) and the element
 * count (0: a single value; a bucket array is reported with 0 and fills
 * its allocation, preallocated overflow buckets included).
 *
 * Storage the compiler placed on a goroutine stack (the header and first
 * bucket or group of a map that does not escape) is read and counted in
 * capacity but is no heap object: it is not reported and adds no bytes.
 */
typedef void gr_maps_part_fn(void *arg, uint64_t addr, uint32_t dwarf_type,
			     uint64_t count, enum gr_map_part part);

struct gr_maps;

/* Resolve layouts from @s's DWARF; both implementations are tried, a
 * binary having at most one.  UNSUPPORTED without DWARF. */
GR_MUST_USE
struct gr_error *gr_maps_create(struct gr_session *s, struct gr_heap *heap,
				struct gr_maps **ret);
void gr_maps_destroy(struct gr_maps *m);

/*
 * Walk the map whose header is at @header.  @map_type is the DWARF id of
 * the Go map type (the type of a variable declared map[K]V, go_kind MAP)
 * or of its header struct (hash<K,V>, or the Swiss map<K,V>), or a
 * pointer to that struct.  Fills *info and calls @fn (may be NULL) once
 * for every storage object.  UNSUPPORTED when the DWARF lacks the
 * linker's synthesized types for @map_type (named); BAD_DATA / FAULT when
 * the structure cannot be read or does not hold together (storage not in
 * an allocated heap object big enough, B > 63, overflow cycles, directory
 * or table fields out of range, full slots differing from the header's
 * count unless the map was being written); *info then holds what was
 * counted before.  Work is linear in the map's storage; memory is a set
 * of the storage objects seen.
 */
GR_MUST_USE
struct gr_error *gr_maps_walk(struct gr_maps *m, uint64_t header,
			      uint32_t map_type, gr_maps_part_fn *fn,
			      void *arg, struct gr_map_info *info);

/* One entry of a map, as gr_maps_entries() hands it out. */
struct gr_map_entry {
	/* Where the key and the element sit in their bucket or group. */
	uint64_t key_slot, elem_slot;
	/* The key and the element themselves: the slots, or for an
	 * indirect key/elem (over 128 bytes, stored as a pointer) the
	 * address that slot holds (0 if nil or unreadable). */
	uint64_t key, elem;
	/* An indirect slot the core lacks (key or elem then 0): damage,
	 * for a caller that keeps a list (at key_slot / elem_slot). */
	bool key_unreadable, elem_unreadable;
	/* DWARF types of K and V (GR_DWARF_NO_TYPE if unknown). */
	uint32_t key_type, elem_type;
	bool indirect_key, indirect_elem;
};

/* Return false to stop the iteration. */
typedef bool gr_maps_entry_fn(void *arg, const struct gr_map_entry *e);

/*
 * Call @fn for every entry (full slot) of the map at @header, in storage
 * order (old buckets of a growing classic map included, evacuated cells
 * not).  Errors as gr_maps_walk(); @fn may have been called before one.
 */
GR_MUST_USE
struct gr_error *gr_maps_entries(struct gr_maps *m, uint64_t header,
				 uint32_t map_type, gr_maps_entry_fn *fn,
				 void *arg);

/*
 * Name the map slot that the word at @addr belongs to, for a path step:
 * "[key \"session-100000042\"]" (string keys quoted and escaped for
 * JSON, at most 64 bytes shown), "[key 17]" (integers), "[key 0xc000...]"
 * (pointers), "[key of type T]" otherwise; a word inside a key itself is
 * "{key ...}" (for an indirect key: the slot holding its pointer); a
 * slot with no entry is "[empty slot]".  NOT_FOUND if @addr is in no slot
 * of the map (header, tophash/control words, overflow pointers).  @buf is
 * always NUL-terminated, truncated to @len.  Bucket arrays, the small
 * map's group and every table's groups are found from the header without
 * a walk; a classic overflow bucket costs a walk of the map.
 */
GR_MUST_USE
struct gr_error *gr_maps_describe_slot(struct gr_maps *m, uint64_t header,
				       uint32_t map_type, uint64_t addr,
				       char *buf, size_t len);

#endif /* GR_MAPS_H */
