/* SPDX-License-Identifier: MIT */
/*
 * gr_mark: what the garbage collector would keep, and who keeps it.
 *
 * Marks every object reachable from the roots, like the runtime's mark
 * phase.  Allocated but unmarked objects are garbage not yet swept.  Each
 * marked object is attributed to its *owner*: the first root, in root order,
 * whose traversal reaches it (roots are visited one after another, each with
 * a full breadth-first traversal of what earlier roots left unmarked), so
 * every reachable byte belongs to exactly one root and one root kind.
 *
 * Per-root reachable sizes (everything a root reaches, shared or not) cost
 * one traversal per root; a work budget bounds them on huge heaps and roots
 * past the budget are flagged as not computed rather than guessed.
 */
#ifndef GR_MARK_H
#define GR_MARK_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/07-heap/heap.h"
#include "forensics/09-roots/roots.h"
#include "forensics/10-graph/graph.h"

struct gr_mark_totals {
	uint64_t live_objects, live_bytes;
	uint64_t garbage_objects, garbage_bytes;
	/* Attributed (owner) bytes and objects per root kind. */
	uint64_t kind_bytes[GR_ROOT_KIND_COUNT];
	uint64_t kind_objects[GR_ROOT_KIND_COUNT];
};

struct gr_mark_root {
	uint64_t owned_bytes, owned_objects;	 /* first reached by this root */
	uint64_t reachable_bytes, reachable_objects;
	bool reachable_known; /* false if the work budget ran out */
};

struct gr_mark;

/*
 * @reach_budget bounds the per-root traversals in visited objects; 0 means
 * the default (32 x (objects + edges), at least 64M).  Without @reachable
 * only ownership and the totals are computed (one traversal of the live
 * heap): every root's reachable size is left unknown.
 */
GR_MUST_USE
struct gr_error *gr_mark_run(const struct gr_heap *heap,
			     const struct gr_graph *graph,
			     const struct gr_roots *roots, uint64_t reach_budget,
			     bool reachable, struct gr_mark **ret);
void gr_mark_destroy(struct gr_mark *m);

bool gr_mark_is_live(const struct gr_mark *m, uint32_t id);
const struct gr_mark_totals *gr_mark_totals(const struct gr_mark *m);
const struct gr_mark_root *gr_mark_root(const struct gr_mark *m, uint32_t r);

#endif /* GR_MARK_H */
