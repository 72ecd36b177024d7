/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/u64map.h"

#include <stdlib.h>

#include "forensics/01-base/array.h"

/* The entry of @key (hash @hv) among @keys indexed by @index, UINT32_MAX
 * if none: the map's and the set's lookup. */
static uint32_t find(const struct gr_hash *index, const uint64_t *keys,
		     uint64_t key, uint64_t hv)
{
	struct gr_hash_probe p;
	uint32_t i;
	for (gr_hash_probe_init(index, hv, &p); gr_hash_probe_next(index, &p, &i);)
		if (keys[i] == key)
			return i;
	return UINT32_MAX;
}

bool gr_u64map_get(const struct gr_u64map *m, uint64_t key, uint32_t *ret)
{
	if (!m->count)
		return false;
	uint32_t i = find(&m->index, m->keys, key, gr_hash_u64(key));
	if (i == UINT32_MAX)
		return false;
	*ret = m->vals[i];
	return true;
}

struct gr_error *gr_u64map_put(struct gr_u64map *m, uint64_t key,
			       uint32_t val)
{
	uint64_t hv = gr_hash_u64(key);
	uint32_t i = m->count ? find(&m->index, m->keys, key, hv) : UINT32_MAX;
	if (i != UINT32_MAX) {
		m->vals[i] = val;
		return NULL;
	}
	struct gr_error *err;
	if ((err = gr_array_grow(&m->keys, &m->keys_cap, m->count, 1)) ||
	    (err = gr_array_grow(&m->vals, &m->vals_cap, m->count, 1)) ||
	    (err = gr_hash_insert(&m->index, hv, (uint32_t)m->count)))
		return err;
	m->keys[m->count] = key;
	m->vals[m->count++] = val;
	return NULL;
}

void gr_u64map_free(struct gr_u64map *m)
{
	gr_hash_deinit(&m->index);
	free(m->keys);
	free(m->vals);
	*m = (struct gr_u64map){0};
}

struct gr_error *gr_u64set_add(struct gr_u64set *s, uint64_t key,
			       bool *fresh)
{
	uint64_t hv = gr_hash_u64(key);
	*fresh = false;
	if (s->count && find(&s->index, s->keys, key, hv) != UINT32_MAX)
		return NULL;
	struct gr_error *err;
	if ((err = gr_array_grow(&s->keys, &s->keys_cap, s->count, 1)) ||
	    (err = gr_hash_insert(&s->index, hv, (uint32_t)s->count)))
		return err;
	s->keys[s->count++] = key;
	*fresh = true;
	return NULL;
}

void gr_u64set_free(struct gr_u64set *s)
{
	gr_hash_deinit(&s->index);
	free(s->keys);
	*s = (struct gr_u64set){0};
}
