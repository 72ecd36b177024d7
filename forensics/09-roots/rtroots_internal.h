/* SPDX-License-Identifier: MIT */
/*
 * Shared by rtroots.c (finalizer and cleanup queues, tiny blocks) and
 * rtroots_pool.c (sync.Pool).  Not part of the API.
 */
#ifndef GR_RTROOTS_INTERNAL_H
#define GR_RTROOTS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/damage.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/09-roots/rtroots.h"

struct gr_rtroots {
	struct gr_rtroots_stats stats;
	struct gr_damage_list damage;
};

/* One gr_rtroots_add() call. */
struct gr_rt_ctx {
	struct gr_rtroots *rt;
	struct gr_roots *roots;
	struct gr_mem *mem;
	const struct gr_dwarf *dwarf;
	uint64_t bias;
};

/*
 * The package variable @name: *found, and when found its runtime address
 * in *addr_ret and DWARF type in *type_ret.  Not being in DWARF is no
 * error; a lookup failing otherwise (NOMEM) is.
 */
GR_MUST_USE
struct gr_error *rtroots_global(const struct gr_rt_ctx *c, const char *name,
				bool *found, uint64_t *addr_ret,
				uint32_t *type_ret);

/* Pointer target (after typedefs) of type @id, or GR_DWARF_NO_TYPE. */
uint32_t rtroots_pointee(const struct gr_dwarf *d, uint32_t id);

/*
 * Brent's cycle detection over a linked list, without memory: call
 * rtroots_brent_step() with each next pointer; true means it was seen before.
 */
struct gr_rt_brent {
	uint64_t tortoise, power, lam;
};

static inline void rtroots_brent_init(struct gr_rt_brent *b, uint64_t start)
{
	b->tortoise = start;
	b->power = b->lam = 1;
}

static inline bool rtroots_brent_step(struct gr_rt_brent *b, uint64_t next)
{
	if (next && next == b->tortoise)
		return true;
	if (b->power == b->lam) {
		b->tortoise = next;
		b->power *= 2;
		b->lam = 0;
	}
	b->lam++;
	return false;
}

/* Offset, element count and element size of the array member @path. */
GR_MUST_USE
struct gr_error *rtroots_array_member(const struct gr_dwarf *d, uint32_t type,
				    const char *path, uint64_t *off_ret,
				    uint64_t *count_ret, uint64_t *elem_ret);

/* The producers, in the order gr_rtroots_add() runs them. */
GR_MUST_USE
struct gr_error *rtroots_finq(struct gr_rt_ctx *c);     /* rtroots_queue.c */
GR_MUST_USE
struct gr_error *rtroots_cleanups(struct gr_rt_ctx *c); /* rtroots_queue.c */
GR_MUST_USE
struct gr_error *rtroots_pools(struct gr_rt_ctx *c);    /* rtroots_pool.c */

#endif /* GR_RTROOTS_INTERNAL_H */
