/* SPDX-License-Identifier: MIT */
#include "forensics/12-query/channels.h"

#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/09-roots/roots.h"
#include "forensics/11-types/types.h"

/* runtime/chan.go hchan and runtime/runtime2.go sudog, each member read at
 * the size DWARF gives it. */
struct layout {
	struct gr_dwarf_member qcount, dataqsiz, elemsize, closed, elemtype,
		recvq_first, sendq_first;
	struct gr_dwarf_member sudog_next, sudog_c, sudog_waitlink;
};

struct gr_channels {
	struct gr_channel *v;
	size_t n, cap, total;
	/* Element type names not owned by the rtypes (from DWARF names). */
	char **names;
	size_t nnames, names_cap;
	struct gr_rtypes *rt;
	/* Reads that failed (capped, see damage.h). */
	struct gr_damage_list damage;
};

GR_MUST_USE
static struct gr_error *resolve(const struct gr_dwarf *d, struct layout *l)
{
	static const char H[] = "runtime.hchan", S[] = "runtime.sudog";
	const uint64_t *word = GR_DWARF_SIZES(8);
	struct gr_error *err;
	/* sudog.c is a *hchan up to 1.25, a maybeTraceableChan from 1.26
	 * (runtime2.go), read at its first word, vp, as before. */
	const char *sudog_c = gr_dwarf_has_member(d, S, "c.maybeTraceablePtr.vp")
				      ? "c.maybeTraceablePtr.vp"
				      : "c";
	/* elemsize is uint16, closed uint32 (chan.go, 1.19-1.27). */
	if ((err = gr_dwarf_member_of(d, H, "qcount", word, &l->qcount)) ||
	    (err = gr_dwarf_member_of(d, H, "dataqsiz", word,
				      &l->dataqsiz)) ||
	    (err = gr_dwarf_member_of(d, H, "elemsize", GR_DWARF_SIZES(2),
				      &l->elemsize)) ||
	    (err = gr_dwarf_member_of(d, H, "closed", GR_DWARF_SIZES(4),
				      &l->closed)) ||
	    (err = gr_dwarf_member_of(d, H, "elemtype", word,
				      &l->elemtype)) ||
	    (err = gr_dwarf_member_of(d, H, "recvq.first", word,
				      &l->recvq_first)) ||
	    (err = gr_dwarf_member_of(d, H, "sendq.first", word,
				      &l->sendq_first)) ||
	    (err = gr_dwarf_member_of(d, S, "next", word, &l->sudog_next)) ||
	    (err = gr_dwarf_member_of(d, S, sudog_c, word, &l->sudog_c)) ||
	    (err = gr_dwarf_member_of(d, S, "waitlink", word,
				      &l->sudog_waitlink)))
		return gr_error_prefix(err, "channels");
	return NULL;
}

/* Length of the sudog list at @first, at most @max; *cut when it could
 * not be walked to its end (a sudog that cannot be read is damage). */
GR_MUST_USE
static struct gr_error *queue_len(struct gr_channels *c, struct gr_mem *mem,
				  const struct layout *l, uint64_t first,
				  uint64_t max, bool *cut, uint64_t *ret)
{
	uint64_t n = 0, p = first, tortoise = first, power = 1, lam = 0;
	while (p) {
		if (n >= max) {
			*cut = true;
			break;
		}
		n++;
		struct gr_error *err =
			gr_dwarf_member_read(mem, p, &l->sudog_next, &p);
		if (err) {
			*ret = n;
			*cut = true;
			return gr_damage_fault(&c->damage, err,
					       "channel sudog");
		}
		/* Brent: a loop in the list ends the walk. */
		if (p && p == tortoise) {
			*cut = true;
			break;
		}
		if (++lam == power) {
			tortoise = p;
			power *= 2;
			lam = 0;
		}
	}
	*ret = n;
	return NULL;
}

/* "runtime.hchan[*main.Letter]" -> "*main.Letter"; NULL without one. */
static char *bracket(const char *name)
{
	const char *o = strchr(name, '[');
	size_t n = strlen(name);
	if (!o || n < 2 || name[n - 1] != ']')
		return NULL;
	return strndup(o + 1, (size_t)(name + n - 1 - (o + 1)));
}

static bool is_hchan(const char *name)
{
	return !strncmp(name, "runtime.hchan", 13) &&
	       (name[13] == '\0' || name[13] == '[');
}

/* The element type's name: the descriptor's, else the DWARF name's
 * bracket; an element type that cannot be read is damage. */
GR_MUST_USE
static struct gr_error *elem_name(struct gr_channels *c, struct gr_mem *mem,
				  const struct layout *l, uint64_t addr,
				  const char *type_name, const char **ret)
{
	uint64_t et;
	const struct gr_rtype *t;
	const char *name;
	struct gr_error *err = gr_dwarf_member_read(mem, addr, &l->elemtype, &et);
	if (!err && c->rt && et && !(err = gr_rtype_get(c->rt, et, &t)) &&
	    !(err = gr_rtype_name(c->rt, t, &name))) {
		*ret = name;
		return NULL;
	}
	if ((err = gr_damage_fault(&c->damage, err, "channel element type")))
		gr_error_destroy(err); /* not FAULT: the DWARF name stands in */
	char *b = bracket(type_name);
	/* A name is decoration: without memory for one, "?" stands in. */
	err = b ? gr_array_grow(&c->names, &c->names_cap, c->nnames, 1)
		: gr_error_nomem();
	if (err) {
		gr_error_destroy(err);
		free(b);
		*ret = "?";
		return NULL;
	}
	c->names[c->nnames++] = b;
	*ret = b;
	return NULL;
}

static int by_retained(const void *x, const void *y)
{
	const struct gr_channel *a = x, *b = y;
	if (a->retained_bytes != b->retained_bytes)
		return a->retained_bytes < b->retained_bytes ? 1 : -1;
	uint64_t qa = a->len * a->elem_size, qb = b->len * b->elem_size;
	if (qa != qb)
		return qa < qb ? 1 : -1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* One live object that is an hchan: add it if it is busy. */
GR_MUST_USE
static struct gr_error *visit(struct gr_channels *c, const struct gr_analysis *a,
			      const struct layout *l, uint32_t id,
			      const char *type_name)
{
	struct gr_mem *mem = gr_session_mem(a->session);
	uint64_t addr = gr_heap_object_addr(a->heap, id);
	uint64_t qcount, dataqsiz, elemsize, closed, rq, sq;
	struct gr_error *err;
	if ((err = gr_dwarf_member_read(mem, addr, &l->qcount, &qcount)) ||
	    (err = gr_dwarf_member_read(mem, addr, &l->dataqsiz, &dataqsiz)) ||
	    (err = gr_dwarf_member_read(mem, addr, &l->elemsize, &elemsize)) ||
	    (err = gr_dwarf_member_read(mem, addr, &l->closed, &closed)) ||
	    (err = gr_dwarf_member_read(mem, addr, &l->recvq_first, &rq)) ||
	    (err = gr_dwarf_member_read(mem, addr, &l->sendq_first, &sq))) {
		/* An hchan the core does not hold is not a channel we can
		 * describe; the heap walk has counted its bytes. */
		return gr_damage_fault(&c->damage, err, "hchan");
	}
	c->total++;
	/* No more sudogs than goroutines can wait (one per select case;
	 * a generous bound that still stops a runaway list). */
	uint64_t max = 1024 + 64 * (uint64_t)gr_goroutines_count(a->goroutines);
	struct gr_channel ch = {
		.object = id,
		.addr = addr,
		.elem_size = elemsize,
		.cap = dataqsiz,
		.len = qcount <= dataqsiz ? qcount : dataqsiz,
		.closed = closed != 0,
	};
	if ((err = queue_len(c, mem, l, rq, max, &ch.queue_cut,
			     &ch.receivers)) ||
	    (err = queue_len(c, mem, l, sq, max, &ch.queue_cut, &ch.senders)))
		return err;
	if (!ch.len && !ch.receivers && !ch.senders)
		return NULL;
	if ((err = elem_name(c, mem, l, addr, type_name, &ch.elem_type)))
		return err;
	struct gr_dom_retained r = gr_dom_object_retained(a->dom, id);
	ch.retained_bytes = r.bytes;
	ch.retained_objects = r.objects;
	if ((err = gr_array_grow(&c->v, &c->cap, c->n, 1)))
		return err;
	c->v[c->n++] = ch;
	return NULL;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

GR_MUST_USE
static struct gr_error *add_id(uint32_t **v, size_t *n, size_t *cap,
			       uint32_t id)
{
	struct gr_error *err = gr_array_grow(v, cap, *n, 1);
	if (err)
		return err;
	(*v)[(*n)++] = id;
	return NULL;
}

/*
 * The hchans to look at, sorted and unique: live objects typed as one,
 * and the channels blocked goroutines wait on (g.waiting, a sudog list
 * linked through waitlink, each sudog's c), which finds the channels
 * only goroutine stacks refer to even when nothing typed them.
 */
GR_MUST_USE
static struct gr_error *candidates(struct gr_channels *c,
				   const struct gr_analysis *a,
				   const struct layout *l, uint32_t **ret,
				   size_t *n_ret)
{
	uint32_t *v = NULL;
	size_t n = 0, cap = 0;
	struct gr_error *err = NULL;
	uint32_t nobj = gr_heap_object_count(a->heap);
	for (uint32_t id = 0; a->types && !err && id < nobj; id++) {
		if (!gr_mark_is_live(a->mark, id))
			continue;
		struct gr_type_object o = gr_types_object(a->types, id);
		if (o.type != GR_TYPE_UNKNOWN && !o.count &&
		    is_hchan(gr_types_info(a->types, o.type)->name))
			err = add_id(&v, &n, &cap, id);
	}
	struct gr_mem *mem = gr_session_mem(a->session);
	size_t ng = gr_goroutines_count(a->goroutines);
	for (size_t i = 0; !err && i < ng; i++) {
		uint64_t sg = gr_goroutines_get(a->goroutines, i)->waiting;
		/* A select waits on at most 65536 cases (reflect.Select's
		 * limit is the int16 in the runtime's scase count). */
		for (int k = 0; sg && k < 65536 && !err; k++) {
			uint64_t ch, next;
			err = gr_dwarf_member_read(mem, sg, &l->sudog_c, &ch);
			if (!err)
				err = gr_dwarf_member_read(
					mem, sg, &l->sudog_waitlink, &next);
			/* An unreadable sudog ends this goroutine's list. */
			if (err) {
				err = gr_damage_fault(&c->damage, err,
						      "waiting sudog");
				break;
			}
			uint32_t id = ch ? gr_heap_find(a->heap, ch)
					 : GR_HEAP_NO_OBJECT;
			if (id != GR_HEAP_NO_OBJECT &&
			    gr_heap_object_addr(a->heap, id) == ch &&
			    gr_mark_is_live(a->mark, id))
				err = add_id(&v, &n, &cap, id);
			sg = next == sg ? 0 : next;
		}
	}
	if (err) {
		free(v);
		return err;
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!m || v[i] != v[m - 1])
			v[m++] = v[i];
	*ret = v;
	*n_ret = m;
	return NULL;
}

static int chan_by_object(const void *key, const void *x)
{
	uint32_t id = *(const uint32_t *)key;
	uint32_t o = ((const struct gr_channel *)x)->object;
	return id < o ? -1 : id > o;
}

static int by_object(const void *x, const void *y)
{
	return cmp_u32(&((const struct gr_channel *)x)->object,
		       &((const struct gr_channel *)y)->object);
}

/* The first global (in root order) pointing at each busy channel. */
GR_MUST_USE
static struct gr_error *name_globals(struct gr_channels *c,
				     const struct gr_analysis *a)
{
	qsort(c->v, c->n, sizeof(*c->v), by_object);
	for (size_t i = 0; i < c->n; i++)
		c->v[i].global = "";
	uint32_t nr = gr_graph_root_count(a->graph);
	for (uint32_t r = 0; c->n && r < nr; r++) {
		const struct gr_root *root = gr_roots_get(a->roots, r);
		if (root->kind != GR_ROOT_DATA && root->kind != GR_ROOT_BSS)
			continue;
		const uint32_t *e;
		uint32_t ne;
		gr_graph_root_edges(a->graph, r, &e, &ne);
		for (uint32_t k = 0; k < ne; k++) {
			struct gr_channel *x = bsearch(&e[k], c->v, c->n,
						       sizeof(*c->v),
						       chan_by_object);
			if (x && !*x->global)
				x->global = root->name;
		}
	}
	return NULL;
}

struct gr_error *gr_channels_collect(const struct gr_analysis *a,
				     struct gr_channels **ret)
{
	struct layout l;
	struct gr_error *err = resolve(gr_session_dwarf(a->session), &l);
	if (err)
		return err;
	struct gr_channels *c = calloc(1, sizeof(*c));
	if (!c)
		return gr_error_nomem();
	/* Element names from the descriptors when they can be read; the
	 * DWARF names otherwise. */
	err = gr_rtypes_create(a->session, &c->rt);
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		c->rt = NULL;
	uint32_t *ids = NULL;
	size_t nids = 0;
	if (!err)
		err = candidates(c, a, &l, &ids, &nids);
	for (size_t i = 0; !err && i < nids; i++) {
		struct gr_type_object o =
			a->types ? gr_types_object(a->types, ids[i])
				 : (struct gr_type_object){GR_TYPE_UNKNOWN, 0, 0};
		const char *name = o.type == GR_TYPE_UNKNOWN
					   ? ""
					   : gr_types_info(a->types, o.type)->name;
		err = visit(c, a, &l, ids[i], name);
	}
	free(ids);
	if (!err)
		err = name_globals(c, a);
	if (!err)
		err = gr_damage_list_close(&c->damage);
	if (err) {
		gr_channels_destroy(c);
		return err;
	}
	qsort(c->v, c->n, sizeof(*c->v), by_retained);
	*ret = c;
	return NULL;
}

void gr_channels_destroy(struct gr_channels *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->v);
	gr_rtypes_destroy(c->rt);
	gr_damage_list_deinit(&c->damage);
	free(c);
}

const struct gr_damage_list *
gr_channels_damage_list(const struct gr_channels *c)
{
	return &c->damage;
}

size_t gr_channels_count(const struct gr_channels *c)
{
	return c->n;
}

const struct gr_channel *gr_channels_get(const struct gr_channels *c,
					 size_t i)
{
	return i < c->n ? &c->v[i] : NULL;
}

size_t gr_channels_total(const struct gr_channels *c)
{
	return c->total;
}
