/* SPDX-License-Identifier: MIT */
#include "mark.h"

#include <stdlib.h>
#include <string.h>

#include "bigarray.h"

struct gr_mark {
	uint32_t nobjects, nroots;
	uint32_t *owner; /* per object */
	struct gr_mark_root *roots;
	struct gr_mark_totals totals;
};

struct gr_error *gr_mark_run(const struct gr_heap *heap,
			     const struct gr_graph *graph,
			     const struct gr_roots *roots, uint64_t reach_budget,
			     bool reachable, struct gr_mark **ret)
{
	struct gr_mark *m = calloc(1, sizeof(*m));
	if (!m)
		return gr_error_nomem();
	m->nobjects = gr_graph_object_count(graph);
	m->nroots = gr_graph_root_count(graph);
	uint64_t n = m->nobjects ? m->nobjects : 1;
	m->owner = gr_bigarray_alloc(n, sizeof(*m->owner), false);
	m->roots = calloc(m->nroots ? m->nroots : 1, sizeof(*m->roots));
	/* live: the objects some root reaches, set for good by the ownership
	 * traversals; vis: one reachable traversal's, cleared after it. */
	uint64_t words = (n + 63) / 64;
	uint64_t *live = gr_bigarray_alloc(words, sizeof(*live), true);
	uint64_t *vis = gr_bigarray_alloc(words, sizeof(*vis), true);
	uint32_t *queue = gr_bigarray_alloc(n, sizeof(*queue), false);
	if (!m->owner || !m->roots || !live || !vis || !queue) {
		free(live);
		free(vis);
		free(queue);
		gr_mark_destroy(m);
		return gr_error_nomem();
	}
	memset(m->owner, 0xff, n * sizeof(*m->owner));
	struct gr_graph_csr g;
	gr_graph_csr(graph, &g);
	struct gr_heap_sizes z;
	gr_heap_sizes(heap, &z);

	/* Ownership: one traversal per root over what is still unmarked. */
	struct gr_graph_reach w;
	for (uint32_t r = 0; r < m->nroots; r++) {
		enum gr_root_kind kind = gr_roots_get(roots, r)->kind;
		gr_graph_reach(&g, &z, &r, 1, false, NULL, 0, live, queue,
			       UINT64_MAX, &w);
		for (uint64_t k = 0; k < w.queued; k++)
			m->owner[queue[k]] = r;
		m->roots[r].owned_bytes += w.bytes;
		m->roots[r].owned_objects += w.objects;
		m->totals.kind_bytes[kind] += w.bytes;
		m->totals.kind_objects[kind] += w.objects;
		m->totals.live_bytes += w.bytes;
		m->totals.live_objects += w.objects;
	}
	for (uint32_t id = 0; id < m->nobjects; id++) {
		if (live[id >> 6] >> (id & 63) & 1)
			continue;
		m->totals.garbage_objects++;
		m->totals.garbage_bytes += gr_heap_size_of(&z, id);
	}

	/* Reachable sizes, root by root, while the budget lasts: a root whose
	 * traversal would exceed what is left is unknown, and so is every
	 * later root with any work. */
	if (!reach_budget) {
		const struct gr_graph_stats *st = gr_graph_stats(graph);
		reach_budget = 32 * (m->nobjects + st->edges);
		if (reach_budget < (64u << 20))
			reach_budget = 64u << 20;
	}
	uint64_t left = reach_budget;
	for (uint32_t r = 0; reachable && r < m->nroots; r++) {
		gr_graph_reach(&g, &z, &r, 1, false, NULL, 0, vis, queue, left,
			       &w);
		gr_graph_reach_clear(vis, queue, w.queued);
		if (w.over) {
			m->roots[r].reachable_bytes = 0;
			m->roots[r].reachable_objects = 0;
			left = 0;
			continue;
		}
		left -= w.work;
		m->roots[r].reachable_bytes += w.bytes;
		m->roots[r].reachable_objects += w.objects;
		m->roots[r].reachable_known = true;
	}
	free(live);
	free(vis);
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
