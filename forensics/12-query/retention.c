/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"
#include "forensics/01-base/hash.h"
#include "forensics/11-types/types.h"

enum { NO_GROUP = UINT32_MAX };

struct gr_retention {
	struct gr_retention_row *rows;
	size_t nrows;
	uint64_t live_bytes, live_objects;
	/* Keys and details, NUL-separated. */
	char *strings;
	size_t strings_len, strings_cap;
};

static const char *const by_names[] = {
#define GR_X(e, s) s,
	GR_RETENTION_BYS(GR_X)
#undef GR_X
};

const char *gr_retention_by_name(enum gr_retention_by by)
{
	return (unsigned)by < GR_RETENTION_BY_COUNT ? by_names[by] : "?";
}

bool gr_retention_by_parse(const char *s, enum gr_retention_by *ret)
{
	for (unsigned i = 0; i < GR_RETENTION_BY_COUNT; i++)
		if (strcmp(s, by_names[i]) == 0) {
			*ret = (enum gr_retention_by)i;
			return true;
		}
	return false;
}

/* ---- groups under construction ---- */

/*
 * A string-keyed set of groups.  Keys are interned into one buffer and
 * found through a gr_hash index, so grouping 20M objects costs a
 * lookup per distinct key, not per object (callers cache per type).
 */
struct groups {
	struct gr_retention_row *rows;
	size_t n, cap;
	char *str;
	size_t str_len, str_cap;
	size_t *keyoff, *detailoff; /* per row, offsets into str */
	size_t keyoff_cap, detailoff_cap;
	struct gr_hash index;	    /* key and detail -> row */
};

static uint64_t hash_str(const char *a, const char *b)
{
	return gr_hash_more(gr_hash_str(a), b, strlen(b));
}

GR_MUST_USE
static struct gr_error *intern(struct groups *g, const char *s, size_t *off)
{
	size_t len = strlen(s) + 1;
	struct gr_error *err =
		gr_array_grow(&g->str, &g->str_cap, g->str_len, len);
	if (err)
		return err;
	memcpy(g->str + g->str_len, s, len);
	*off = g->str_len;
	g->str_len += len;
	return NULL;
}

/* The group with @key and @detail, added if new; *ret is its index. */
GR_MUST_USE
static struct gr_error *group_get(struct groups *g, const char *key,
				  const char *detail, uint32_t index,
				  uint32_t *ret)
{
	struct gr_error *err;
	uint64_t hv = hash_str(key, detail);
	struct gr_hash_probe p;
	uint32_t k;
	for (gr_hash_probe_init(&g->index, hv, &p);
	     gr_hash_probe_next(&g->index, &p, &k);) {
		if (strcmp(g->str + g->keyoff[k], key) == 0 &&
		    strcmp(g->str + g->detailoff[k], detail) == 0) {
			*ret = k;
			return NULL;
		}
	}
	if ((err = gr_array_grow(&g->rows, &g->cap, g->n, 1)) ||
	    (err = gr_array_grow(&g->keyoff, &g->keyoff_cap, g->n, 1)) ||
	    (err = gr_array_grow(&g->detailoff, &g->detailoff_cap, g->n, 1)))
		return err;
	size_t i = g->n;
	if ((err = intern(g, key, &g->keyoff[i])) ||
	    (err = intern(g, detail, &g->detailoff[i])))
		return err;
	memset(&g->rows[i], 0, sizeof(g->rows[i]));
	g->rows[i].index = index;
	if ((err = gr_hash_insert(&g->index, hv, (uint32_t)i)))
		return err;
	g->n++;
	*ret = (uint32_t)i;
	return NULL;
}

static void groups_free(struct groups *g)
{
	free(g->rows);
	free(g->str);
	free(g->keyoff);
	free(g->detailoff);
	gr_hash_deinit(&g->index);
}

/* ---- reachable sizes ---- */

struct reach {
	struct gr_graph_csr g;
	struct gr_heap_sizes z;
	uint64_t *vis;	  /* one traversal's objects, cleared after it */
	uint32_t *seen;	  /* zeroed scratch: labels, gr_graph_sets masks */
	uint32_t *queue;
	uint64_t budget;
	size_t rows; /* 0: every group */
};

/*
 * Whether the group at position @k of the retained order (@order) gets
 * its reachable size: within the first r->rows shown groups (@done of them
 * so far), or retaining as much as the last of those (ties are ordered by
 * reachable bytes).
 */
static bool reach_wanted(const struct reach *r, size_t done,
			 const struct gr_retention_row *rows,
			 const uint32_t *order, size_t k, uint32_t last)
{
	if (!r->rows || done < r->rows)
		return true;
	return last != NO_GROUP &&
	       rows[order[k]].retained_bytes == rows[last].retained_bytes;
}

GR_MUST_USE
static struct gr_error *order_groups(const struct groups *g, uint32_t **ret);

/*
 * Everything reachable from @nroots roots and @nobj objects, one
 * traversal; false (row left unknown) when the budget runs out.
 */
static bool reach_from(struct reach *r, const uint32_t *roots, size_t nroots,
		       const uint32_t *objs, size_t nobj,
		       struct gr_retention_row *row)
{
	struct gr_graph_reach w;
	gr_graph_reach(&r->g, &r->z, roots, nroots, true, objs, nobj, r->vis,
		       r->queue, r->budget, &w);
	gr_graph_reach_clear(r->vis, r->queue, w.queued);
	if (w.over) {
		r->budget = 0;
		return false;
	}
	r->budget -= w.work;
	row->reachable_bytes = w.bytes;
	row->reachable_objects = w.objects;
	row->reachable_known = true;
	return true;
}

/* reach_groups one traversal per group, for small budgets. */
GR_MUST_USE
static struct gr_error *reach_each(struct reach *r, const uint32_t *group_of,
				   size_t nitems, bool roots, size_t ngroups,
				   const uint32_t *want, size_t nwant,
				   struct gr_retention_row *rows)
{
	/* Members of each group in CSR form: first[g] .. first[g+1]. */
	uint32_t *first = calloc(ngroups + 1, sizeof(*first));
	uint32_t *fill = malloc((ngroups ? ngroups : 1) * sizeof(*fill));
	uint32_t *items = gr_bigarray_alloc(nitems, sizeof(*items), false);
	struct gr_error *err = first && fill && items ? NULL : gr_error_nomem();
	for (size_t i = 0; !err && i < nitems; i++)
		if (group_of[i] != NO_GROUP)
			first[group_of[i] + 1]++;
	for (size_t g = 0; !err && g < ngroups; g++)
		first[g + 1] += first[g];
	if (!err)
		memcpy(fill, first, ngroups * sizeof(*fill));
	for (size_t i = 0; !err && i < nitems; i++)
		if (group_of[i] != NO_GROUP)
			items[fill[group_of[i]]++] = (uint32_t)i;
	for (size_t k = 0; !err && k < nwant; k++) {
		uint32_t g = want[k], n = first[g + 1] - first[g];
		reach_from(r, roots ? items + first[g] : NULL, roots ? n : 0,
			   roots ? NULL : items + first[g], roots ? 0 : n,
			   &rows[g]);
	}
	free(first);
	free(fill);
	free(items);
	return err;
}

/*
 * Reachable sizes of the groups want[0..nwant) (the shown ones, in
 * retained order), as one traversal per group under the shared budget
 * would give them: a group is known iff its traversal's work (1 + out
 * degree per object reached, plus its roots' edges) fits in what the
 * groups before it left, and the first one that does not fit empties
 * the budget.  Work depends only on the set reached, so the sets come
 * from gr_graph_sets, GR_GRAPH_SETS_MAX groups a round, and the budget
 * is replayed on them in order.  Items are roots (@roots: a group's
 * seeds are their targets) or objects, @group_of[0..nitems) their
 * groups (NO_GROUP: none).  @all: every group's set, already known.
 */
GR_MUST_USE
static struct gr_error *reach_groups(struct reach *r, const uint32_t *group_of,
				     size_t nitems, bool roots, size_t ngroups,
				     const uint32_t *want, size_t nwant,
				     const struct gr_graph_reach *all,
				     struct gr_retention_row *rows)
{
	if (!nwant)
		return NULL;
	/* A budget short of one whole traversal (tests, sampling callers):
	 * traversals that stop where it does cost less than any round. */
	if (!all && r->budget < (uint64_t)r->g.nobjects +
					 r->g.start[r->g.nobjects])
		return reach_each(r, group_of, nitems, roots, ngroups, want,
				  nwant, rows);
	uint32_t *slot = malloc(ngroups * sizeof(*slot));
	/* Per wanted group: its roots' edges, and its seeds. */
	uint64_t *rwork = calloc(nwant, sizeof(*rwork));
	uint64_t *nseeds = calloc(nwant, sizeof(*nseeds));
	struct gr_graph_sets *s = NULL;
	struct gr_error *err = slot && rwork && nseeds ? NULL : gr_error_nomem();
	if (!err && !all)
		err = gr_graph_sets_create(&r->g, &r->z, r->seen, r->queue,
					   &s);
	if (!err) {
		memset(slot, 0xff, ngroups * sizeof(*slot));
		for (size_t k = 0; k < nwant; k++)
			slot[want[k]] = (uint32_t)k;
	}
	for (size_t i = 0; !err && i < nitems; i++) {
		uint32_t k = group_of[i] == NO_GROUP ? NO_GROUP
						     : slot[group_of[i]];
		if (k == NO_GROUP)
			continue;
		uint64_t e = roots ? r->g.root_start[i + 1] - r->g.root_start[i]
				   : 1;
		rwork[k] += roots ? e : 0;
		nseeds[k] += e;
	}
	struct gr_graph_reach res[GR_GRAPH_SETS_MAX] = {0};
	/* Each round walks every object; once a round's sets are small
	 * (all groups wanted: the long tail of types), traversals are
	 * cheaper for the rest. */
	uint64_t round_work = UINT64_MAX,
		 whole = (uint64_t)r->g.nobjects + r->g.start[r->g.nobjects];
	size_t k0 = 0;
	for (; !err && k0 < nwant; k0 += GR_GRAPH_SETS_MAX) {
		size_t k1 = nwant - k0 < GR_GRAPH_SETS_MAX
				    ? nwant
				    : k0 + GR_GRAPH_SETS_MAX;
		if (!all && r->budget && round_work < whole)
			break;
		round_work = 0;
		if (r->budget && !all) {
			memset(slot, 0xff, ngroups * sizeof(*slot));
			for (size_t k = k0; k < k1; k++)
				slot[want[k]] = (uint32_t)(k - k0);
			gr_graph_sets_seed_groups(s, group_of, nitems, roots,
						  slot);
			gr_graph_sets_propagate(s);
			gr_graph_sets_sum(s, ~(uint32_t)0, res);
			for (size_t k = k0; k < k1; k++)
				round_work += res[k - k0].work;
		}
		for (size_t k = k0; k < k1; k++) {
			struct gr_retention_row *row = &rows[want[k]];
			const struct gr_graph_reach *w =
				all ? &all[want[k]] : &res[k - k0];
			/* Past the budget only an empty set (no work) is
			 * known, and it has nothing to sum. */
			uint64_t work = r->budget ? w->work + rwork[k]
						  : nseeds[k] ? 1 : 0;
			if (work > r->budget) {
				r->budget = 0;
				continue;
			}
			r->budget -= work;
			if (work) {
				row->reachable_bytes = w->bytes;
				row->reachable_objects = w->objects;
			}
			row->reachable_known = true;
		}
	}
	gr_graph_sets_destroy(s);
	free(slot);
	free(rwork);
	free(nseeds);
	if (!err && k0 < nwant)
		err = reach_each(r, group_of, nitems, roots, ngroups, want + k0,
				 nwant - k0, rows);
	return err;
}

/* The groups whose reachable sizes are wanted, in retained order,
 * without @skip: (*ret)[0..*n), to free. */
GR_MUST_USE
static struct gr_error *wanted_groups(const struct reach *rc,
				      const struct groups *g, uint32_t skip,
				      uint32_t **ret, size_t *n)
{
	uint32_t *order = NULL;
	struct gr_error *err = order_groups(g, &order);
	size_t done = 0;
	uint32_t last = NO_GROUP;
	for (size_t k = 0; !err && k < g->n; k++) {
		uint32_t i = order[k];
		if (i == skip)
			continue;
		if (!reach_wanted(rc, done, g->rows, order, k, last))
			break;
		order[done++] = i; /* done <= k: read already */
		last = i;
	}
	*ret = order;
	*n = done;
	return err;
}

static uint64_t default_budget(const struct gr_analysis *a)
{
	uint64_t b = 32 * ((uint64_t)gr_graph_object_count(a->graph) +
			   gr_graph_stats(a->graph)->edges);
	return b < (64u << 20) ? 64u << 20 : b;
}

/* Rows by retained bytes, reachable, then key (keys are unique per
 * detail): the order every writer shows. */
static int by_retained(const void *x, const void *y)
{
	const struct gr_retention_row *a = x, *b = y;
	if (a->retained_bytes != b->retained_bytes)
		return a->retained_bytes < b->retained_bytes ? 1 : -1;
	if (a->reachable_bytes != b->reachable_bytes)
		return a->reachable_bytes < b->reachable_bytes ? 1 : -1;
	int c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->detail, b->detail);
}

/* Order of group indices by retained bytes, for spending the reachable
 * budget on the groups people look at first. */
static int order_by_retained(const void *x, const void *y, void *arg)
{
	const struct gr_retention_row *rows = arg;
	const struct gr_retention_row *a = &rows[*(const uint32_t *)x];
	const struct gr_retention_row *b = &rows[*(const uint32_t *)y];
	if (a->retained_bytes != b->retained_bytes)
		return a->retained_bytes < b->retained_bytes ? 1 : -1;
	return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

GR_MUST_USE
static struct gr_error *order_groups(const struct groups *g, uint32_t **ret)
{
	uint32_t *order = malloc((g->n ? g->n : 1) * sizeof(*order));
	if (!order)
		return gr_error_nomem();
	for (size_t i = 0; i < g->n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, g->n, sizeof(*order), order_by_retained, g->rows);
	*ret = order;
	return NULL;
}

/* ---- root groupings: retained sizes from the main dominator tree ---- */

enum {
	LABEL_NONE = 0,		  /* not reached yet */
	LABEL_MIXED = 0x7fffffff, /* reached from roots of two groups */
	LABEL_PENDING = 0x80000000,
};

static void label_merge(uint32_t *label, uint32_t *stack, uint64_t *top,
			uint32_t id, uint32_t lab)
{
	uint32_t cur = label[id] & ~(uint32_t)LABEL_PENDING;
	uint32_t next = cur == LABEL_NONE ? lab
			: cur == lab	  ? cur
					  : LABEL_MIXED;
	if (next == cur)
		return;
	if (!(label[id] & LABEL_PENDING))
		stack[(*top)++] = id;
	label[id] = next | LABEL_PENDING;
}

/*
 * A group of roots retains the main tree's subtrees under the
 * pseudo-root's children that only its roots reach: a root child by its
 * own group (@group_of), an object child by @object_group (NO_GROUP when
 * several groups reach it, or none).
 */
static void credit_tops(const struct gr_analysis *a, const uint32_t *group_of,
			uint32_t (*object_group)(const void *arg, uint32_t id),
			const void *arg, struct gr_retention_row *rows)
{
	uint32_t nroots = gr_graph_root_count(a->graph);
	uint32_t n;
	const uint32_t *ch;
	gr_dom_children(a->dom, GR_DOM_PSEUDO_ROOT, &ch, &n);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t node = ch[k];
		uint32_t g = node >= 1 && node <= nroots
				     ? group_of[node - 1]
				     : object_group(arg, node - 1 - nroots);
		if (g == NO_GROUP)
			continue;
		struct gr_dom_retained rt = gr_dom_retained(a->dom, node);
		rows[g].retained_bytes += rt.bytes;
		rows[g].retained_objects += rt.objects;
	}
}

/* credit_tops' object groups from label propagation's labels. */
static uint32_t label_group(const void *arg, uint32_t id)
{
	uint32_t lab = ((const uint32_t *)arg)[id];
	return lab == LABEL_NONE || lab == LABEL_MIXED ? NO_GROUP : lab - 1;
}

/* ... and from gr_graph_sets' masks: one bit is one group. */
static uint32_t mask_group(const void *arg, uint32_t id)
{
	uint32_t m = gr_graph_sets_mask(arg, id);
	return !m || (m & (m - 1)) ? NO_GROUP : (uint32_t)__builtin_ctz(m);
}

/*
 * Retained sizes of groups of roots, as if each group's roots were one
 * node of the graph, without another dominator tree.  A root node's only
 * predecessor is the pseudo-root, so an object is dominated by a group
 * exactly when every root reaching it is in the group; and every object
 * is reached by the same roots as its topmost dominator below the
 * pseudo-root (that dominator lies on all its paths and reaches it).  So
 * one propagation of "reached from group g / from several groups" over
 * the live graph (each object changes label at most twice) labels the
 * pseudo-root's children, and a group retains the main tree's subtrees of
 * the children labelled with it.  @group_of maps every root to a group
 * (< ngroups: groups nobody reports still take part, or their objects
 * would look retained by the others).  @label and @stack are scratch
 * arrays of one entry per object; @label must be zero and is left zero.
 */
GR_MUST_USE
static struct gr_error *grouped_retained(const struct gr_analysis *a,
					 const uint32_t *group_of,
					 uint32_t ngroups, uint32_t *label,
					 uint32_t *stack,
					 struct gr_retention_row *rows)
{
	uint32_t nroots = gr_graph_root_count(a->graph);
	uint32_t nobj = gr_graph_object_count(a->graph);
	if (ngroups >= LABEL_MIXED)
		return gr_error_create(GR_ERR_LIMIT, "%u root groups", ngroups);
	uint64_t top = 0;
	struct gr_graph_csr c;
	gr_graph_csr(a->graph, &c);
	for (uint32_t r = 0; r < nroots; r++)
		for (uint64_t k = c.root_start[r]; k < c.root_start[r + 1]; k++)
			if (c.root_edges[k] < nobj)
				label_merge(label, stack, &top,
					    c.root_edges[k], group_of[r] + 1);
	while (top) {
		uint32_t id = stack[--top];
		label[id] &= ~(uint32_t)LABEL_PENDING;
		for (uint64_t k = c.start[id]; k < c.start[id + 1]; k++)
			if (c.edges[k] < nobj)
				label_merge(label, stack, &top, c.edges[k],
					    label[id]);
	}
	credit_tops(a, group_of, label_group, label, rows);
	memset(label, 0, (size_t)nobj * sizeof(*label));
	return NULL;
}

/*
 * What grouped_retained computes, from one gr_graph_sets propagation when
 * the groups fit in its mask: an object's mask is the set of groups whose
 * roots reach it, so a single bit is its label and more than one is
 * LABEL_MIXED.  *ret keeps the masks for the groups' reachable sets.
 */
GR_MUST_USE
static struct gr_error *roots_propagated(const struct gr_analysis *a,
					 struct reach *rc,
					 const uint32_t *group_of,
					 uint32_t ngroups,
					 struct gr_retention_row *rows,
					 struct gr_graph_sets **ret)
{
	uint32_t nroots = gr_graph_root_count(a->graph);
	uint32_t set_of[GR_GRAPH_SETS_MAX];
	for (uint32_t i = 0; i < GR_GRAPH_SETS_MAX; i++)
		set_of[i] = i < ngroups ? i : NO_GROUP;
	struct gr_graph_sets *s;
	struct gr_error *err = gr_graph_sets_create(&rc->g, &rc->z, rc->seen,
						    rc->queue, &s);
	if (err)
		return err;
	gr_graph_sets_seed_groups(s, group_of, nroots, true, set_of);
	gr_graph_sets_propagate(s);
	credit_tops(a, group_of, mask_group, s, rows);
	*ret = s;
	return NULL;
}

static const char *site_of(const struct gr_analysis *a,
			   const struct gr_root *r, char *detail, size_t len)
{
	*detail = 0;
	if (r->goroutine == GR_ROOT_NO_GOROUTINE ||
	    r->goroutine >= gr_goroutines_count(a->goroutines))
		return NULL;
	const struct gr_goroutine *g =
		gr_goroutines_get(a->goroutines, r->goroutine);
	if (!*g->creator_func)
		return "(unknown site)";
	if (*g->creator_file)
		snprintf(detail, len, "%s:%d", g->creator_file,
			 (int)g->creator_line);
	return g->creator_func;
}

GR_MUST_USE
static struct gr_error *by_roots(const struct gr_analysis *a,
				 enum gr_retention_by by, struct reach *rc,
				 struct groups *g)
{
	uint32_t nroots = gr_graph_root_count(a->graph);
	uint32_t *group_of = malloc((nroots ? nroots : 1) * sizeof(*group_of));
	uint32_t other = NO_GROUP;
	struct gr_error *err = group_of ? NULL : gr_error_nomem();
	char detail[4200];
	/* Sites count goroutines (live ones, with or without pointers on
	 * their stacks) and their stack bytes. */
	for (size_t i = 0; !err && by == GR_RETENTION_BY_SITE &&
			   i < gr_goroutines_count(a->goroutines);
	     i++) {
		const struct gr_goroutine *gor =
			gr_goroutines_get(a->goroutines, i);
		if (gr_g_is_dead(gor))
			continue;
		struct gr_root fake = {.goroutine = (uint32_t)i};
		const char *key = site_of(a, &fake, detail, sizeof(detail));
		uint32_t gi;
		if ((err = group_get(g, key, detail, (uint32_t)i, &gi)))
			break;
		g->rows[gi].members++;
		if (gor->stack_hi > gor->stack_lo)
			g->rows[gi].shallow_bytes +=
				gor->stack_hi - gor->stack_lo;
	}
	for (uint32_t r = 0; !err && r < nroots; r++) {
		const struct gr_root *root = gr_roots_get(a->roots, r);
		const char *key;
		uint32_t index = r;
		if (by == GR_RETENTION_BY_KIND) {
			key = gr_root_kind_name(root->kind);
			*detail = 0;
			index = root->kind;
		} else {
			key = site_of(a, root, detail, sizeof(detail));
			index = root->goroutine;
		}
		if (!key) {
			/* Not a stack root: one group for all of them,
			 * never shown. */
			if (other == NO_GROUP)
				err = group_get(g, "", "\x01", NO_GROUP, &other);
			group_of[r] = other;
			continue;
		}
		err = group_get(g, key, detail, index, &group_of[r]);
		if (!err && by == GR_RETENTION_BY_KIND) {
			struct gr_retention_row *row = &g->rows[group_of[r]];
			row->members++;
			row->shallow_bytes += root->size;
		}
	}
	/* Few groups (kinds, sites of a small program): labels and
	 * reachable sets from one propagation. */
	struct gr_graph_reach all[GR_GRAPH_SETS_MAX];
	struct gr_graph_sets *s = NULL;
	bool one = g->n <= GR_GRAPH_SETS_MAX;
	if (!err && one)
		err = roots_propagated(a, rc, group_of, (uint32_t)g->n, g->rows,
				       &s);
	else if (!err)
		err = grouped_retained(a, group_of, (uint32_t)g->n, rc->seen,
				       rc->queue, g->rows);
	uint32_t *want = NULL;
	size_t nwant = 0;
	if (!err)
		err = wanted_groups(rc, g, other, &want, &nwant);
	if (s) {
		/* Only the shown groups' sets are summed. */
		uint32_t keep = 0;
		for (size_t k = 0; !err && k < nwant; k++)
			keep |= (uint32_t)1 << want[k];
		gr_graph_sets_sum(s, keep, all);
		gr_graph_sets_destroy(s);
	}
	if (!err)
		err = reach_groups(rc, group_of, nroots, true, g->n, want,
				   nwant, one ? all : NULL, g->rows);
	free(want);
	/* Drop the hidden group by emptying its key: the caller skips it. */
	if (!err && other != NO_GROUP)
		g->rows[other].index = NO_GROUP;
	free(group_of);
	return err;
}

GR_MUST_USE
static struct gr_error *by_each_root(const struct gr_analysis *a,
				     struct groups *g)
{
	struct gr_error *err = NULL;
	uint32_t nroots = gr_graph_root_count(a->graph);
	for (uint32_t r = 0; !err && r < nroots; r++) {
		const struct gr_root *root = gr_roots_get(a->roots, r);
		char detail[32];
		uint32_t gi;
		/* Root names are not unique (two frames of one function):
		 * the index keeps the key pair unique. */
		snprintf(detail, sizeof(detail), "#%u", r);
		if ((err = group_get(g, root->name, detail, r, &gi)))
			break;
		struct gr_retention_row *row = &g->rows[gi];
		const struct gr_mark_root *mr = gr_mark_root(a->mark, r);
		struct gr_dom_retained rt = gr_dom_root_retained(a->dom, r);
		row->members = 1;
		row->shallow_bytes = root->size;
		row->retained_bytes = rt.bytes;
		row->retained_objects = rt.objects;
		row->reachable_known = mr->reachable_known;
		row->reachable_bytes = mr->reachable_bytes;
		row->reachable_objects = mr->reachable_objects;
	}
	return err;
}

/* ---- object groupings: types and packages ---- */

/* The group key of a typed object: its type, arrays of T as "[]T". */
GR_MUST_USE
static struct gr_error *object_group(const struct gr_analysis *a,
				     enum gr_retention_by by,
				     struct gr_type_object to, uint64_t size,
				     uint32_t *cache, struct groups *g,
				     uint32_t *ret)
{
	char key[512];
	if (to.type == GR_TYPE_UNKNOWN) {
		if (by == GR_RETENTION_BY_PACKAGE)
			snprintf(key, sizeof(key), "unknown");
		else
			snprintf(key, sizeof(key), "unknown (%llu B)",
				 (unsigned long long)size);
		return group_get(g, key, "", NO_GROUP, ret);
	}
	uint32_t slot = to.type * 2 + (to.count != 0);
	if (cache[slot] != NO_GROUP) {
		*ret = cache[slot];
		return NULL;
	}
	const struct gr_type_info *ti = gr_types_info(a->types, to.type);
	if (by == GR_RETENTION_BY_PACKAGE)
		snprintf(key, sizeof(key), "%s",
			 *ti->package ? ti->package : "(builtin)");
	else
		snprintf(key, sizeof(key), "%s%s", to.count ? "[]" : "",
			 ti->name);
	struct gr_error *err = group_get(g, key, "", to.type, ret);
	if (!err)
		cache[slot] = *ret;
	return err;
}

/* Retained size of each group: its subtrees counted at its topmost
 * members only, so nested instances are not counted twice. */
GR_MUST_USE
static struct gr_error *tree_retained(const struct gr_analysis *a,
				      const uint32_t *group_of, size_t ngroups,
				      struct gr_retention_row *rows)
{
	uint64_t *bytes = calloc(ngroups ? ngroups : 1, sizeof(*bytes));
	uint64_t *objects = calloc(ngroups ? ngroups : 1, sizeof(*objects));
	struct gr_error *err =
		bytes && objects
			? gr_dom_group_retained(a->dom, group_of, ngroups,
						bytes, objects)
			: gr_error_nomem();
	for (size_t g = 0; !err && g < ngroups; g++) {
		rows[g].retained_bytes += bytes[g];
		rows[g].retained_objects += objects[g];
	}
	free(bytes);
	free(objects);
	return err;
}

GR_MUST_USE
static struct gr_error *by_objects(const struct gr_analysis *a,
				   enum gr_retention_by by, struct reach *rc,
				   struct groups *g)
{
	if (!a->types)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				    "grouping by %s needs object types",
				    gr_retention_by_name(by));
	uint32_t nobj = gr_heap_object_count(a->heap);
	uint32_t ntypes = gr_types_count(a->types);
	uint32_t *group_of = gr_bigarray_alloc(nobj, sizeof(*group_of), false);
	uint32_t *cache = malloc(((size_t)ntypes * 2 + 1) * sizeof(*cache));
	struct gr_error *err =
		group_of && cache ? NULL : gr_error_nomem();
	if (cache)
		memset(cache, 0xff, ((size_t)ntypes * 2 + 1) * sizeof(*cache));
	for (uint32_t id = 0; !err && id < nobj; id++) {
		group_of[id] = NO_GROUP;
		if (!gr_mark_is_live(a->mark, id))
			continue;
		uint64_t size = gr_heap_size_of(&rc->z, id);
		err = object_group(a, by, gr_types_object(a->types, id), size,
				   cache, g, &group_of[id]);
		if (err)
			break;
		struct gr_retention_row *row = &g->rows[group_of[id]];
		row->members++;
		row->shallow_bytes += size;
		row->shallow_objects++;
	}
	if (!err)
		err = tree_retained(a, group_of, g->n, g->rows);
	free(cache);
	cache = NULL;
	uint32_t *want = NULL;
	size_t nwant = 0;
	if (!err)
		err = wanted_groups(rc, g, NO_GROUP, &want, &nwant);
	if (!err)
		err = reach_groups(rc, group_of, nobj, false, g->n, want, nwant,
				   NULL, g->rows);
	free(want);
	free(group_of);
	return err;
}

struct gr_error *gr_retention_build(const struct gr_analysis *a,
				    enum gr_retention_by by,
				    uint64_t reach_budget, size_t reach_rows,
				    struct gr_retention **ret)
{
	struct groups g = {0};
	uint32_t nobj = gr_heap_object_count(a->heap);
	struct reach rc = {
		.vis = gr_bigarray_alloc((nobj + 63) / 64 + 1, sizeof(*rc.vis), true),
		.seen = gr_bigarray_alloc(nobj, sizeof(*rc.seen), true),
		.queue = gr_bigarray_alloc(nobj, sizeof(*rc.queue), false),
		.budget = reach_budget ? reach_budget : default_budget(a),
		.rows = reach_rows,
	};
	gr_graph_csr(a->graph, &rc.g);
	gr_heap_sizes(a->heap, &rc.z);
	struct gr_retention *r = calloc(1, sizeof(*r));
	struct gr_error *err =
		rc.vis && rc.seen && rc.queue && r ? NULL : gr_error_nomem();
	if (!err) {
		switch (by) {
		case GR_RETENTION_BY_ROOT:
			err = by_each_root(a, &g);
			break;
		case GR_RETENTION_BY_KIND:
		case GR_RETENTION_BY_SITE:
			err = by_roots(a, by, &rc, &g);
			break;
		case GR_RETENTION_BY_TYPE:
		case GR_RETENTION_BY_PACKAGE:
			err = by_objects(a, by, &rc, &g);
			break;
		default:
			err = gr_error_create(GR_ERR_USAGE, "bad grouping %d",
					   (int)by);
		}
	}
	free(rc.vis);
	free(rc.seen);
	free(rc.queue);
	if (err) {
		groups_free(&g);
		free(r);
		return err;
	}
	/* Keep the rows that mean something, pointing into one string
	 * buffer, sorted for display. */
	r->strings = g.str;
	g.str = NULL;
	r->rows = g.rows;
	g.rows = NULL;
	for (size_t i = 0; i < g.n; i++) {
		struct gr_retention_row row = r->rows[i];
		if ((by == GR_RETENTION_BY_KIND || by == GR_RETENTION_BY_SITE) &&
		    row.index == NO_GROUP)
			continue;
		row.key = r->strings + g.keyoff[i];
		row.detail = r->strings + g.detailoff[i];
		if (by == GR_RETENTION_BY_ROOT)
			row.detail = gr_root_kind_name(
				gr_roots_get(a->roots, row.index)->kind);
		r->rows[r->nrows++] = row;
	}
	qsort(r->rows, r->nrows, sizeof(*r->rows), by_retained);
	groups_free(&g);
	const struct gr_dom_totals *t = gr_dom_totals(a->dom);
	r->live_bytes = t->live_bytes;
	r->live_objects = t->live_objects;
	*ret = r;
	return NULL;
}

void gr_retention_destroy(struct gr_retention *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r->strings);
	free(r);
}

size_t gr_retention_count(const struct gr_retention *r)
{
	return r->nrows;
}

const struct gr_retention_row *gr_retention_row(const struct gr_retention *r,
						size_t i)
{
	return i < r->nrows ? &r->rows[i] : NULL;
}

uint64_t gr_retention_live_bytes(const struct gr_retention *r)
{
	return r->live_bytes;
}

uint64_t gr_retention_live_objects(const struct gr_retention *r)
{
	return r->live_objects;
}

struct gr_error *gr_retention_of_set(const struct gr_analysis *a,
				     const uint32_t *objects, size_t n,
				     struct gr_dom_retained *ret)
{
	uint32_t nobj = gr_heap_object_count(a->heap);
	uint32_t *group_of = gr_bigarray_alloc(nobj, sizeof(*group_of), false);
	if (!group_of)
		return gr_error_nomem();
	memset(group_of, 0xff, (size_t)nobj * sizeof(*group_of));
	for (size_t i = 0; i < n; i++)
		if (objects[i] < nobj)
			group_of[objects[i]] = 0;
	struct gr_retention_row row = {0};
	struct gr_error *err = tree_retained(a, group_of, 1, &row);
	free(group_of);
	ret->bytes = row.retained_bytes;
	ret->objects = row.retained_objects;
	return err;
}
