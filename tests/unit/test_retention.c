/* SPDX-License-Identifier: MIT */
/*
 * Retention, paths and suspects on real cores, each checked against an
 * independent computation rather than against itself:
 *
 *   - a group's retained size must equal what marking from the roots
 *     loses when the group is removed (its roots, or every instance of a
 *     type), the definition the dominator tree only computes faster;
 *   - reachable sizes cover retained ones, shallow sizes add up to the
 *     live heap;
 *   - every path must be made of real edges, end at a target, and be as
 *     short as a forward breadth-first search from the allowed roots says;
 *   - the leaked map: main.sessions retains, within 1%, the bytes the
 *     program measured as allocated under it (a HeapAlloc difference),
 *     `why` on the map's type finds main.sessions, a path to a session
 *     steps through its key, and the first suspect is main.sessions with
 *     its sessions accumulating;
 *   - two globals sharing a subgraph (corpora/cmd/shared): each reaches
 *     it, neither retains it, the pseudo-root does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/10-graph/graph.h"
#include "forensics/10-graph/mark.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/analysis.h"
#include "forensics/12-query/paths.h"
#include "forensics/12-query/retention.h"
#include "forensics/12-query/suspects.h"
#include "tests/unit/rootcores.h"

struct remark {
	const struct gr_analysis *a;
	uint32_t n, *seen, *queue, stamp;
};

/*
 * Bytes and objects of live objects no longer reached when the roots with
 * skip_root[r] set are removed and the objects with skip_obj[id] set are
 * never entered (those count as lost too).
 */
static void lost_without(struct remark *m, const bool *skip_root,
			 const bool *skip_obj, uint64_t *bytes,
			 uint64_t *objects)
{
	const struct gr_analysis *a = m->a;
	uint32_t s = ++m->stamp, head = 0, tail = 0;
	for (uint32_t r = 0; r < gr_graph_root_count(a->graph); r++) {
		if (skip_root && skip_root[r])
			continue;
		const uint32_t *e;
		uint32_t n;
		gr_graph_root_edges(a->graph, r, &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s &&
			    !(skip_obj && skip_obj[e[k]])) {
				m->seen[e[k]] = s;
				m->queue[tail++] = e[k];
			}
	}
	while (head < tail) {
		const uint32_t *e;
		uint32_t n;
		gr_graph_edges(a->graph, m->queue[head++], &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s &&
			    !(skip_obj && skip_obj[e[k]])) {
				m->seen[e[k]] = s;
				m->queue[tail++] = e[k];
			}
	}
	*bytes = *objects = 0;
	for (uint32_t id = 0; id < m->n; id++)
		if (gr_mark_is_live(a->mark, id) && m->seen[id] != s) {
			*bytes += gr_heap_object_size(a->heap, id);
			(*objects)++;
		}
}

static struct gr_retention *build(const struct gr_analysis *a,
				  enum gr_retention_by by)
{
	struct gr_retention *r;
	rc_ok(gr_retention_build(a, by, 0, 0, &r));
	return r;
}

/* Reachable sizes for the first @k rows only: those rows are the full
 * build's, in its order; the rows after them that retain less are left
 * unknown. */
static void check_reach_rows(const char *id, const struct gr_analysis *a,
			     const struct gr_retention *full,
			     enum gr_retention_by by, size_t k)
{
	struct gr_retention *r;
	rc_ok(gr_retention_build(a, by, 0, k, &r));
	size_t n = gr_retention_count(full);
	assert_int_equal(gr_retention_count(r), n);
	size_t head = k < n ? k : n;
	for (size_t i = 0; i < head; i++) {
		const struct gr_retention_row *x = gr_retention_row(full, i),
					      *y = gr_retention_row(r, i);
		if (strcmp(x->key, y->key) || strcmp(x->detail, y->detail) ||
		    x->retained_bytes != y->retained_bytes ||
		    x->reachable_known != y->reachable_known ||
		    x->reachable_bytes != y->reachable_bytes ||
		    x->reachable_objects != y->reachable_objects)
			fail_msg("%s: by %s, row %zu of %zu with reachable "
				 "sizes for %zu rows: %s %s, not %s %s",
				 id, gr_retention_by_name(by), i, n, k, y->key,
				 y->detail, x->key, x->detail);
	}
	size_t unknown = 0;
	/* Roots' reachable sizes come from the mark, all of them. */
	for (size_t i = head; by != GR_RETENTION_BY_ROOT && i < n; i++) {
		const struct gr_retention_row *y = gr_retention_row(r, i);
		if (y->retained_bytes <
		    gr_retention_row(r, head - 1)->retained_bytes) {
			assert_false(y->reachable_known);
			unknown++;
		}
	}
	if (n > k + 1 && by == GR_RETENTION_BY_TYPE)
		assert_true(unknown > 0);
	gr_retention_destroy(r);
}

static void check_rows(const char *id, const struct gr_analysis *a,
		       const struct gr_retention *r, enum gr_retention_by by)
{
	uint64_t live = gr_dom_totals(a->dom)->live_bytes;
	uint64_t sum_shallow = 0, sum_objects = 0, sum_retained = 0;
	assert_int_equal(gr_retention_live_bytes(r), live);
	for (size_t i = 0; i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		if (i)
			assert_true(gr_retention_row(r, i - 1)->retained_bytes >=
				    w->retained_bytes);
		if (w->reachable_known && w->reachable_bytes < w->retained_bytes)
			fail_msg("%s by %s: %s reaches %llu B but retains "
				 "%llu B",
				 id, gr_retention_by_name(by), w->key,
				 (unsigned long long)w->reachable_bytes,
				 (unsigned long long)w->retained_bytes);
		sum_shallow += w->shallow_bytes;
		sum_objects += w->shallow_objects;
		sum_retained += w->retained_bytes;
		if (by == GR_RETENTION_BY_TYPE || by == GR_RETENTION_BY_PACKAGE)
			assert_true(w->retained_bytes >= w->shallow_bytes);
	}
	if (by == GR_RETENTION_BY_TYPE || by == GR_RETENTION_BY_PACKAGE) {
		assert_int_equal(sum_shallow, live);
		assert_int_equal(sum_objects,
				 gr_dom_totals(a->dom)->live_objects);
	} else {
		/* Roots, kinds and sites retain disjoint sets. */
		assert_true(sum_retained <= live);
	}
	if (by == GR_RETENTION_BY_ROOT)
		assert_int_equal(gr_retention_count(r),
				 gr_roots_count(a->roots));
}

/* Removing every root of a kind loses exactly what the kind retains. */
static void check_kinds(const char *id, struct remark *m,
			const struct gr_retention *r)
{
	const struct gr_analysis *a = m->a;
	size_t nroots = gr_roots_count(a->roots);
	bool *skip = calloc(nroots + 1, sizeof(*skip));
	assert_non_null(skip);
	for (size_t i = 0; i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		for (size_t k = 0; k < nroots; k++)
			skip[k] = gr_roots_get(a->roots, k)->kind == w->index;
		uint64_t bytes, objects;
		lost_without(m, skip, NULL, &bytes, &objects);
		if (bytes != w->retained_bytes || objects != w->retained_objects)
			fail_msg("%s: removing the %s roots loses %llu B in "
				 "%llu objects; retention says %llu B in %llu",
				 id, w->key, (unsigned long long)bytes,
				 (unsigned long long)objects,
				 (unsigned long long)w->retained_bytes,
				 (unsigned long long)w->retained_objects);
	}
	free(skip);
}

/* Everything reachable from the roots of kind @kind, by a plain traversal
 * of the graph's accessors; @work counts what the grouping's traversal
 * counts (the roots' edges, then 1 + out-degree per object reached). */
static void reach_kind(struct remark *m, uint32_t kind, uint64_t *bytes,
		       uint64_t *objects, uint64_t *work)
{
	const struct gr_analysis *a = m->a;
	uint32_t head = 0, tail = 0, s = ++m->stamp, n;
	const uint32_t *e;
	*bytes = *objects = *work = 0;
	for (uint32_t r = 0; r < gr_roots_count(a->roots); r++) {
		if (gr_roots_get(a->roots, r)->kind != kind)
			continue;
		gr_graph_root_edges(a->graph, r, &e, &n);
		*work += n;
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s) {
				m->seen[e[k]] = s;
				m->queue[tail++] = e[k];
			}
	}
	while (head < tail) {
		uint32_t id = m->queue[head++];
		*bytes += gr_heap_object_size(a->heap, id);
		gr_graph_edges(a->graph, id, &e, &n);
		*work += 1 + n;
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s) {
				m->seen[e[k]] = s;
				m->queue[tail++] = e[k];
			}
	}
	*objects = tail;
}

/*
 * The reachable budget, spent in the order rows are shown (retained
 * bytes, then the group's first appearance): a kind whose traversal would
 * exceed what is left is unknown and the budget is gone; the others are
 * known with their exact reachable sizes.  Checked at budgets that fall
 * on and beside the first kinds' work, against one traversal per kind.
 */
static void check_budget(const char *id, struct remark *m,
			 const struct gr_retention *full)
{
	const struct gr_analysis *a = m->a;
	enum { KMAX = GR_ROOT_KIND_COUNT };
	uint32_t kinds[KMAX], nk = 0;
	for (uint32_t r = 0; r < gr_roots_count(a->roots); r++) {
		uint32_t k = gr_roots_get(a->roots, r)->kind, j = 0;
		while (j < nk && kinds[j] != k)
			j++;
		if (j == nk)
			kinds[nk++] = k;
	}
	uint64_t ret[KMAX] = {0}, bytes[KMAX], objects[KMAX], work[KMAX];
	for (uint32_t j = 0; j < nk; j++) {
		for (size_t i = 0; i < gr_retention_count(full); i++)
			if (gr_retention_row(full, i)->index == kinds[j])
				ret[j] = gr_retention_row(full, i)->retained_bytes;
		reach_kind(m, kinds[j], &bytes[j], &objects[j], &work[j]);
	}
	/* Stable by retained bytes, descending: the grouping's order. */
	uint32_t ord[KMAX];
	for (uint32_t j = 0; j < nk; j++) {
		uint32_t p = j;
		while (p > 0 && ret[ord[p - 1]] < ret[j]) {
			ord[p] = ord[p - 1];
			p--;
		}
		ord[p] = j;
	}
	uint64_t w0 = work[ord[0]], w1 = nk > 1 ? work[ord[1]] : 0;
	const uint64_t budgets[] = {1, w0, w0 + 1, w0 + w1 - 1, w0 + w1,
				    (uint64_t)1 << 62};
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		if (!budgets[b])
			continue;
		struct gr_retention *r;
		rc_ok(gr_retention_build(a, GR_RETENTION_BY_KIND, budgets[b], 0,
					 &r));
		uint64_t left = budgets[b];
		for (uint32_t o = 0; o < nk; o++) {
			uint32_t j = ord[o];
			bool known = work[j] <= left;
			left = known ? left - work[j] : 0;
			const struct gr_retention_row *w = NULL;
			for (size_t i = 0; i < gr_retention_count(r); i++)
				if (gr_retention_row(r, i)->index == kinds[j])
					w = gr_retention_row(r, i);
			assert_non_null(w);
			if (w->reachable_known != known ||
			    (known && (w->reachable_bytes != bytes[j] ||
				       w->reachable_objects != objects[j])))
				fail_msg("%s: budget %llu: kind %s %s %llu B "
					 "%llu objects; one traversal says %s "
					 "%llu B %llu objects (work %llu)",
					 id, (unsigned long long)budgets[b],
					 w->key,
					 w->reachable_known ? "known" : "unknown",
					 (unsigned long long)w->reachable_bytes,
					 (unsigned long long)w->reachable_objects,
					 known ? "known" : "unknown",
					 (unsigned long long)bytes[j],
					 (unsigned long long)objects[j],
					 (unsigned long long)work[j]);
		}
		gr_retention_destroy(r);
	}
}

/* The site of a root's goroutine as the grouping by site keys it. */
static bool root_at_site(const struct gr_analysis *a, const struct gr_root *root,
			 const struct gr_retention_row *w)
{
	if (root->goroutine == GR_ROOT_NO_GOROUTINE ||
	    root->goroutine >= gr_goroutines_count(a->goroutines))
		return false;
	const struct gr_goroutine *g =
		gr_goroutines_get(a->goroutines, root->goroutine);
	const char *key = *g->creator_func ? g->creator_func : "(unknown site)";
	char detail[4200] = "";
	if (*g->creator_func && *g->creator_file)
		snprintf(detail, sizeof(detail), "%s:%d", g->creator_file,
			 (int)g->creator_line);
	return strcmp(key, w->key) == 0 && strcmp(detail, w->detail) == 0;
}

/* Removing the stack roots of a creation site's goroutines loses what the
 * site retains (the grouping derives it from the main dominator tree). */
static void check_sites(const char *id, struct remark *m,
			const struct gr_retention *r)
{
	const struct gr_analysis *a = m->a;
	size_t nroots = gr_roots_count(a->roots);
	bool *skip = calloc(nroots + 1, sizeof(*skip));
	assert_non_null(skip);
	assert_true(gr_retention_count(r) > 0);
	for (size_t i = 0; i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		for (size_t k = 0; k < nroots; k++)
			skip[k] = root_at_site(a, gr_roots_get(a->roots, k), w);
		uint64_t bytes, objects;
		lost_without(m, skip, NULL, &bytes, &objects);
		if (bytes != w->retained_bytes || objects != w->retained_objects)
			fail_msg("%s: removing the roots of site %s %s loses "
				 "%llu B in %llu objects; retention says %llu B "
				 "in %llu",
				 id, w->key, w->detail, (unsigned long long)bytes,
				 (unsigned long long)objects,
				 (unsigned long long)w->retained_bytes,
				 (unsigned long long)w->retained_objects);
	}
	free(skip);
}

/* Removing every instance of the @k largest types loses what they retain. */
static void check_types(const char *id, struct remark *m,
			const struct gr_retention *r, size_t k)
{
	const struct gr_analysis *a = m->a;
	bool *skip = calloc(m->n + 1, sizeof(*skip));
	assert_non_null(skip);
	for (size_t i = 0; i < k && i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		char name[600];
		for (uint32_t o = 0; o < m->n; o++) {
			skip[o] = false;
			if (!gr_mark_is_live(a->mark, o))
				continue;
			struct gr_type_object t = gr_types_object(a->types, o);
			if (t.type == GR_TYPE_UNKNOWN)
				snprintf(name, sizeof(name), "unknown (%llu B)",
					 (unsigned long long)
						 gr_heap_object_size(a->heap, o));
			else
				snprintf(name, sizeof(name), "%s%s",
					 t.count ? "[]" : "",
					 gr_types_info(a->types, t.type)->name);
			skip[o] = strcmp(name, w->key) == 0;
		}
		uint64_t bytes, objects;
		lost_without(m, NULL, skip, &bytes, &objects);
		if (bytes != w->retained_bytes || objects != w->retained_objects)
			fail_msg("%s: removing every %s loses %llu B in %llu "
				 "objects; retention says %llu B in %llu",
				 id, w->key, (unsigned long long)bytes,
				 (unsigned long long)objects,
				 (unsigned long long)w->retained_bytes,
				 (unsigned long long)w->retained_objects);
	}
	free(skip);
}

/* A forward BFS from the allowed roots: the length of a shortest path to
 * @target, 0 if none. */
static uint32_t forward_len(struct remark *m, uint32_t target, bool avoided)
{
	const struct gr_analysis *a = m->a;
	uint32_t s = ++m->stamp, head = 0, tail = 0;
	uint32_t *depth = calloc(m->n + 1, sizeof(*depth));
	assert_non_null(depth);
	for (uint32_t r = 0; r < gr_graph_root_count(a->graph); r++) {
		if (gr_paths_root_avoided(gr_roots_get(a->roots, r)) != avoided)
			continue;
		const uint32_t *e;
		uint32_t n;
		gr_graph_root_edges(a->graph, r, &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s) {
				m->seen[e[k]] = s;
				depth[e[k]] = 1;
				m->queue[tail++] = e[k];
			}
	}
	uint32_t found = 0;
	while (head < tail && !found) {
		uint32_t x = m->queue[head++];
		if (x == target) {
			found = depth[x];
			break;
		}
		const uint32_t *e;
		uint32_t n;
		gr_graph_edges(a->graph, x, &e, &n);
		for (uint32_t k = 0; k < n; k++)
			if (m->seen[e[k]] != s) {
				m->seen[e[k]] = s;
				depth[e[k]] = depth[x] + 1;
				m->queue[tail++] = e[k];
			}
	}
	free(depth);
	return found;
}

static bool has_edge(const uint32_t *e, uint32_t n, uint32_t to)
{
	for (uint32_t k = 0; k < n; k++)
		if (e[k] == to)
			return true;
	return false;
}

static void check_path(const char *id, const struct gr_analysis *a,
		       const struct gr_path *p, uint32_t target)
{
	const uint32_t *e;
	uint32_t n;
	assert_true(p->len >= 1);
	assert_int_equal(p->objects[p->len - 1], target);
	gr_graph_root_edges(a->graph, p->root, &e, &n);
	if (!has_edge(e, n, p->objects[0]))
		fail_msg("%s: path starts with a root that does not point at "
			 "its first object",
			 id);
	for (size_t k = 1; k < p->len; k++) {
		gr_graph_edges(a->graph, p->objects[k - 1], &e, &n);
		if (!has_edge(e, n, p->objects[k]))
			fail_msg("%s: path step %zu is no edge", id, k);
		/* The slot is a word of the previous object. */
		uint64_t lo = gr_heap_object_addr(a->heap, p->objects[k - 1]);
		uint64_t hi = lo + gr_heap_object_size(a->heap, p->objects[k - 1]);
		assert_true(p->slots[k] >= lo && p->slots[k] < hi);
	}
}

static void check_paths(const char *id, struct remark *m, uint64_t *seed)
{
	const struct gr_analysis *a = m->a;
	struct gr_paths *ps;
	rc_ok(gr_paths_create(a, &ps));
	for (int i = 0; i < 25; i++) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t t = (uint32_t)((*seed >> 33) % m->n);
		if (!gr_mark_is_live(a->mark, t))
			continue;
		struct gr_path *p;
		size_t np;
		rc_ok(gr_paths_find(ps, &t, 1, 3, false, &p, &np));
		assert_true(np >= 1);
		uint32_t want = forward_len(m, t, p[0].fallback);
		assert_int_equal(p[0].len, want);
		for (size_t k = 0; k < np; k++) {
			check_path(id, a, &p[k], t);
			assert_true(k == 0 || p[k].len >= p[k - 1].len);
			assert_true(k == 0 || p[k].root != p[k - 1].root);
		}
		gr_paths_free(p, np);
	}
	gr_paths_destroy(ps);
}

static void check_leakymap(const struct rc_core *r, struct gr_analysis *a)
{
	/* Retained within 1% of what the program measured. */
	struct gr_target t;
	rc_ok(gr_target_resolve(a, "main.sessions", &t));
	assert_int_equal(t.kind, GR_TARGET_ROOT);
	uint64_t retained = gr_dom_root_retained(a->dom, t.root).bytes;
	uint64_t delta = rc_num(r, "\"bytes_under_map\"", "heap_delta");
	double err = ((double)retained - (double)delta) / (double)delta;
	printf("   %-22s main.sessions retains %llu B, program measured %llu "
	       "B (%+.3f%%)\n",
	       r->id, (unsigned long long)retained, (unsigned long long)delta,
	       100 * err);
	assert_true(err < 0.01 && err > -0.01);
	assert_int_equal(t.nobjects, 1);
	uint32_t header = t.objects[0];
	gr_target_free(&t);

	/* why on the map's type: one map, held by main.sessions. */
	rc_ok(gr_target_resolve(a, "map[string]*main.Session", &t));
	assert_int_equal(t.kind, GR_TARGET_TYPE);
	assert_int_equal(t.nobjects, 1);
	assert_int_equal(t.objects[0], header);
	struct gr_paths *ps;
	struct gr_path *p;
	size_t np;
	rc_ok(gr_paths_create(a, &ps));
	rc_ok(gr_paths_find(ps, t.objects, t.nobjects, 3, false, &p, &np));
	assert_int_equal(np, 1);
	assert_string_equal(gr_roots_get(a->roots, p[0].root)->name,
			    "main.sessions");
	gr_paths_free(p, np);
	gr_target_free(&t);

	/* A session's path steps through its key. */
	uint64_t addr = rc_object(r, "session[session-100000001]");
	uint32_t s = gr_heap_find(a->heap, addr);
	assert_int_not_equal(s, GR_HEAP_NO_OBJECT);
	rc_ok(gr_paths_find(ps, &s, 1, 1, false, &p, &np));
	assert_int_equal(np, 1);
	char step[512];
	uint32_t from = p[0].len > 1 ? p[0].objects[p[0].len - 2]
				     : GR_HEAP_NO_OBJECT;
	gr_types_describe_offset(a->types, from,
				 p[0].slots[p[0].len - 1] -
					 gr_heap_object_addr(a->heap, from),
				 step, sizeof(step));
	if (!strstr(step, "[key \"session-100000001\"]"))
		fail_msg("%s: last step into the session is '%s'", r->id, step);
	gr_paths_free(p, np);
	gr_paths_destroy(ps);

	/* The first suspect is the map, its sessions accumulating. */
	struct gr_suspect_options so = GR_SUSPECT_DEFAULTS;
	struct gr_suspect *sus;
	size_t ns;
	rc_ok(gr_suspects_find(a, &so, &sus, &ns));
	assert_true(ns >= 1);
	assert_int_equal(sus[0].kind, GR_SUSPECT_ROOT);
	assert_string_equal(gr_roots_get(a->roots, sus[0].root)->name,
			    "main.sessions");
	assert_non_null(sus[0].member_type);
	assert_string_equal(sus[0].member_type, "main.Session");
	assert_int_equal(sus[0].members, rc_num(r, NULL, "leaked_entries"));
	gr_suspects_free(sus, ns);
}

static uint32_t root_named(const struct gr_analysis *a, const char *name)
{
	for (size_t i = 0; i < gr_roots_count(a->roots); i++)
		if (strcmp(gr_roots_get(a->roots, i)->name, name) == 0)
			return (uint32_t)i;
	fail_msg("no root %s", name);
	return 0;
}

/*
 * corpora/cmd/shared: main.left and main.right each hold private data
 * and one shared structure.  Each reaches the shared part, neither
 * retains it (it hangs under the pseudo-root), the two together do; the
 * sizes equal the program's own slot counts exactly.
 */
static void check_shared(const struct rc_core *r, struct gr_analysis *a)
{
	const char *const side[2] = {"main.left", "main.right"};
	char from[64];
	for (int i = 0; i < 2; i++) {
		uint32_t root = root_named(a, side[i]);
		struct gr_dom_retained rt = gr_dom_root_retained(a->dom, root);
		const struct gr_mark_root *m = gr_mark_root(a->mark, root);
		snprintf(from, sizeof(from), "\"retained_slots\"");
		assert_int_equal(rt.bytes, rc_num(r, from, side[i]));
		snprintf(from, sizeof(from), "\"reachable_slots\"");
		assert_true(m->reachable_known);
		assert_int_equal(m->reachable_bytes, rc_num(r, from, side[i]));
	}
	uint64_t shared = rc_num(r, "\"shared\":{\"part\"", "slots");
	uint32_t top = gr_heap_find(a->heap, rc_hex(r, "\"shared\":{", "top_addr"));
	assert_int_not_equal(top, GR_HEAP_NO_OBJECT);
	/* Its immediate dominator is the pseudo-root: shared. */
	struct gr_dom_ref idom = gr_dom_object_idom(a->dom, top);
	assert_int_equal(idom.kind, GR_DOM_KIND_PSEUDO);
	assert_int_equal(gr_dom_object_retained(a->dom, top).bytes, shared);
	/* Both globals as one group (their kind) retain everything. */
	uint32_t objs[1] = {top};
	struct gr_dom_retained set;
	rc_ok(gr_retention_of_set(a, objs, 1, &set));
	assert_int_equal(set.bytes, shared);
	printf("   %-22s left retains %llu, right %llu, shared %llu under "
	       "the pseudo-root\n",
	       r->id,
	       (unsigned long long)gr_dom_root_retained(
		       a->dom, root_named(a, "main.left"))
		       .bytes,
	       (unsigned long long)gr_dom_root_retained(
		       a->dom, root_named(a, "main.right"))
		       .bytes,
	       (unsigned long long)shared);
}

/*
 * Every known reachable size of the types (all rows: rounds of
 * gr_graph_sets, then traversals for the small tail) is a traversal from
 * the type's instances.
 */
static void check_type_reach(const char *id, const struct gr_analysis *a,
			     const struct gr_retention *r)
{
	struct gr_graph_csr g;
	gr_graph_csr(a->graph, &g);
	struct gr_heap_sizes z;
	gr_heap_sizes(a->heap, &z);
	uint64_t *vis = calloc(g.nobjects / 64 + 1, sizeof(*vis));
	uint32_t *queue = malloc(((size_t)g.nobjects + 1) * sizeof(*queue));
	uint32_t *objs = malloc(((size_t)g.nobjects + 1) * sizeof(*objs));
	assert_true(vis && queue && objs);
	size_t known = 0;
	for (size_t i = 0; i < gr_retention_count(r) && i < 300; i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		if (!w->reachable_known || w->index == UINT32_MAX)
			continue;
		size_t n = 0;
		char name[600];
		for (uint32_t o = 0; o < g.nobjects; o++) {
			if (!gr_mark_is_live(a->mark, o))
				continue;
			struct gr_type_object t = gr_types_object(a->types, o);
			if (t.type != w->index)
				continue;
			snprintf(name, sizeof(name), "%s%s", t.count ? "[]" : "",
				 gr_types_info(a->types, t.type)->name);
			if (strcmp(name, w->key) == 0)
				objs[n++] = o;
		}
		struct gr_graph_reach want;
		gr_graph_reach(&g, &z, NULL, 0, false, objs, n, vis, queue,
			       UINT64_MAX, &want);
		gr_graph_reach_clear(vis, queue, want.queued);
		if (want.bytes != w->reachable_bytes ||
		    want.objects != w->reachable_objects)
			fail_msg("%s: type %s reaches %llu B in %llu objects; "
				 "retention says %llu B in %llu",
				 id, w->key, (unsigned long long)want.bytes,
				 (unsigned long long)want.objects,
				 (unsigned long long)w->reachable_bytes,
				 (unsigned long long)w->reachable_objects);
		known++;
	}
	assert_true(known > 0);
	free(vis);
	free(queue);
	free(objs);
}

/*
 * Marking's per-root reachable sizes are one traversal per root under a
 * budget spent in root order (a root that does not fit is unknown and
 * empties it), whether marking ran that traversal or knew its answer
 * from the ownership traversal.  Checked against plain traversals at
 * budgets around the roots' works.
 */
static void check_mark_reach(const char *id, const struct gr_analysis *a)
{
	struct gr_graph_csr g;
	gr_graph_csr(a->graph, &g);
	struct gr_heap_sizes z;
	gr_heap_sizes(a->heap, &z);
	uint32_t nr = g.nroots;
	uint64_t *vis = calloc(g.nobjects / 64 + 1, sizeof(*vis));
	uint32_t *queue = malloc(((size_t)g.nobjects + 1) * sizeof(*queue));
	struct gr_graph_reach *want = calloc(nr + 1, sizeof(*want));
	assert_true(vis && queue && want);
	uint64_t total = 0, firstw = 0;
	for (uint32_t r = 0; r < nr; r++) {
		gr_graph_reach(&g, &z, &r, 1, false, NULL, 0, vis, queue,
			       UINT64_MAX, &want[r]);
		gr_graph_reach_clear(vis, queue, want[r].queued);
		total += want[r].work;
		if (!firstw)
			firstw = want[r].work;
	}
	const uint64_t budgets[] = {0, 1, firstw, firstw + 1, total / 2,
				    total - 1, total};
	for (size_t b = 0; b < sizeof(budgets) / sizeof(*budgets); b++) {
		if (b && !budgets[b])
			continue;
		struct gr_mark *m;
		rc_ok(gr_mark_run(a->heap, a->graph, a->roots, budgets[b], true,
				  &m));
		uint64_t left = budgets[b];
		if (!left) {
			left = 32 * ((uint64_t)g.nobjects +
				     gr_graph_stats(a->graph)->edges);
			if (left < (64u << 20))
				left = 64u << 20;
		}
		for (uint32_t r = 0; r < nr; r++) {
			const struct gr_mark_root *mr = gr_mark_root(m, r);
			bool known = want[r].work <= left;
			left = known ? left - want[r].work : 0;
			if (mr->reachable_known != known ||
			    (known && (mr->reachable_bytes != want[r].bytes ||
				       mr->reachable_objects !=
					       want[r].objects)))
				fail_msg("%s: budget %llu: root %u: %s %llu B, "
					 "want %s %llu B",
					 id, (unsigned long long)budgets[b], r,
					 mr->reachable_known ? "known"
							     : "unknown",
					 (unsigned long long)mr->reachable_bytes,
					 known ? "known" : "unknown",
					 (unsigned long long)want[r].bytes);
		}
		gr_mark_destroy(m);
	}
	free(vis);
	free(queue);
	free(want);
}

static void run_core(const struct rc_core *r, bool leakymap, uint64_t *seed)
{
	struct gr_session *s;
	struct gr_analysis *a;
	rc_open(r, &s);
	rc_ok(gr_analysis_run(s, NULL, &a));
	assert_non_null(a->types);
	struct remark m = {.a = a, .n = gr_heap_object_count(a->heap)};
	m.seen = calloc(m.n + 1, sizeof(*m.seen));
	m.queue = malloc((m.n + 1) * sizeof(*m.queue));
	assert_true(m.seen && m.queue);
	for (int by = 0; by < GR_RETENTION_BY_COUNT; by++) {
		struct gr_retention *ret = build(a, (enum gr_retention_by)by);
		check_rows(r->id, a, ret, (enum gr_retention_by)by);
		check_reach_rows(r->id, a, ret, (enum gr_retention_by)by, 3);
		if (by == GR_RETENTION_BY_KIND) {
			check_kinds(r->id, &m, ret);
			check_budget(r->id, &m, ret);
		}
		if (by == GR_RETENTION_BY_SITE)
			check_sites(r->id, &m, ret);
		if (by == GR_RETENTION_BY_TYPE) {
			check_types(r->id, &m, ret, 4);
			check_type_reach(r->id, a, ret);
		}
		gr_retention_destroy(ret);
	}
	check_paths(r->id, &m, seed);
	check_mark_reach(r->id, a);
	if (leakymap)
		check_leakymap(r, a);
	if (strstr(r->id, "/shared-"))
		check_shared(r, a);
	free(m.seen);
	free(m.queue);
	gr_analysis_destroy(a);
	gr_session_destroy(s);
}

static void test_cores(void **state)
{
	(void)state;
	static const char *const progs[] = {"leakymap", "shared", "chanblock",
					    "finalizer", "pool"};
	uint64_t seed = 7;
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		struct rc_set set;
		rc_load(&set, progs[p]);
		for (size_t i = 0; i < set.n; i++) {
			/* Every version's -exe for the leak, the newest
			 * -pie; the others on the newest only. */
			bool newest = i + 2 >= set.n;
			if (p > 1 ? !newest : i % 2 && !newest)
				continue;
			run_core(&set.v[i], p == 0, &seed);
		}
		rc_free(&set);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
