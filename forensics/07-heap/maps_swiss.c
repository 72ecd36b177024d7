/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: Swiss tables, internal/runtime/maps (Go 1.24+).
 *
 * map.go: with dirLen == 0 the map is small and dirPtr is one group of 8
 * slots (nil until the first insert); otherwise dirPtr is a directory of
 * 2^globalDepth *table, where a table of localDepth < globalDepth fills
 * 2^(globalDepth - localDepth) entries.  table.go: a table's groups are
 * one array of lengthMask + 1 groups (a power of two), capacity 8 per
 * group.  group.go: a group is a control word, one byte per slot (top bit
 * set: empty or deleted), then the slots.
 */
#include <inttypes.h>
#include <string.h>

#include "forensics/07-heap/maps_internal.h"

/* Directory entries read per gr_mem_read. */
enum { DIR_CHUNK = 64 };

GR_MUST_USE
static struct gr_error *group(struct map_walk *w, uint64_t addr)
{
	uint8_t ctrl[MAP_SLOTS];
	struct gr_error *err = maps_read(w, addr, ctrl, sizeof(ctrl));
	if (err)
		return err;
	maps_container(w, addr, ctrl);
	return NULL;
}

GR_MUST_USE
static struct gr_error *table(struct map_walk *w, uint64_t addr,
			      unsigned global_depth)
{
	const struct map_shape *sh = w->sh;
	struct maps_storage st;
	struct gr_error *err = maps_storage(w, addr, sh->table_size,
					   sh->table_type, 0,
					   GR_MAP_PART_TABLE, "table", &st);
	if (err)
		return err;
	if (!st.fresh) {
		/* The same table fills several directory entries. */
		if (st.id != GR_HEAP_NO_OBJECT)
			return NULL;
		return maps_bad(w, "table 0x%" PRIx64 " is not a heap object",
			       addr);
	}
	uint8_t t[MAP_MAX_HEADER];
	if ((err = maps_read(w, addr, t, sh->table_size)))
		return err;
	uint64_t used = maps_member_value(t, &sh->t_used);
	uint64_t capacity = maps_member_value(t, &sh->t_capacity);
	uint64_t depth = maps_member_value(t, &sh->t_local_depth);
	uint64_t data = maps_member_value(t, &sh->t_groups_data);
	uint64_t mask = maps_member_value(t, &sh->t_groups_mask);
	uint64_t ngroups = mask + 1, need;
	if (!ngroups || (ngroups & mask) || depth > global_depth ||
	    __builtin_mul_overflow(ngroups, (uint64_t)MAP_SLOTS, &need) ||
	    need != capacity || used > capacity || !data)
		return maps_bad(w,
			       "table 0x%" PRIx64 ": lengthMask %#" PRIx64
			       ", capacity %" PRIu64 ", used %" PRIu64
			       ", localDepth %" PRIu64,
			       addr, mask, capacity, used, depth);
	if (__builtin_mul_overflow(ngroups, sh->container_size, &need))
		return maps_bad(w, "table 0x%" PRIx64 ": %" PRIu64 " groups",
			       addr, ngroups);
	if ((err = maps_storage(w, data, need, sh->container_type, ngroups,
			       GR_MAP_PART_GROUPS, "groups", &st)))
		return err;
	if (!st.fresh)
		return maps_bad(w, "groups 0x%" PRIx64 " shared by two tables",
			       data);
	w->info->capacity += capacity;
	uint64_t before = w->found;
	for (uint64_t i = 0; i < ngroups && !w->stopped; i++)
		if ((err = group(w, data + i * sh->container_size)))
			return err;
	if (!w->stopped && !w->writing && w->found - before != used)
		return maps_bad(w,
			       "table 0x%" PRIx64 ": %" PRIu64
			       " full slots, used %" PRIu64,
			       addr, w->found - before, used);
	return NULL;
}

GR_MUST_USE
static struct gr_error *directory(struct map_walk *w, uint64_t dir,
				  uint64_t len, unsigned global_depth)
{
	const struct map_shape *sh = w->sh;
	if (global_depth > 63 || len != (uint64_t)1 << global_depth ||
	    len > UINT64_MAX / 8)
		return maps_bad(w, "dirLen %" PRId64 " with globalDepth %u",
			       (int64_t)len, global_depth);
	struct maps_storage st;
	struct gr_error *err = maps_storage(w, dir, 8 * len, sh->table_ptr_type,
					   len, GR_MAP_PART_DIRECTORY,
					   "directory", &st);
	if (err)
		return err;
	for (uint64_t i = 0; i < len && !w->stopped; i += DIR_CHUNK) {
		uint64_t tables[DIR_CHUNK];
		size_t n = len - i < DIR_CHUNK ? (size_t)(len - i) : DIR_CHUNK;
		if ((err = maps_read(w, dir + 8 * i, tables, 8 * n)))
			return err;
		for (size_t j = 0; j < n && !w->stopped; j++) {
			if (!tables[j])
				return maps_bad(w, "directory entry %" PRIu64
					       " is nil", i + j);
			if ((err = table(w, tables[j], global_depth)))
				return err;
		}
	}
	return NULL;
}

struct gr_error *maps_walk_swiss(struct map_walk *w)
{
	const struct map_shape *sh = w->sh;
	const uint8_t *hdr = w->hdr;
	struct gr_error *err;
	uint64_t used = maps_member_value(hdr, &sh->used);
	uint64_t dir = maps_member_value(hdr, &sh->dir_ptr);
	uint64_t len = maps_member_value(hdr, &sh->dir_len);
	unsigned depth = (unsigned)maps_member_value(hdr, &sh->global_depth);
	w->info->entries = used;
	w->writing = maps_member_value(hdr, &sh->writing) != 0;
	if (len)
		return directory(w, dir, len, depth);
	if (!dir)
		return NULL; /* small map not yet given its group */
	struct maps_storage st;
	if ((err = maps_storage(w, dir, sh->container_size, sh->container_type,
			       0, GR_MAP_PART_GROUPS, "group", &st)))
		return err;
	w->info->capacity += MAP_SLOTS;
	return group(w, dir);
}
