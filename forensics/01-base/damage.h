/* SPDX-License-Identifier: MIT */
/*
 * gr_damage: a growable list of what could not be read.
 *
 * A bad pointer in a core is data, not a crash: modules that walk runtime
 * structures record what they could not read (the address, how much was
 * skipped, a message) and go on.  gr_globals, gr_specials and gr_rtroots
 * each embed one list and hand out its records.  (gr_heap keeps its own:
 * its messages are static strings.)
 *
 * A zero-initialised list is empty and valid; gr_damage_list_deinit()
 * frees it and leaves it empty again.
 */
#ifndef GR_DAMAGE_H
#define GR_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

struct gr_damage {
	uint64_t addr;	/* first address concerned (0 if none) */
	uint64_t bytes; /* how many bytes were not read (0 if unknown) */
	const char *what; /* owned by the list */
};

struct gr_damage_list {
	struct gr_damage *v;
	size_t n, cap;
};

/*
 * Append a record; @what is formatted from @fmt into a string the list
 * owns.  NOMEM is the only error, and then @l is unchanged.
 */
GR_MUST_USE
struct gr_error *gr_damage_add(struct gr_damage_list *l, uint64_t addr,
			       uint64_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * gr_error_catch() for a walker that keeps a damage list: when @err (not
 * NULL) has a code in @codes, record it in @l as gr_damage_add() would
 * and destroy it, returning what recording returns (NULL, or NOMEM).  Any
 * other error (NOMEM always) is returned as it is, nothing recorded.  The
 * message may quote @err's own (it is formatted before @err goes).
 */
GR_MUST_USE
struct gr_error *gr_damage_catch(struct gr_damage_list *l,
				 struct gr_error *err, unsigned int codes,
				 uint64_t addr, uint64_t bytes, const char *fmt,
				 ...) __attribute__((format(printf, 6, 7)));
/* Free the records and their messages; @l is empty afterwards. */
void gr_damage_list_deinit(struct gr_damage_list *l);

static inline size_t gr_damage_count(const struct gr_damage_list *l)
{
	return l->n;
}

/* Record @i in insertion order, or NULL when @i >= gr_damage_count(). */
static inline const struct gr_damage *
gr_damage_get(const struct gr_damage_list *l, size_t i)
{
	return i < l->n ? &l->v[i] : NULL;
}

#endif /* GR_DAMAGE_H */
