/* SPDX-License-Identifier: MIT */
#include "allocsites.h"

#include <stdlib.h>
#include <string.h>

#include "bigarray.h"

struct gr_allocsites {
	const struct gr_analysis *a;
	struct gr_memprof *mp;
	struct gr_allocsites_info info;
	char *unavailable;
	/* Per heap object: its record + 1, 0 when not sampled. */
	uint32_t *rec_of;
	uint32_t nobjects;
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

/* Fill rec_of from the profile specials on live objects. */
static struct gr_error *join(struct gr_allocsites *as)
{
	const struct gr_analysis *a = as->a;
	size_t nrec = gr_memprof_count(as->mp);
	struct bucket_ix *ix = malloc((nrec ? nrec : 1) * sizeof(*ix));
	as->nobjects = gr_heap_object_count(a->heap);
	as->rec_of = gr_bigarray_alloc(as->nobjects, sizeof(*as->rec_of), true);
	if (!ix || !as->rec_of || nrec >= UINT32_MAX) {
		free(ix);
		return gr_error_nomem();
	}
	for (size_t i = 0; i < nrec; i++)
		ix[i] = (struct bucket_ix){gr_memprof_record(as->mp, i)->bucket,
					   (uint32_t)i};
	qsort(ix, nrec, sizeof(*ix), by_addr);
	size_t ns = a->specials ? gr_specials_count(a->specials) : 0;
	for (size_t i = 0; i < ns; i++) {
		const struct gr_special *x = gr_specials_get(a->specials, i);
		if (x->kind != GR_SPECIAL_PROFILE ||
		    x->object_id >= as->nobjects ||
		    !gr_mark_is_live(a->mark, x->object_id))
			continue;
		struct bucket_ix key = {x->bucket, 0};
		const struct bucket_ix *hit =
			nrec ? bsearch(&key, ix, nrec, sizeof(*ix), by_addr)
			     : NULL;
		/* One profile special per object (mProf_Malloc runs once
		 * per allocation); a second would be damage: keep the
		 * first. */
		if (!hit) {
			as->info.unknown_bucket++;
		} else if (!as->rec_of[x->object_id]) {
			as->rec_of[x->object_id] = hit->rec + 1;
			as->info.sampled_objects++;
		}
	}
	free(ix);
	return NULL;
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
	free(as->rec_of);
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
	if (!as->rec_of || id >= as->nobjects || !as->rec_of[id])
		return SIZE_MAX;
	return as->rec_of[id] - 1;
}

static int by_bytes(const void *x, const void *y)
{
	const struct gr_allocsite *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	if (a->objects != b->objects)
		return a->objects < b->objects ? 1 : -1;
	return a->record < b->record ? -1 : a->record > b->record;
}

/* Count the sampled objects of @node's subtree per record into @count:
 * an explicit stack, dominator trees can be as deep as a linked list. */
static struct gr_error *count_subtree(const struct gr_allocsites *as,
				      uint32_t node, uint64_t *count)
{
	const struct gr_dom *d = as->a->dom;
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
		if (cap - top < n) {
			size_t c = cap;
			while (c - top < n)
				c *= 2;
			uint32_t *p = realloc(stack, c * sizeof(*p));
			if (!p) {
				free(stack);
				return gr_error_nomem();
			}
			stack = p;
			cap = c;
		}
		memcpy(stack + top, ch, n * sizeof(*ch));
		top += n;
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
	qsort(s, used, sizeof(*s), by_bytes);
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
