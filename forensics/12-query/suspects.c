/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/suspects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/retention.h"

enum { NO = UINT32_MAX };

/* Descend while one child holds accumulation_share of its parent. */
static uint32_t descend(const struct gr_dom *d, uint32_t node, double share)
{
	for (;;) {
		const uint32_t *ch;
		uint32_t n, best = NO;
		uint64_t best_bytes = 0;
		gr_dom_children(d, node, &ch, &n);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t b = gr_dom_retained(d, ch[i]).bytes;
			if (best == NO || b > best_bytes) {
				best = ch[i];
				best_bytes = b;
			}
		}
		uint64_t mine = gr_dom_retained(d, node).bytes;
		if (best == NO || !mine ||
		    (double)best_bytes < share * (double)mine)
			return node;
		node = best;
	}
}

/*
 * The type whose topmost instances under @node (excluded) retain the most:
 * a walk of the subtree counting a type at its outermost instance only.
 * Group keys are type index * 2 + is-array, unknown objects one group.
 */
GR_MUST_USE
static struct gr_error *dominant_type(const struct gr_analysis *a,
				      uint32_t node, double share,
				      struct gr_suspect *s)
{
	uint32_t ntypes = a->types ? gr_types_count(a->types) : 0;
	size_t ngroups = (size_t)ntypes * 2 + 1;
	uint32_t nroots = gr_graph_root_count(a->graph);
	uint32_t *active = calloc(ngroups, sizeof(*active));
	uint64_t *bytes = calloc(ngroups, sizeof(*bytes));
	uint64_t *count = calloc(ngroups, sizeof(*count));
	size_t cap = 1024, top = 0;
	uint64_t *stack = malloc(cap * sizeof(*stack));
	struct gr_error *err = NULL;
	if (!active || !bytes || !count || !stack) {
		err = gr_error_nomem();
		goto out;
	}
	const uint32_t *ch;
	uint32_t n;
	gr_dom_children(a->dom, node, &ch, &n);
	for (uint32_t i = 0; i < n; i++) {
		if ((err = gr_array_grow(&stack, &cap, top, 1)))
			goto out;
		stack[top++] = (uint64_t)ch[i] << 1;
	}
	while (top) {
		uint64_t e = stack[--top];
		uint32_t x = (uint32_t)(e >> 1);
		if (x <= nroots) /* objects only below a suspect */
			continue;
		uint32_t id = x - nroots - 1;
		size_t g = ngroups - 1;
		if (a->types) {
			struct gr_type_object o = gr_types_object(a->types, id);
			if (o.type != GR_TYPE_UNKNOWN)
				g = (size_t)o.type * 2 + (o.count != 0);
		}
		if (e & 1) {
			active[g]--;
			continue;
		}
		if (!active[g]++) {
			bytes[g] += gr_dom_retained(a->dom, x).bytes;
			count[g]++;
		}
		gr_dom_children(a->dom, x, &ch, &n);
		if ((err = gr_array_grow(&stack, &cap, top, (size_t)n + 1)))
			goto out;
		stack[top++] = e | 1;
		for (uint32_t i = 0; i < n; i++)
			stack[top++] = (uint64_t)ch[i] << 1;
	}
	/*
	 * The accumulating type: of the types whose instances together hold
	 * most of the subtree (accumulation_share), the one with the most
	 * instances — the sessions under a map, not the map's few tables,
	 * which hold as much; failing that, the one retaining the most.
	 */
	uint64_t whole = gr_dom_retained(a->dom, node).bytes;
	size_t best = ngroups;
	for (size_t g = 0; g < ngroups; g++) {
		if (!count[g] || (double)bytes[g] < share * (double)whole)
			continue;
		if (best == ngroups || count[g] > count[best] ||
		    (count[g] == count[best] && bytes[g] > bytes[best]))
			best = g;
	}
	for (size_t g = 0; best == ngroups && g < ngroups; g++)
		if (count[g] && (best == ngroups || bytes[g] > bytes[best]))
			best = g;
	if (best < ngroups) {
		char name[512];
		if (best == ngroups - 1)
			snprintf(name, sizeof(name), "unknown");
		else
			snprintf(name, sizeof(name), "%s%s",
				 best & 1 ? "[]" : "",
				 gr_types_info(a->types, (uint32_t)(best / 2))
					 ->name);
		s->member_type = strdup(name);
		if (!s->member_type)
			err = gr_error_nomem();
		s->members = count[best];
		s->member_bytes = bytes[best];
	}
out:
	free(active);
	free(bytes);
	free(count);
	free(stack);
	return err;
}

static int by_bytes(const void *x, const void *y)
{
	const struct gr_suspect *a = x, *b = y;
	if (a->retained_bytes != b->retained_bytes)
		return a->retained_bytes < b->retained_bytes ? 1 : -1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->root < b->root ? -1 : a->root > b->root;
}

/* Rows of a grouping by retained bytes, key and detail: the order
 * gr_retention_build gives when no reachable size is known. */
static int site_order(const void *x, const void *y, void *arg)
{
	const struct gr_retention *r = arg;
	const struct gr_retention_row *a =
		gr_retention_row(r, *(const size_t *)x);
	const struct gr_retention_row *b =
		gr_retention_row(r, *(const size_t *)y);
	if (a->retained_bytes != b->retained_bytes)
		return a->retained_bytes < b->retained_bytes ? 1 : -1;
	int c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->detail, b->detail);
}

GR_MUST_USE
static struct gr_error *add_node(const struct gr_analysis *a,
				 const struct gr_suspect_options *o,
				 uint32_t node, struct gr_suspect *s)
{
	struct gr_dom_ref ref = gr_dom_ref(a->dom, node);
	struct gr_dom_retained rt = gr_dom_retained(a->dom, node);
	uint64_t live = gr_dom_totals(a->dom)->live_bytes;
	memset(s, 0, sizeof(*s));
	s->kind = ref.kind == GR_DOM_KIND_ROOT ? GR_SUSPECT_ROOT
					       : GR_SUSPECT_SHARED;
	s->root = ref.kind == GR_DOM_KIND_ROOT ? ref.index : NO;
	s->object = ref.kind == GR_DOM_KIND_OBJECT ? ref.index : NO;
	s->retained_bytes = rt.bytes;
	s->retained_objects = rt.objects;
	s->share = live ? (double)rt.bytes / (double)live : 0;
	uint32_t acc = descend(a->dom, node, o->accumulation_share);
	struct gr_dom_ref ar = gr_dom_ref(a->dom, acc);
	s->accumulation = ar.kind == GR_DOM_KIND_OBJECT ? ar.index
							: GR_HEAP_NO_OBJECT;
	struct gr_dom_retained art = gr_dom_retained(a->dom, acc);
	s->accumulation_bytes = art.bytes;
	s->accumulation_objects = art.objects;
	return dominant_type(a, acc, o->accumulation_share, s);
}

struct gr_error *gr_suspects_find(const struct gr_analysis *a,
				  const struct gr_suspect_options *o,
				  struct gr_suspect **ret, size_t *count)
{
	*ret = NULL;
	*count = 0;
	uint64_t live = gr_dom_totals(a->dom)->live_bytes;
	double min = o->min_share * (double)live;
	const uint32_t *ch;
	uint32_t n;
	gr_dom_children(a->dom, GR_DOM_PSEUDO_ROOT, &ch, &n);
	struct gr_retention *built = NULL;
	struct gr_error *err =
		o->sites ? NULL
			 : gr_retention_build(a, GR_RETENTION_BY_SITE, 1, 0,
					      &built);
	if (err)
		return err;
	const struct gr_retention *sites = o->sites ? o->sites : built;
	size_t nsites = gr_retention_count(sites);
	struct gr_suspect *s = calloc((size_t)n + nsites + 1, sizeof(*s));
	size_t *order = malloc((nsites ? nsites : 1) * sizeof(*order));
	size_t k = 0;
	if (!s || !order)
		err = gr_error_nomem();
	for (size_t i = 0; order && i < nsites; i++)
		order[i] = i;
	/* Site suspects in one order whoever built the grouping: by bytes
	 * and key, as rows come without reachable sizes. */
	if (order)
		qsort_r(order, nsites, sizeof(*order), site_order,
			(void *)sites);
	for (uint32_t i = 0; !err && i < n; i++) {
		if (!live ||
		    (double)gr_dom_retained(a->dom, ch[i]).bytes < min)
			continue;
		err = add_node(a, o, ch[i], &s[k]);
		k++;
	}
	/* Goroutines of one site that together hold much, each holding a
	 * little, are a leak of goroutines. */
	for (size_t i = 0; !err && live && i < nsites; i++) {
		const struct gr_retention_row *w =
			gr_retention_row(sites, order[i]);
		if ((double)w->retained_bytes < min || w->members < 2)
			continue;
		struct gr_suspect *x = &s[k++];
		x->kind = GR_SUSPECT_SITE;
		x->root = x->object = NO;
		x->accumulation = GR_HEAP_NO_OBJECT;
		x->retained_bytes = w->retained_bytes;
		x->retained_objects = w->retained_objects;
		x->share = (double)w->retained_bytes / (double)live;
		x->members = w->members;
		size_t len = strlen(w->key) + strlen(w->detail) + 4;
		x->site = malloc(len);
		x->member_type = strdup("goroutine");
		if (!x->site || !x->member_type)
			err = gr_error_nomem();
		else
			snprintf(x->site, len, *w->detail ? "%s (%s)" : "%s",
				 w->key, w->detail);
	}
	gr_retention_destroy(built);
	free(order);
	if (err) {
		gr_suspects_free(s, k);
		return err;
	}
	qsort(s, k, sizeof(*s), by_bytes);
	for (size_t i = o->max; i < k; i++) {
		free(s[i].site);
		free(s[i].member_type);
	}
	*count = k < o->max ? k : o->max;
	*ret = s;
	return NULL;
}

void gr_suspects_free(struct gr_suspect *s, size_t count)
{
	for (size_t i = 0; s && i < count; i++) {
		free(s[i].site);
		free(s[i].member_type);
	}
	free(s);
}
