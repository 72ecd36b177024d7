/* SPDX-License-Identifier: MIT */
/*
 * gr_damage: a growable list of what could not be read.
 *
 * A bad pointer in a core is data, not a crash: modules that walk runtime
 * structures record what they could not read (the address, how much was
 * skipped, a message) and go on.  Every walker that goes on past a failed
 * read (the heap, globals, specials, runtime roots, goroutines, types)
 * embeds one list and hands out its records; the analysis adds up their
 * counts for the report's trust section.
 *
 * A list keeps at most GR_DAMAGE_MAX records and only counts the rest: a
 * core whose every span is garbage must not cost a record (and a message)
 * per span.  gr_damage_list_close() then adds one closing record saying
 * how many were dropped.
 *
 * A zero-initialised list is empty and valid; gr_damage_list_deinit()
 * frees it and leaves it empty again.
 */
#ifndef GR_DAMAGE_H
#define GR_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

struct gr_damage {
	uint64_t addr;	/* first address concerned (0 if none) */
	uint64_t bytes; /* how many bytes were not read (0 if unknown) */
	const char *what; /* owned by the list */
};

enum { GR_DAMAGE_MAX = 4096 };

struct gr_damage_list {
	struct gr_damage *v;
	size_t n, cap;
	uint64_t dropped; /* records refused past GR_DAMAGE_MAX */
	bool closed;	  /* the closing record is v[n - 1] */
};

/*
 * Append a record; @what is formatted from @fmt into a string the list
 * owns.  Past GR_DAMAGE_MAX records (or once closed) the record is only
 * counted.  NOMEM is the only error, and then @l is unchanged.
 */
GR_MUST_USE
struct gr_error *gr_damage_add(struct gr_damage_list *l, uint64_t addr,
			       uint64_t bytes, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * gr_error_catch() for a walker that keeps a damage list: when @err has a
 * code in @codes, record it in @l as gr_damage_add() would and destroy
 * it, returning what recording returns (NULL, or NOMEM).  Any other error
 * (NOMEM always) is returned as it is, nothing recorded.  A NULL @err is
 * a check that failed without an error: recorded the same way.  The
 * message may quote @err's own (it is formatted before @err goes).
 */
GR_MUST_USE
struct gr_error *gr_damage_catch(struct gr_damage_list *l,
				 struct gr_error *err, unsigned int codes,
				 uint64_t addr, uint64_t bytes, const char *fmt,
				 ...) __attribute__((format(printf, 6, 7)));
/*
 * The walk that fills @l is over: when records were dropped, append one
 * closing record (past the cap) saying how many.  Adding after this only
 * counts (gr_damage_total stays right, the closing message does not
 * change).  NOMEM is the only error.
 */
GR_MUST_USE
struct gr_error *gr_damage_list_close(struct gr_damage_list *l);
/*
 * The usual case of gr_damage_catch(): a read that failed.  A FAULT is
 * recorded at the fault's own address as "@what: <its message>" and
 * destroyed; any other error is returned as it is, and NULL stays NULL
 * (nothing recorded), so a caller may pass a read's result straight in.
 */
GR_MUST_USE
struct gr_error *gr_damage_fault(struct gr_damage_list *l, struct gr_error *err,
				 const char *what);
/* Free the records and their messages; @l is empty afterwards. */
void gr_damage_list_deinit(struct gr_damage_list *l);

/* Records kept, the closing record included. */
static inline size_t gr_damage_count(const struct gr_damage_list *l)
{
	return l->n;
}

/* How many things went wrong: records kept and dropped, the closing
 * record not counted. */
static inline uint64_t gr_damage_total(const struct gr_damage_list *l)
{
	return l->n - (l->closed ? 1 : 0) + l->dropped;
}

/* Record @i in insertion order, or NULL when @i >= gr_damage_count(). */
static inline const struct gr_damage *
gr_damage_get(const struct gr_damage_list *l, size_t i)
{
	return i < l->n ? &l->v[i] : NULL;
}

#endif /* GR_DAMAGE_H */
