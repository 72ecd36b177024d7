/* SPDX-License-Identifier: MIT */
/*
 * gr_graph_build with several threads builds the graph the single thread
 * builds, edge for edge and counter for counter, on the corpora's cores of
 * every installed Go version (the heap bitmap regimes differ: 2-bit arena
 * bitmaps, 1-bit, malloc headers through the scanners' type caches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "forensics/10-graph/graph.h"
#include "forensics/12-query/analysis.h"
#include "tests/unit/rootcores.h"

static void same_graph(const char *id, unsigned threads,
		       const struct gr_graph *a, const struct gr_graph *b)
{
	assert_int_equal(gr_graph_object_count(a), gr_graph_object_count(b));
	assert_int_equal(gr_graph_root_count(a), gr_graph_root_count(b));
	const struct gr_graph_stats *sa = gr_graph_stats(a),
				    *sb = gr_graph_stats(b);
	if (memcmp(sa, sb, sizeof(*sa)) != 0)
		fail_msg("%s: %u threads: counters differ (edges %llu vs %llu, "
			 "pointer words %llu vs %llu)",
			 id, threads, (unsigned long long)sa->edges,
			 (unsigned long long)sb->edges,
			 (unsigned long long)sa->pointer_words,
			 (unsigned long long)sb->pointer_words);
	for (uint32_t i = 0; i < gr_graph_object_count(a); i++) {
		const uint32_t *ea, *eb;
		uint32_t na, nb;
		gr_graph_edges(a, i, &ea, &na);
		gr_graph_edges(b, i, &eb, &nb);
		if (na != nb || (na && memcmp(ea, eb, na * sizeof(*ea)) != 0))
			fail_msg("%s: %u threads: object %u has other edges",
				 id, threads, i);
	}
	for (uint32_t r = 0; r < gr_graph_root_count(a); r++) {
		const uint32_t *ea, *eb;
		uint32_t na, nb;
		gr_graph_root_edges(a, r, &ea, &na);
		gr_graph_root_edges(b, r, &eb, &nb);
		if (na != nb || (na && memcmp(ea, eb, na * sizeof(*ea)) != 0))
			fail_msg("%s: %u threads: root %u has other edges", id,
				 threads, r);
	}
}

static void check_program(const char *prog)
{
	struct rc_set set;
	rc_load(&set, prog);
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_analysis *a;
		rc_open(r, &s);
		rc_ok(gr_analysis_run(s, NULL, &a));
		struct gr_graph *one;
		rc_ok(gr_graph_build(a->heap, a->roots, 1, NULL, NULL, &one));
		assert_true(gr_graph_stats(one)->edges > 0);
		/* More threads than the heap has 4096-object ranges are cut
		 * back; 2 and 3 split every corpus heap. */
		static const unsigned counts[] = {2, 3, 7};
		for (size_t k = 0; k < sizeof(counts) / sizeof(*counts); k++) {
			struct gr_graph *many;
			rc_ok(gr_graph_build(a->heap, a->roots, counts[k], NULL,
					     NULL, &many));
			same_graph(r->id, counts[k], one, many);
			gr_graph_destroy(many);
		}
		/* The analysis's own graph (one thread per CPU) too. */
		same_graph(r->id, gr_session_threads(s), one, a->graph);
		printf("   %-24s %u objects, %llu edges: same with 1, 2, 3, "
		       "7 threads\n",
		       r->id, gr_graph_object_count(one),
		       (unsigned long long)gr_graph_stats(one)->edges);
		gr_graph_destroy(one);
		gr_analysis_destroy(a);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/*
 * gr_graph_sets against gr_graph_reach, set by set, on synthetic graphs:
 * random edges (cycles of every size, duplicates), a long chain closed
 * into one big cycle or not, groups of a few objects, several rounds of
 * GR_GRAPH_SETS_MAX groups one after another; the masks say which sets
 * reach each object.
 */
static uint64_t rnd_state = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

enum { NGROUPS = 3 * GR_GRAPH_SETS_MAX + 5 };

static void check_round(const struct gr_graph_csr *g,
			const struct gr_heap_sizes *z, struct gr_graph_sets *s,
			const uint32_t *group_of, uint32_t first,
			uint64_t *vis, uint32_t *queue, uint32_t *members)
{
	uint32_t n = g->nobjects, set_of[NGROUPS];
	for (uint32_t k = 0; k < NGROUPS; k++)
		set_of[k] = k >= first && k - first < GR_GRAPH_SETS_MAX
				    ? k - first
				    : UINT32_MAX;
	gr_graph_sets_seed_groups(s, group_of, n, false, set_of);
	gr_graph_sets_propagate(s);
	uint32_t *mask = calloc(n, sizeof(*mask));
	for (uint32_t v = 0; v < n; v++)
		mask[v] = gr_graph_sets_mask(s, v);
	struct gr_graph_reach got[GR_GRAPH_SETS_MAX];
	gr_graph_sets_sum(s, ~(uint32_t)0, got);
	for (uint32_t k = first; k < NGROUPS && k - first < GR_GRAPH_SETS_MAX;
	     k++) {
		size_t nm = 0;
		for (uint32_t v = 0; v < n; v++)
			if (group_of[v] == k)
				members[nm++] = v;
		struct gr_graph_reach want;
		gr_graph_reach(g, z, NULL, 0, false, members, nm, vis, queue,
			       UINT64_MAX, &want);
		for (uint64_t q = 0; q < want.queued; q++)
			if (!(mask[queue[q]] >> (k - first) & 1))
				fail_msg("group %u: object %u not in its mask",
					 k, queue[q]);
		gr_graph_reach_clear(vis, queue, want.queued);
		const struct gr_graph_reach *w = &got[k - first];
		if (w->bytes != want.bytes || w->objects != want.objects ||
		    w->work != want.work || w->over)
			fail_msg("n %u group %u: %llu B %llu objects %llu work, "
				 "want %llu B %llu objects %llu work",
				 n, k, (unsigned long long)w->bytes,
				 (unsigned long long)w->objects,
				 (unsigned long long)w->work,
				 (unsigned long long)want.bytes,
				 (unsigned long long)want.objects,
				 (unsigned long long)want.work);
	}
	free(mask);
}

static void check_sets(uint32_t n, unsigned degree, uint32_t chain,
		       bool close_chain)
{
	uint32_t *start = calloc(n + 1, sizeof(*start));
	uint32_t *edges = calloc((uint64_t)n * (degree + 1) + 1, sizeof(*edges));
	uint64_t ne = 0;
	for (uint32_t v = 0; v < n; v++) {
		start[v] = ne;
		if (v < chain && (v + 1 < chain || close_chain))
			edges[ne++] = (v + 1) % chain;
		unsigned d = degree ? rnd(degree + 1) : 0;
		for (unsigned k = 0; k < d; k++) {
			uint32_t w = rnd(n);
			if (w != v)
				edges[ne++] = w;
		}
	}
	start[n] = ne;
	uint8_t *cls = malloc(n);
	uint64_t class_size[256];
	for (unsigned c = 0; c < 256; c++)
		class_size[c] = 8 * (uint64_t)c + 8;
	/* Groups: a few objects each, most objects in none. */
	uint32_t *group_of = malloc(n * sizeof(*group_of));
	for (uint32_t v = 0; v < n; v++) {
		cls[v] = (uint8_t)(1 + rnd(250));
		group_of[v] = rnd(8) ? UINT32_MAX : rnd(NGROUPS);
	}
	struct gr_graph_csr g = {.start = start, .edges = edges, .nobjects = n};
	struct gr_heap_sizes z = {.cls = cls, .class_size = class_size};
	uint32_t *mask = calloc(n, sizeof(*mask));
	uint32_t *queue = calloc(n, sizeof(*queue));
	uint32_t *members = calloc(n, sizeof(*members));
	uint64_t *vis = calloc(n / 64 + 1, sizeof(*vis));
	struct gr_graph_sets *s;
	assert_null(gr_graph_sets_create(&g, &z, mask, queue, &s));
	for (uint32_t first = 0; first < NGROUPS; first += GR_GRAPH_SETS_MAX)
		check_round(&g, &z, s, group_of, first, vis, queue + 0, members);
	for (uint32_t v = 0; v < n; v++)
		assert_int_equal(mask[v], 0); /* zero again, as lent */
	gr_graph_sets_destroy(s);
	free(start);
	free(edges);
	free(cls);
	free(group_of);
	free(mask);
	free(queue);
	free(members);
	free(vis);
}

static void test_sets(void **state)
{
	(void)state;
	check_sets(1, 0, 0, false);
	check_sets(50, 0, 0, false);
	for (unsigned degree = 1; degree <= 4; degree++)
		for (int round = 0; round < 20; round++)
			check_sets(300 + rnd(3000), degree, 0, false);
	check_sets(200000, 1, 150000, false);
	check_sets(200000, 1, 150000, true);
	check_sets(100000, 3, 0, false);
}

static void test_threads_leakymap(void **state)
{
	(void)state;
	check_program("leakymap");
}

static void test_threads_allocsites(void **state)
{
	(void)state;
	check_program("allocsites");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_threads_leakymap),
		cmocka_unit_test(test_threads_allocsites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
