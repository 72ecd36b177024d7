/* SPDX-License-Identifier: MIT */
/*
 * gr_graph: the object graph of the heap, compact.
 *
 * Nodes are the heap's objects (dense ids from gr_heap) and the roots
 * (indices into gr_roots).  Edges are stored in CSR form: the targets of
 * object i are edges[start[i] .. start[i+1]), uint32_t object ids, one per
 * pointer word that points into an allocated object (interior pointers
 * resolve to their object; duplicates are kept, self-edges dropped).  Roots
 * have their own CSR arrays.  Building it scans every object's pointer words
 * once; nothing else in goretain rescans the heap.
 *
 * Pointer words that point nowhere useful are counted, not stored: into a
 * heap span but not an allocated object (a dangling or stale pointer the GC
 * would ignore), and objects whose pointer bitmap could not be read.
 */
#ifndef GR_GRAPH_H
#define GR_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/07-heap/heap.h"
#include "forensics/09-roots/roots.h"

struct gr_graph_stats {
	uint64_t edges;		   /* object -> object */
	uint64_t root_edges;	   /* root -> object */
	uint64_t pointer_words;	   /* pointer words scanned in objects */
	uint64_t dangling;	   /* into a heap span, not an allocated object */
	uint64_t unscannable;	   /* objects whose bitmap could not be read */
	uint64_t unscannable_bytes;
};

struct gr_graph;

/* Progress callback: @done of @total objects scanned.  May be NULL. */
typedef void gr_graph_progress_fn(void *arg, uint64_t done, uint64_t total);

/*
 * Build the graph, scanning objects with @threads threads (0 or 1: the
 * calling thread alone).  Threads take contiguous ranges of object ids and
 * their edge lists are joined in id order, so the graph is the same, byte
 * for byte, whatever the count.  The heap's gr_mem must not be recording.
 */
GR_MUST_USE
struct gr_error *gr_graph_build(struct gr_heap *heap,
				const struct gr_roots *roots, unsigned threads,
				gr_graph_progress_fn *progress, void *arg,
				struct gr_graph **ret);
void gr_graph_destroy(struct gr_graph *g);

uint32_t gr_graph_object_count(const struct gr_graph *g);
uint32_t gr_graph_root_count(const struct gr_graph *g);
/*
 * The graph's arrays, for the loops that visit every edge (marking,
 * reachable sizes) without a call per object: the targets of object id
 * are edges[start[id] .. start[id + 1]), those of root r root_edges[
 * root_start[r] .. root_start[r + 1]).  Valid while @g lives.
 */
struct gr_graph_csr {
	const uint32_t *start; /* fewer than 2^32 edges (gr_graph_build) */
	const uint64_t *root_start;
	const uint32_t *edges, *root_edges;
	uint32_t nobjects, nroots;
};
void gr_graph_csr(const struct gr_graph *g, struct gr_graph_csr *ret);

/*
 * Breadth-first traversal over the objects whose bit in @vis is clear,
 * from the targets of roots @roots[0..nroots) and from objects
 * @objs[0..nobj): the one loop under marking and reachable sizes.  Each
 * object queued gets its bit set and lands in @queue (room for every
 * object), so on return queue[0..queued) are the objects whose bits this
 * call set: the caller keeps them (marking) or clears them (one traversal
 * of many).  Work is 1 + its out-degree per object taken off the queue,
 * plus the roots' edge counts when @root_work; once it exceeds @budget the
 * traversal stops with over set.  Bytes and objects count the objects
 * taken off the queue.
 */
struct gr_graph_reach {
	uint64_t bytes, objects, work, queued;
	bool over;
};
void gr_graph_reach(const struct gr_graph_csr *g,
		    const struct gr_heap_sizes *z, const uint32_t *roots,
		    size_t nroots, bool root_work, const uint32_t *objs,
		    size_t nobj, uint64_t *vis, uint32_t *queue,
		    uint64_t budget, struct gr_graph_reach *ret);
/* Clear the bits of queue[0..n) in @vis (after gr_graph_reach). */
void gr_graph_reach_clear(uint64_t *vis, const uint32_t *queue, uint64_t n);

/*
 * What gr_graph_reach would find, for up to GR_GRAPH_SETS_MAX seed sets
 * in one propagation instead of one traversal each (graph_sets.c).  Seed
 * the sets, propagate, then read the masks (bit k: set k reaches the
 * object) and sum: ret[k] gets the bytes, objects (also in queued) and
 * work of everything reachable from set k's seeds, without a budget (over
 * stays false) and without root edges.  A sum leaves the masks zero, for
 * the next round.  The caller lends @mask (zero, one word per object; zero
 * again after each sum) and @queue (one word per object).  NOMEM.
 */
enum { GR_GRAPH_SETS_MAX = 31 };
struct gr_graph_sets;
GR_MUST_USE
struct gr_error *gr_graph_sets_create(const struct gr_graph_csr *g,
				      const struct gr_heap_sizes *z,
				      uint32_t *mask, uint32_t *queue,
				      struct gr_graph_sets **ret);
/*
 * Seeds from items (objects, or roots when @roots: their targets) of
 * groups @group_of[0..nitems) (UINT32_MAX: none): item i seeds set
 * set_of[group_of[i]], when that is below GR_GRAPH_SETS_MAX.
 */
void gr_graph_sets_seed_groups(struct gr_graph_sets *s,
			       const uint32_t *group_of, size_t nitems,
			       bool roots, const uint32_t *set_of);
void gr_graph_sets_propagate(struct gr_graph_sets *s);
uint32_t gr_graph_sets_mask(const struct gr_graph_sets *s, uint32_t id);
/* Sums of the sets whose bits are in @keep; the others' ret[] are zero. */
void gr_graph_sets_sum(struct gr_graph_sets *s, uint32_t keep,
		       struct gr_graph_reach *ret);
void gr_graph_sets_destroy(struct gr_graph_sets *s);

/* Targets of object @id: *ret points at *count ids. */
void gr_graph_edges(const struct gr_graph *g, uint32_t id,
		    const uint32_t **ret, uint32_t *count);
/* Targets of root @r. */
void gr_graph_root_edges(const struct gr_graph *g, uint32_t r,
			 const uint32_t **ret, uint32_t *count);
const struct gr_graph_stats *gr_graph_stats(const struct gr_graph *g);

#endif /* GR_GRAPH_H */
