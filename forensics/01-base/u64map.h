/* SPDX-License-Identifier: MIT */
/*
 * gr_u64map: a map from 64-bit keys (addresses: type descriptors) to
 * 32-bit values, on the one hash table (gr_hash): keys and values in
 * insertion order, the table an index over them.  Any key, 0 included.
 * Zero-initialise, then gr_u64map_free.
 *
 * gr_u64set: the same without values, for seen-sets (addresses, object
 * ids).  Zero-initialise, then gr_u64set_free.
 */
#ifndef GR_U64MAP_H
#define GR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/01-base/hash.h"

struct gr_u64map {
	struct gr_hash index; /* key hash -> entry */
	uint64_t *keys;
	uint32_t *vals;
	size_t count, keys_cap, vals_cap;
};

/* The value of @key into *@ret; false if absent. */
bool gr_u64map_get(const struct gr_u64map *m, uint64_t key, uint32_t *ret);
/* Set @key to @val; NOMEM (or LIMIT) leaves the map as it was. */
GR_MUST_USE
struct gr_error *gr_u64map_put(struct gr_u64map *m, uint64_t key,
			       uint32_t val);
void gr_u64map_free(struct gr_u64map *m);

struct gr_u64set {
	struct gr_hash index; /* key hash -> entry */
	uint64_t *keys;	      /* in insertion order */
	size_t count, keys_cap;
};

/* Add @key; *fresh says whether it was absent.  NOMEM or LIMIT only, and
 * then @s is unchanged. */
GR_MUST_USE
struct gr_error *gr_u64set_add(struct gr_u64set *s, uint64_t key,
			       bool *fresh);
void gr_u64set_free(struct gr_u64set *s);

#endif
