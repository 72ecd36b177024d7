/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/allocsites.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"

struct gr_allocsites {
	const struct gr_analysis *a;
	struct gr_memprof *mp;
	struct gr_allocsites_info info;
	char *unavailable;
	/* The sampled live objects and their records, by id: a few
	 * thousand (one per MemProfileRate bytes allocated), not an entry
	 * per heap object. */
	struct sampled {
		uint32_t id, rec;
	} *sampled;
	size_t nsampled;
	/* Dominator nodes with a sampled object in their subtree (a bit per
	 * node, keep_nodes of them): subtree counts skip the rest.  NULL
	 * without a tree. */
	uint64_t *keep;
	uint32_t keep_nodes;
};

struct bucket_ix {
	uint64_t addr;
	uint32_t rec;
};

static int by_addr(const void *x, const void *y)
{
	const struct bucket_ix *a = x, *b = y;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

static int by_id(const void *x, const void *y)
{
	const struct sampled *a = x, *b = y;
	return a->id < b->id ? -1 : a->id > b->id;
}

struct sampled_pos {
	struct sampled s;
	size_t pos;
};

static int by_id_pos(const void *x, const void *y)
{
	const struct sampled_pos *a = x, *b = y;
	if (a->s.id != b->s.id)
		return a->s.id < b->s.id ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Mark every sampled object's node and its dominators in as->keep. */
GR_MUST_USE
static struct gr_error *keep_build(struct gr_allocsites *as)
{
	const struct gr_dom *d = as->a->dom;
	if (!d)
		return NULL;
	uint32_t nn = as->keep_nodes = gr_dom_node_count(d);
	as->keep = gr_bigarray_alloc((size_t)nn / 64 + 1, sizeof(*as->keep),
				     true);
	if (!as->keep)
		return gr_error_nomem();
	for (size_t i = 0; i < as->nsampled; i++)
		/* Up to the first node already marked: every node once. */
		for (uint32_t x = gr_dom_object_node(d, as->sampled[i].id);
		     x < nn && !(as->keep[x / 64] >> (x % 64) & 1);
		     x = gr_dom_idom(d, x))
			as->keep[x / 64] |= UINT64_C(1) << (x % 64);
	return NULL;
}

/* The sampled live objects, from the profile specials. */
GR_MUST_USE
static struct gr_error *join(struct gr_allocsites *as)
{
	const struct gr_analysis *a = as->a;
	size_t nrec = gr_memprof_count(as->mp);
	struct bucket_ix *ix = malloc((nrec ? nrec : 1) * sizeof(*ix));
	uint32_t nobjects = gr_heap_object_count(a->heap);
	size_t ns = a->specials ? gr_specials_count(a->specials) : 0;
	as->sampled = malloc((ns ? ns : 1) * sizeof(*as->sampled));
	if (!ix || !as->sampled || nrec >= UINT32_MAX) {
		free(ix);
		return gr_error_nomem();
	}
	for (size_t i = 0; i < nrec; i++)
		ix[i] = (struct bucket_ix){gr_memprof_record(as->mp, i)->bucket,
					   (uint32_t)i};
	qsort(ix, nrec, sizeof(*ix), by_addr);
	size_t n = 0;
	for (size_t i = 0; i < ns; i++) {
		const struct gr_special *x = gr_specials_get(a->specials, i);
		if (x->kind != GR_SPECIAL_PROFILE ||
		    x->object_id >= nobjects ||
		    !gr_mark_is_live(a->mark, x->object_id))
			continue;
		struct bucket_ix key = {x->bucket, 0};
		const struct bucket_ix *hit =
			nrec ? bsearch(&key, ix, nrec, sizeof(*ix), by_addr)
			     : NULL;
		if (!hit)
			as->info.unknown_bucket++;
		else
			as->sampled[n++] = (struct sampled){x->object_id,
							    hit->rec};
	}
	free(ix);
	/* One profile special per object (mProf_Malloc runs once per
	 * allocation); a second would be damage: keep the first.  Sorted
	 * by id and, within an id, by position (qsort is not stable). */
	struct sampled_pos *v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return gr_error_nomem();
	for (size_t i = 0; i < n; i++)
		v[i] = (struct sampled_pos){as->sampled[i], i};
	qsort(v, n, sizeof(*v), by_id_pos);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || as->sampled[k - 1].id != v[i].s.id)
			as->sampled[k++] = v[i].s;
	free(v);
	as->nsampled = k;
	as->info.sampled_objects = k;
	return keep_build(as);
}

struct gr_error *gr_allocsites_create(const struct gr_analysis *a,
				      struct gr_allocsites **ret)
{
	struct gr_allocsites *as = calloc(1, sizeof(*as));
	if (!as)
		return gr_error_nomem();
	as->a = a;
	struct gr_error *err = gr_memprof_read(a->session, &as->mp);
	if (err && err->code == GR_ERR_NOMEM) {
		free(as);
		return err;
	}
	if (err) {
		as->unavailable = strdup(err->message);
		gr_error_destroy(err);
		as->mp = NULL;
		as->info.unavailable = as->unavailable ? as->unavailable
						       : "unreadable";
		*ret = as;
		return NULL;
	}
	const struct gr_memprof_info *mi = gr_memprof_info(as->mp);
	as->info.available = true;
	as->info.rate = mi->rate;
	as->info.disabled = mi->disabled;
	err = join(as);
	if (err) {
		gr_allocsites_destroy(as);
		return err;
	}
	*ret = as;
	return NULL;
}

void gr_allocsites_destroy(struct gr_allocsites *as)
{
	if (!as)
		return;
	gr_memprof_destroy(as->mp);
	free(as->unavailable);
	free(as->sampled);
	free(as->keep);
	free(as);
}

const struct gr_allocsites_info *
gr_allocsites_info(const struct gr_allocsites *as)
{
	return &as->info;
}

struct gr_memprof *gr_allocsites_profile(struct gr_allocsites *as)
{
	return as->mp;
}

const struct gr_analysis *gr_allocsites_analysis(const struct gr_allocsites *as)
{
	return as->a;
}

size_t gr_allocsites_object_record(const struct gr_allocsites *as,
				   uint32_t id)
{
	struct sampled key = {id, 0};
	const struct sampled *hit =
		as->nsampled ? bsearch(&key, as->sampled, as->nsampled,
				       sizeof(key), by_id)
			     : NULL;
	return hit ? hit->rec : SIZE_MAX;
}

int gr_allocsite_cmp(const void *x, const void *y)
{
	const struct gr_allocsite *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->objects != b->objects)
		return a->objects < b->objects ? 1 : -1;
	return a->record < b->record ? -1 : a->record > b->record;
}

static bool kept(const struct gr_allocsites *as, uint32_t node)
{
	/* No tree to prune by (or a node past it): walk everything. */
	if (!as->keep || node >= as->keep_nodes)
		return true;
	return as->keep[node / 64] >> (node % 64) & 1;
}

/* Count the sampled objects of @node's subtree per record into @count:
 * an explicit stack, dominator trees can be as deep as a linked list. */
GR_MUST_USE
static struct gr_error *count_subtree(const struct gr_allocsites *as,
				      uint32_t node, uint64_t *count)
{
	const struct gr_dom *d = as->a->dom;
	/* Only subtrees holding a sampled object are walked. */
	if (!kept(as, node))
		return NULL;
	size_t cap = 1024, top = 0;
	uint32_t *stack = malloc(cap * sizeof(*stack));
	if (!stack)
		return gr_error_nomem();
	stack[top++] = node;
	while (top) {
		uint32_t x = stack[--top];
		struct gr_dom_ref r = gr_dom_ref(d, x);
		if (r.kind == GR_DOM_KIND_OBJECT) {
			size_t rec = gr_allocsites_object_record(as, r.index);
			if (rec != SIZE_MAX)
				count[rec]++;
		}
		const uint32_t *ch;
		uint32_t n;
		gr_dom_children(d, x, &ch, &n);
		struct gr_error *err = gr_array_grow(&stack, &cap, top, n);
		if (err) {
			free(stack);
			return err;
		}
		for (uint32_t i = 0; i < n; i++)
			if (kept(as, ch[i]))
				stack[top++] = ch[i];
	}
	free(stack);
	return NULL;
}

static struct gr_allocsite site_of(const struct gr_allocsites *as, size_t rec,
				   uint64_t objects)
{
	const struct gr_memprof_record *r = gr_memprof_record(as->mp, rec);
	struct gr_allocsite s = {rec, objects, objects * r->size, 0, 0};
	gr_memprof_scale((int64_t)s.objects, (int64_t)s.bytes, as->info.rate,
			 &s.est_objects, &s.est_bytes);
	return s;
}

/* Count the sampled objects among @ids per record into @count. */
GR_MUST_USE
static struct gr_error *count_objects(const struct gr_allocsites *as,
				      const uint32_t *ids, size_t n,
				      uint64_t *count)
{
	for (size_t i = 0; i < n; i++) {
		size_t rec = gr_allocsites_object_record(as, ids[i]);
		if (rec != SIZE_MAX)
			count[rec]++;
	}
	return NULL;
}

/* Sites from the per-record counts of one set (either of the above). */
GR_MUST_USE
static struct gr_error *sites(const struct gr_allocsites *as, uint32_t node,
			      const uint32_t *ids, size_t nids, size_t max,
			      struct gr_allocsite **ret, size_t *n_ret,
			      struct gr_allocsite *all)
{
	*ret = NULL;
	*n_ret = 0;
	if (all)
		*all = (struct gr_allocsite){SIZE_MAX, 0, 0, 0, 0};
	if (!as->mp || !as->info.sampled_objects)
		return NULL;
	size_t nrec = gr_memprof_count(as->mp);
	uint64_t *count = calloc(nrec ? nrec : 1, sizeof(*count));
	if (!count)
		return gr_error_nomem();
	struct gr_error *err = ids ? count_objects(as, ids, nids, count)
				   : count_subtree(as, node, count);
	size_t used = 0;
	for (size_t i = 0; !err && i < nrec; i++)
		used += count[i] != 0;
	struct gr_allocsite *s =
		err || !used ? NULL : malloc(used * sizeof(*s));
	if (!err && used && !s)
		err = gr_error_nomem();
	if (err || !used) {
		free(count);
		return err;
	}
	size_t k = 0;
	for (size_t i = 0; i < nrec; i++) {
		if (!count[i])
			continue;
		s[k++] = site_of(as, i, count[i]);
		if (all) {
			all->objects += s[k - 1].objects;
			all->bytes += s[k - 1].bytes;
			all->est_objects += s[k - 1].est_objects;
			all->est_bytes += s[k - 1].est_bytes;
		}
	}
	free(count);
	qsort(s, used, sizeof(*s), gr_allocsite_cmp);
	*n_ret = used < max ? used : max;
	*ret = s;
	return NULL;
}

struct gr_error *gr_allocsites_under(const struct gr_allocsites *as,
				     uint32_t node, size_t max,
				     struct gr_allocsite **ret, size_t *n_ret,
				     struct gr_allocsite *all)
{
	return sites(as, node, NULL, 0, max, ret, n_ret, all);
}

struct gr_error *gr_allocsites_of_objects(const struct gr_allocsites *as,
					  const uint32_t *ids, size_t n,
					  size_t max, struct gr_allocsite **ret,
					  size_t *n_ret,
					  struct gr_allocsite *all)
{
	static const uint32_t none;
	return sites(as, 0, n ? ids : &none, n, max, ret, n_ret, all);
}
