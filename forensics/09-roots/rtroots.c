/* SPDX-License-Identifier: MIT */
#include "forensics/09-roots/rtroots.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/09-roots/rtroots_internal.h"

/*
 * allp has one entry per P.  GOMAXPROCS has no hard cap (procresize in
 * runtime/proc.go only refuses n <= 0), but each runtime.p is ~16 KiB of
 * heap: 1<<16 of them would be 1 GiB, so a larger len is taken as corrupt.
 */
enum { MAX_PROCS = 1 << 16 };

/* ---- helpers shared with rtroots_queue.c and rtroots_pool.c ---- */

struct gr_error *rtroots_global(const struct gr_rt_ctx *c, const char *name,
				bool *found, uint64_t *addr_ret,
				uint32_t *type_ret)
{
	const struct gr_dwarf_global *g;
	struct gr_error *err = gr_dwarf_global(c->dwarf, name, &g);
	*found = false;
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)) || err)
		return err;
	*found = true;
	*addr_ret = g->addr + c->bias;
	*type_ret = g->type;
	return NULL;
}

uint32_t rtroots_pointee(const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *t =
		gr_dwarf_type(d, gr_dwarf_type_strip(d, id));
	return t && t->kind == GR_DWARF_TYPE_POINTER ? t->type
						     : GR_DWARF_NO_TYPE;
}

/* Offset, element count and element size of the array member @path. */
struct gr_error *rtroots_array_member(const struct gr_dwarf *d, uint32_t type,
				     const char *path, uint64_t *off_ret,
				     uint64_t *count_ret, uint64_t *elem_ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member(d, type, path, NULL, &m);
	if (err)
		return err;
	*off_ret = m.off;
	const struct gr_dwarf_type *t =
		gr_dwarf_type(d, gr_dwarf_type_strip(d, m.type));
	if (!t || t->kind != GR_DWARF_TYPE_ARRAY || !t->has_count ||
	    !t->count || !t->has_size || t->size % t->count)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s is not a sized array", path);
	*count_ret = t->count;
	*elem_ret = t->size / t->count;
	return NULL;
}

/* ---- tiny blocks: runtime/mgcmark.go gcMarkTinyAllocs ---- */

GR_MUST_USE
static struct gr_error *tiny_roots(struct gr_rt_ctx *c)
{
	uint64_t allp, hdr[3];
	uint32_t type;
	struct gr_dwarf_member p_mcache, mcache_tiny;
	bool found;
	struct gr_error *err =
		rtroots_global(c, "runtime.allp", &found, &allp, &type);
	if (err)
		return err;
	if (!found)
		return gr_damage_add(&c->rt->damage, 0, 0,
				     "tiny blocks not read: no "
				     "runtime.allp in DWARF");
	/* p.mcache *mcache, mcache.tiny uintptr (mcache.go). */
	if ((err = gr_dwarf_member_of(c->dwarf, "runtime.p", "mcache",
				      GR_DWARF_SIZES(8), &p_mcache)) ||
	    (err = gr_dwarf_member_of(c->dwarf, "runtime.mcache", "tiny",
				      GR_DWARF_SIZES(8), &mcache_tiny))) {
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_CONTENT,
				       allp, 0, "tiny blocks not read: %s",
				       err->message);
	}
	if ((err = gr_mem_read(c->mem, allp, hdr, sizeof(hdr))))
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       allp, 0, "runtime.allp unreadable");
	if (hdr[1] > hdr[2] || hdr[1] > MAX_PROCS)
		return gr_damage_add(&c->rt->damage, allp, 0,
				     "runtime.allp: len %" PRIu64
				     " cap %" PRIu64 " not believed",
				     hdr[1], hdr[2]);
	for (uint64_t i = 0; i < hdr[1]; i++) {
		uint64_t pp, mc, tiny;
		if ((err = gr_mem_u64(c->mem, hdr[0] + 8 * i, &pp)) ||
		    (pp && (err = gr_dwarf_member_read(c->mem, pp, &p_mcache,
						       &mc))) ||
		    (pp && mc && (err = gr_dwarf_member_read(c->mem, mc,
							     &mcache_tiny,
							     &tiny)))) {
			if ((err = gr_damage_catch(
				     &c->rt->damage, err, GR_ERR_BIT(FAULT),
				     hdr[0] + 8 * i, 0,
				     "allp[%" PRIu64 "] or its mcache "
				     "unreadable",
				     i)))
				return err;
			continue;
		}
		if (!pp || !mc || !tiny)
			continue;
		char name[48];
		snprintf(name, sizeof(name), "tiny block of P%" PRIu64, i);
		c->rt->stats.tiny_blocks++;
		if ((err = gr_roots_add(c->roots, GR_ROOT_TINY, name,
					mc + mcache_tiny.off, 8, GR_ROOT_NO_TYPE,
					GR_ROOT_NO_GOROUTINE, false, NULL)) ||
		    (err = gr_roots_add_slot(c->roots, mc + mcache_tiny.off,
					     tiny)))
			return err;
	}
	return NULL;
}

/* ---- entry ---- */

struct gr_error *gr_rtroots_add(struct gr_session *s, struct gr_roots *roots,
				struct gr_rtroots **ret)
{
	struct gr_rtroots *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return gr_error_nomem();
	struct gr_rt_ctx c = {
		.rt = rt,
		.roots = roots,
		.mem = gr_session_mem(s),
		.dwarf = gr_session_dwarf(s),
		.bias = gr_session_load_bias(s),
	};
	struct gr_error *err = NULL;
	if (!gr_dwarf_present(c.dwarf))
		err = gr_damage_add(&rt->damage, 0, 0,
				    "no DWARF: finalizer and cleanup "
				    "queues, pools and tiny blocks not read");
	else if (!(err = rtroots_finq(&c)) && !(err = rtroots_cleanups(&c)) &&
		 !(err = rtroots_pools(&c)))
		err = tiny_roots(&c);
	if (!err)
		err = gr_damage_list_close(&rt->damage);
	if (err) {
		gr_rtroots_destroy(rt);
		return err;
	}
	*ret = rt;
	return NULL;
}

void gr_rtroots_destroy(struct gr_rtroots *rt)
{
	if (!rt)
		return;
	gr_damage_list_deinit(&rt->damage);
	free(rt);
}

const struct gr_rtroots_stats *gr_rtroots_stats(const struct gr_rtroots *rt)
{
	return &rt->stats;
}

size_t gr_rtroots_damage_count(const struct gr_rtroots *rt)
{
	return gr_damage_count(&rt->damage);
}

const struct gr_damage *gr_rtroots_damage(const struct gr_rtroots *rt, size_t i)
{
	return gr_damage_get(&rt->damage, i);
}

const struct gr_damage_list *gr_rtroots_damage_list(const struct gr_rtroots *rt)
{
	return &rt->damage;
}
