/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/paths.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/11-types/types.h"

enum { FAR = UINT32_MAX };

struct gr_paths {
	const struct gr_analysis *a;
	uint32_t nobjects;
	uint32_t *first; /* reverse CSR: predecessors of object i */
	uint32_t *preds;
	uint32_t *dist, *queue;
};

bool gr_paths_root_avoided(const struct gr_root *r)
{
	switch (r->kind) {
	case GR_ROOT_FINALIZER:
	case GR_ROOT_FINALIZER_OBJECT:
	case GR_ROOT_POOL_VICTIM:
		return true;
	default:
		return r->weak;
	}
}

struct gr_error *gr_paths_create(const struct gr_analysis *a,
				 struct gr_paths **ret)
{
	struct gr_paths *p = calloc(1, sizeof(*p));
	if (!p)
		return gr_error_nomem();
	p->a = a;
	p->nobjects = gr_graph_object_count(a->graph);
	size_t n = p->nobjects ? p->nobjects : 1;
	p->first = gr_bigarray_alloc(n + 1, sizeof(*p->first), true);
	p->dist = gr_bigarray_alloc(n, sizeof(*p->dist), false);
	p->queue = gr_bigarray_alloc(n, sizeof(*p->queue), false);
	if (!p->first || !p->dist || !p->queue)
		goto nomem;
	/* Two passes over live objects' edges: count, then place.  Edges
	 * from garbage would explain nothing.  The CSR arrays are read
	 * directly: this runs over every edge of the heap. */
	struct gr_graph_csr c;
	gr_graph_csr(a->graph, &c);
	uint64_t total = 0;
	for (uint32_t id = 0; id < p->nobjects; id++) {
		if (!gr_mark_is_live(a->mark, id))
			continue;
		for (uint64_t k = c.start[id]; k < c.start[id + 1]; k++)
			p->first[c.edges[k] + 1]++;
		total += c.start[id + 1] - c.start[id];
	}
	if (total >= UINT32_MAX) {
		gr_paths_destroy(p);
		return gr_error_create(GR_ERR_LIMIT, "%llu edges to reverse",
				       (unsigned long long)total);
	}
	for (uint32_t i = 0; i < p->nobjects; i++)
		p->first[i + 1] += p->first[i];
	p->preds = gr_bigarray_alloc(total, sizeof(*p->preds), false);
	if (!p->preds)
		goto nomem;
	/* Placed at first[t]++, which leaves first[t] = the old first[t +
	 * 1]; shifting back restores it, without a copy of first[]. */
	for (uint32_t id = 0; id < p->nobjects; id++) {
		if (!gr_mark_is_live(a->mark, id))
			continue;
		for (uint64_t k = c.start[id]; k < c.start[id + 1]; k++)
			p->preds[p->first[c.edges[k]]++] = id;
	}
	memmove(p->first + 1, p->first, (size_t)p->nobjects * sizeof(*p->first));
	p->first[0] = 0;
	*ret = p;
	return NULL;
nomem:
	gr_paths_destroy(p);
	return gr_error_nomem();
}

void gr_paths_destroy(struct gr_paths *p)
{
	if (!p)
		return;
	free(p->first);
	free(p->preds);
	free(p->dist);
	free(p->queue);
	free(p);
}

void gr_paths_free(struct gr_path *paths, size_t count)
{
	for (size_t i = 0; paths && i < count; i++) {
		free(paths[i].objects);
		free(paths[i].slots);
	}
	free(paths);
}

/* Backward breadth-first search: dist[] = hops to the nearest target. */
static void distances(struct gr_paths *p, const uint32_t *targets, size_t n)
{
	memset(p->dist, 0xff, (size_t)p->nobjects * sizeof(*p->dist));
	uint32_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t t = targets[i];
		if (t >= p->nobjects || !gr_mark_is_live(p->a->mark, t) ||
		    p->dist[t] == 0)
			continue;
		p->dist[t] = 0;
		p->queue[tail++] = t;
	}
	while (head < tail) {
		uint32_t x = p->queue[head++];
		for (uint32_t k = p->first[x]; k < p->first[x + 1]; k++) {
			uint32_t y = p->preds[k];
			if (p->dist[y] != FAR)
				continue;
			p->dist[y] = p->dist[x] + 1;
			p->queue[tail++] = y;
		}
	}
}

/* The nearest object root @r points at, and its distance. */
static uint32_t root_best(const struct gr_paths *p, uint32_t r,
			  uint32_t *obj)
{
	const uint32_t *e;
	uint32_t n, best = FAR;
	gr_graph_root_edges(p->a->graph, r, &e, &n);
	for (uint32_t i = 0; i < n; i++)
		if (p->dist[e[i]] < best) {
			best = p->dist[e[i]];
			*obj = e[i];
		}
	return best;
}

struct find_slot {
	uint64_t lo, hi, found;
};

static void find_slot_fn(void *arg, uint64_t slot, uint64_t value)
{
	struct find_slot *f = arg;
	if (!f->found && value >= f->lo && value < f->hi)
		f->found = slot;
}

/* The address of the first pointer word of @from into object @to. */
static uint64_t object_slot(const struct gr_paths *p, uint32_t from,
			    uint32_t to)
{
	struct gr_heap *h = p->a->heap;
	uint64_t lo = gr_heap_object_addr(h, to);
	struct find_slot f = {lo, lo + gr_heap_object_size(h, to), 0};
	/* A failed scan leaves found 0: the step is still right, only its
	 * field is unknown. */
	gr_error_destroy(gr_heap_scan_object(h, from, find_slot_fn, &f));
	return f.found;
}

static uint64_t root_slot(const struct gr_paths *p, uint32_t r, uint32_t to)
{
	struct gr_heap *h = p->a->heap;
	uint64_t lo = gr_heap_object_addr(h, to);
	uint64_t hi = lo + gr_heap_object_size(h, to);
	const struct gr_root_slot *s = gr_roots_slots(p->a->roots, r);
	size_t n = gr_roots_slot_count(p->a->roots, r);
	for (size_t i = 0; i < n; i++)
		if (s[i].value >= lo && s[i].value < hi)
			return s[i].slot;
	return 0;
}

GR_MUST_USE
static struct gr_error *build_path(const struct gr_paths *p, uint32_t r,
				   uint32_t first, bool fallback,
				   struct gr_path *out)
{
	uint32_t len = p->dist[first] + 1;
	out->root = r;
	out->fallback = fallback;
	out->len = len;
	out->objects = malloc(len * sizeof(*out->objects));
	out->slots = malloc(len * sizeof(*out->slots));
	if (!out->objects || !out->slots)
		return gr_error_nomem();
	uint32_t x = first;
	out->objects[0] = x;
	out->slots[0] = root_slot(p, r, x);
	for (uint32_t i = 1; i < len; i++) {
		const uint32_t *e;
		uint32_t n, next = FAR;
		gr_graph_edges(p->a->graph, x, &e, &n);
		for (uint32_t k = 0; k < n && next == FAR; k++)
			if (p->dist[e[k]] == p->dist[x] - 1)
				next = e[k];
		if (next == FAR) /* cannot happen: dist came from these edges */
			return gr_error_create(GR_ERR_BAD_DATA,
					       "path broken at object %u", x);
		out->objects[i] = next;
		out->slots[i] = object_slot(p, x, next);
		x = next;
	}
	return NULL;
}

struct cand {
	uint32_t dist, root, obj;
};

static int by_dist(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return a->root < b->root ? -1 : a->root > b->root;
}

struct gr_error *gr_paths_find(struct gr_paths *p, const uint32_t *targets,
			       size_t ntargets, size_t max, bool via_all,
			       struct gr_path **ret, size_t *count)
{
	*ret = NULL;
	*count = 0;
	distances(p, targets, ntargets);
	uint32_t nroots = gr_graph_root_count(p->a->graph);
	struct cand *c = malloc((nroots ? nroots : 1) * sizeof(*c));
	if (!c)
		return gr_error_nomem();
	/* Preferred roots first; the avoided ones only if they must. */
	size_t nc = 0;
	bool fallback = false;
	for (int pass = 0; pass < 2 && !nc; pass++) {
		fallback = pass == 1;
		for (uint32_t r = 0; r < nroots; r++) {
			bool avoided = !via_all &&
				       gr_paths_root_avoided(
					       gr_roots_get(p->a->roots, r));
			if (avoided != fallback)
				continue;
			uint32_t obj = FAR, d = root_best(p, r, &obj);
			if (d != FAR)
				c[nc++] = (struct cand){d, r, obj};
		}
		if (via_all)
			break;
	}
	qsort(c, nc, sizeof(*c), by_dist);
	if (nc > max)
		nc = max;
	struct gr_path *paths = calloc(nc ? nc : 1, sizeof(*paths));
	struct gr_error *err = paths ? NULL : gr_error_nomem();
	for (size_t i = 0; !err && i < nc; i++)
		err = build_path(p, c[i].root, c[i].obj, fallback, &paths[i]);
	free(c);
	if (err) {
		gr_paths_free(paths, nc);
		return err;
	}
	*ret = paths;
	*count = nc;
	return NULL;
}

/* ---- targets ---- */

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}


GR_MUST_USE
static struct gr_error *push_object(struct gr_target *t, size_t *cap,
				    uint32_t id)
{
	struct gr_error *err = gr_array_grow(&t->objects, cap, t->nobjects, 1);
	if (err)
		return err;
	t->objects[t->nobjects++] = id;
	return NULL;
}

GR_MUST_USE
static struct gr_error *resolve_address(const struct gr_analysis *a,
					const char *text, struct gr_target *t)
{
	char *end;
	errno = 0;
	uint64_t addr = strtoull(text + 2, &end, 16);
	if (*end || errno)
		return gr_error_create(GR_ERR_USAGE, "bad address '%s'", text);
	uint32_t id = gr_heap_find(a->heap, addr);
	if (id == GR_HEAP_NO_OBJECT)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "%s is not inside an allocated heap "
				       "object",
				       text);
	if (!gr_mark_is_live(a->mark, id))
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "%s is inside object %#llx, which is "
				       "garbage: nothing keeps it alive",
				       text,
				       (unsigned long long)gr_heap_object_addr(
					       a->heap, id));
	size_t cap = 0;
	t->kind = GR_TARGET_OBJECT;
	return push_object(t, &cap, id);
}

GR_MUST_USE
static struct gr_error *resolve_root(const struct gr_analysis *a,
				     const char *text, struct gr_target *t,
				     bool *found)
{
	size_t cap = 0;
	*found = false;
	for (size_t r = 0; r < gr_roots_count(a->roots); r++) {
		if (strcmp(gr_roots_get(a->roots, r)->name, text))
			continue;
		if (!*found)
			t->root = (uint32_t)r;
		*found = true;
		t->nroots++;
		const uint32_t *e;
		uint32_t n;
		gr_graph_root_edges(a->graph, (uint32_t)r, &e, &n);
		for (uint32_t k = 0; k < n; k++) {
			struct gr_error *err = push_object(t, &cap, e[k]);
			if (err)
				return err;
		}
	}
	t->kind = GR_TARGET_ROOT;
	return NULL;
}

static bool type_matches(const char *pat, const char *name, bool array,
			 bool glob)
{
	char buf[1024];
	const char *full = name;
	if (array) {
		snprintf(buf, sizeof(buf), "[]%s", name);
		full = buf;
	}
	if (!glob)
		return strcmp(pat, full) == 0 ||
		       (pat[0] == '*' && strcmp(pat + 1, full) == 0);
	return fnmatch(pat, full, 0) == 0;
}

GR_MUST_USE
static struct gr_error *resolve_type(const struct gr_analysis *a,
				     const char *text, struct gr_target *t)
{
	if (!a->types)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "'%s' is no root, and objects have no "
				       "types to match",
				       text);
	uint32_t ntypes = gr_types_count(a->types);
	/* Per type: bit 0 matches as a value, bit 1 as an array. */
	uint8_t *match = calloc(ntypes ? ntypes : 1, 1);
	if (!match)
		return gr_error_nomem();
	bool any = false;
	for (int glob = 0; glob < 2 && !any; glob++)
		for (uint32_t i = 0; i < ntypes; i++) {
			const char *name = gr_types_info(a->types, i)->name;
			match[i] = (uint8_t)(type_matches(text, name, false,
							  glob) |
					     type_matches(text, name, true, glob)
						     << 1);
			any |= match[i] != 0;
		}
	struct gr_error *err = NULL;
	size_t cap = 0;
	t->kind = GR_TARGET_TYPE;
	for (uint32_t id = 0; any && !err && id < gr_heap_object_count(a->heap);
	     id++) {
		if (!gr_mark_is_live(a->mark, id))
			continue;
		struct gr_type_object o = gr_types_object(a->types, id);
		if (o.type != GR_TYPE_UNKNOWN &&
		    match[o.type] & (o.count ? 2 : 1))
			err = push_object(t, &cap, id);
	}
	free(match);
	/* Maps by their Go type: the header object carries the runtime's
	 * name for it (hash<K,V>, map.hdr[K]V), people write map[K]V. */
	const struct gr_dwarf *dw = gr_session_dwarf(a->session);
	for (int glob = 0; glob < 2 && !err && !t->nobjects && dw; glob++)
		for (size_t i = 0; !err && i < gr_types_map_count(a->types);
		     i++) {
			const struct gr_map_info *mi = gr_types_map(a->types, i);
			const struct gr_dwarf_type *dt =
				mi->dwarf_type == UINT32_MAX
					? NULL
					: gr_dwarf_type(dw, mi->dwarf_type);
			uint32_t id = gr_heap_find(a->heap, mi->header);
			if (dt && id != GR_HEAP_NO_OBJECT &&
			    gr_mark_is_live(a->mark, id) &&
			    type_matches(text, dt->name, false, glob))
				err = push_object(t, &cap, id);
		}
	if (!err && t->kind == GR_TARGET_TYPE && t->nobjects > 1)
		qsort(t->objects, t->nobjects, sizeof(*t->objects), cmp_u32);
	if (!err && !t->nobjects)
		err = gr_error_create(GR_ERR_NOT_FOUND,
				      "'%s' names no root, and no live object "
				      "has a type matching it",
				      text);
	return err;
}

struct gr_error *gr_target_resolve(const struct gr_analysis *a,
				   const char *text, struct gr_target *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct gr_error *err;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		err = resolve_address(a, text, ret);
	else {
		bool found;
		err = resolve_root(a, text, ret, &found);
		if (!err && !found)
			err = resolve_type(a, text, ret);
	}
	if (!err && ret->kind == GR_TARGET_ROOT) {
		/* A root may point at one object several times. */
		qsort(ret->objects, ret->nobjects, sizeof(*ret->objects),
		      cmp_u32);
		size_t n = 0;
		for (size_t i = 0; i < ret->nobjects; i++)
			if (!n || ret->objects[n - 1] != ret->objects[i])
				ret->objects[n++] = ret->objects[i];
		ret->nobjects = n;
	}
	if (err)
		gr_target_free(ret);
	return err;
}

void gr_target_free(struct gr_target *t)
{
	free(t->objects);
	t->objects = NULL;
	t->nobjects = 0;
}
