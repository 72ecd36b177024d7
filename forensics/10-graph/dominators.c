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
 *
 * Memory is what limits a big heap (the build runs while the graph and
 * the types are held), so the arrays share what their lifetimes allow:
 *
 *  - A predecessor v < w of w is unlinked when w is processed, so EVAL(v)
 *    is v and semi(v) is still v: such edges (tree and forward edges, most
 *    of a heap's) only lower semi(w) to v, and the DFS does that as it
 *    meets them.  Only the edges v -> w with v > w (cross and back edges)
 *    are kept, as predecessor lists sorted by w.
 *  - Vertices are processed in decreasing preorder and LINK(parent(w), w)
 *    happens when w is, so "x is linked" is "x > w": the forest's
 *    ancestor array starts as the DFS tree's parents and needs no other
 *    mark, and parent(w), read once when w is processed, needs no array.
 *  - Until w is linked its label is unused: it holds where w's
 *    predecessor list starts.
 *  - idom(v) is written when v leaves its bucket (or when v is processed,
 *    if it never enters one), after its bucket link was last read and
 *    after its own bucket was last emptied: one array holds both.
 *  - Steps 2-4 need no node numbers, so the node -> preorder array is
 *    freed after the DFS; a second DFS, meeting the nodes in the same
 *    order, numbers them for the result (renumber()).
 *
 * The tree is then renumbered breadth-first (see struct gr_dom), so that
 * the children lists the API hands out are the node array itself and a
 * parent is found by binary search: no idom array is kept.
 */
#include "forensics/10-graph/dominators.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"

/*
 * The reached nodes are numbered breadth-first over the dominator tree
 * ("tree index", P = 0), each node's children in DFS preorder: the
 * children of index i are the indices first(i) .. first(i + 1), and first
 * is nondecreasing, so i's parent is the last p with first(p) <= i.
 */
struct gr_dom {
	uint32_t nroots, nobjects, nnodes, nreached;
	uint32_t *at;	   /* node -> tree index; GR_DOM_NONE: unreached */
	uint32_t *node;	   /* tree index -> node (the children lists) */
	/* first(i), i <= nreached: first_base[i / FB] plus first_off[i]
	 * (most nodes have few children), or for an offset of FAR, in far[]
	 * by index (a block only reaches that far under hundreds of
	 * children). */
	uint32_t *first_base;
	uint8_t *first_off;
	struct far {
		uint32_t index, first;
	} *far;
	size_t nfar;
	/* Retained bytes and objects: the low 32 and 16 bits, and the high
	 * ones per block of HI_BLOCK indices, NULL where all are 0: a few
	 * nodes retain 4 GiB or 64K objects, and those near each other in
	 * breadth-first order (the tops, a long list's tail); at worst it
	 * is a full uint64 and uint32. */
	uint32_t *bytes, **bytes_hi;
	uint16_t *objects, **objects_hi;
	struct gr_dom_totals totals;
};

enum {
	HI_SHIFT = 12,
	HI_BLOCK = 1u << HI_SHIFT,
	FB_SHIFT = 5,
	FB = 1u << FB_SHIFT,
	FAR = UINT8_MAX,
};

/* A node of the DFS path: the edges left to scan. */
struct dfs_frame {
	const uint32_t *next, *end;
};

/* Working state of one build; arrays indexed by preorder number. */
struct lt {
	const struct gr_dom_input *in;
	uint32_t n;	    /* vertices numbered */
	uint32_t *pre;	    /* node -> preorder, in step 1 only */
	uint32_t *anc;	    /* DFS parent, then the LINK/EVAL forest */
	uint32_t *semi;	    /* first the least smaller predecessor */
	uint32_t *label;    /* until linked, start of the predecessor list */
	uint32_t *bucket;   /* bucket heads and links, then idom */
	/* Edges v -> w with v > w: (w, v) pairs during the DFS, then the
	 * v's sorted by w. */
	uint32_t *back, *preds;
	uint64_t nback, back_cap;
	uint64_t edges;
	/* One bit per object: whether the DFS has met it, so that an edge
	 * to one it has met costs no miss in the renumbering DFS, and a
	 * tree edge none in the first. */
	uint64_t *seen;
	struct dfs_frame *frames; /* the DFS path */
	size_t cap, maxdepth;
	/* COMPRESS's stack: its paths follow DFS tree ancestors, so are
	 * never longer than the deepest DFS path. */
	uint32_t *stack;
};

static inline void node_edges(const struct gr_dom_input *in, uint32_t node,
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

static uint64_t object_size(const struct gr_dom_input *in, uint32_t id)
{
	return in->sizes ? gr_heap_size_of(in->sizes, id)
			 : in->object_size(in->arg, id);
}

/* Vertex @v's edge to @target is out of range.  The error path looks the
 * node up rather than every frame carrying it. */
GR_MUST_USE
static struct gr_error *bad_edge(const struct lt *lt, uint32_t v,
				 uint32_t target)
{
	const struct gr_dom_input *in = lt->in;
	uint32_t node = 0;
	while (lt->pre[node] != v)
		node++;
	if (node <= in->nroots)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "root %u: edge to object %u of %u",
				       node - 1, target, in->nobjects);
	return gr_error_create(GR_ERR_BAD_DATA,
			       "object %u: edge to object %u of %u",
			       node - 1 - in->nroots, target, in->nobjects);
}

/* Push @node's edges on the DFS path at @depth. */
GR_MUST_USE
static inline struct gr_error *push(struct lt *lt, size_t depth,
				    uint32_t node)
{
	struct gr_error *err;
	if (depth == lt->cap &&
	    (err = gr_array_grow(&lt->frames, &lt->cap, depth, 1)))
		return err;
	const uint32_t *e;
	uint32_t cnt;
	node_edges(lt->in, node, &e, &cnt);
	lt->frames[depth] = (struct dfs_frame){e, e + cnt};
	return NULL;
}

/* Keep the edge @v -> @w, v > w. */
GR_MUST_USE
static struct gr_error *add_back(struct lt *lt, uint32_t w, uint32_t v)
{
	if (lt->nback == lt->back_cap) {
		uint64_t cap = lt->back_cap ? lt->back_cap * 2 : 1u << 16;
		uint32_t *b = gr_bigarray_realloc(lt->back, cap, 2 * sizeof(*b));
		if (!b)
			return gr_error_nomem();
		lt->back = b;
		lt->back_cap = cap;
	}
	lt->back[2 * lt->nback] = w;
	lt->back[2 * lt->nback + 1] = v;
	lt->nback++;
	return NULL;
}

/* Step 1: number the reachable nodes in DFS preorder from P, recording
 * parents, the least smaller predecessor of each vertex, and the edges to
 * smaller vertices. */
GR_MUST_USE
static struct gr_error *dfs(struct lt *lt)
{
	const struct gr_dom_input *in = lt->in;
	uint32_t *pre = lt->pre, *anc = lt->anc, *semi = lt->semi;
	uint32_t base = 1 + in->nroots;
	uint64_t *seen = lt->seen;
	struct gr_error *err;
	pre[0] = anc[0] = semi[0] = 0;
	lt->n = 1;
	lt->edges = in->nroots;
	for (uint32_t r = 0; r < in->nroots; r++) {
		uint32_t cur = lt->n++;
		pre[1 + r] = cur;
		anc[cur] = semi[cur] = 0;
		size_t depth = 0;
		if ((err = push(lt, depth++, 1 + r)))
			return err;
		const uint32_t *next = lt->frames[0].next, *end = lt->frames[0].end;
		lt->edges += (uint64_t)(end - next);
		if (!lt->maxdepth)
			lt->maxdepth = 1;
		for (;;) {
			if (next == end) {
				if (--depth == 0)
					break;
				cur = anc[cur];
				next = lt->frames[depth - 1].next;
				end = lt->frames[depth - 1].end;
				continue;
			}
			uint32_t t = *next++;
			if (t >= in->nobjects)
				return bad_edge(lt, cur, t);
			uint32_t u;
			if (!(seen[t / 64] >> (t % 64) & 1)) {
				seen[t / 64] |= UINT64_C(1) << (t % 64);
				lt->frames[depth - 1].next = next;
				u = lt->n++;
				pre[base + t] = u;
				anc[u] = semi[u] = cur;
				cur = u;
				if ((err = push(lt, depth++, base + t)))
					return err;
				next = lt->frames[depth - 1].next;
				end = lt->frames[depth - 1].end;
				lt->edges += (uint64_t)(end - next);
				if (depth > lt->maxdepth)
					lt->maxdepth = depth;
			} else if ((u = pre[base + t]) > cur) {
				/* A descendant's: cur is unlinked then. */
				if (cur < semi[u])
					semi[u] = cur;
			} else if (u < cur && (err = add_back(lt, u, cur))) {
				return err;
			}
		}
	}
	return NULL;
}

/* The kept edges as lists by target: label[w] .. label[w + 1] (nback for
 * the last) in preds. */
GR_MUST_USE
static struct gr_error *sort_back(struct lt *lt)
{
	uint32_t n = lt->n;
	if (lt->nback >= UINT32_MAX)
		return gr_error_create(GR_ERR_LIMIT,
				       "dominators: %" PRIu64
				       " cross edges are too many",
				       lt->nback);
	lt->label = gr_bigarray_alloc(n, sizeof(*lt->label), true);
	lt->preds = gr_bigarray_alloc(lt->nback, sizeof(*lt->preds), false);
	if (!lt->label || !lt->preds)
		return gr_error_nomem();
	uint32_t *cnt = lt->label, *b = lt->back;
	for (uint64_t k = 0; k < lt->nback; k++)
		cnt[b[2 * k]]++;
	for (uint32_t w = 1; w < n; w++)
		cnt[w] += cnt[w - 1];
	for (uint64_t k = lt->nback; k-- > 0;)
		lt->preds[--cnt[b[2 * k]]] = b[2 * k + 1];
	free(lt->back);
	lt->back = NULL;
	return NULL;
}

/* COMPRESS, iteratively: the recursion's updates run from the top of the
 * path down, so push the path then pop it.  Linked means > @lim. */
static void compress(struct lt *lt, uint32_t v, uint32_t lim)
{
	uint32_t *anc = lt->anc, *label = lt->label, *semi = lt->semi;
	size_t top = 0;
	while (anc[v] > lim) {
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

/* EVAL of a linked vertex @v. */
static uint32_t eval(struct lt *lt, uint32_t v, uint32_t lim)
{
	if (lt->anc[v] > lim)
		compress(lt, v, lim);
	return lt->label[v];
}

/* Steps 2-4 of the paper: semidominators, implicit then explicit idoms,
 * into bucket[]. */
static void semidominators(struct lt *lt)
{
	uint32_t n = lt->n, *semi = lt->semi, *anc = lt->anc;
	uint32_t *label = lt->label, *bucket = lt->bucket;
	memset(bucket, 0xff, (size_t)n * sizeof(*bucket));
	uint64_t end = lt->nback;
	for (uint32_t w = n - 1; w > 0; w--) {
		uint32_t p = anc[w], s = semi[w];
		for (uint64_t k = label[w]; k < end; k++) {
			uint32_t u = eval(lt, lt->preds[k], w);
			if (semi[u] < s)
				s = semi[u];
		}
		end = label[w];
		semi[w] = s;
		label[w] = w; /* LINK(p, w): w > w - 1 is linked now */
		/* Bucket(w) was emptied when w's children were linked, so
		 * bucket[w] is free to be w's link in bucket(s). */
		if (s == p) {
			bucket[w] = p;
		} else {
			bucket[w] = bucket[s];
			bucket[s] = w;
		}
		for (uint32_t v = bucket[p]; v != GR_DOM_NONE;) {
			uint32_t next = bucket[v];
			uint32_t u = eval(lt, v, w - 1);
			bucket[v] = semi[u] < semi[v] ? u : p;
			v = next;
		}
		bucket[p] = GR_DOM_NONE;
	}
	bucket[0] = 0;
	for (uint32_t w = 1; w < n; w++)
		if (bucket[w] != semi[w])
			bucket[w] = bucket[bucket[w]];
}

static void lt_free(struct lt *lt)
{
	free(lt->anc);
	free(lt->semi);
	free(lt->label);
	free(lt->bucket);
	free(lt->back);
	free(lt->preds);
	free(lt->pre);
	free(lt->seen);
	free(lt->frames);
	free(lt->stack);
}

static void *shrink(void *p, size_t count, size_t size)
{
	void *q = reallocarray(p, count ? count : 1, size);
	return q ? q : p;
}

/* Number the reached nodes in preorder and find their idoms: *idom[v] is the
 * preorder number of v's idom, idom[0] = 0. */
GR_MUST_USE
static struct gr_error *run(struct gr_dom *d, struct lt *lt, uint32_t **idom)
{
	struct gr_error *err;
	size_t nn = d->nnodes;
	/* Sized for every node; only the pages of reached ones are touched
	 * (and the rest given back below). */
	lt->pre = gr_bigarray_alloc(nn, sizeof(*lt->pre), false);
	lt->anc = gr_bigarray_alloc(nn, sizeof(*lt->anc), false);
	lt->semi = gr_bigarray_alloc(nn, sizeof(*lt->semi), false);
	lt->seen = gr_bigarray_alloc(((size_t)d->nobjects + 63) / 64,
				     sizeof(*lt->seen), true);
	if (!lt->pre || !lt->anc || !lt->semi || !lt->seen)
		return gr_error_nomem();
	memset(lt->pre, 0xff, nn * sizeof(*lt->pre));
	if ((err = dfs(lt)))
		return err;
	/* Steps 2-4 need no node numbers: renumber() finds them again. */
	free(lt->pre);
	lt->pre = NULL;
	uint32_t n = d->nreached = lt->n;
	d->totals.edges = lt->edges;
	lt->anc = shrink(lt->anc, n, sizeof(*lt->anc));
	lt->semi = shrink(lt->semi, n, sizeof(*lt->semi));
	if ((err = sort_back(lt)))
		return err;
	lt->bucket = gr_bigarray_alloc(n, sizeof(*lt->bucket), false);
	lt->stack = malloc((lt->maxdepth ? lt->maxdepth : 1) *
			   sizeof(*lt->stack));
	if (!lt->bucket || !lt->stack)
		return gr_error_nomem();
	semidominators(lt);
	*idom = lt->bucket;
	lt->bucket = NULL;
	uint32_t *done[] = {lt->anc, lt->semi, lt->label, lt->preds,
			    lt->stack};
	for (size_t k = 0; k < sizeof(done) / sizeof(*done); k++)
		free(done[k]);
	lt->anc = lt->semi = lt->label = lt->preds = lt->stack = NULL;
	return NULL;
}

static uint32_t far_first(const struct gr_dom *d, uint32_t i)
{
	size_t lo = 0, hi = d->nfar;
	while (d->far[lo].index != i) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->far[mid].index <= i)
			lo = mid;
		else
			hi = mid;
	}
	return d->far[lo].first;
}

static inline uint32_t first_of(const struct gr_dom *d, uint32_t i)
{
	uint8_t off = d->first_off[i];
	return off != FAR ? d->first_base[i >> FB_SHIFT] + off
			  : far_first(d, i);
}

/* Keep first(i) = @first, an offset of FAR or more in far[]. */
GR_MUST_USE
static struct gr_error *add_far(struct gr_dom *d, uint32_t i, uint32_t first,
				size_t *cap)
{
	struct gr_error *err = gr_array_grow(&d->far, cap, d->nfar, 1);
	if (err)
		return err;
	d->far[d->nfar++] = (struct far){i, first};
	return NULL;
}

/* Append first(i) = @first, i in increasing order. */
GR_MUST_USE
static inline struct gr_error *set_first(struct gr_dom *d, uint32_t i,
					 uint32_t first, size_t *cap)
{
	if (i % FB == 0)
		d->first_base[i >> FB_SHIFT] = first;
	uint32_t off = first - d->first_base[i >> FB_SHIFT];
	d->first_off[i] = off < FAR ? (uint8_t)off : FAR;
	return off < FAR ? NULL : add_far(d, i, first, cap);
}

/* Node @x is preorder @v: give it its tree index. */
static inline void number(struct gr_dom *d, const uint32_t *index,
			  uint32_t x, uint32_t v)
{
	d->at[x] = index[v];
	d->node[index[v]] = x;
}

/*
 * The DFS of step 1 again (its edges were checked then), to number the
 * nodes with their tree index: the k-th node it meets is preorder k.
 * Cheaper than keeping step 1's node -> preorder array through steps
 * 2-4, the build's peak.
 */
GR_MUST_USE
static struct gr_error *renumber(struct gr_dom *d, struct lt *lt,
				 const uint32_t *index)
{
	const struct gr_dom_input *in = lt->in;
	uint32_t base = 1 + in->nroots, k = 1;
	uint64_t *seen = lt->seen;
	struct gr_error *err;
	memset(d->at, 0xff, (size_t)d->nnodes * sizeof(*d->at));
	memset(seen, 0, (((size_t)in->nobjects + 63) / 64) * sizeof(*seen));
	number(d, index, 0, 0);
	for (uint32_t r = 0; r < in->nroots; r++) {
		number(d, index, 1 + r, k++);
		size_t depth = 0;
		if ((err = push(lt, depth++, 1 + r)))
			return err;
		const uint32_t *next = lt->frames[0].next, *end = lt->frames[0].end;
		for (;;) {
			if (next == end) {
				if (--depth == 0)
					break;
				next = lt->frames[depth - 1].next;
				end = lt->frames[depth - 1].end;
				continue;
			}
			uint32_t t = *next++, x = base + t;
			if (seen[t / 64] >> (t % 64) & 1)
				continue;
			seen[t / 64] |= UINT64_C(1) << (t % 64);
			lt->frames[depth - 1].next = next;
			number(d, index, x, k++);
			if ((err = push(lt, depth++, x)))
				return err;
			next = lt->frames[depth - 1].next;
			end = lt->frames[depth - 1].end;
		}
	}
	return NULL;
}

/*
 * The breadth-first tree indices from @idom (freed here): first(), then
 * d->at and d->node by renumber().
 */
GR_MUST_USE
static struct gr_error *layout(struct gr_dom *d, struct lt *lt,
			       uint32_t *idom)
{
	uint32_t n = d->nreached;
	/* Children by preorder: kids[cs[v] .. cs[v + 1]), in preorder. */
	uint32_t *cs = gr_bigarray_alloc((size_t)n + 1, sizeof(*cs), true);
	uint32_t *kids = gr_bigarray_alloc(n, sizeof(*kids), false);
	if (!cs || !kids) {
		free(idom);
		free(cs);
		free(kids);
		return gr_error_nomem();
	}
	for (uint32_t v = 1; v < n; v++)
		cs[idom[v]]++;
	for (uint32_t v = 1; v <= n; v++)
		cs[v] += cs[v - 1];
	for (uint32_t v = n; v-- > 1;)
		kids[--cs[idom[v]]] = v;
	free(idom);
	/* Breadth-first: order[i] is index i's preorder number. */
	uint32_t *order = gr_bigarray_alloc(n, sizeof(*order), false);
	d->first_base = gr_bigarray_alloc(((size_t)n >> FB_SHIFT) + 1,
					  sizeof(*d->first_base), false);
	d->first_off = gr_bigarray_alloc((size_t)n + 1, 1, false);
	struct gr_error *err = order && d->first_base && d->first_off
				       ? NULL
				       : gr_error_nomem();
	uint32_t tail = 1;
	size_t cap = 0;
	if (!err)
		order[0] = 0;
	for (uint32_t i = 0; !err && i < n; i++) {
		uint32_t v = order[i];
		err = set_first(d, i, tail, &cap);
		for (uint32_t k = cs[v]; k < cs[v + 1]; k++)
			order[tail++] = kids[k];
	}
	if (!err)
		err = set_first(d, n, tail, &cap);
	free(cs);
	free(kids);
	if (err) {
		free(order);
		return err;
	}
	/* Preorder -> index, then node -> index and index -> node. */
	uint32_t *index = gr_bigarray_alloc(n, sizeof(*index), false);
	if (!index) {
		free(order);
		return gr_error_nomem();
	}
	for (uint32_t i = 0; i < n; i++)
		index[order[i]] = i;
	free(order);
	d->at = gr_bigarray_alloc(d->nnodes, sizeof(*d->at), false);
	d->node = gr_bigarray_alloc(n, sizeof(*d->node), false);
	if (!d->at || !d->node)
		err = gr_error_nomem();
	else
		err = renumber(d, lt, index);
	free(index);
	return err;
}

static uint64_t bytes_at(const struct gr_dom *d, uint32_t i)
{
	const uint32_t *hi = d->bytes_hi[i >> HI_SHIFT];
	return d->bytes[i] | (hi ? (uint64_t)hi[i % HI_BLOCK] << 32 : 0);
}

static uint32_t objects_at(const struct gr_dom *d, uint32_t i)
{
	const uint16_t *hi = d->objects_hi[i >> HI_SHIFT];
	return d->objects[i] | (hi ? (uint32_t)hi[i % HI_BLOCK] << 16 : 0);
}

/* Block @hi of HI_BLOCK entries of @size bytes, allocated if need be. */
static bool hi_block(void **hi, size_t size)
{
	return *hi || (*hi = calloc(HI_BLOCK, size));
}

/* Children have higher indices than their parent, so one backward pass
 * sums every subtree. */
GR_MUST_USE
static struct gr_error *retained(struct gr_dom *d,
				 const struct gr_dom_input *in)
{
	uint32_t n = d->nreached;
	d->bytes = gr_bigarray_alloc(n, sizeof(*d->bytes), false);
	d->objects = gr_bigarray_alloc(n, sizeof(*d->objects), false);
	size_t blocks = ((size_t)n >> HI_SHIFT) + 1;
	d->bytes_hi = calloc(blocks, sizeof(*d->bytes_hi));
	d->objects_hi = calloc(blocks, sizeof(*d->objects_hi));
	if (!d->bytes || !d->objects || !d->bytes_hi || !d->objects_hi)
		return gr_error_nomem();
	uint32_t end = first_of(d, n);
	for (uint32_t i = n; i-- > 0;) {
		uint32_t x = d->node[i], start = first_of(d, i);
		uint64_t bytes = 0;
		uint32_t objects = 0;
		if (x > d->nroots) {
			bytes = object_size(in, x - 1 - d->nroots);
			objects = 1;
		}
		for (uint32_t c = start; c < end; c++) {
			objects += objects_at(d, c);
			bytes += bytes_at(d, c);
		}
		end = start;
		d->bytes[i] = (uint32_t)bytes;
		d->objects[i] = (uint16_t)objects;
		void **bhi = (void **)&d->bytes_hi[i >> HI_SHIFT];
		void **ohi = (void **)&d->objects_hi[i >> HI_SHIFT];
		if ((bytes >> 32 && !hi_block(bhi, sizeof(uint32_t))) ||
		    (objects >> 16 && !hi_block(ohi, sizeof(uint16_t))))
			return gr_error_nomem();
		if (*bhi)
			((uint32_t *)*bhi)[i % HI_BLOCK] = (uint32_t)(bytes >> 32);
		if (*ohi)
			((uint16_t *)*ohi)[i % HI_BLOCK] = (uint16_t)(objects >> 16);
	}
	return NULL;
}

static void totals(struct gr_dom *d)
{
	struct gr_dom_totals *t = &d->totals;
	t->nodes = d->nreached;
	t->live_bytes = bytes_at(d, 0);
	t->live_objects = objects_at(d, 0);
	uint32_t end = first_of(d, 1);
	for (uint32_t i = first_of(d, 0); i < end; i++) {
		uint64_t bytes = bytes_at(d, i);
		if (d->node[i] <= d->nroots) {
			t->root_bytes += bytes;
			t->root_objects += objects_at(d, i);
		} else {
			t->shared_tops++;
			t->shared_bytes += bytes;
			t->shared_objects += objects_at(d, i);
		}
	}
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
	uint32_t *idom = NULL;
	struct gr_error *err = run(d, &lt, &idom);
	if (!err)
		err = layout(d, &lt, idom);
	lt_free(&lt);
	if (!err && !(err = retained(d, in)))
		totals(d);
	if (err) {
		gr_dom_destroy(d);
		return err;
	}
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
	free(d->at);
	free(d->node);
	free(d->first_base);
	free(d->first_off);
	free(d->far);
	free(d->bytes);
	free(d->objects);
	for (uint32_t b = 0; b <= d->nreached >> HI_SHIFT; b++) {
		if (d->bytes_hi)
			free(d->bytes_hi[b]);
		if (d->objects_hi)
			free(d->objects_hi[b]);
	}
	free(d->bytes_hi);
	free(d->objects_hi);
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

/* Tree index of @node, or GR_DOM_NONE. */
static uint32_t index_of(const struct gr_dom *d, uint32_t node)
{
	return node < d->nnodes ? d->at[node] : GR_DOM_NONE;
}

/* The parent of tree index @i > 0: the last p with first(p) <= i, and
 * p < i (first(i) > i).  The last such block first, then within it. */
static uint32_t parent_of(const struct gr_dom *d, uint32_t i)
{
	uint32_t lo = 0, hi = (i >> FB_SHIFT) + 1;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (d->first_base[mid] <= i)
			lo = mid;
		else
			hi = mid;
	}
	hi = lo * FB + FB < i ? lo * FB + FB : i;
	lo *= FB;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (first_of(d, mid) <= i)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

bool gr_dom_reached(const struct gr_dom *d, uint32_t node)
{
	return index_of(d, node) != GR_DOM_NONE;
}

uint32_t gr_dom_idom(const struct gr_dom *d, uint32_t node)
{
	uint32_t i = index_of(d, node);
	if (i == GR_DOM_NONE || i == 0)
		return GR_DOM_NONE;
	return d->node[parent_of(d, i)];
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
	uint32_t i = index_of(d, node);
	if (i == GR_DOM_NONE)
		return (struct gr_dom_retained){0, 0};
	return (struct gr_dom_retained){bytes_at(d, i), objects_at(d, i)};
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

/* Group of tree index @i, or UINT32_MAX. */
static uint32_t group_at(const struct gr_dom *d, const uint32_t *group_of,
			 uint32_t i)
{
	uint32_t x = d->node[i];
	return x > d->nroots ? group_of[x - 1 - d->nroots] : UINT32_MAX;
}

struct gr_error *gr_dom_group_retained(const struct gr_dom *d,
				       const uint32_t *group_of, size_t ngroups,
				       uint64_t *rows_bytes,
				       uint64_t *rows_objects)
{
	/* active[g]: members of g on the current path.  The path is a stack
	 * of tree indices, each with the range of its children left to
	 * enter and the first child of the next one; leaves are entered and
	 * left without a frame. */
	struct frame {
		uint32_t i, c, end, cfirst;
	};
	uint32_t *active = calloc(ngroups ? ngroups : 1, sizeof(*active));
	size_t cap = 1024, depth = 0;
	struct frame *path = malloc(cap * sizeof(*path));
	if (!active || !path) {
		free(active);
		free(path);
		return gr_error_nomem();
	}
	if (d->nreached) {
		uint32_t c = first_of(d, 0);
		path[0] = (struct frame){0, c, first_of(d, 1), first_of(d, c)};
		depth = 1;
	}
	while (depth) {
		struct frame *f = &path[depth - 1];
		if (f->c == f->end) {
			uint32_t g = group_at(d, group_of, f->i);
			if (g != UINT32_MAX)
				active[g]--;
			depth--;
			continue;
		}
		uint32_t c = f->c++, cfirst = f->cfirst;
		uint32_t cend = f->cfirst = first_of(d, c + 1);
		uint32_t g = group_at(d, group_of, c);
		if (g != UINT32_MAX && !active[g]) {
			rows_bytes[g] += bytes_at(d, c);
			rows_objects[g] += objects_at(d, c);
		}
		if (cfirst == cend)
			continue;
		struct gr_error *err = gr_array_grow(&path, &cap, depth, 1);
		if (err) {
			free(active);
			free(path);
			return err;
		}
		if (g != UINT32_MAX)
			active[g]++;
		path[depth++] =
			(struct frame){c, cfirst, cend, first_of(d, cfirst)};
	}
	free(active);
	free(path);
	return NULL;
}

void gr_dom_children(const struct gr_dom *d, uint32_t node,
		     const uint32_t **ret, uint32_t *count)
{
	uint32_t i = index_of(d, node);
	if (i == GR_DOM_NONE) {
		*ret = d->node;
		*count = 0;
		return;
	}
	uint32_t first = first_of(d, i);
	*ret = d->node + first;
	*count = first_of(d, i + 1) - first;
}

struct gr_error *gr_dom_chain(const struct gr_dom *d, uint32_t node,
			      uint32_t **ret, size_t *len)
{
	uint32_t i = index_of(d, node);
	if (i == GR_DOM_NONE)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "dominators: node %u is not reached",
				       node);
	size_t n = 1;
	for (uint32_t x = i; x; x = parent_of(d, x))
		n++;
	uint32_t *chain = malloc(n * sizeof(*chain));
	if (!chain)
		return gr_error_nomem();
	size_t k = 0;
	for (uint32_t x = i; x; x = parent_of(d, x))
		chain[k++] = d->node[x];
	chain[k] = GR_DOM_PSEUDO_ROOT;
	*ret = chain;
	*len = n;
	return NULL;
}

const struct gr_dom_totals *gr_dom_totals(const struct gr_dom *d)
{
	return &d->totals;
}
