/* SPDX-License-Identifier: MIT */
#include "report/pprof_retention.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/hash.h"
#include "forensics/11-types/types.h"
#include "report/names.h"
#include "report/pprof.h"

enum { MAX_DEPTH = 64, NONE = UINT32_MAX };

/* A calling context: a frame (pprof location) under a parent context. */
struct ctx {
	uint32_t parent;
	uint32_t depth;
	uint64_t loc;
	int64_t bytes, objects;
};

struct cct {
	struct ctx *c;
	size_t n, cap;
	struct gr_hash index; /* (parent, loc) -> context */
};

static uint64_t ctx_hash(uint32_t parent, uint64_t loc)
{
	uint64_t k[2] = {parent, loc};
	return gr_hash_bytes(k, sizeof(k));
}

/* The context for frame @loc under @parent (NONE: outermost). */
GR_MUST_USE
static struct gr_error *cct_get(struct cct *t, uint32_t parent, uint64_t loc,
				uint32_t *ret)
{
	struct gr_error *err;
	uint64_t h = ctx_hash(parent, loc);
	struct gr_hash_probe p;
	uint32_t i;
	for (gr_hash_probe_init(&t->index, h, &p);
	     gr_hash_probe_next(&t->index, &p, &i);) {
		const struct ctx *c = &t->c[i];
		if (c->parent == parent && c->loc == loc) {
			*ret = i;
			return NULL;
		}
	}
	if ((err = gr_array_grow(&t->c, &t->cap, t->n, 1)) ||
	    (err = gr_hash_insert(&t->index, h, (uint32_t)t->n)))
		return err;
	t->c[t->n] = (struct ctx){
		.parent = parent,
		.depth = parent == NONE ? 1 : t->c[parent].depth + 1,
		.loc = loc,
	};
	*ret = (uint32_t)t->n++;
	return NULL;
}

/* The frame name of an object: its type, arrays of T as "[]T" so that
 * arrays of every length share a frame. */
static void object_frame(const struct gr_analysis *a, uint32_t id,
			 char *buf, size_t len)
{
	struct gr_type_object o = a->types ? gr_types_object(a->types, id)
					   : (struct gr_type_object){
						     GR_TYPE_UNKNOWN, 0, 0};
	if (o.type == GR_TYPE_UNKNOWN)
		gr_name_object(a, id, buf, len);
	else
		snprintf(buf, len, "%s%s", o.count ? "[]" : "",
			 gr_types_info(a->types, o.type)->name);
}

static void root_frame(const struct gr_analysis *a, uint32_t r, char *buf,
		       size_t len)
{
	const struct gr_root *root = gr_roots_get(a->roots, r);
	snprintf(buf, len, "%s (%s)", root->name, gr_root_kind_name(root->kind));
}

/*
 * Walk the dominator tree from the pseudo-root, parents before children,
 * giving every node a context; objects add their size to theirs.
 */
GR_MUST_USE
static struct gr_error *build(const struct gr_analysis *a, struct gr_pprof *p,
			      struct cct *t)
{
	uint32_t nodes = gr_dom_node_count(a->dom);
	uint32_t *ctx = malloc((size_t)nodes * sizeof(*ctx));
	uint32_t *stack = malloc(((size_t)nodes + 1) * sizeof(*stack));
	struct gr_error *err = ctx && stack ? NULL : gr_error_nomem();
	uint64_t shared_loc = 0;
	uint32_t shared = NONE;
	char name[600];
	size_t top = 0;
	if (!err) {
		ctx[GR_DOM_PSEUDO_ROOT] = NONE;
		stack[top++] = GR_DOM_PSEUDO_ROOT;
	}
	while (!err && top) {
		uint32_t x = stack[--top];
		const uint32_t *ch;
		uint32_t n;
		gr_dom_children(a->dom, x, &ch, &n);
		for (uint32_t k = 0; !err && k < n; k++) {
			uint32_t y = ch[k], parent = ctx[x];
			struct gr_dom_ref ref = gr_dom_ref(a->dom, y);
			if (ref.kind == GR_DOM_KIND_ROOT) {
				root_frame(a, ref.index, name, sizeof(name));
			} else {
				if (x == GR_DOM_PSEUDO_ROOT) {
					if (shared == NONE &&
					    !(err = gr_pprof_location(
						      p, "(shared by several roots)",
						      NULL, 0, &shared_loc)))
						err = cct_get(t, NONE, shared_loc,
							      &shared);
					parent = shared;
				}
				object_frame(a, ref.index, name, sizeof(name));
			}
			uint64_t loc;
			if (err || (err = gr_pprof_location(p, name, NULL, 0,
							    &loc)))
				break;
			/* Past the depth cap the deepest frame takes all. */
			if (parent != NONE && t->c[parent].depth >= MAX_DEPTH)
				ctx[y] = parent;
			else if ((err = cct_get(t, parent, loc, &ctx[y])))
				break;
			if (ref.kind == GR_DOM_KIND_OBJECT) {
				t->c[ctx[y]].bytes += (int64_t)gr_heap_object_size(
					a->heap, ref.index);
				t->c[ctx[y]].objects++;
			}
			stack[top++] = y;
		}
	}
	free(ctx);
	free(stack);
	return err;
}

GR_MUST_USE
static struct gr_error *emit(const struct gr_analysis *a, struct gr_pprof *p,
			     const struct cct *t)
{
	uint64_t locs[MAX_DEPTH + 1];
	struct gr_error *err = NULL;
	for (size_t i = 0; !err && i < t->n; i++) {
		const struct ctx *c = &t->c[i];
		if (!c->objects)
			continue;
		size_t n = 0;
		for (uint32_t x = (uint32_t)i; x != NONE && n <= MAX_DEPTH;
		     x = t->c[x].parent)
			locs[n++] = t->c[x].loc;
		int64_t v[4] = {c->bytes, c->objects, 0, 0};
		err = gr_pprof_add_sample(p, v, 4, locs, n, NULL, 0);
	}
	char name[600];
	for (uint32_t r = 0; !err && r < gr_roots_count(a->roots); r++) {
		const struct gr_mark_root *m = gr_mark_root(a->mark, r);
		if (!m->reachable_known || !m->reachable_objects)
			continue;
		root_frame(a, r, name, sizeof(name));
		uint64_t loc;
		if ((err = gr_pprof_location(p, name, NULL, 0, &loc)))
			break;
		int64_t v[4] = {0, 0, (int64_t)m->reachable_bytes,
				(int64_t)m->reachable_objects};
		err = gr_pprof_add_sample(p, v, 4, &loc, 1, NULL, 0);
	}
	return err;
}

struct gr_error *gr_pprof_retention_write(const struct gr_analysis *a,
					  FILE *out, const char *path)
{
	struct gr_pprof *p;
	struct gr_error *err = gr_pprof_create(&p);
	if (err)
		return err;
	struct cct t = {0};
	if (!(err = gr_pprof_add_sample_type(p, "retained_space", "bytes")) &&
	    !(err = gr_pprof_add_sample_type(p, "retained_objects", "count")) &&
	    !(err = gr_pprof_add_sample_type(p, "reachable_space", "bytes")) &&
	    !(err = gr_pprof_add_sample_type(p, "reachable_objects", "count")) &&
	    !(err = gr_pprof_set_default_sample_type(p, "retained_space")) &&
	    !(err = gr_pprof_set_period(p, "space", "bytes", 1)) &&
	    !(err = gr_pprof_add_comment(
		      p, "goretain retention profile: stacks are dominator "
			 "chains (root outermost); cum = retained bytes")) &&
	    !(err = build(a, p, &t)) && !(err = emit(a, p, &t)))
		err = gr_pprof_write_stream(p, out, path);
	free(t.c);
	gr_hash_deinit(&t.index);
	gr_pprof_destroy(p);
	return err;
}
