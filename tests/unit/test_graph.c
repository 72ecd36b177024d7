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
#include <cmocka.h>

#include "analysis.h"
#include "graph.h"
#include "rootcores.h"

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
		cmocka_unit_test(test_threads_leakymap),
		cmocka_unit_test(test_threads_allocsites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
