/* SPDX-License-Identifier: MIT */
/*
 * gr_retention: who holds the live heap, grouped the ways people ask.
 *
 * Three sizes per group, because shared subgraphs make them differ:
 *   shallow    the group's own bytes (a root's slot, a type's instances);
 *   retained   what the collector would free if the whole group were
 *              gone: for roots, the dominator tree built over the group
 *              as one node; for types and packages, the dominator
 *              subtrees of the group's topmost instances (an instance
 *              under another instance of the same group is counted once,
 *              by its ancestor), as Eclipse MAT computes a class's
 *              retained heap;
 *   reachable  everything the group reaches, shared or not.  One
 *              traversal per group, under a work budget shared by the
 *              groups in retained order; groups past it say unknown.
 *
 * Groupings: by root, by root kind, by goroutine creation site (the stack
 * roots of every goroutine started at one `go` statement), by type and by
 * package of the object's type (gr_types).  Rows are sorted by retained
 * bytes, then reachable, then key.  Everything is owned by the result.
 */
#ifndef GR_RETENTION_H
#define GR_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/12-query/analysis.h"

/* X(ENUM, "name") */
#define GR_RETENTION_BYS(X)                                                    \
	X(ROOT, "root")                                                       \
	X(KIND, "kind")                                                       \
	X(SITE, "site")                                                       \
	X(TYPE, "type")                                                       \
	X(PACKAGE, "package")

enum gr_retention_by {
#define GR_X(e, s) GR_RETENTION_BY_##e,
	GR_RETENTION_BYS(GR_X)
#undef GR_X
	GR_RETENTION_BY_COUNT
};
const char *gr_retention_by_name(enum gr_retention_by by);
/* "root" -> GR_RETENTION_BY_ROOT; false if unknown. */
bool gr_retention_by_parse(const char *s, enum gr_retention_by *ret);

struct gr_retention_row {
	const char *key;	/* root name, kind, site, type, package */
	const char *detail;	/* root: its kind; site: file:line; else "" */
	uint32_t index;		/* root index, kind, type index; else group */
	uint64_t members;	/* roots, goroutines, or instances */
	uint64_t shallow_bytes, shallow_objects;
	uint64_t retained_bytes, retained_objects;
	uint64_t reachable_bytes, reachable_objects;
	bool reachable_known;
};

struct gr_retention;

/*
 * Group @a's live heap by @by.  @reach_budget bounds the reachable
 * traversals in visited objects plus edges (0: the default, 32 x (objects
 * + edges), at least 64M).  @reach_rows: reachable sizes only for the
 * first @reach_rows rows (and rows retaining as much as the last of them),
 * the others left unknown; the first @reach_rows rows are then the same,
 * in the same order, as with 0 (every row).  Writers showing the top N
 * pass N: a traversal per group of a 2 GB heap costs seconds.  Needs
 * a->types for TYPE and PACKAGE.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_retention_build(const struct gr_analysis *a,
				    enum gr_retention_by by,
				    uint64_t reach_budget, size_t reach_rows,
				    struct gr_retention **ret);
void gr_retention_destroy(struct gr_retention *r);

size_t gr_retention_count(const struct gr_retention *r);
const struct gr_retention_row *gr_retention_row(const struct gr_retention *r,
						size_t i);
/* Live bytes and objects of the heap, the denominator of shares. */
uint64_t gr_retention_live_bytes(const struct gr_retention *r);
uint64_t gr_retention_live_objects(const struct gr_retention *r);

/*
 * What the set of live objects @objects retains together: the dominator
 * subtrees of its topmost members (members under another member count
 * once).  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_retention_of_set(const struct gr_analysis *a,
				     const uint32_t *objects, size_t n,
				     struct gr_dom_retained *ret);

#endif /* GR_RETENTION_H */
