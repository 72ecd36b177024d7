/* SPDX-License-Identifier: MIT */
#include "forensics/10-graph/mark.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/bigarray.h"

struct gr_mark {
	uint32_t nobjects, nroots;
	/* A bit per object: live.  The owner of each object (the first root
	 * reaching it) is only needed while marking, to tell a root that met
	 * an earlier root's objects: an array per object (4 bytes each) that
	 * the analysis does not keep. */
	uint64_t *live;
	struct gr_mark_root *roots;
	struct gr_mark_totals totals;
};

/* One ownership traversal's state (see own). */
struct owning {
	uint64_t *live;
	uint32_t *queue, *owner;
	uint64_t tail;
	uint32_t root;
	bool met;
};

static inline void own_push(struct owning *o, uint32_t id)
{
	uint64_t bit = (uint64_t)1 << (id & 63);
	if (o->live[id >> 6] & bit) {
		o->met |= o->owner[id] != o->root;
		return;
	}
	o->live[id >> 6] |= bit;
	o->owner[id] = o->root;
	o->queue[o->tail++] = id;
}

/*
 * Root @r's ownership traversal: breadth-first from its targets over what
 * no earlier root reached (bits in @live), each object owned by @r as it
 * is queued.  Counts as gr_graph_reach does without root work.  *closed:
 * it never met an earlier root's object, so it reached everything root r
 * reaches and its reachable size needs no second traversal.
 */
static void own(const struct gr_graph_csr *g, const struct gr_heap_sizes *z,
		uint32_t r, uint64_t *live, uint32_t *queue, uint32_t *owner,
		struct gr_graph_reach *ret, bool *closed)
{
	struct owning o = {.live = live, .queue = queue, .owner = owner,
			   .root = r};
	for (uint64_t b = g->root_start[r]; b < g->root_start[r + 1]; b++)
		own_push(&o, g->root_edges[b]);
	uint64_t head = 0, work = 0, bytes = 0;
	while (head < o.tail) {
		uint32_t id = queue[head++];
		bytes += gr_heap_size_of(z, id);
		uint64_t b = g->start[id], e = g->start[id + 1];
		work += 1 + (e - b);
		for (; b < e; b++)
			own_push(&o, g->edges[b]);
	}
	*ret = (struct gr_graph_reach){.bytes = bytes,
				       .objects = head,
				       .work = work,
				       .queued = o.tail};
	*closed = !o.met;
}

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
	uint32_t *owner = gr_bigarray_alloc(n, sizeof(*owner), false);
	m->roots = calloc(m->nroots ? m->nroots : 1, sizeof(*m->roots));
	/* live: the objects some root reaches, set for good by the ownership
	 * traversals; vis: one reachable traversal's, cleared after it. */
	uint64_t words = (n + 63) / 64;
	uint64_t *live = m->live =
		gr_bigarray_alloc(words, sizeof(*live), true);
	uint64_t *vis = gr_bigarray_alloc(words, sizeof(*vis), true);
	uint32_t *queue = gr_bigarray_alloc(n, sizeof(*queue), false);
	size_t nr = m->nroots ? m->nroots : 1;
	bool *closed = malloc(nr * sizeof(*closed));
	uint64_t *owned_work = malloc(nr * sizeof(*owned_work));
	if (!owner || !m->roots || !live || !vis || !queue || !closed ||
	    !owned_work) {
		free(owner);
		free(vis);
		free(queue);
		free(closed);
		free(owned_work);
		gr_mark_destroy(m);
		return gr_error_nomem();
	}
	memset(owner, 0xff, n * sizeof(*owner));
	struct gr_graph_csr g;
	gr_graph_csr(graph, &g);
	struct gr_heap_sizes z;
	gr_heap_sizes(heap, &z);

	/* Ownership: one traversal per root over what is still unmarked.
	 * A root whose traversal met nothing earlier (closed) reaches just
	 * what it owns: its owned work is its reachable work. */
	struct gr_graph_reach w;
	for (uint32_t r = 0; r < m->nroots; r++) {
		enum gr_root_kind kind = gr_roots_get(roots, r)->kind;
		own(&g, &z, r, live, queue, owner, &w, &closed[r]);
		owned_work[r] = w.work;
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
		if (closed[r]) {
			/* The budget's decision on the same work. */
			w = (struct gr_graph_reach){
				.bytes = m->roots[r].owned_bytes,
				.objects = m->roots[r].owned_objects,
				.work = owned_work[r],
				.over = owned_work[r] > left};
			if (w.over)
				w.bytes = w.objects = 0;
		} else {
			gr_graph_reach(&g, &z, &r, 1, false, NULL, 0, vis,
				       queue, left, &w);
		}
		/* A big traversal's bits go faster in one memset (a few
		 * roots reach most of the heap). */
		if (w.queued > words / 16)
			memset(vis, 0, words * sizeof(*vis));
		else
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
	free(owner);
	free(vis);
	free(queue);
	free(closed);
	free(owned_work);
	*ret = m;
	return NULL;
}

void gr_mark_destroy(struct gr_mark *m)
{
	if (!m)
		return;
	free(m->live);
	free(m->roots);
	free(m);
}

bool gr_mark_is_live(const struct gr_mark *m, uint32_t id)
{
	return id < m->nobjects && (m->live[id >> 6] >> (id & 63) & 1);
}

const struct gr_mark_totals *gr_mark_totals(const struct gr_mark *m)
{
	return &m->totals;
}

const struct gr_mark_root *gr_mark_root(const struct gr_mark *m, uint32_t r)
{
	return r < m->nroots ? &m->roots[r] : NULL;
}
