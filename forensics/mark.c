/* SPDX-License-Identifier: MIT */
#include "mark.h"

#include <stdlib.h>
#include <string.h>

struct gr_mark {
	uint32_t nobjects, nroots;
	uint32_t *owner; /* per object */
	struct gr_mark_root *roots;
	struct gr_mark_totals totals;
};

/*
 * Breadth-first traversal from root @r over objects not yet stamped with
 * @stamp.  @seen[] holds the stamp of the last traversal that visited each
 * object; @queue has room for every object.  Calls @visit for each newly
 * visited object.  Returns the number of objects visited, and stops early
 * (returning UINT64_MAX) once @budget is exhausted.
 */
static uint64_t traverse(const struct gr_graph *g, uint32_t r, uint32_t *seen,
			 uint32_t stamp, uint32_t *queue, uint64_t budget,
			 void (*visit)(void *arg, uint32_t id), void *arg)
{
	const uint32_t *e;
	uint32_t n;
	uint64_t head = 0, tail = 0, work = 0;
	gr_graph_root_edges(g, r, &e, &n);
	for (uint32_t i = 0; i < n; i++) {
		if (seen[e[i]] == stamp)
			continue;
		seen[e[i]] = stamp;
		queue[tail++] = e[i];
	}
	while (head < tail) {
		uint32_t id = queue[head++];
		visit(arg, id);
		gr_graph_edges(g, id, &e, &n);
		work += 1 + n;
		if (work > budget)
			return UINT64_MAX;
		for (uint32_t i = 0; i < n; i++) {
			if (seen[e[i]] == stamp)
				continue;
			seen[e[i]] = stamp;
			queue[tail++] = e[i];
		}
	}
	return work;
}

struct own_ctx {
	struct gr_mark *m;
	const struct gr_heap *heap;
	uint32_t root;
	enum gr_root_kind kind;
};

static void own(void *arg, uint32_t id)
{
	struct own_ctx *c = arg;
	uint64_t size = gr_heap_object_size(c->heap, id);
	c->m->owner[id] = c->root;
	c->m->roots[c->root].owned_bytes += size;
	c->m->roots[c->root].owned_objects++;
	c->m->totals.kind_bytes[c->kind] += size;
	c->m->totals.kind_objects[c->kind]++;
	c->m->totals.live_bytes += size;
	c->m->totals.live_objects++;
}

static void reach(void *arg, uint32_t id)
{
	struct own_ctx *c = arg;
	c->m->roots[c->root].reachable_bytes += gr_heap_object_size(c->heap, id);
	c->m->roots[c->root].reachable_objects++;
}

struct gr_error *gr_mark_run(const struct gr_heap *heap,
			     const struct gr_graph *graph,
			     const struct gr_roots *roots, uint64_t reach_budget,
			     struct gr_mark **ret)
{
	struct gr_mark *m = calloc(1, sizeof(*m));
	if (!m)
		return gr_error_nomem();
	m->nobjects = gr_graph_object_count(graph);
	m->nroots = gr_graph_root_count(graph);
	uint64_t n = m->nobjects ? m->nobjects : 1;
	m->owner = malloc(n * sizeof(*m->owner));
	m->roots = calloc(m->nroots ? m->nroots : 1, sizeof(*m->roots));
	uint32_t *seen = calloc(n, sizeof(*seen));
	uint32_t *queue = malloc(n * sizeof(*queue));
	if (!m->owner || !m->roots || !seen || !queue) {
		free(seen);
		free(queue);
		gr_mark_destroy(m);
		return gr_error_nomem();
	}
	memset(m->owner, 0xff, n * sizeof(*m->owner));

	/* Ownership: one traversal per root over what is still unmarked;
	 * stamp 1 marks "live" for good. */
	struct own_ctx c = {.m = m, .heap = heap};
	for (uint32_t r = 0; r < m->nroots; r++) {
		c.root = r;
		c.kind = gr_roots_get(roots, r)->kind;
		traverse(graph, r, seen, 1, queue, UINT64_MAX, own, &c);
	}
	for (uint32_t id = 0; id < m->nobjects; id++) {
		if (seen[id] == 1)
			continue;
		m->totals.garbage_objects++;
		m->totals.garbage_bytes += gr_heap_object_size(heap, id);
	}

	/* Reachable sizes: stamps 2.. so no clearing between roots. */
	if (!reach_budget) {
		const struct gr_graph_stats *st = gr_graph_stats(graph);
		reach_budget = 32 * (m->nobjects + st->edges);
		if (reach_budget < (64u << 20))
			reach_budget = 64u << 20;
	}
	uint64_t left = reach_budget;
	for (uint32_t r = 0; r < m->nroots && r < UINT32_MAX - 2; r++) {
		c.root = r;
		uint64_t w = traverse(graph, r, seen, r + 2, queue, left, reach,
				      &c);
		if (w == UINT64_MAX) {
			m->roots[r].reachable_bytes = 0;
			m->roots[r].reachable_objects = 0;
			left = 0;
			continue;
		}
		left -= w;
		m->roots[r].reachable_known = true;
	}
	free(seen);
	free(queue);
	*ret = m;
	return NULL;
}

void gr_mark_destroy(struct gr_mark *m)
{
	if (!m)
		return;
	free(m->owner);
	free(m->roots);
	free(m);
}

bool gr_mark_is_live(const struct gr_mark *m, uint32_t id)
{
	return id < m->nobjects && m->owner[id] != GR_MARK_UNREACHED;
}

uint32_t gr_mark_owner(const struct gr_mark *m, uint32_t id)
{
	return id < m->nobjects ? m->owner[id] : GR_MARK_UNREACHED;
}

const struct gr_mark_totals *gr_mark_totals(const struct gr_mark *m)
{
	return &m->totals;
}

const struct gr_mark_root *gr_mark_root(const struct gr_mark *m, uint32_t r)
{
	return r < m->nroots ? &m->roots[r] : NULL;
}
