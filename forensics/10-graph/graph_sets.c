/* SPDX-License-Identifier: MIT */
/*
 * Reachable sets of up to GR_GRAPH_SETS_MAX seed sets in one propagation.
 *
 * Every object carries a mask of the sets that reach it so far, and the
 * mask's top bit says it is on a worklist (a stack: each object at most
 * once on it).  The seeds go on first; an object taken ORs its mask into
 * its targets', and a target whose mask grows goes on the stack.  The
 * sets' bits mostly travel together, so an object is taken fewer times
 * than the traversals that reach it (a set's bits can only grow, so
 * never more): on the bench cores' top 20 types 0.6 times, for kinds of
 * root about once.  Then one walk over the masks in id order adds each
 * object's size and work to the sets of its bits and zeroes the mask.
 *
 * Why not a topological order of the strongly connected components, one
 * visit per object: finding them (Tarjan, Pearce's variant) cost more
 * than the re-visits it saves, on every bench core.
 */
#include "forensics/10-graph/graph.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/bigarray.h"

struct gr_graph_sets {
	struct gr_graph_csr g;
	struct gr_heap_sizes z;
	uint32_t *mask;	   /* per object, lent */
	uint32_t *queue;   /* a stack of one slot per object, lent */
	uint32_t len;	   /* objects on the stack */
};

struct gr_error *gr_graph_sets_create(const struct gr_graph_csr *g,
				      const struct gr_heap_sizes *z,
				      uint32_t *mask, uint32_t *queue,
				      struct gr_graph_sets **ret)
{
	struct gr_graph_sets *s = calloc(1, sizeof(*s));
	if (!s)
		return gr_error_nomem();
	s->g = *g;
	s->z = *z;
	s->mask = mask;
	s->queue = queue;
	*ret = s;
	return NULL;
}

void gr_graph_sets_destroy(struct gr_graph_sets *s)
{
	if (!s)
		return;
	free(s);
}

/* The top bit of a mask: the object is on the stack. */
#define QUEUED ((uint32_t)1 << GR_GRAPH_SETS_MAX)

/* OR @m into object @id's mask; queue it if that grew it. */
static inline void merge(struct gr_graph_sets *s, uint32_t id, uint32_t m)
{
	uint32_t old = s->mask[id], next = old | m;
	if (next == old)
		return;
	/* An object without pointers has nothing to pass on: its mask is
	 * all it needs, and it never goes on the stack. */
	if (!(old & QUEUED) && s->g.start[id + 1] != s->g.start[id]) {
		next |= QUEUED;
		s->queue[s->len++] = id;
	}
	s->mask[id] = next;
}

void gr_graph_sets_seed_groups(struct gr_graph_sets *s,
			       const uint32_t *group_of, size_t nitems,
			       bool roots, const uint32_t *set_of)
{
	const struct gr_graph_csr *g = &s->g;
	/* Backwards: the stack then takes the seeds lowest id first, which
	 * re-visits less on the bench cores (a heuristic: any order gives
	 * the same sets). */
	for (size_t i = nitems; i-- > 0;) {
		if (group_of[i] == UINT32_MAX)
			continue;
		uint32_t set = set_of[group_of[i]];
		if (set >= GR_GRAPH_SETS_MAX)
			continue;
		uint32_t m = (uint32_t)1 << set;
		if (!roots) {
			if (i < g->nobjects)
				merge(s, (uint32_t)i, m);
			continue;
		}
		for (uint64_t b = g->root_start[i]; b < g->root_start[i + 1]; b++)
			if (g->root_edges[b] < g->nobjects)
				merge(s, g->root_edges[b], m);
	}
}

void gr_graph_sets_propagate(struct gr_graph_sets *s)
{
	const struct gr_graph_csr *g = &s->g;
	const uint32_t *start = g->start;
	const uint32_t *edges = g->edges;
	while (s->len) {
		uint32_t v = s->queue[--s->len];
		uint32_t m = s->mask[v] & ~QUEUED;
		s->mask[v] = m;
		for (uint64_t b = start[v], e = start[v + 1]; b < e; b++)
			merge(s, edges[b], m);
	}
}

uint32_t gr_graph_sets_mask(const struct gr_graph_sets *s, uint32_t id)
{
	return id < s->g.nobjects ? s->mask[id] : 0;
}

static void flush(uint32_t m, uint64_t bytes, uint64_t objects, uint64_t work,
		  struct gr_graph_reach *ret)
{
	while (m) {
		unsigned b = (unsigned)__builtin_ctz(m);
		ret[b].bytes += bytes;
		ret[b].objects += objects;
		ret[b].queued += objects;
		ret[b].work += work;
		m &= m - 1;
	}
}

void gr_graph_sets_sum(struct gr_graph_sets *s, uint32_t keep,
		       struct gr_graph_reach *ret)
{
	const uint32_t *start = s->g.start;
	uint32_t *mask = s->mask, n = s->g.nobjects;
	memset(ret, 0, GR_GRAPH_SETS_MAX * sizeof(*ret));
	/* Runs of neighbours with one mask (the common case: an array's
	 * elements, a span of one type) add up before their bits are spread
	 * over the sets, their work from start[] at the two ends. */
	for (uint32_t v = 0; v < n;) {
		uint32_t m = mask[v] & keep;
		if (!m) {
			mask[v++] = 0;
			continue;
		}
		uint32_t first = v;
		uint64_t bytes = 0;
		do {
			mask[v] = 0;
			bytes += gr_heap_size_of(&s->z, v);
			v++;
		} while (v < n && (mask[v] & keep) == m);
		flush(m, bytes, v - first, v - first + start[v] - start[first],
		      ret);
	}
}
