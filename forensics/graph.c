/* SPDX-License-Identifier: MIT */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

/* A growable uint32_t array. */
struct u32vec {
	uint32_t *v;
	uint64_t n, cap;
	bool failed;
};

static void u32vec_push(struct u32vec *vec, uint32_t x)
{
	if (vec->n == vec->cap) {
		uint64_t cap = vec->cap ? vec->cap * 2 : 4096;
		uint32_t *p = reallocarray(vec->v, cap, sizeof(*p));
		if (!p) {
			vec->failed = true;
			return;
		}
		vec->v = p;
		vec->cap = cap;
	}
	vec->v[vec->n++] = x;
}

struct gr_graph {
	uint32_t nobjects, nroots;
	uint64_t *start;      /* nobjects + 1 */
	uint32_t *edges;
	uint64_t *root_start; /* nroots + 1 */
	uint32_t *root_edges;
	struct gr_graph_stats stats;
};

struct scan_ctx {
	const struct gr_heap *heap;
	struct u32vec *out;
	uint32_t self;
	struct gr_graph_stats *stats;
};

static void on_pointer(void *arg, uint64_t slot, uint64_t value)
{
	struct scan_ctx *c = arg;
	(void)slot;
	c->stats->pointer_words++;
	if (!value)
		return;
	uint32_t t = gr_heap_find(c->heap, value);
	if (t == GR_HEAP_NO_OBJECT) {
		const struct gr_span *sp = gr_heap_span_at(c->heap, value);
		if (sp && sp->state == GR_SPAN_IN_USE)
			c->stats->dangling++;
		return;
	}
	if (t != c->self)
		u32vec_push(c->out, t);
}

static struct gr_error *build_objects(struct gr_graph *g, struct gr_heap *heap,
				      gr_graph_progress_fn *progress,
				      void *arg)
{
	struct u32vec out = {0};
	struct scan_ctx c = {.heap = heap, .out = &out, .stats = &g->stats};
	g->start = malloc(((uint64_t)g->nobjects + 1) * sizeof(*g->start));
	if (!g->start)
		return gr_error_nomem();
	for (uint32_t id = 0; id < g->nobjects; id++) {
		g->start[id] = out.n;
		c.self = id;
		struct gr_error *err =
			gr_heap_scan_object(heap, id, on_pointer, &c);
		if (err) {
			/* Damage: the object's outgoing edges are unknown. */
			g->stats.unscannable++;
			g->stats.unscannable_bytes +=
				gr_heap_object_size(heap, id);
			gr_error_destroy(err);
		}
		if (out.failed) {
			free(out.v);
			return gr_error_nomem();
		}
		if (progress && (id & 0xffff) == 0)
			progress(arg, id, g->nobjects);
	}
	g->start[g->nobjects] = out.n;
	g->edges = out.v;
	g->stats.edges = out.n;
	if (progress)
		progress(arg, g->nobjects, g->nobjects);
	return NULL;
}

static struct gr_error *build_roots(struct gr_graph *g,
				    const struct gr_heap *heap,
				    const struct gr_roots *roots)
{
	struct u32vec out = {0};
	g->root_start = malloc(((uint64_t)g->nroots + 1) * sizeof(*g->root_start));
	if (!g->root_start)
		return gr_error_nomem();
	for (uint32_t r = 0; r < g->nroots; r++) {
		g->root_start[r] = out.n;
		const struct gr_root_slot *slots = gr_roots_slots(roots, r);
		size_t n = gr_roots_slot_count(roots, r);
		for (size_t i = 0; i < n; i++) {
			uint32_t t = gr_heap_find(heap, slots[i].value);
			if (t != GR_HEAP_NO_OBJECT)
				u32vec_push(&out, t);
		}
		if (out.failed) {
			free(out.v);
			return gr_error_nomem();
		}
	}
	g->root_start[g->nroots] = out.n;
	g->root_edges = out.v;
	g->stats.root_edges = out.n;
	return NULL;
}

struct gr_error *gr_graph_build(struct gr_heap *heap,
				const struct gr_roots *roots,
				gr_graph_progress_fn *progress, void *arg,
				struct gr_graph **ret)
{
	struct gr_graph *g = calloc(1, sizeof(*g));
	if (!g)
		return gr_error_nomem();
	g->nobjects = gr_heap_object_count(heap);
	if (gr_roots_count(roots) >= UINT32_MAX) {
		free(g);
		return gr_error_create(GR_ERR_LIMIT, "too many roots");
	}
	g->nroots = (uint32_t)gr_roots_count(roots);
	struct gr_error *err;
	if ((err = build_objects(g, heap, progress, arg)) ||
	    (err = build_roots(g, heap, roots))) {
		gr_graph_destroy(g);
		return err;
	}
	*ret = g;
	return NULL;
}

void gr_graph_destroy(struct gr_graph *g)
{
	if (!g)
		return;
	free(g->start);
	free(g->edges);
	free(g->root_start);
	free(g->root_edges);
	free(g);
}

uint32_t gr_graph_object_count(const struct gr_graph *g)
{
	return g->nobjects;
}

uint32_t gr_graph_root_count(const struct gr_graph *g)
{
	return g->nroots;
}

void gr_graph_edges(const struct gr_graph *g, uint32_t id,
		    const uint32_t **ret, uint32_t *count)
{
	*ret = g->edges + g->start[id];
	*count = (uint32_t)(g->start[id + 1] - g->start[id]);
}

void gr_graph_root_edges(const struct gr_graph *g, uint32_t r,
			 const uint32_t **ret, uint32_t *count)
{
	*ret = g->root_edges + g->root_start[r];
	*count = (uint32_t)(g->root_start[r + 1] - g->root_start[r]);
}

const struct gr_graph_stats *gr_graph_stats(const struct gr_graph *g)
{
	return &g->stats;
}
