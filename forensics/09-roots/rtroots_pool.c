/* SPDX-License-Identifier: MIT */
/*
 * sync.Pool contents (sync/pool.go, sync/poolqueue.go; the shapes are the
 * same from 1.13 to 1.27, only the atomics changed type).  See rtroots.h
 * for why these are named roots rather than runtime roots.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/09-roots/rtroots_internal.h"

enum {
	/* allPools and oldPools: one entry per pool with content. */
	MAX_POOLS = 1 << 20,
	/* Pool.localSize is GOMAXPROCS at pinSlow time (pool.go); see
	 * MAX_PROCS in rtroots.c for the bound. */
	MAX_LOCALS = 1 << 16,
	/* A poolChain's dequeues double in size up to dequeueLimit = 1<<30
	 * (poolqueue.go), so a live chain has about 30 links. */
	MAX_CHAIN = 64,
	MAX_DEQUEUE = 1 << 30,
	/* efaces read at a time. */
	CHUNK = 256,
};

struct pool_layout {
	uint32_t pool_type;
	uint64_t pool_size, local, local_size, victim, victim_size;
	uint64_t pl_size, private_data, shared_head;
	uint64_t elt_vals, elt_prev, eface_size, eface_val;
};

/* The (slot, value) pairs of one cache, gathered before its root is added
 * so that an empty cache adds no root. */
struct slots {
	struct gr_root_slot *v;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *slots_push(struct slots *s, uint64_t slot,
				   uint64_t value)
{
	struct gr_error *err = gr_array_grow(&s->v, &s->cap, s->n, 1);
	if (err)
		return err;
	s->v[s->n++] = (struct gr_root_slot){.slot = slot, .value = value};
	return NULL;
}

GR_MUST_USE
static struct gr_error *pool_layout(const struct gr_dwarf *d,
				    struct pool_layout *l)
{
	struct gr_dwarf_member local, local_size, victim, victim_size,
		private_data, shared_head, elt_vals, elt_prev, eface_val;
	struct gr_error *err = gr_dwarf_type_by_name(d, "sync.Pool",
						     &l->pool_type);
	if (err || (err = gr_dwarf_member(d, l->pool_type, "local", NULL,
					  &local)) ||
	    (err = gr_dwarf_member(d, l->pool_type, "localSize", NULL,
				   &local_size)) ||
	    (err = gr_dwarf_member(d, l->pool_type, "victim", NULL, &victim)) ||
	    (err = gr_dwarf_member(d, l->pool_type, "victimSize", NULL,
				   &victim_size)) ||
	    /* The local arrays are untyped: poolLocal's size strides them. */
	    (err = gr_dwarf_member_of(d, "sync.poolLocal",
				      "poolLocalInternal.private.data", NULL,
				      &private_data)) ||
	    (err = gr_dwarf_member_of(d, "sync.poolLocal",
				      "poolLocalInternal.shared.head", NULL,
				      &shared_head)) ||
	    (err = gr_dwarf_member_of(d, "sync.poolChainElt",
				      "poolDequeue.vals", NULL, &elt_vals)) ||
	    /* *poolChainElt up to 1.19, atomic.Pointer[poolChainElt] (one
	     * word: its other members are zero-sized) from 1.20. */
	    (err = gr_dwarf_member_of(d, "sync.poolChainElt", "prev", NULL,
				      &elt_prev)) ||
	    (err = gr_dwarf_member_of(d, "sync.eface", "val", NULL,
				      &eface_val)))
		return err;
	l->local = local.off;
	l->local_size = local_size.off;
	l->victim = victim.off;
	l->victim_size = victim_size.off;
	l->private_data = private_data.off;
	l->shared_head = shared_head.off;
	l->elt_vals = elt_vals.off;
	l->elt_prev = elt_prev.off;
	l->eface_val = eface_val.off;
	/* Unsized (never in practice) reads as 0 and fails the test below. */
	uint32_t id;
	if (!gr_dwarf_type_size(d, l->pool_type, &l->pool_size))
		l->pool_size = 0;
	if ((err = gr_dwarf_type_by_name(d, "sync.poolLocal", &id)))
		return err;
	if (!gr_dwarf_type_size(d, id, &l->pl_size))
		l->pl_size = 0;
	if ((err = gr_dwarf_type_by_name(d, "sync.eface", &id)))
		return err;
	if (!gr_dwarf_type_size(d, id, &l->eface_size))
		l->eface_size = 0;
	if (!l->pool_size || !l->pl_size || l->eface_size != 16 ||
	    elt_prev.size != 8 || elt_vals.size != 24 ||
	    private_data.size != 8)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "sync.Pool layout not understood");
	return NULL;
}

/* A *sync.Pool global and the pool it points at. */
struct pool_ptr {
	uint64_t pool;
	const char *name;
};

/*
 * Pools allocated by `var p = &sync.Pool{...}` live in an unnamed static
 * (or the heap) and are known by the pointer global: list every global of
 * type *sync.Pool with its value.  Unreadable ones are skipped (they only
 * name things).
 */
GR_MUST_USE
static struct gr_error *pool_pointers(const struct gr_rt_ctx *c,
				      struct pool_ptr **ret, size_t *n_ret)
{
	const struct gr_dwarf *d = c->dwarf;
	struct pool_ptr *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < gr_dwarf_global_count(d); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		const struct gr_dwarf_type *t =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, g->type));
		if (!t || t->kind != GR_DWARF_TYPE_POINTER)
			continue;
		t = gr_dwarf_type(d, gr_dwarf_type_strip(d, t->type));
		if (!t || strcmp(t->name, "sync.Pool") != 0)
			continue;
		uint64_t pool;
		struct gr_error *err =
			gr_mem_u64(c->mem, g->addr + c->bias, &pool);
		/* The pool's own objects go unseen: damage. */
		if (err && err->code == GR_ERR_FAULT &&
		    !(err = gr_damage_fault(&c->rt->damage, err, g->name)))
			continue;
		if (err) {
			free(v);
			return err;
		}
		if (!pool)
			continue;
		if ((err = gr_array_grow(&v, &cap, n, 1))) {
			free(v);
			return err;
		}
		v[n++] = (struct pool_ptr){.pool = pool, .name = g->name};
	}
	*ret = v;
	*n_ret = n;
	return NULL;
}

/*
 * "main.bufPool", "pkg.var+0x10" (a field of a global), "*pkg.ptr" (the
 * pool a *sync.Pool global points at), else "sync.Pool at 0x...".
 */
static void pool_name(const struct gr_rt_ctx *c, const struct pool_ptr *ptrs,
		      size_t nptrs, uint64_t pool, char *buf, size_t size)
{
	const struct gr_dwarf_global *g =
		pool >= c->bias ? gr_dwarf_global_at(c->dwarf, pool - c->bias)
				: NULL;
	if (g && g->addr + c->bias == pool) {
		snprintf(buf, size, "%s", g->name);
		return;
	}
	if (g) {
		snprintf(buf, size, "%s+%#" PRIx64, g->name,
			 pool - c->bias - g->addr);
		return;
	}
	for (size_t i = 0; i < nptrs; i++) {
		if (ptrs[i].pool == pool) {
			snprintf(buf, size, "*%s", ptrs[i].name);
			return;
		}
	}
	snprintf(buf, size, "sync.Pool at %#" PRIx64, pool);
}

/* Every non-nil value of one poolDequeue's ring. */
GR_MUST_USE
static struct gr_error *dequeue_values(struct gr_rt_ctx *c,
				       const struct pool_layout *l,
				       uint64_t elt, struct slots *out)
{
	uint64_t hdr[3]; /* the slice header: array, len, cap */
	struct gr_error *err =
		gr_mem_read(c->mem, elt + l->elt_vals, hdr, sizeof(hdr));
	if (!err && (hdr[1] > hdr[2] || hdr[1] > MAX_DEQUEUE ||
		     !gr_mem_readable(c->mem, hdr[0], hdr[1] * 16)))
		return gr_damage_add(&c->rt->damage, elt, 0,
				     "pool dequeue %#" PRIx64 ": vals %#" PRIx64
				     " len %" PRIu64 " not readable",
				     elt, hdr[0], hdr[1]);
	uint64_t buf[2 * CHUNK];
	for (uint64_t i = 0; !err && i < hdr[1]; i += CHUNK) {
		uint64_t n = hdr[1] - i < CHUNK ? hdr[1] - i : CHUNK;
		if ((err = gr_mem_read(c->mem, hdr[0] + 16 * i, buf, 16 * n)))
			break;
		for (uint64_t k = 0; k < n && !err; k++) {
			uint64_t v = buf[2 * k + l->eface_val / 8];
			if (v)
				err = slots_push(out,
						 hdr[0] + 16 * (i + k) +
							 l->eface_val,
						 v);
		}
		if (err)
			return err;
	}
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       elt, 0,
				       "pool dequeue %#" PRIx64 " unreadable",
				       elt);
	return NULL;
}

/* The poolChain from @head, newest to oldest (poolChainElt.prev). */
GR_MUST_USE
static struct gr_error *chain_values(struct gr_rt_ctx *c,
				     const struct pool_layout *l,
				     uint64_t head, struct slots *out)
{
	struct gr_rt_brent b;
	rtroots_brent_init(&b, head);
	size_t n = 0;
	for (uint64_t elt = head; elt; n++) {
		if (n == MAX_CHAIN)
			return gr_damage_add(&c->rt->damage, head, 0,
					     "poolChain %#" PRIx64
					     ": more than "
					     "%d links, rest skipped",
					     head, MAX_CHAIN);
		struct gr_error *err = dequeue_values(c, l, elt, out);
		if (err)
			return err;
		if ((err = gr_mem_u64(c->mem, elt + l->elt_prev, &elt))) {
			return gr_damage_catch(&c->rt->damage, err,
					       GR_ERR_BIT(FAULT), head, 0,
					       "poolChain %#" PRIx64
					       ": link unreadable",
					       head);
		}
		if (rtroots_brent_step(&b, elt))
			return gr_damage_add(&c->rt->damage, head, 0,
					     "poolChain %#" PRIx64 " loops",
					     head);
	}
	return NULL;
}

/* One cache ([size]poolLocal at @arr) of the pool at @pool. */
GR_MUST_USE
static struct gr_error *cache_roots(struct gr_rt_ctx *c,
				    const struct pool_layout *l,
				    const struct pool_ptr *ptrs, size_t nptrs,
				    uint64_t pool, uint64_t arr, uint64_t size,
				    bool victim, struct slots *s)
{
	if (!arr || !size)
		return NULL;
	if (size > MAX_LOCALS)
		return gr_damage_add(&c->rt->damage, pool, 0,
				     "sync.Pool %#" PRIx64 ": %s size %" PRIu64
				     " not believed",
				     pool, victim ? "victim" : "local", size);
	s->n = 0;
	struct gr_error *err = NULL;
	for (uint64_t i = 0; i < size && !err; i++) {
		uint64_t pl = arr + i * l->pl_size, priv, head;
		if ((err = gr_mem_u64(c->mem, pl + l->private_data, &priv)) ||
		    (err = gr_mem_u64(c->mem, pl + l->shared_head, &head))) {
			err = gr_damage_catch(&c->rt->damage, err,
					      GR_ERR_BIT(FAULT), pl, 0,
					      "sync.Pool %#" PRIx64
					      ": poolLocal %" PRIu64
					      " unreadable",
					      pool, i);
			continue;
		}
		if (priv)
			err = slots_push(s, pl + l->private_data, priv);
		if (!err)
			err = chain_values(c, l, head, s);
	}
	if (err || !s->n)
		return err;
	char name[256];
	pool_name(c, ptrs, nptrs, pool, name, sizeof(name));
	if ((err = gr_roots_add(c->roots,
				victim ? GR_ROOT_POOL_VICTIM : GR_ROOT_POOL,
				name, pool, l->pool_size, l->pool_type,
				GR_ROOT_NO_GOROUTINE, victim, NULL)))
		return err;
	for (size_t i = 0; i < s->n && !err; i++)
		err = gr_roots_add_slot(c->roots, s->v[i].slot, s->v[i].value);
	if (victim)
		c->rt->stats.victim_values += s->n;
	else
		c->rt->stats.pool_values += s->n;
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Append the *Pool entries of the []*Pool global @name to @v (@cap its
 * capacity). */
GR_MUST_USE
static struct gr_error *pool_list(struct gr_rt_ctx *c, const char *name,
				  uint64_t **v, size_t *n, size_t *cap)
{
	uint64_t addr, hdr[3];
	uint32_t type;
	bool found;
	struct gr_error *err = rtroots_global(c, name, &found, &addr, &type);
	if (err || !found)
		return err; /* !found: package sync not linked in */
	err = gr_mem_read(c->mem, addr, hdr, sizeof(hdr));
	if (!err && (hdr[1] > hdr[2] || hdr[1] > MAX_POOLS))
		return gr_damage_add(&c->rt->damage, addr, 0,
				     "%s: len %" PRIu64 " cap %" PRIu64
				     " not believed",
				     name, hdr[1], hdr[2]);
	if (!err && hdr[1]) {
		if ((err = gr_array_grow(v, cap, *n, hdr[1])))
			return err;
		err = gr_mem_read(c->mem, hdr[0], *v + *n, 8 * hdr[1]);
	}
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       addr, 0, "%s unreadable", name);
	*n += hdr[1];
	return NULL;
}

struct gr_error *rtroots_pools(struct gr_rt_ctx *c)
{
	uint64_t addr;
	uint32_t type;
	bool found;
	struct gr_error *err =
		rtroots_global(c, "sync.allPools", &found, &addr, &type);
	if (err || !found)
		return err; /* !found: no sync.Pool in this program */
	struct pool_layout l;
	err = pool_layout(c->dwarf, &l);
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_CONTENT,
				       addr, 0,
				       "sync.Pool contents not read: %s",
				       err->message);
	uint64_t *pools = NULL;
	size_t n = 0, cap = 0;
	if (!(err = pool_list(c, "sync.allPools", &pools, &n, &cap)))
		err = pool_list(c, "sync.oldPools", &pools, &n, &cap);
	if (!err && n) {
		/* A pool can be on both lists (pool.go poolCleanup moves
		 * allPools to oldPools; a Put re-registers it). */
		qsort(pools, n, sizeof(*pools), cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (pools[i] && (!u || pools[u - 1] != pools[i]))
				pools[u++] = pools[i];
		n = u;
	}
	struct pool_ptr *ptrs = NULL;
	size_t nptrs = 0;
	if (!err && n)
		err = pool_pointers(c, &ptrs, &nptrs);
	struct slots s = {0};
	for (size_t i = 0; !err && i < n; i++) {
		uint64_t p = pools[i], w[4];
		const uint64_t offs[4] = {l.local, l.local_size, l.victim,
					  l.victim_size};
		c->rt->stats.pools++;
		for (int k = 0; k < 4 && !err; k++)
			err = gr_mem_u64(c->mem, p + offs[k], &w[k]);
		if (err) {
			err = gr_damage_catch(&c->rt->damage, err,
					      GR_ERR_BIT(FAULT), p, 0,
					      "sync.Pool %#" PRIx64
					      " unreadable",
					      p);
			continue;
		}
		err = cache_roots(c, &l, ptrs, nptrs, p, w[0], w[1], false, &s);
		if (!err)
			err = cache_roots(c, &l, ptrs, nptrs, p, w[2], w[3], true,
					  &s);
	}
	free(ptrs);
	free(s.v);
	free(pools);
	return err;
}
