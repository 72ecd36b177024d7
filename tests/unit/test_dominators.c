/* SPDX-License-Identifier: MIT */
/*
 * gr_dom against the definition, on synthetic graphs and real cores.
 *
 * The definition: d dominates v iff v is reachable from P but not once d
 * is removed.  On thousands of small random graphs (cycles, self-loops,
 * duplicate edges, objects no root reaches) every idom, retained size,
 * child list and chain is compared with that brute force.  Hand-built
 * shapes check the cases people reason about (diamond, two roots sharing a
 * subgraph) and the ones that break recursive or quadratic code: a chain
 * and rings of a million objects, and a deep list whose elements a later
 * root also holds (semi-NCA's quadratic case).
 *
 * On the cached cores (every installed Go version, scripts/make-cores.sh;
 * a missing core fails the test) the check is independent of the algorithm:
 * removing an object or a root and marking again from the roots must lose
 * exactly its dominator subtree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "forensics/10-graph/dominators.h"
#include "forensics/12-query/analysis.h"
#include "tests/unit/rootcores.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- synthetic graphs in CSR form ---- */

struct tg {
	uint32_t nobjects, nroots;
	uint64_t *ostart, *rstart; /* nobjects + 1, nroots + 1 */
	uint32_t *oedges, *redges;
	uint64_t *size;
	/* Edge list while building: source node (1 + r or 1 + R + id). */
	uint32_t *src, *dst;
	size_t n, cap;
};

static void tg_init(struct tg *g, uint32_t nroots, uint32_t nobjects)
{
	memset(g, 0, sizeof(*g));
	g->nroots = nroots;
	g->nobjects = nobjects;
	g->size = calloc(nobjects ? nobjects : 1, sizeof(*g->size));
	assert_non_null(g->size);
	for (uint32_t i = 0; i < nobjects; i++)
		g->size[i] = 8 * (1 + i % 7);
}

static void tg_edge(struct tg *g, uint32_t src_node, uint32_t dst)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->src = realloc(g->src, g->cap * sizeof(*g->src));
		g->dst = realloc(g->dst, g->cap * sizeof(*g->dst));
		assert_non_null(g->src);
		assert_non_null(g->dst);
	}
	g->src[g->n] = src_node;
	g->dst[g->n++] = dst;
}

static void tg_root_edge(struct tg *g, uint32_t r, uint32_t dst)
{
	tg_edge(g, 1 + r, dst);
}

static void tg_obj_edge(struct tg *g, uint32_t id, uint32_t dst)
{
	tg_edge(g, 1 + g->nroots + id, dst);
}

/* Counting sort of the edge list into the two CSR arrays. */
static void tg_finish(struct tg *g)
{
	g->rstart = calloc((size_t)g->nroots + 1, sizeof(*g->rstart));
	g->ostart = calloc((size_t)g->nobjects + 1, sizeof(*g->ostart));
	g->redges = malloc((g->n + 1) * sizeof(*g->redges));
	g->oedges = malloc((g->n + 1) * sizeof(*g->oedges));
	assert_true(g->rstart && g->ostart && g->redges && g->oedges);
	/* Count into start[x], sum inclusively so start[x] is x's end, then
	 * fill backwards, leaving start[x] at x's start. */
	for (size_t k = 0; k < g->n; k++) {
		if (g->src[k] <= g->nroots)
			g->rstart[g->src[k] - 1]++;
		else
			g->ostart[g->src[k] - 1 - g->nroots]++;
	}
	for (uint32_t r = 1; r <= g->nroots; r++)
		g->rstart[r] += g->rstart[r - 1];
	for (uint32_t i = 1; i <= g->nobjects; i++)
		g->ostart[i] += g->ostart[i - 1];
	for (size_t k = g->n; k-- > 0;) {
		if (g->src[k] <= g->nroots)
			g->redges[--g->rstart[g->src[k] - 1]] = g->dst[k];
		else
			g->oedges[--g->ostart[g->src[k] - 1 - g->nroots]] =
				g->dst[k];
	}
	free(g->src);
	free(g->dst);
	g->src = g->dst = NULL;
}

static void tg_free(struct tg *g)
{
	free(g->ostart);
	free(g->rstart);
	free(g->oedges);
	free(g->redges);
	free(g->size);
	free(g->src);
	free(g->dst);
}

static void tg_object_edges(void *arg, uint32_t id, const uint32_t **ret,
			    uint32_t *count)
{
	const struct tg *g = arg;
	*ret = g->oedges + g->ostart[id];
	*count = (uint32_t)(g->ostart[id + 1] - g->ostart[id]);
}

static void tg_root_edges(void *arg, uint32_t r, const uint32_t **ret,
			  uint32_t *count)
{
	const struct tg *g = arg;
	*ret = g->redges + g->rstart[r];
	*count = (uint32_t)(g->rstart[r + 1] - g->rstart[r]);
}

static uint64_t tg_size(void *arg, uint32_t id)
{
	const struct tg *g = arg;
	return g->size[id];
}

static struct gr_dom *tg_dom(struct tg *g)
{
	struct gr_dom_input in = {
		.nobjects = g->nobjects,
		.nroots = g->nroots,
		.object_edges = tg_object_edges,
		.root_edges = tg_root_edges,
		.object_size = tg_size,
		.arg = g,
	};
	struct gr_dom *d = NULL;
	rc_ok(gr_dom_build_input(&in, &d));
	return d;
}

/* ---- brute force by the definition ---- */

/* Nodes reachable from P without going through @blocked (a node number,
 * or GR_DOM_NONE). */
static void bf_reach(const struct tg *g, uint32_t blocked, bool *seen,
		     uint32_t *queue)
{
	uint32_t t = 1 + g->nroots + g->nobjects, head = 0, tail = 0;
	memset(seen, 0, t * sizeof(*seen));
	seen[0] = true;
	for (uint32_t r = 0; r < g->nroots; r++)
		if (1 + r != blocked) {
			seen[1 + r] = true;
			queue[tail++] = 1 + r;
		}
	while (head < tail) {
		uint32_t x = queue[head++];
		const uint32_t *e;
		uint32_t n;
		if (x <= g->nroots)
			tg_root_edges((void *)g, x - 1, &e, &n);
		else
			tg_object_edges((void *)g, x - 1 - g->nroots, &e, &n);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t y = 1 + g->nroots + e[k];
			if (!seen[y] && y != blocked) {
				seen[y] = true;
				queue[tail++] = y;
			}
		}
	}
}

static uint64_t node_size(const struct tg *g, uint32_t node)
{
	return node > g->nroots ? g->size[node - 1 - g->nroots] : 0;
}

static void check_children(const struct tg *g, const struct gr_dom *d,
			   const bool *live)
{
	uint32_t t = 1 + g->nroots + g->nobjects, total = 0;
	for (uint32_t v = 0; v < t; v++) {
		const uint32_t *c;
		uint32_t n;
		gr_dom_children(d, v, &c, &n);
		if (!live[v])
			assert_int_equal(n, 0);
		for (uint32_t k = 0; k < n; k++)
			assert_int_equal(gr_dom_idom(d, c[k]), v);
		total += n;
	}
	uint32_t reached = 0;
	for (uint32_t v = 0; v < t; v++)
		reached += live[v];
	assert_int_equal(total, reached - 1);
	assert_int_equal(gr_dom_totals(d)->nodes, reached);
}

/* gr_dom_group_retained against the definition: a member counts unless
 * another member of its group dominates it.  Groups: id % 3, none for
 * every fifth object. */
static void check_groups(const struct tg *g, const struct gr_dom *d,
			 const bool *live, const bool *dom)
{
	enum { NG = 3 };
	uint32_t t = 1 + g->nroots + g->nobjects;
	uint32_t *group_of = malloc((g->nobjects + 1) * sizeof(*group_of));
	assert_non_null(group_of);
	for (uint32_t id = 0; id < g->nobjects; id++)
		group_of[id] = id % 5 == 4 ? UINT32_MAX : id % NG;
	uint64_t bytes[NG] = {0}, objects[NG] = {0};
	uint64_t want_bytes[NG] = {0}, want_objects[NG] = {0};
	rc_ok(gr_dom_group_retained(d, group_of, NG, bytes, objects));
	for (uint32_t v = 1 + g->nroots; v < t; v++) {
		uint32_t gv = group_of[v - 1 - g->nroots];
		if (!live[v] || gv == UINT32_MAX)
			continue;
		bool top = true;
		for (uint32_t a = 1 + g->nroots; a < t; a++)
			if (a != v && dom[(size_t)a * t + v] &&
			    group_of[a - 1 - g->nroots] == gv)
				top = false;
		if (top) {
			struct gr_dom_retained rt = gr_dom_retained(d, v);
			want_bytes[gv] += rt.bytes;
			want_objects[gv] += rt.objects;
		}
	}
	for (uint32_t k = 0; k < NG; k++) {
		assert_int_equal(bytes[k], want_bytes[k]);
		assert_int_equal(objects[k], want_objects[k]);
	}
	free(group_of);
}

/* Compare @d with the definition on @g. */
static void check_brute(const struct tg *g, const struct gr_dom *d)
{
	uint32_t t = 1 + g->nroots + g->nobjects;
	bool *live = malloc(t), *seen = malloc(t);
	uint32_t *queue = malloc(t * sizeof(*queue));
	uint32_t *ndom = calloc(t, sizeof(*ndom));
	bool *dom = calloc((size_t)t * t, 1); /* dom[a * t + v]: a sdom v */
	assert_true(live && seen && queue && ndom && dom);
	bf_reach(g, GR_DOM_NONE, live, queue);
	for (uint32_t a = 1; a < t; a++) {
		if (!live[a])
			continue;
		bf_reach(g, a, seen, queue);
		for (uint32_t v = 0; v < t; v++)
			if (live[v] && !seen[v] && v != a) {
				dom[(size_t)a * t + v] = true;
				ndom[v]++;
			}
	}
	assert_int_equal(gr_dom_node_count(d), t);
	assert_int_equal(gr_dom_idom(d, 0), GR_DOM_NONE);
	assert_int_equal(gr_dom_ref(d, 0).kind, GR_DOM_KIND_PSEUDO);
	assert_int_equal(gr_dom_ref(d, t).kind, GR_DOM_KIND_NONE);
	uint64_t shared_tops = 0, shared_bytes = 0, root_bytes = 0;
	for (uint32_t v = 0; v < t; v++) {
		struct gr_dom_retained rt = gr_dom_retained(d, v);
		assert_int_equal(gr_dom_reached(d, v), live[v]);
		if (!live[v]) {
			assert_int_equal(gr_dom_idom(d, v), GR_DOM_NONE);
			assert_int_equal(rt.bytes, 0);
			assert_int_equal(rt.objects, 0);
			continue;
		}
		/* idom: the strict dominator with the most dominators (P, the
		 * implicit one, has none). */
		if (v) {
			uint32_t best = 0, depth = 0;
			for (uint32_t a = 1; a < t; a++)
				if (dom[(size_t)a * t + v] && ndom[a] + 1 > depth) {
					best = a;
					depth = ndom[a] + 1;
				}
			assert_int_equal(depth, ndom[v]);
			if (gr_dom_idom(d, v) != best)
				fail_msg("node %u: idom %u, definition says %u",
					 v, gr_dom_idom(d, v), best);
			if (best == 0 && v > g->nroots) {
				shared_tops++;
				shared_bytes += rt.bytes;
			}
			if (v <= g->nroots)
				root_bytes += rt.bytes;
		}
		uint64_t bytes = node_size(g, v), objects = v > g->nroots;
		for (uint32_t w = 1; w < t; w++)
			if (w != v && live[w] &&
			    (v == 0 || dom[(size_t)v * t + w])) {
				bytes += node_size(g, w);
				objects += w > g->nroots;
			}
		assert_int_equal(rt.bytes, bytes);
		assert_int_equal(rt.objects, objects);
		/* The chain: v, its ndom[v] dominators other than P, then P. */
		uint32_t *chain;
		size_t len;
		rc_ok(gr_dom_chain(d, v, &chain, &len));
		assert_int_equal(len, v ? ndom[v] + 2 : 1);
		assert_int_equal(chain[0], v);
		assert_int_equal(chain[len - 1], GR_DOM_PSEUDO_ROOT);
		for (size_t k = 1; k < len; k++)
			assert_int_equal(chain[k], gr_dom_idom(d, chain[k - 1]));
		free(chain);
	}
	check_groups(g, d, live, dom);
	const struct gr_dom_totals *tt = gr_dom_totals(d);
	assert_int_equal(tt->shared_tops, shared_tops);
	assert_int_equal(tt->shared_bytes, shared_bytes);
	assert_int_equal(tt->root_bytes, root_bytes);
	assert_int_equal(tt->live_bytes, gr_dom_retained(d, 0).bytes);
	assert_int_equal(tt->live_bytes, tt->root_bytes + tt->shared_bytes);
	assert_int_equal(tt->live_objects,
			 tt->root_objects + tt->shared_objects);
	check_children(g, d, live);
	free(live);
	free(seen);
	free(queue);
	free(ndom);
	free(dom);
}

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * A random graph of 1..@maxobj objects and 1..@maxroots roots: random
 * edges (duplicates included), self-loops, back edges making cycles, and
 * with probability 1/@local per object a short forward edge, which makes
 * long paths and deep dominator trees.
 */
static void random_graph(struct tg *g, uint64_t *seed, uint32_t maxobj,
			 uint32_t maxroots, uint32_t local)
{
	uint32_t nobj = 1 + (uint32_t)(rnd(seed) % maxobj);
	uint32_t nroots = 1 + (uint32_t)(rnd(seed) % maxroots);
	uint32_t maxdeg = (uint32_t)(1 + rnd(seed) % 4);
	tg_init(g, nroots, nobj);
	for (uint32_t i = 0; i < nobj; i++)
		g->size[i] = 8 * (1 + rnd(seed) % 512);
	for (uint32_t r = 0; r < nroots; r++) {
		uint32_t deg = (uint32_t)(rnd(seed) % 4);
		for (uint32_t k = 0; k < deg; k++) {
			uint32_t t = (uint32_t)(rnd(seed) % nobj);
			tg_root_edge(g, r, t);
			if (rnd(seed) % 8 == 0) /* duplicate */
				tg_root_edge(g, r, t);
		}
	}
	for (uint32_t i = 0; i < nobj; i++) {
		uint32_t deg = (uint32_t)(rnd(seed) % (maxdeg + 1));
		for (uint32_t k = 0; k < deg; k++) {
			uint32_t t = (uint32_t)(rnd(seed) % nobj);
			tg_obj_edge(g, i, t);
			if (rnd(seed) % 8 == 0)
				tg_obj_edge(g, i, t);
		}
		if (rnd(seed) % 10 == 0)
			tg_obj_edge(g, i, i); /* self-loop */
		if (rnd(seed) % 6 == 0)
			tg_obj_edge(g, i, i / 2); /* long cycles */
		if (local && rnd(seed) % local == 0 && i + 1 < nobj)
			tg_obj_edge(g, i,
				    i + 1 + (uint32_t)(rnd(seed) %
						       (nobj - i - 1 < 3
							    ? nobj - i - 1
							    : 3)));
	}
	tg_finish(g);
}

static void test_random_graphs(void **state)
{
	(void)state;
	uint64_t seed = 20261122;
	uint64_t graphs_with_shared = 0, unreached = 0;
	for (int round = 0; round < 2000; round++) {
		struct tg g;
		random_graph(&g, &seed, 60, 6, round % 2 ? 2 : 0);
		struct gr_dom *d = tg_dom(&g);
		check_brute(&g, d);
		graphs_with_shared += gr_dom_totals(d)->shared_tops > 0;
		unreached += gr_dom_node_count(d) - gr_dom_totals(d)->nodes;
		gr_dom_destroy(d);
		tg_free(&g);
	}
	/* The generator covers the interesting cases. */
	assert_true(graphs_with_shared > 100);
	assert_true(unreached > 1000);
	printf("   2000 random graphs: %llu with shared subgraphs, %llu "
	       "unreached nodes in all\n",
	       (unsigned long long)graphs_with_shared,
	       (unsigned long long)unreached);
}

/* Fewer, larger graphs: deeper trees, longer COMPRESS paths. */
static void test_random_larger(void **state)
{
	(void)state;
	uint64_t seed = 7;
	uint32_t deepest = 0;
	for (int round = 0; round < 20; round++) {
		struct tg g;
		random_graph(&g, &seed, 1200, 40, 1 + round % 3);
		struct gr_dom *d = tg_dom(&g);
		check_brute(&g, d);
		for (uint32_t v = 0; v < gr_dom_node_count(d); v++) {
			uint32_t *chain;
			size_t len;
			if (!gr_dom_reached(d, v))
				continue;
			rc_ok(gr_dom_chain(d, v, &chain, &len));
			free(chain);
			if (len > deepest)
				deepest = (uint32_t)len;
		}
		gr_dom_destroy(d);
		tg_free(&g);
	}
	printf("   20 graphs of up to 1200 objects: deepest chain %u\n",
	       deepest);
	assert_true(deepest > 20);
}

/* Retained sizes of 4 GiB and more (kept apart from the 32-bit ones):
 * objects of up to 3.5 GiB. */
static void test_big_sizes(void **state)
{
	(void)state;
	uint64_t seed = 4242, big = 0;
	for (int round = 0; round < 300; round++) {
		struct tg g;
		random_graph(&g, &seed, 40, 4, round % 2 ? 2 : 0);
		for (uint32_t i = 0; i < g.nobjects; i++)
			g.size[i] = (uint64_t)(1 + rnd(&seed) % 7) << 29 |
				    8 * (rnd(&seed) % 64);
		struct gr_dom *d = tg_dom(&g);
		check_brute(&g, d);
		for (uint32_t v = 0; v < gr_dom_node_count(d); v++)
			big += gr_dom_retained(d, v).bytes >= UINT32_MAX;
		gr_dom_destroy(d);
		tg_free(&g);
	}
	assert_true(big > 1000);
}

/* Nodes with hundreds of children (a big slice, a map's buckets): the
 * children ranges far from their block's start, between ordinary ones. */
static void test_wide(void **state)
{
	(void)state;
	enum { HUBS = 5, KIDS = 300 };
	struct tg g;
	uint32_t nobj = HUBS * (KIDS + 2);
	tg_init(&g, 2, nobj);
	for (uint32_t h = 0; h < HUBS; h++) {
		uint32_t hub = h * (KIDS + 2);
		tg_root_edge(&g, h % 2, hub);
		tg_obj_edge(&g, hub, hub + 1); /* a small one first */
		for (uint32_t k = 2; k < KIDS + 2 - h * 40; k++)
			tg_obj_edge(&g, hub + 1 - (k % 7 == 0), hub + k);
		if (h)
			tg_obj_edge(&g, hub + 5, hub - 3); /* cross edges */
	}
	tg_finish(&g);
	struct gr_dom *d = tg_dom(&g);
	check_brute(&g, d);
	gr_dom_destroy(d);
	tg_free(&g);
}

/* No roots (P alone), no objects (P and roots). */
static void test_degenerate(void **state)
{
	(void)state;
	struct tg g;
	tg_init(&g, 0, 3);
	tg_obj_edge(&g, 0, 1);
	tg_finish(&g);
	struct gr_dom *d = tg_dom(&g);
	check_brute(&g, d);
	assert_int_equal(gr_dom_totals(d)->nodes, 1);
	assert_int_equal(gr_dom_totals(d)->live_bytes, 0);
	gr_dom_destroy(d);
	tg_free(&g);

	tg_init(&g, 3, 0);
	tg_finish(&g);
	d = tg_dom(&g);
	check_brute(&g, d);
	assert_int_equal(gr_dom_totals(d)->nodes, 4);
	assert_int_equal(gr_dom_idom(d, gr_dom_root_node(d, 2)),
			 GR_DOM_PSEUDO_ROOT);
	assert_int_equal(gr_dom_object_idom(d, 0).kind, GR_DOM_KIND_NONE);
	gr_dom_destroy(d);
	tg_free(&g);
}

/* ---- hand-built shapes ---- */

static void test_diamond(void **state)
{
	(void)state;
	struct tg g;
	/* root0 -> a; a -> b, c; b -> d; c -> d; d -> a (a cycle back). */
	tg_init(&g, 1, 4);
	tg_root_edge(&g, 0, 0);
	tg_obj_edge(&g, 0, 1);
	tg_obj_edge(&g, 0, 2);
	tg_obj_edge(&g, 1, 3);
	tg_obj_edge(&g, 2, 3);
	tg_obj_edge(&g, 3, 0);
	tg_finish(&g);
	struct gr_dom *d = tg_dom(&g);
	check_brute(&g, d);
	struct gr_dom_ref a = {GR_DOM_KIND_OBJECT, 0};
	for (uint32_t i = 1; i < 4; i++) {
		struct gr_dom_ref r = gr_dom_object_idom(d, i);
		assert_int_equal(r.kind, a.kind);
		assert_int_equal(r.index, a.index);
	}
	assert_int_equal(gr_dom_object_idom(d, 0).kind, GR_DOM_KIND_ROOT);
	assert_int_equal(gr_dom_object_retained(d, 0).bytes,
			 8 + 16 + 24 + 32);
	assert_int_equal(gr_dom_object_retained(d, 1).bytes, 16);
	assert_int_equal(gr_dom_root_retained(d, 0).objects, 4);
	gr_dom_destroy(d);
	tg_free(&g);
}

static void test_shared(void **state)
{
	(void)state;
	struct tg g;
	/* root0 -> x, z; root1 -> x (twice); x -> y; y -> x. */
	tg_init(&g, 3, 4);
	tg_root_edge(&g, 0, 0);
	tg_root_edge(&g, 0, 2);
	tg_root_edge(&g, 1, 0);
	tg_root_edge(&g, 1, 0);
	tg_obj_edge(&g, 0, 1);
	tg_obj_edge(&g, 1, 0);
	tg_finish(&g); /* root2 has no edges; object 3 is garbage */
	struct gr_dom *d = tg_dom(&g);
	check_brute(&g, d);
	assert_int_equal(gr_dom_object_idom(d, 0).kind, GR_DOM_KIND_PSEUDO);
	assert_int_equal(gr_dom_object_idom(d, 1).kind, GR_DOM_KIND_OBJECT);
	assert_int_equal(gr_dom_object_idom(d, 2).kind, GR_DOM_KIND_ROOT);
	assert_int_equal(gr_dom_object_idom(d, 3).kind, GR_DOM_KIND_NONE);
	assert_int_equal(gr_dom_root_retained(d, 0).bytes, 24);
	assert_int_equal(gr_dom_root_retained(d, 1).bytes, 0);
	assert_int_equal(gr_dom_root_retained(d, 2).bytes, 0);
	assert_true(gr_dom_reached(d, gr_dom_root_node(d, 2)));
	const struct gr_dom_totals *t = gr_dom_totals(d);
	assert_int_equal(t->shared_tops, 1);
	assert_int_equal(t->shared_bytes, 8 + 16);
	assert_int_equal(t->shared_objects, 2);
	assert_int_equal(t->live_bytes, 8 + 16 + 24);
	/* P's children: the three roots and x. */
	const uint32_t *c;
	uint32_t n, sum = 0;
	gr_dom_children(d, GR_DOM_PSEUDO_ROOT, &c, &n);
	assert_int_equal(n, 4);
	for (uint32_t k = 0; k < n; k++)
		sum += c[k];
	assert_int_equal(sum, 1 + 2 + 3 + gr_dom_object_node(d, 0));
	uint32_t *chain;
	size_t len;
	struct gr_error *err = gr_dom_chain(d, gr_dom_object_node(d, 3),
					    &chain, &len);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	gr_error_destroy(err);
	gr_dom_destroy(d);
	tg_free(&g);
}

enum { BIG = 1000000 };

/* Object i's idom is object i - 1 (object 0's, root 0), retained are the
 * suffix sums: a chain, whatever other edges point backwards. */
static void check_chain(const struct tg *g, const struct gr_dom *d)
{
	uint64_t bytes = 0;
	for (uint32_t i = g->nobjects; i-- > 0;) {
		bytes += g->size[i];
		struct gr_dom_ref r = gr_dom_object_idom(d, i);
		if (i) {
			assert_int_equal(r.kind, GR_DOM_KIND_OBJECT);
			assert_int_equal(r.index, i - 1);
		} else {
			assert_int_equal(r.kind, GR_DOM_KIND_ROOT);
		}
		struct gr_dom_retained rt = gr_dom_object_retained(d, i);
		assert_int_equal(rt.objects, g->nobjects - i);
		assert_int_equal(rt.bytes, bytes);
	}
	uint32_t *chain;
	size_t len;
	rc_ok(gr_dom_chain(d, gr_dom_object_node(d, g->nobjects - 1), &chain,
			   &len));
	assert_int_equal(len, (size_t)g->nobjects + 2);
	free(chain);
}

static void test_long_chain(void **state)
{
	(void)state;
	struct tg g;
	tg_init(&g, 1, BIG);
	tg_root_edge(&g, 0, 0);
	for (uint32_t i = 0; i + 1 < BIG; i++)
		tg_obj_edge(&g, i, i + 1);
	tg_finish(&g);
	double t0 = now();
	struct gr_dom *d = tg_dom(&g);
	printf("   chain of %u objects: %.3f s\n", BIG, now() - t0);
	check_chain(&g, d);
	gr_dom_destroy(d);
	tg_free(&g);
}

static void test_rings(void **state)
{
	(void)state;
	/* A singly linked ring is a chain with one back edge. */
	struct tg g;
	tg_init(&g, 1, BIG);
	tg_root_edge(&g, 0, 0);
	for (uint32_t i = 0; i < BIG; i++)
		tg_obj_edge(&g, i, (i + 1) % BIG);
	tg_finish(&g);
	struct gr_dom *d = tg_dom(&g);
	check_chain(&g, d);
	gr_dom_destroy(d);
	tg_free(&g);

	/* Doubly linked: every element is reached both ways from the head,
	 * which alone dominates them. */
	tg_init(&g, 1, BIG);
	tg_root_edge(&g, 0, 0);
	for (uint32_t i = 0; i < BIG; i++) {
		tg_obj_edge(&g, i, (i + 1) % BIG);
		tg_obj_edge(&g, i, (i + BIG - 1) % BIG);
	}
	tg_finish(&g);
	double t0 = now();
	d = tg_dom(&g);
	printf("   doubly linked ring of %u objects: %.3f s\n", BIG,
	       now() - t0);
	for (uint32_t i = 1; i < BIG; i++) {
		struct gr_dom_ref r = gr_dom_object_idom(d, i);
		assert_int_equal(r.kind, GR_DOM_KIND_OBJECT);
		assert_int_equal(r.index, 0);
	}
	assert_int_equal(gr_dom_object_retained(d, 0).objects, BIG);
	const uint32_t *c;
	uint32_t n;
	gr_dom_children(d, gr_dom_object_node(d, 0), &c, &n);
	assert_int_equal(n, BIG - 1);
	gr_dom_destroy(d);
	tg_free(&g);
}

/*
 * A list c0 -> c1 -> ... whose element i also points at d_i, and a later
 * root holding every d_i: d_i hangs below a DFS path of depth i but its
 * idom is P.  Semi-NCA walks that path for each d_i (quadratic); LT does
 * not.
 */
static void test_deep_shared(void **state)
{
	(void)state;
	enum { K = BIG / 2 };
	struct tg g;
	tg_init(&g, 2, 2 * K);
	tg_root_edge(&g, 0, 0);
	for (uint32_t i = 0; i < K; i++) {
		if (i + 1 < K)
			tg_obj_edge(&g, i, i + 1);
		tg_obj_edge(&g, i, K + i);
		tg_root_edge(&g, 1, K + i);
	}
	tg_finish(&g);
	double t0 = now();
	struct gr_dom *d = tg_dom(&g);
	printf("   deep list with %u shared elements: %.3f s\n", K,
	       now() - t0);
	for (uint32_t i = 0; i < K; i++)
		assert_int_equal(gr_dom_object_idom(d, K + i).kind,
				 GR_DOM_KIND_PSEUDO);
	assert_int_equal(gr_dom_root_retained(d, 0).objects, K);
	assert_int_equal(gr_dom_root_retained(d, 1).objects, 0);
	assert_int_equal(gr_dom_totals(d)->shared_tops, K);
	gr_dom_destroy(d);
	tg_free(&g);
}

static void test_errors(void **state)
{
	(void)state;
	struct tg g;
	tg_init(&g, 1, 3);
	tg_root_edge(&g, 0, 0);
	tg_obj_edge(&g, 0, 7);
	tg_finish(&g);
	struct gr_dom_input in = {
		.nobjects = g.nobjects,
		.nroots = g.nroots,
		.object_edges = tg_object_edges,
		.root_edges = tg_root_edges,
		.object_size = tg_size,
		.arg = &g,
	};
	struct gr_dom *d = NULL;
	struct gr_error *err = gr_dom_build_input(&in, &d);
	assert_non_null(err);
	assert_null(d);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_string_equal(err->message, "object 0: edge to object 7 of 3");
	gr_error_destroy(err);
	in.nroots = UINT32_MAX - 3;
	err = gr_dom_build_input(&in, &d);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_LIMIT);
	gr_error_destroy(err);
	tg_free(&g);
	gr_dom_destroy(NULL);
}

/* ---- real cores ---- */

struct core_check {
	const struct gr_graph *graph;
	const struct gr_heap *heap;
	const struct gr_dom *d;
	uint32_t nobjects, nroots;
	uint32_t *seen, *queue, *stack;
	uint32_t stamp;
};

/* Mark from every root but @skip_root, never entering @skip_obj; stamps
 * what it reaches with a fresh stamp. */
static void cc_mark(struct core_check *c, uint32_t skip_root,
		    uint32_t skip_obj)
{
	uint32_t s = ++c->stamp, head = 0, tail = 0;
	if (skip_obj != GR_DOM_NONE)
		c->seen[skip_obj] = s;
	for (uint32_t r = 0; r < c->nroots; r++) {
		if (r == skip_root)
			continue;
		const uint32_t *e;
		uint32_t n;
		gr_graph_root_edges(c->graph, r, &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (c->seen[e[k]] != s) {
				c->seen[e[k]] = s;
				c->queue[tail++] = e[k];
			}
	}
	while (head < tail) {
		const uint32_t *e;
		uint32_t n;
		gr_graph_edges(c->graph, c->queue[head++], &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (c->seen[e[k]] != s) {
				c->seen[e[k]] = s;
				c->queue[tail++] = e[k];
			}
	}
}

/*
 * Remove @node (an object or a root) and mark again: the live objects
 * lost must be exactly @node's dominator subtree (without the object
 * itself).  Returns the bytes lost.
 */
static uint64_t check_removal(struct core_check *c, const struct gr_mark *m,
			      uint32_t node, const char *id)
{
	struct gr_dom_ref ref = gr_dom_ref(c->d, node);
	bool obj = ref.kind == GR_DOM_KIND_OBJECT;
	cc_mark(c, obj ? GR_DOM_NONE : ref.index,
		obj ? ref.index : GR_DOM_NONE);
	uint32_t reach = c->stamp;
	/* Stamp the subtree with the next stamp, by an explicit stack. */
	uint32_t sub = ++c->stamp, top = 0;
	uint64_t sub_objects = 0, lost = 0, lost_bytes = 0;
	c->stack[top++] = node;
	while (top) {
		uint32_t x = c->stack[--top];
		const uint32_t *ch;
		uint32_t n;
		if (x != node) {
			struct gr_dom_ref xr = gr_dom_ref(c->d, x);
			assert_int_equal(xr.kind, GR_DOM_KIND_OBJECT);
			if (c->seen[xr.index] == reach)
				fail_msg("%s: object %u in the dominator "
					 "subtree of node %u is still reached "
					 "without it",
					 id, xr.index, node);
			c->seen[xr.index] = sub;
			sub_objects++;
		}
		gr_dom_children(c->d, x, &ch, &n);
		for (uint32_t k = 0; k < n; k++)
			c->stack[top++] = ch[k];
	}
	for (uint32_t i = 0; i < c->nobjects; i++) {
		if (!gr_mark_is_live(m, i) || (obj && i == ref.index))
			continue;
		if (c->seen[i] == reach)
			continue;
		if (c->seen[i] != sub)
			fail_msg("%s: removing node %u loses object %u, which "
				 "it does not dominate",
				 id, node, i);
		lost++;
		lost_bytes += gr_heap_object_size(c->heap, i);
	}
	assert_int_equal(lost, sub_objects);
	struct gr_dom_retained rt = gr_dom_retained(c->d, node);
	uint64_t self = obj ? gr_heap_object_size(c->heap, ref.index) : 0;
	assert_int_equal(lost_bytes + self, rt.bytes);
	assert_int_equal(lost + obj, rt.objects);
	return lost_bytes;
}

/* Indices of the @k largest @key values (k small: insertion). */
static size_t top_k(const uint64_t *key, size_t n, uint32_t *out, size_t k)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		if (!key[i])
			continue;
		if (m < k)
			j = m++;
		else if (key[out[k - 1]] >= key[i])
			continue;
		else
			j = k - 1;
		while (j > 0 && key[out[j - 1]] < key[i]) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = (uint32_t)i;
	}
	return m;
}

static void check_core(const struct rc_core *r, struct gr_analysis *a,
		       const struct gr_dom *d, uint64_t *seed)
{
	const struct gr_mark_totals *mt = gr_mark_totals(a->mark);
	const struct gr_dom_totals *t = gr_dom_totals(d);
	struct core_check c = {
		.graph = a->graph,
		.heap = a->heap,
		.d = d,
		.nobjects = gr_graph_object_count(a->graph),
		.nroots = gr_graph_root_count(a->graph),
	};
	assert_int_equal(t->live_bytes, mt->live_bytes);
	assert_int_equal(t->live_objects, mt->live_objects);
	assert_int_equal(t->live_bytes, t->root_bytes + t->shared_bytes);
	assert_int_equal(t->nodes, 1 + c.nroots + mt->live_objects);
	c.seen = calloc(c.nobjects + 1, sizeof(*c.seen));
	c.queue = malloc((c.nobjects + 1) * sizeof(*c.queue));
	c.stack = malloc((c.nobjects + 1) * sizeof(*c.stack));
	uint64_t *key = calloc(c.nobjects + c.nroots + 1, sizeof(*key));
	assert_true(c.seen && c.queue && c.stack && key);

	/* The 20 objects retaining the most (more than themselves). */
	for (uint32_t i = 0; i < c.nobjects; i++) {
		struct gr_dom_retained rt = gr_dom_object_retained(d, i);
		key[i] = rt.objects > 1 ? rt.bytes : 0;
	}
	uint32_t top[20];
	size_t n = top_k(key, c.nobjects, top, 20);
	assert_true(n >= 10);
	for (size_t k = 0; k < n; k++)
		check_removal(&c, a->mark, gr_dom_object_node(d, top[k]),
			      r->id);
	/* 20 live objects at random, mostly leaves. */
	for (int k = 0; k < 20; k++) {
		uint32_t i = (uint32_t)(rnd(seed) % c.nobjects);
		if (gr_mark_is_live(a->mark, i))
			check_removal(&c, a->mark, gr_dom_object_node(d, i),
				      r->id);
	}
	/* The 20 roots retaining the most. */
	for (uint32_t i = 0; i < c.nroots; i++)
		key[i] = gr_dom_root_retained(d, i).objects;
	n = top_k(key, c.nroots, top, 20);
	assert_true(n >= 10);
	for (size_t k = 0; k < n; k++)
		check_removal(&c, a->mark, gr_dom_root_node(d, top[k]), r->id);
	printf("   %-22s %u nodes, %llu edges: roots retain %llu B, "
	       "%llu B shared under %llu tops\n",
	       r->id, t->nodes, (unsigned long long)t->edges,
	       (unsigned long long)t->root_bytes,
	       (unsigned long long)t->shared_bytes,
	       (unsigned long long)t->shared_tops);
	free(key);
	free(c.seen);
	free(c.queue);
	free(c.stack);
}

/*
 * The objects the oracle lists under main.sessions (sessions, payloads,
 * keys): how many there are (*listed) and how many have main.sessions in
 * their dominator chain (*dominated).
 */
static void oracle_objects(const struct rc_core *r, struct gr_analysis *a,
			   const struct gr_dom *d, uint32_t root,
			   size_t *listed, size_t *dominated)
{
	const char *p = strstr(r->oracle, "\"objects\":[");
	const char *end = p ? strstr(p, "\"main_goroutine\"") : NULL;
	assert_true(p && end);
	*listed = *dominated = 0;
	while ((p = strstr(p + 1, "{\"name\":\"")) && p < end) {
		const char *close = strchr(p, '}');
		const char *own = strstr(p, "\"root\":\"global main.sessions\"");
		const char *addr = strstr(p, "\"addr\":\"0x");
		if (!close || !own || own > close || !addr || addr > close)
			continue;
		uint32_t id = gr_heap_find(a->heap, strtoull(addr + 10, NULL, 16));
		assert_int_not_equal(id, GR_HEAP_NO_OBJECT);
		uint32_t *chain;
		size_t len, k;
		rc_ok(gr_dom_chain(d, gr_dom_object_node(d, id), &chain, &len));
		for (k = 0; k < len && chain[k] != gr_dom_root_node(d, root); k++)
			;
		free(chain);
		(*listed)++;
		*dominated += k < len;
	}
}

/* main.sessions retains the leaked map: the oracle's slots, less what
 * other roots also hold. */
static void check_leakymap(const struct rc_core *r, struct gr_analysis *a,
			   const struct gr_dom *d)
{
	uint32_t root = GR_DOM_NONE;
	for (size_t i = 0; i < gr_roots_count(a->roots); i++)
		if (strcmp(gr_roots_get(a->roots, i)->name, "main.sessions") ==
		    0)
			root = (uint32_t)i;
	if (root == GR_DOM_NONE)
		fail_msg("%s: no root main.sessions", r->id);
	uint64_t slots = rc_num(r, "\"bytes_under_map\"", "total_slots");
	struct gr_dom_retained rt = gr_dom_root_retained(d, root);
	const struct gr_mark_root *mr = gr_mark_root(a->mark, root);
	assert_true(mr->reachable_known);
	uint64_t shared = mr->reachable_bytes - rt.bytes;
	printf("   %-22s main.sessions retains %llu B in %llu objects "
	       "(oracle slots %llu, reachable %llu, shared %llu)\n",
	       r->id, (unsigned long long)rt.bytes,
	       (unsigned long long)rt.objects, (unsigned long long)slots,
	       (unsigned long long)mr->reachable_bytes,
	       (unsigned long long)shared);
	assert_true(rt.bytes + shared >= slots);
	size_t listed, dominated;
	oracle_objects(r, a, d, root, &listed, &dominated);
	assert_true(listed >= 12);
	if (shared == 0)
		assert_int_equal(dominated, listed);
}

static void run_core(const struct rc_core *r, bool leakymap, uint64_t *seed,
		     double *dom_seconds)
{
	struct gr_session *s;
	struct gr_analysis *a;
	struct gr_dom *d;
	rc_open(r, &s);
	rc_ok(gr_analysis_run(s, NULL, &a));
	double t0 = now();
	rc_ok(gr_dom_build(a->heap, a->graph, a->mark, &d));
	*dom_seconds += now() - t0;
	check_core(r, a, d, seed);
	if (leakymap)
		check_leakymap(r, a, d);
	gr_dom_destroy(d);
	gr_analysis_destroy(a);
	gr_session_destroy(s);
}

/* A full analysis costs about half a second (three times that under
 * ASan): leakymap-exe on every version, leakymap-pie on the oldest and
 * newest, the other programs on the newest. */
static void test_cores(void **state)
{
	(void)state;
	static const char *const progs[] = {"leakymap", "chanblock",
					    "finalizer", "pool"};
	uint64_t seed = 42;
	double t0 = now(), dom = 0;
	unsigned ncores = 0;
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		struct rc_set set;
		rc_load(&set, progs[p]);
		for (size_t i = 0; i < set.n; i++) {
			bool newest = i + 2 >= set.n, oldest = i < 2;
			if (p ? !newest : i % 2 && !newest && !oldest)
				continue;
			run_core(&set.v[i], p == 0, &seed, &dom);
			ncores++;
		}
		rc_free(&set);
	}
	printf("   %u cores: %.1f s, of which gr_dom_build %.3f s\n", ncores,
	       now() - t0, dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_graphs),
		cmocka_unit_test(test_random_larger),
		cmocka_unit_test(test_big_sizes),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_diamond),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_rings),
		cmocka_unit_test(test_deep_shared),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
