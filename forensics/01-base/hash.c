/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/hash.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The hash inline here, not a call into the shared library per key. */
#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t gr_hash_bytes(const void *p, size_t len)
{
	return XXH3_64bits(p, len);
}

uint64_t gr_hash_str(const char *s)
{
	return XXH3_64bits(s, strlen(s));
}

uint64_t gr_hash_u64(uint64_t x)
{
	return XXH3_64bits(&x, sizeof(x));
}

uint64_t gr_hash_more(uint64_t seed, const void *p, size_t len)
{
	return XXH3_64bits_withSeed(p, len, seed);
}

static void place(uint64_t *slots, size_t mask, uint64_t s)
{
	size_t pos = (uint32_t)(s >> 32) & mask;
	while (slots[pos])
		pos = (pos + 1) & mask;
	slots[pos] = s;
}

/* Rebuild with @nslots slots (a power of two above 2 * count). */
GR_MUST_USE
static struct gr_error *rehash(struct gr_hash *h, size_t nslots)
{
	uint64_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return gr_error_nomem();
	for (size_t i = 0; h->slots && i <= h->mask; i++)
		if (h->slots[i])
			place(slots, nslots - 1, h->slots[i]);
	free(h->slots);
	h->slots = slots;
	h->mask = nslots - 1;
	return NULL;
}

struct gr_error *gr_hash_reserve(struct gr_hash *h, size_t count)
{
	if (count > GR_HASH_MAX_ENTRIES)
		return gr_error_create(GR_ERR_LIMIT,
				       "hash table of more than %" PRIu32
				       " entries",
				       GR_HASH_MAX_ENTRIES);
	size_t nslots = h->slots ? h->mask + 1 : 16;
	/* Keep the table at most half full. */
	while (nslots / 2 < count)
		nslots *= 2; /* count <= 2^31: at most 2^32 slots */
	if (h->slots && nslots == h->mask + 1)
		return NULL;
	return rehash(h, nslots);
}

struct gr_error *gr_hash_insert(struct gr_hash *h, uint64_t hash, uint32_t id)
{
	if (id >= GR_HASH_MAX_ENTRIES)
		return gr_error_create(GR_ERR_LIMIT,
				       "hash table entry %" PRIu32
				       " past the %" PRIu32 " allowed",
				       id, GR_HASH_MAX_ENTRIES);
	struct gr_error *err = gr_hash_reserve(h, h->count + 1);
	if (err)
		return err;
	place(h->slots, h->mask,
	      (uint64_t)gr_hash_bits_(hash) << 32 | ((uint64_t)id + 1));
	h->count++;
	return NULL;
}

void gr_hash_clear(struct gr_hash *h)
{
	if (h->slots)
		memset(h->slots, 0, (h->mask + 1) * sizeof(*h->slots));
	h->count = 0;
}

void gr_hash_deinit(struct gr_hash *h)
{
	free(h->slots);
	*h = (struct gr_hash){0};
}
