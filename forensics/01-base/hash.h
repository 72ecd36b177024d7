/* SPDX-License-Identifier: MIT */
/*
 * gr_hash: the one hash table of the library.
 *
 * An index from keys to dense entry numbers: the entries themselves stay
 * in the caller's array (in insertion order, so nothing that walks them
 * depends on the hash), and the table holds, per slot, 32 bits of the
 * key's hash and the entry number.  Open addressing with linear probing,
 * grown (overflow-checked) before it is half full; the stored hash bits
 * are enough to rehash, so growing needs no keys.  Hashes are xxHash's
 * XXH3 (gr_hash_bytes, gr_hash_str, gr_hash_u64).
 *
 * A lookup walks the entries whose hash bits match, in probe order; the
 * caller compares keys:
 *
 *	uint64_t hv = gr_hash_str(name);
 *	struct gr_hash_probe p;
 *	uint32_t id;
 *	for (gr_hash_probe_init(&t->by_name, hv, &p);
 *	     gr_hash_probe_next(&t->by_name, &p, &id);)
 *		if (strcmp(t->v[id].name, name) == 0)
 *			return id;
 *	... append entry n ...
 *	if ((err = gr_hash_insert(&t->by_name, hv, n)))
 *
 * Zero-initialise; gr_hash_deinit() frees.  Entry numbers below
 * GR_HASH_MAX_ENTRIES.  Modelled on drgn's hash_table.h (a table of
 * small slots over separately stored entries), written as plain functions.
 */
#ifndef GR_HASH_H
#define GR_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

/* At most half of 2^32 slots are used: positions come from 32 bits. */
#define GR_HASH_MAX_ENTRIES (UINT32_C(1) << 31)

struct gr_hash {
	/* Per slot: hash bits << 32 | entry + 1; 0 is an empty slot. */
	uint64_t *slots;
	size_t mask; /* slots - 1; 0 with no slots */
	size_t count;
};

/* A lookup in progress. */
struct gr_hash_probe {
	size_t pos;
	uint32_t bits;
};

/* XXH3 of @len bytes at @p; of a C string; of a 64-bit value. */
uint64_t gr_hash_bytes(const void *p, size_t len);
uint64_t gr_hash_str(const char *s);
uint64_t gr_hash_u64(uint64_t x);
/* XXH3 of @len bytes at @p seeded with @seed: a key of several parts is
 * hashed part after part, each part's hash the next one's seed. */
uint64_t gr_hash_more(uint64_t seed, const void *p, size_t len);

static inline uint32_t gr_hash_bits_(uint64_t hash)
{
	/* XXH3's high half; the low half is often what callers mix with. */
	return (uint32_t)(hash >> 32);
}

static inline void gr_hash_probe_init(const struct gr_hash *h, uint64_t hash,
				      struct gr_hash_probe *p)
{
	p->bits = gr_hash_bits_(hash);
	p->pos = p->bits & h->mask;
}

/* The next entry whose hash bits are those of the probe's hash into *@id;
 * false when there is none. */
static inline bool gr_hash_probe_next(const struct gr_hash *h,
				      struct gr_hash_probe *p, uint32_t *id)
{
	if (!h->slots)
		return false;
	for (;;) {
		uint64_t s = h->slots[p->pos];
		if (!s)
			return false;
		p->pos = (p->pos + 1) & h->mask;
		if ((uint32_t)(s >> 32) == p->bits) {
			*id = (uint32_t)s - 1;
			return true;
		}
	}
}

/*
 * Add entry @id with @hash (the caller knows no equal key is present).
 * GR_ERR_NOMEM, or GR_ERR_LIMIT past GR_HASH_MAX_ENTRIES; the table is
 * unchanged on either.
 */
GR_MUST_USE
struct gr_error *
gr_hash_insert(struct gr_hash *h, uint64_t hash, uint32_t id);

/* Make room for @count entries in all, so that inserting up to them does
 * not rehash (and cannot fail for want of memory). */
GR_MUST_USE
struct gr_error *
gr_hash_reserve(struct gr_hash *h, size_t count);

/* Forget every entry, keeping the slots. */
void gr_hash_clear(struct gr_hash *h);

void gr_hash_deinit(struct gr_hash *h);

#endif /* GR_HASH_H */
