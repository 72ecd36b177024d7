/* SPDX-License-Identifier: MIT */
/*
 * gr_u64map: a map from 64-bit keys (addresses: type descriptors) to
 * 32-bit values, open addressing with linear probing, grown at half full.
 * Any key, 0 included; values below UINT32_MAX.  Zero-initialise, then
 * gr_u64map_free.
 */
#ifndef GR_U64MAP_H
#define GR_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gr_u64map {
	uint64_t *keys;
	uint32_t *vals; /* value + 1; 0: empty slot */
	size_t cap, count;
};

/* The value of @key into *@ret; false if absent. */
bool gr_u64map_get(const struct gr_u64map *m, uint64_t key, uint32_t *ret);
/* Set @key to @val (@val < UINT32_MAX); false when out of memory. */
bool gr_u64map_put(struct gr_u64map *m, uint64_t key, uint32_t val);
void gr_u64map_free(struct gr_u64map *m);

#endif
