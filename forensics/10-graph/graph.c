/* SPDX-License-Identifier: MIT */
#include "forensics/10-graph/graph.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/bigarray.h"

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
		uint32_t *p = gr_bigarray_realloc(vec->v, cap, sizeof(*p));
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
	/* nobjects + 1; 32 bits (4 bytes an object, not 8): a heap with
	 * 2^32 edges or more (a 16 GB edge array) is refused with LIMIT. */
	uint32_t *start;
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

/* Most threads worth starting: the scan is bound by memory bandwidth. */
enum { MAX_THREADS = 16 };

/*
 * One thread's share: objects [lo, hi), their edges in a vector of its
 * own, start[] relative to it until the join.  Only worker 0 reports
 * progress (the callback is not thread-safe), scaled by the count.
 */
struct worker {
	struct gr_heap *heap;
	struct gr_heap_scanner *scanner;
	uint32_t *start;
	uint32_t lo, hi, nworkers;
	struct u32vec out;
	struct gr_graph_stats stats;
	gr_graph_progress_fn *progress;
	void *arg;
	uint32_t total;
	/* What stopped the scan (NOMEM): no thread returns one. */
	struct gr_error *err;
};

static void *scan_range(void *arg)
{
	struct worker *w = arg;
	struct scan_ctx c = {.heap = w->heap, .out = &w->out,
			     .stats = &w->stats};
	for (uint32_t id = w->lo; id < w->hi; id++) {
		/* Truncated past 2^32 edges, which the join refuses. */
		w->start[id] = (uint32_t)w->out.n;
		c.self = id;
		struct gr_error *err =
			gr_heap_scanner_scan(w->scanner, id, on_pointer, &c);
		if (gr_error_catch(&err, GR_ERR_CONTENT)) {
			/* Damage: the object's outgoing edges are unknown. */
			w->stats.unscannable++;
			w->stats.unscannable_bytes +=
				gr_heap_object_size(w->heap, id);
		} else if (err) {
			w->err = err;
			break;
		}
		if (w->out.failed)
			break;
		if (w->progress && ((id - w->lo) & 0xffff) == 0) {
			uint64_t done = (uint64_t)(id - w->lo) * w->nworkers;
			w->progress(w->arg, done < w->total ? done : w->total,
				    w->total);
		}
	}
	return NULL;
}

static void stats_add(struct gr_graph_stats *to,
		      const struct gr_graph_stats *s)
{
	to->pointer_words += s->pointer_words;
	to->dangling += s->dangling;
	to->unscannable += s->unscannable;
	to->unscannable_bytes += s->unscannable_bytes;
}

GR_MUST_USE
static struct gr_error *build_objects(struct gr_graph *g, struct gr_heap *heap,
				      unsigned threads,
				      gr_graph_progress_fn *progress,
				      void *arg)
{
	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	/* 4096 objects a thread at least: tiny heaps stay serial. */
	if (threads > g->nobjects / 4096 + 1)
		threads = g->nobjects / 4096 + 1;
	g->start = gr_bigarray_alloc((size_t)g->nobjects + 1, sizeof(*g->start),
				    false);
	if (!g->start)
		return gr_error_nomem();
	struct worker w[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct gr_error *err = NULL;
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < threads; i++) {
		w[i] = (struct worker){
			.heap = heap,
			.start = g->start,
			.lo = (uint32_t)((uint64_t)g->nobjects * i / threads),
			.hi = (uint32_t)((uint64_t)g->nobjects * (i + 1) /
					 threads),
			.nworkers = threads,
			.progress = i == 0 ? progress : NULL,
			.arg = arg,
			.total = g->nobjects,
		};
		if (!err)
			err = gr_heap_scanner_create(
				heap, threads > 1 ? &lock : NULL,
				&w[i].scanner);
	}
	/* Workers 1.. on threads of their own, worker 0 here; a thread that
	 * cannot be started leaves its range to this one. */
	for (unsigned i = 1; !err && i < threads; i++)
		started[i] = pthread_create(&tid[i], NULL, scan_range, &w[i]) == 0;
	if (!err)
		scan_range(&w[0]);
	for (unsigned i = 1; i < threads; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else if (!err)
			scan_range(&w[i]);
	}
	/* Join the edge lists in id order: the first worker's vector grows
	 * to hold them all. */
	uint64_t total = 0;
	for (unsigned i = 0; i < threads; i++) {
		if (w[i].err && !err)
			err = w[i].err;
		else
			gr_error_destroy(w[i].err);
		if (w[i].out.failed && !err)
			err = gr_error_nomem();
		total += w[i].out.n;
	}
	if (!err && total > w[0].out.n) {
		uint32_t *p = gr_bigarray_realloc(w[0].out.v, total, sizeof(*p));
		if (!p)
			err = gr_error_nomem();
		else
			w[0].out.v = p;
	}
	if (!err && total >= UINT32_MAX)
		err = gr_error_create(GR_ERR_LIMIT,
				       "object graph: %llu edges (at most %u)",
				       (unsigned long long)total,
				       (unsigned)UINT32_MAX - 1);
	uint32_t off = (uint32_t)w[0].out.n;
	stats_add(&g->stats, &w[0].stats);
	for (unsigned i = 1; !err && i < threads; i++) {
		if (w[i].out.n)
			memcpy(w[0].out.v + off, w[i].out.v,
			       w[i].out.n * sizeof(*w[i].out.v));
		for (uint32_t id = w[i].lo; id < w[i].hi; id++)
			g->start[id] += off;
		off += (uint32_t)w[i].out.n;
		stats_add(&g->stats, &w[i].stats);
	}
	for (unsigned i = 0; i < threads; i++) {
		gr_heap_scanner_destroy(w[i].scanner);
		if (i)
			free(w[i].out.v);
	}
	pthread_mutex_destroy(&lock);
	if (err) {
		free(w[0].out.v);
		return err;
	}
	g->start[g->nobjects] = (uint32_t)total;
	g->edges = w[0].out.v;
	g->stats.edges = total;
	if (progress)
		progress(arg, g->nobjects, g->nobjects);
	return NULL;
}

GR_MUST_USE
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
				const struct gr_roots *roots, unsigned threads,
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
	if ((err = build_objects(g, heap, threads, progress, arg)) ||
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

void gr_graph_csr(const struct gr_graph *g, struct gr_graph_csr *ret)
{
	ret->start = g->start;
	ret->edges = g->edges;
	ret->root_start = g->root_start;
	ret->root_edges = g->root_edges;
	ret->nobjects = g->nobjects;
	ret->nroots = g->nroots;
}

static inline void reach_push(uint64_t *vis, uint32_t *queue, uint64_t *tail,
			      uint32_t id)
{
	uint64_t bit = (uint64_t)1 << (id & 63);
	if (vis[id >> 6] & bit)
		return;
	vis[id >> 6] |= bit;
	queue[(*tail)++] = id;
}

void gr_graph_reach(const struct gr_graph_csr *g,
		    const struct gr_heap_sizes *z, const uint32_t *roots,
		    size_t nroots, bool root_work, const uint32_t *objs,
		    size_t nobj, uint64_t *vis, uint32_t *queue,
		    uint64_t budget, struct gr_graph_reach *ret)
{
	uint64_t head = 0, tail = 0, work = 0, bytes = 0;
	for (size_t i = 0; i < nroots; i++) {
		uint64_t b = g->root_start[roots[i]],
			 e = g->root_start[roots[i] + 1];
		if (root_work)
			work += e - b;
		for (; b < e; b++)
			reach_push(vis, queue, &tail, g->root_edges[b]);
	}
	for (size_t i = 0; i < nobj; i++)
		reach_push(vis, queue, &tail, objs[i]);
	bool over = false;
	while (head < tail) {
		uint32_t id = queue[head++];
		bytes += gr_heap_size_of(z, id);
		uint64_t b = g->start[id], e = g->start[id + 1];
		work += 1 + (e - b);
		if (work > budget) {
			over = true;
			break;
		}
		for (; b < e; b++)
			reach_push(vis, queue, &tail, g->edges[b]);
	}
	*ret = (struct gr_graph_reach){.bytes = bytes,
				       .objects = head,
				       .work = work,
				       .queued = tail,
				       .over = over};
}

void gr_graph_reach_clear(uint64_t *vis, const uint32_t *queue, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		vis[queue[i] >> 6] &= ~((uint64_t)1 << (queue[i] & 63));
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
