/* SPDX-License-Identifier: MIT */
#include "forensics/base/u64map.h"

#include <stdlib.h>

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: descriptor addresses share their low bits. */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 20) &
	       (cap - 1);
}

static size_t find(const struct gr_u64map *m, uint64_t key)
{
	size_t j = slot_of(key, m->cap);
	while (m->vals[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	return j;
}

bool gr_u64map_get(const struct gr_u64map *m, uint64_t key, uint32_t *ret)
{
	if (!m->cap)
		return false;
	size_t j = find(m, key);
	if (!m->vals[j])
		return false;
	*ret = m->vals[j] - 1;
	return true;
}

static bool grow(struct gr_u64map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 256;
	struct gr_u64map n = {
		.keys = calloc(cap, sizeof(*n.keys)),
		.vals = calloc(cap, sizeof(*n.vals)),
		.cap = cap,
		.count = m->count,
	};
	if (!n.keys || !n.vals) {
		gr_u64map_free(&n);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->vals[i])
			continue;
		size_t j = find(&n, m->keys[i]);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	gr_u64map_free(m);
	*m = n;
	return true;
}

bool gr_u64map_put(struct gr_u64map *m, uint64_t key, uint32_t val)
{
	if ((m->count + 1) * 2 > m->cap && !grow(m))
		return false;
	size_t j = find(m, key);
	if (!m->vals[j])
		m->count++;
	m->keys[j] = key;
	m->vals[j] = val + 1;
	return true;
}

void gr_u64map_free(struct gr_u64map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->count = 0;
}
