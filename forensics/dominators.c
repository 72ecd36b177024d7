/* SPDX-License-Identifier: MIT */
/*
 * Lengauer and Tarjan's algorithm, "simple" version (path compression
 * without balanced linking, O(m log n)):
 *
 *   T. Lengauer, R. E. Tarjan.  A fast algorithm for finding dominators in
 *   a flowgraph.  ACM TOPLAS 1(1):121-141, 1979.
 *
 * Semi-NCA (L. Georgiadis, R. E. Tarjan, R. F. Werneck.  Finding
 * dominators in practice.  JGAA 10(1):69-94, 2006) is often faster, but its
 * NCA walk is quadratic when many vertices hang below a deep DFS path yet
 * are semidominated near the top: a long linked list whose elements each
 * point at objects that a later root (a map, a cache) also holds.  Heaps
 * make that shape (tests/unit/test_dominators.c builds it), so we keep
 * LT's bound.  Like x/debug's internal/gocore/dominator.go, we thread the
 * buckets through one array and set idom(w) = parent(w) at once when
 * sdom(w) = parent(w).
 *
 * Everything after the DFS works on preorder numbers, so the per-vertex
 * arrays are dense and hold only reached vertices.  The DFS and COMPRESS
 * use explicit stacks: a heap's linked list is a path of millions of
 * vertices.
 */
#include "dominators.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"

struct gr_dom {
	uint32_t nroots, nobjects, nnodes, nreached;
	uint32_t *pre;	    /* node -> preorder; GR_DOM_NONE: unreached */
	uint32_t *vertex;   /* preorder -> node; only while building */
	/* preorder -> idom: in preorder while building, then as a node
	 * number; idom[0] = 0. */
	uint32_t *idom;
	uint64_t *bytes;    /* preorder -> retained bytes */
	uint32_t *objects;  /* preorder -> retained objects */
	uint32_t *cstart;   /* preorder -> children[cstart[i] .. cstart[i+1]) */
	uint32_t *children; /* node numbers */
	struct gr_dom_totals totals;
};

/* A node of the DFS path: its edges and how far we are through them. */
struct dfs_frame {
	const uint32_t *e;
	uint32_t cnt, next, v;
};

/* Working state of one build; arrays indexed by preorder number. */
struct lt {
	const struct gr_dom_input *in;
	uint32_t n;
	uint32_t *parent;   /* DFS tree parent */
	uint32_t *semi;	    /* semidominator */
	uint32_t *label;    /* EVAL's answer for the compressed path */
	uint32_t *ancestor; /* the LINK/EVAL forest, GR_DOM_NONE at its roots */
	uint32_t *bucket;   /* circular bucket lists, bucket[i] = i if empty */
	uint64_t *pstart;   /* predecessors: preds[pstart[i] .. pstart[i+1]) */
	uint32_t *preds;
	/*
	 * The DFS writes down every edge it scans, in preorder numbers
	 * (succ[sstart[v] .. sstart[v+1]), in preorder), and counts
	 * in-degrees into pstart: the predecessor lists are then built
	 * without a second look at the graph, reading succ in order.
	 */
	uint64_t *sstart;
	uint32_t *succ;
	uint64_t nsucc, succ_cap;
	/* One bit per node number: whether the DFS has visited it, so that a
	 * tree edge costs no read of pre[]. */
	uint64_t *seen;
	struct dfs_frame *frames; /* the DFS path */
	size_t cap, maxdepth;
	/* COMPRESS's stack: its paths follow DFS tree ancestors, so are
	 * never longer than the deepest DFS path. */
	uint32_t *stack;
};

static void node_edges(const struct gr_dom_input *in, uint32_t node,
		       const uint32_t **e, uint32_t *n)
{
	const struct gr_graph_csr *g = in->csr;
	if (g && node <= in->nroots) {
		*e = g->root_edges + g->root_start[node - 1];
		*n = (uint32_t)(g->root_start[node] - g->root_start[node - 1]);
	} else if (g) {
		uint32_t id = node - 1 - in->nroots;
		*e = g->edges + g->start[id];
		*n = (uint32_t)(g->start[id + 1] - g->start[id]);
	} else if (node <= in->nroots)
		in->root_edges(in->arg, node - 1, e, n);
	else
		in->object_edges(in->arg, node - 1 - in->nroots, e, n);
}

static struct gr_error *bad_edge(const struct gr_dom_input *in,
				 uint32_t node, uint32_t target)
{
	if (node <= in->nroots)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "root %u: edge to object %u of %u",
				       node - 1, target, in->nobjects);
	return gr_error_create(GR_ERR_BAD_DATA,
			       "object %u: edge to object %u of %u",
			       node - 1 - in->nroots, target, in->nobjects);
}

/* Make room for @k more entries of succ and take them. */
static struct gr_error *take_succ(struct lt *lt, uint64_t k)
{
	if (lt->succ_cap - lt->nsucc < k) {
		uint64_t cap = lt->succ_cap ? lt->succ_cap : 1u << 16;
		while (cap - lt->nsucc < k)
			cap *= 2;
		uint32_t *s = reallocarray(lt->succ, cap, sizeof(*s));
		if (!s)
			return gr_error_nomem();
		lt->succ = s;
		lt->succ_cap = cap;
	}
	lt->nsucc += k;
	return NULL;
}

/* Give @node the next preorder number and push it on the DFS path. */
static struct gr_error *visit(struct gr_dom *d, struct lt *lt, size_t *depth,
			      uint32_t node, uint32_t parent)
{
	if (*depth == lt->cap) {
		size_t cap = lt->cap ? lt->cap * 2 : 1024;
		struct dfs_frame *f = reallocarray(lt->frames, cap, sizeof(*f));
		if (!f)
			return gr_error_nomem();
		lt->frames = f;
		lt->cap = cap;
	}
	uint32_t v = lt->n++;
	d->pre[node] = v;
	d->vertex[v] = node;
	lt->parent[v] = parent;
	lt->seen[node / 64] |= UINT64_C(1) << (node % 64);
	struct dfs_frame *f = &lt->frames[(*depth)++];
	node_edges(lt->in, node, &f->e, &f->cnt);
	f->next = 0;
	f->v = v;
	if (*depth > lt->maxdepth)
		lt->maxdepth = *depth;
	lt->sstart[v] = lt->nsucc;
	return take_succ(lt, f->cnt);
}

/* Record the edge in slot @k of succ to preorder number @t. */
static void record(struct lt *lt, uint64_t k, uint32_t t)
{
	lt->succ[k] = t;
	lt->pstart[t + 1]++;
}

/* Step 1: number the reachable nodes in DFS preorder from P. */
static struct gr_error *dfs(struct gr_dom *d, struct lt *lt)
{
	const struct gr_dom_input *in = lt->in;
	struct gr_error *err;
	d->pre[0] = 0;
	d->vertex[0] = 0;
	lt->parent[0] = 0;
	lt->sstart[0] = 0;
	lt->n = 1;
	if ((err = take_succ(lt, in->nroots)))
		return err;
	for (uint32_t r = 0; r < in->nroots; r++) {
		size_t depth = 0;
		record(lt, r, lt->n);
		if ((err = visit(d, lt, &depth, 1 + r, 0)))
			return err;
		while (depth) {
			struct dfs_frame *f = &lt->frames[depth - 1];
			uint32_t next = GR_DOM_NONE;
			while (f->next < f->cnt) {
				uint32_t t = f->e[f->next];
				uint64_t k = lt->sstart[f->v] + f->next++;
				if (t >= in->nobjects)
					return bad_edge(in, d->vertex[f->v], t);
				t += 1 + in->nroots;
				if (!(lt->seen[t / 64] >> (t % 64) & 1)) {
					record(lt, k, lt->n);
					next = t;
					break;
				}
				record(lt, k, d->pre[t]);
			}
			if (next == GR_DOM_NONE)
				depth--;
			else if ((err = visit(d, lt, &depth, next, f->v)))
				return err;
		}
	}
	lt->sstart[lt->n] = lt->nsucc;
	return NULL;
}

/* Predecessor lists from the DFS's record: counts are in pstart already. */
static struct gr_error *build_preds(struct gr_dom *d, struct lt *lt)
{
	uint32_t n = lt->n;
	for (uint32_t v = 0; v < n; v++)
		lt->pstart[v + 1] += lt->pstart[v];
	uint64_t m = lt->pstart[n];
	lt->preds = gr_bigarray_alloc(m, sizeof(*lt->preds), false);
	if (!lt->preds)
		return gr_error_nomem();
	/* Fill with pstart[t] as the write cursor (it ends at t's end, i.e.
	 * t + 1's start), then shift back. */
	for (uint32_t v = 0; v < n; v++)
		for (uint64_t k = lt->sstart[v]; k < lt->sstart[v + 1]; k++)
			lt->preds[lt->pstart[lt->succ[k]]++] = v;
	for (uint32_t v = n; v > 0; v--)
		lt->pstart[v] = lt->pstart[v - 1];
	lt->pstart[0] = 0;
	d->totals.edges = m;
	return NULL;
}

/* COMPRESS, iteratively: the recursion's updates run from the top of the
 * path down, so push the path then pop it. */
static void compress(struct lt *lt, uint32_t v)
{
	uint32_t *anc = lt->ancestor, *label = lt->label, *semi = lt->semi;
	size_t top = 0;
	while (anc[anc[v]] != GR_DOM_NONE) {
		lt->stack[top++] = v;
		v = anc[v];
	}
	while (top) {
		v = lt->stack[--top];
		uint32_t a = anc[v];
		if (semi[label[a]] < semi[label[v]])
			label[v] = label[a];
		anc[v] = anc[a];
	}
}

static uint32_t eval(struct lt *lt, uint32_t v)
{
	if (lt->ancestor[v] == GR_DOM_NONE)
		return v;
	compress(lt, v);
	return lt->label[v];
}

/* Steps 2-4 of the paper: semidominators, implicit then explicit idoms. */
static void semidominators(struct gr_dom *d, struct lt *lt)
{
	uint32_t n = lt->n, *semi = lt->semi, *idom = d->idom;
	for (uint32_t i = 0; i < n; i++) {
		semi[i] = lt->label[i] = lt->bucket[i] = i;
		lt->ancestor[i] = GR_DOM_NONE;
	}
	idom[0] = 0;
	for (uint32_t w = n - 1; w > 0; w--) {
		uint32_t p = lt->parent[w];
		for (uint64_t k = lt->pstart[w]; k < lt->pstart[w + 1]; k++) {
			uint32_t u = eval(lt, lt->preds[k]);
			if (semi[u] < semi[w])
				semi[w] = semi[u];
		}
		/* Bucket(w) was emptied when w's children were linked, so
		 * bucket[w] is free to be w's link in bucket(semi(w)). */
		if (semi[w] == p) {
			idom[w] = p;
		} else {
			lt->bucket[w] = lt->bucket[semi[w]];
			lt->bucket[semi[w]] = w;
		}
		lt->ancestor[w] = p; /* LINK */
		for (uint32_t v = lt->bucket[p]; v != p;) {
			uint32_t next = lt->bucket[v];
			uint32_t u = eval(lt, v);
			idom[v] = semi[u] < semi[v] ? u : p;
			v = next;
		}
		lt->bucket[p] = p;
	}
	for (uint32_t w = 1; w < n; w++)
		if (idom[w] != semi[w])
			idom[w] = idom[idom[w]];
}

/* idom(v) < v in preorder, so one backward pass sums every subtree. */
static void retained(struct gr_dom *d, const struct gr_dom_input *in)
{
	uint32_t n = d->nreached;
	memset(d->bytes, 0, (size_t)n * sizeof(*d->bytes));
	memset(d->objects, 0, (size_t)n * sizeof(*d->objects));
	/* In object order, the caller's per-object data is read in order. */
	for (uint32_t id = 0; id < d->nobjects; id++) {
		uint32_t v = d->pre[1 + d->nroots + id];
		if (v == GR_DOM_NONE)
			continue;
		d->bytes[v] = in->sizes ? gr_heap_size_of(in->sizes, id)
					: in->object_size(in->arg, id);
		d->objects[v] = 1;
	}
	for (uint32_t v = n - 1; v > 0; v--) {
		d->bytes[d->idom[v]] += d->bytes[v];
		d->objects[d->idom[v]] += d->objects[v];
	}
}

static void children(struct gr_dom *d)
{
	uint32_t n = d->nreached;
	memset(d->cstart, 0, ((size_t)n + 1) * sizeof(*d->cstart));
	for (uint32_t v = 1; v < n; v++)
		d->cstart[d->idom[v] + 1]++;
	for (uint32_t v = 0; v < n; v++)
		d->cstart[v + 1] += d->cstart[v];
	/* Same cursor-then-shift fill as build_preds, in preorder: idom[]
	 * and vertex[] are read in order. */
	for (uint32_t v = 1; v < n; v++)
		d->children[d->cstart[d->idom[v]]++] = d->vertex[v];
	for (uint32_t v = n; v > 0; v--)
		d->cstart[v] = d->cstart[v - 1];
	d->cstart[0] = 0;
}

static void totals(struct gr_dom *d)
{
	struct gr_dom_totals *t = &d->totals;
	t->nodes = d->nreached;
	t->live_bytes = d->bytes[0];
	t->live_objects = d->objects[0];
	for (uint32_t k = d->cstart[0]; k < d->cstart[1]; k++) {
		uint32_t v = d->pre[d->children[k]];
		if (d->children[k] <= d->nroots) {
			t->root_bytes += d->bytes[v];
			t->root_objects += d->objects[v];
		} else {
			t->shared_tops++;
			t->shared_bytes += d->bytes[v];
			t->shared_objects += d->objects[v];
		}
	}
}

static void lt_free(struct lt *lt)
{
	free(lt->parent);
	free(lt->semi);
	free(lt->label);
	free(lt->ancestor);
	free(lt->bucket);
	free(lt->pstart);
	free(lt->preds);
	free(lt->sstart);
	free(lt->succ);
	free(lt->seen);
	free(lt->frames);
	free(lt->stack);
}

static struct gr_error *run(struct gr_dom *d, struct lt *lt)
{
	struct gr_error *err;
	size_t nn = d->nnodes;
	/* Sized for every node; only the pages of reached ones are touched
	 * (and the unreached ones given back below). */
	d->vertex = gr_bigarray_alloc(nn, sizeof(*d->vertex), false);
	lt->parent = gr_bigarray_alloc(nn, sizeof(*lt->parent), false);
	lt->sstart = gr_bigarray_alloc(nn + 1, sizeof(*lt->sstart), false);
	lt->pstart = gr_bigarray_alloc(nn + 1, sizeof(*lt->pstart), true);
	lt->seen = gr_bigarray_alloc((nn + 63) / 64, sizeof(*lt->seen), true);
	if (!d->vertex || !lt->parent || !lt->sstart || !lt->pstart ||
	    !lt->seen)
		return gr_error_nomem();
	if ((err = dfs(d, lt)))
		return err;
	free(lt->seen);
	free(lt->frames);
	lt->seen = NULL;
	lt->frames = NULL;
	uint32_t n = d->nreached = lt->n;
	uint32_t *shrunk = reallocarray(d->vertex, n, sizeof(*shrunk));
	if (shrunk)
		d->vertex = shrunk;
	shrunk = reallocarray(lt->parent, n, sizeof(*shrunk));
	if (shrunk)
		lt->parent = shrunk;
	uint64_t *shrunk64 = reallocarray(lt->pstart, (size_t)n + 1,
					  sizeof(*shrunk64));
	if (shrunk64)
		lt->pstart = shrunk64;
	if ((err = build_preds(d, lt)))
		return err;
	free(lt->succ);
	free(lt->sstart);
	lt->succ = NULL;
	lt->sstart = NULL;
	lt->semi = gr_bigarray_alloc(n, sizeof(*lt->semi), false);
	lt->label = gr_bigarray_alloc(n, sizeof(*lt->label), false);
	lt->ancestor = gr_bigarray_alloc(n, sizeof(*lt->ancestor), false);
	lt->bucket = gr_bigarray_alloc(n, sizeof(*lt->bucket), false);
	lt->stack = malloc((lt->maxdepth ? lt->maxdepth : 1) *
			   sizeof(*lt->stack));
	d->idom = gr_bigarray_alloc(n, sizeof(*d->idom), false);
	if (!lt->semi || !lt->label || !lt->ancestor || !lt->bucket ||
	    !lt->stack || !d->idom)
		return gr_error_nomem();
	semidominators(d, lt);
	/* The result's arrays take over work arrays of the same sizes: a
	 * fresh page costs a fault and the kernel's zeroing, which on a
	 * 25M-object heap took longer than steps 2-4 themselves. */
	uint32_t *cstart = reallocarray(lt->ancestor, (size_t)n + 1,
					sizeof(*cstart));
	if (!cstart)
		return gr_error_nomem();
	d->cstart = cstart;
	d->bytes = lt->pstart;
	d->objects = lt->semi;
	d->children = lt->label;
	lt->ancestor = lt->semi = lt->label = NULL;
	lt->pstart = NULL;
	return NULL;
}

struct gr_error *gr_dom_build_input(const struct gr_dom_input *in,
				    struct gr_dom **ret)
{
	uint64_t nnodes = 1 + (uint64_t)in->nroots + in->nobjects;
	if (nnodes >= GR_DOM_NONE)
		return gr_error_create(GR_ERR_LIMIT,
				       "dominators: %u roots and %u objects "
				       "are too many nodes",
				       in->nroots, in->nobjects);
	struct gr_dom *d = calloc(1, sizeof(*d));
	if (!d)
		return gr_error_nomem();
	struct lt lt = {.in = in};
	d->nroots = in->nroots;
	d->nobjects = in->nobjects;
	d->nnodes = (uint32_t)nnodes;
	d->pre = gr_bigarray_alloc(nnodes, sizeof(*d->pre), false);
	struct gr_error *err = gr_error_nomem();
	if (d->pre) {
		memset(d->pre, 0xff, nnodes * sizeof(*d->pre));
		err = run(d, &lt);
	}
	lt_free(&lt);
	if (err) {
		gr_dom_destroy(d);
		return err;
	}
	retained(d, in);
	children(d);
	totals(d);
	for (uint32_t v = 0; v < d->nreached; v++)
		d->idom[v] = d->vertex[d->idom[v]];
	free(d->vertex);
	d->vertex = NULL;
	*ret = d;
	return NULL;
}

struct gr_error *gr_dom_build(const struct gr_heap *heap,
			      const struct gr_graph *graph,
			      const struct gr_mark *mark, struct gr_dom **ret)
{
	struct gr_graph_csr csr;
	gr_graph_csr(graph, &csr);
	struct gr_heap_sizes sizes;
	gr_heap_sizes(heap, &sizes);
	struct gr_dom_input in = {
		.csr = &csr,
		.sizes = &sizes,
		.nobjects = gr_graph_object_count(graph),
		.nroots = gr_graph_root_count(graph),
	};
	struct gr_dom *d;
	struct gr_error *err = gr_dom_build_input(&in, &d);
	if (err)
		return err;
	const struct gr_mark_totals *mt = gr_mark_totals(mark);
	if (d->totals.live_objects != mt->live_objects ||
	    d->totals.live_bytes != mt->live_bytes) {
		err = gr_error_create(GR_ERR_BAD_DATA,
				      "dominators: tree covers %" PRIu64
				      " objects (%" PRIu64 " bytes), mark "
				      "found %" PRIu64 " (%" PRIu64 ")",
				      d->totals.live_objects,
				      d->totals.live_bytes, mt->live_objects,
				      mt->live_bytes);
		gr_dom_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void gr_dom_destroy(struct gr_dom *d)
{
	if (!d)
		return;
	free(d->pre);
	free(d->vertex);
	free(d->idom);
	free(d->bytes);
	free(d->objects);
	free(d->cstart);
	free(d->children);
	free(d);
}

uint32_t gr_dom_root_node(const struct gr_dom *d, uint32_t r)
{
	(void)d;
	return 1 + r;
}

uint32_t gr_dom_object_node(const struct gr_dom *d, uint32_t id)
{
	return 1 + d->nroots + id;
}

uint32_t gr_dom_node_count(const struct gr_dom *d)
{
	return d->nnodes;
}

struct gr_dom_ref gr_dom_ref(const struct gr_dom *d, uint32_t node)
{
	if (node >= d->nnodes)
		return (struct gr_dom_ref){GR_DOM_KIND_NONE, 0};
	if (node == 0)
		return (struct gr_dom_ref){GR_DOM_KIND_PSEUDO, 0};
	if (node <= d->nroots)
		return (struct gr_dom_ref){GR_DOM_KIND_ROOT, node - 1};
	return (struct gr_dom_ref){GR_DOM_KIND_OBJECT, node - 1 - d->nroots};
}

/* Preorder number of @node, or GR_DOM_NONE. */
static uint32_t pre_of(const struct gr_dom *d, uint32_t node)
{
	return node < d->nnodes ? d->pre[node] : GR_DOM_NONE;
}

bool gr_dom_reached(const struct gr_dom *d, uint32_t node)
{
	return pre_of(d, node) != GR_DOM_NONE;
}

uint32_t gr_dom_idom(const struct gr_dom *d, uint32_t node)
{
	uint32_t v = pre_of(d, node);
	if (v == GR_DOM_NONE || v == 0)
		return GR_DOM_NONE;
	return d->idom[v];
}

struct gr_dom_ref gr_dom_object_idom(const struct gr_dom *d, uint32_t id)
{
	if (id >= d->nobjects)
		return (struct gr_dom_ref){GR_DOM_KIND_NONE, 0};
	uint32_t i = gr_dom_idom(d, gr_dom_object_node(d, id));
	if (i == GR_DOM_NONE)
		return (struct gr_dom_ref){GR_DOM_KIND_NONE, 0};
	return gr_dom_ref(d, i);
}

struct gr_dom_retained gr_dom_retained(const struct gr_dom *d, uint32_t node)
{
	uint32_t v = pre_of(d, node);
	if (v == GR_DOM_NONE)
		return (struct gr_dom_retained){0, 0};
	return (struct gr_dom_retained){d->bytes[v], d->objects[v]};
}

struct gr_dom_retained gr_dom_object_retained(const struct gr_dom *d,
					      uint32_t id)
{
	if (id >= d->nobjects)
		return (struct gr_dom_retained){0, 0};
	return gr_dom_retained(d, gr_dom_object_node(d, id));
}

struct gr_dom_retained gr_dom_root_retained(const struct gr_dom *d,
					    uint32_t r)
{
	if (r >= d->nroots)
		return (struct gr_dom_retained){0, 0};
	return gr_dom_retained(d, gr_dom_root_node(d, r));
}

struct gr_error *gr_dom_group_retained(const struct gr_dom *d,
				       const uint32_t *group_of, size_t ngroups,
				       uint64_t *rows_bytes,
				       uint64_t *rows_objects)
{
	/* active[g]: members of g on the current path.  Iterative: stack
	 * entries are node << 1 | leaving; each node costs one pre[]
	 * lookup, its arrays then read by preorder number. */
	uint32_t *active = calloc(ngroups ? ngroups : 1, sizeof(*active));
	uint64_t *stack =
		gr_bigarray_alloc((size_t)d->nreached * 2 + 2, sizeof(*stack), false);
	if (!active || !stack) {
		free(active);
		free(stack);
		return gr_error_nomem();
	}
	size_t top = 0;
	if (d->nreached)
		stack[top++] = (uint64_t)GR_DOM_PSEUDO_ROOT << 1;
	while (top) {
		uint64_t e = stack[--top];
		uint32_t node = (uint32_t)(e >> 1);
		uint32_t grp = node > d->nroots ? group_of[node - d->nroots - 1]
						: UINT32_MAX;
		if (e & 1) {
			if (grp != UINT32_MAX)
				active[grp]--;
			continue;
		}
		uint32_t v = d->pre[node];
		if (grp != UINT32_MAX) {
			if (!active[grp]++) {
				rows_bytes[grp] += d->bytes[v];
				rows_objects[grp] += d->objects[v];
			}
			stack[top++] = e | 1;
		}
		for (uint32_t k = d->cstart[v + 1]; k-- > d->cstart[v];)
			stack[top++] = (uint64_t)d->children[k] << 1;
	}
	free(active);
	free(stack);
	return NULL;
}

void gr_dom_children(const struct gr_dom *d, uint32_t node,
		     const uint32_t **ret, uint32_t *count)
{
	uint32_t v = pre_of(d, node);
	if (v == GR_DOM_NONE) {
		*ret = d->children;
		*count = 0;
		return;
	}
	*ret = d->children + d->cstart[v];
	*count = d->cstart[v + 1] - d->cstart[v];
}

struct gr_error *gr_dom_chain(const struct gr_dom *d, uint32_t node,
			      uint32_t **ret, size_t *len)
{
	uint32_t v = pre_of(d, node);
	if (v == GR_DOM_NONE)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "dominators: node %u is not reached",
				       node);
	size_t n = 1;
	for (uint32_t x = node; x; x = d->idom[d->pre[x]])
		n++;
	uint32_t *chain = malloc(n * sizeof(*chain));
	if (!chain)
		return gr_error_nomem();
	size_t k = 0;
	for (uint32_t x = node; x; x = d->idom[d->pre[x]])
		chain[k++] = x;
	chain[k] = GR_DOM_PSEUDO_ROOT;
	*ret = chain;
	*len = n;
	return NULL;
}

const struct gr_dom_totals *gr_dom_totals(const struct gr_dom *d)
{
	return &d->totals;
}
