/* SPDX-License-Identifier: MIT */
/*
 * The finalizer queue (runtime/mfinal.go) and, from Go 1.25, the cleanup
 * queue (runtime/mcleanup.go): off-heap blocks that markroot scans as
 * fixed roots.  See rtroots.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/09-roots/rtroots_internal.h"

/* A finBlock is 4 KiB of persistentalloc'd memory and a cleanupBlock
 * 512 B; a million of either is far past any real process. */
enum {
	MAX_BLOCKS = 1 << 20,
	MAX_BLOCK_BYTES = 1 << 16,
};

/*
 * A runtime list of blocks (finq, allfin, gcCleanups.all): how its damage
 * reads.  "@name: more than N blocks, rest @rest" past MAX_BLOCKS and
 * "@name loops back to ADDR" on a cycle; an unreadable link is "@link
 * unreadable", or "@link ADDR unreadable" naming the block if @link_at.
 */
struct block_list {
	const char *name, *rest, *link;
	bool link_at;
};

typedef struct gr_error *block_fn(struct gr_rt_ctx *c, uint64_t blk,
				  void *arg);

/* Call @visit on each block from @head, following @next in each; the
 * list's faults and bounds are damage, the walk ending there. */
GR_MUST_USE
static struct gr_error *walk_blocks(struct gr_rt_ctx *c,
				    const struct block_list *bl,
				    const struct gr_dwarf_member *next,
				    uint64_t head, block_fn *visit, void *arg)
{
	struct gr_rt_brent b;
	rtroots_brent_init(&b, head);
	size_t n = 0;
	for (uint64_t p = head; p; n++) {
		if (n == MAX_BLOCKS)
			return gr_damage_add(&c->rt->damage, head, 0,
					     "%s: more than %d blocks, rest %s",
					     bl->name, MAX_BLOCKS, bl->rest);
		struct gr_error *err = visit(c, p, arg);
		if (err)
			return err;
		uint64_t blk = p;
		if ((err = gr_dwarf_member_read(c->mem, blk, next, &p))) {
			char at[24] = "";
			if (bl->link_at)
				snprintf(at, sizeof(at), " %#" PRIx64, blk);
			return gr_damage_catch(&c->rt->damage, err,
					       GR_ERR_BIT(FAULT), blk, 0,
					       "%s%s unreadable", bl->link, at);
		}
		if (rtroots_brent_step(&b, p))
			return gr_damage_add(&c->rt->damage, p, 0,
					     "%s loops back to %#" PRIx64,
					     bl->name, p);
	}
	return NULL;
}

/* ---- finalizer queue: runtime/mfinal.go ---- */

struct fin_layout {
	/* finblock: alllink and next *finblock, cnt uint32. */
	struct gr_dwarf_member alllink, next, cnt;
	uint64_t fin, nfin, entry;
	/* In a finalizer entry, read from a copy: each a word. */
	uint64_t fn, arg, fint, ot;
};

GR_MUST_USE
static struct gr_error *fin_layout(const struct gr_dwarf *d, uint32_t block,
				   struct fin_layout *l)
{
	static const char F[] = "runtime.finalizer";
	const uint64_t *word = GR_DWARF_SIZES(8);
	struct gr_dwarf_member fn, arg, fint, ot;
	struct gr_error *err;
	if ((err = gr_dwarf_member(d, block, "alllink", word, &l->alllink)) ||
	    (err = gr_dwarf_member(d, block, "next", word, &l->next)) ||
	    (err = gr_dwarf_member(d, block, "cnt", GR_DWARF_SIZES(4),
				   &l->cnt)) ||
	    (err = rtroots_array_member(d, block, "fin", &l->fin, &l->nfin,
				&l->entry)) ||
	    (err = gr_dwarf_member_of(d, F, "fn", word, &fn)) ||
	    (err = gr_dwarf_member_of(d, F, "arg", word, &arg)) ||
	    (err = gr_dwarf_member_of(d, F, "fint", word, &fint)) ||
	    (err = gr_dwarf_member_of(d, F, "ot", word, &ot)))
		return err;
	l->fn = fn.off;
	l->arg = arg.off;
	l->fint = fint.off;
	l->ot = ot.off;
	if (l->entry < 40 || l->nfin * l->entry > MAX_BLOCK_BYTES)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "finalizer block layout not understood");
	return NULL;
}

struct block_vec {
	uint64_t *v;
	size_t n, cap;
};

GR_MUST_USE
static struct gr_error *list_block(struct gr_rt_ctx *c, uint64_t blk,
				   void *arg)
{
	(void)c;
	struct block_vec *bv = arg;
	struct gr_error *err = gr_array_grow(&bv->v, &bv->cap, bv->n, 1);
	if (!err)
		bv->v[bv->n++] = blk;
	return err;
}

/* The blocks on finq (runfinq has not taken them yet), in list order. */
GR_MUST_USE
static struct gr_error *queued_blocks(struct gr_rt_ctx *c,
				      const struct fin_layout *l, uint64_t head,
				      uint64_t **ret, size_t *n_ret)
{
	static const struct block_list finq = {
		.name = "finq", .rest = "not listed", .link = "finq block",
		.link_at = true};
	struct block_vec bv = {0};
	struct gr_error *err =
		walk_blocks(c, &finq, &l->next, head, list_block, &bv);
	if (err) {
		free(bv.v);
		return err;
	}
	*ret = bv.v;
	*n_ret = bv.n;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

GR_MUST_USE
static struct gr_error *fin_entry(struct gr_rt_ctx *c,
				  const struct fin_layout *l, uint64_t at,
				  const uint8_t *e, bool queued)
{
	uint64_t w[4];
	const uint64_t offs[4] = {l->fn, l->arg, l->fint, l->ot};
	for (int i = 0; i < 4; i++)
		memcpy(&w[i], e + offs[i], 8);
	char name[96];
	enum gr_root_kind kind;
	/* 1.24 queues cleanups with arg == nil (mheap.go freeSpecial). */
	if (!w[1]) {
		kind = GR_ROOT_CLEANUP_QUEUE;
		snprintf(name, sizeof(name), "queued cleanup %#" PRIx64, w[0]);
		c->rt->stats.cleanups_queued++;
	} else {
		kind = GR_ROOT_FINQ;
		snprintf(name, sizeof(name), "%s for %#" PRIx64,
			 queued ? "queued finalizer" : "finalizer being run",
			 w[1]);
		if (queued)
			c->rt->stats.finq_queued++;
		else
			c->rt->stats.finq_running++;
	}
	struct gr_error *err = gr_roots_add(c->roots, kind, name, at, l->entry,
					    GR_ROOT_NO_TYPE,
					    GR_ROOT_NO_GOROUTINE, false, NULL);
	/* finptrmask: ptr ptr INT ptr ptr (mfinal.go finalizer1). */
	for (int i = 0; i < 4 && !err; i++)
		err = gr_roots_add_slot(c->roots, at + offs[i], w[i]);
	return err;
}

GR_MUST_USE
static struct gr_error *fin_block(struct gr_rt_ctx *c,
				  const struct fin_layout *l, uint64_t blk,
				  bool queued, uint8_t *buf)
{
	uint64_t cnt;
	struct gr_error *err = gr_dwarf_member_read(c->mem, blk, &l->cnt, &cnt);
	if (!err && cnt > l->nfin) {
		return gr_damage_add(&c->rt->damage, blk, 0,
				     "finalizer block %#" PRIx64
				     ": cnt %" PRIu64 " > %" PRIu64 " entries",
				     blk, cnt, l->nfin);
	}
	if (!err && cnt)
		err = gr_mem_read(c->mem, blk + l->fin, buf, cnt * l->entry);
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       blk, 0,
				       "finalizer block %#" PRIx64 " unreadable",
				       blk);
	for (uint64_t i = 0; i < cnt && !err; i++)
		err = fin_entry(c, l, blk + l->fin + i * l->entry,
				buf + i * l->entry, queued);
	return err;
}

struct fin_walk {
	const struct fin_layout *l;
	const uint64_t *q; /* the blocks on finq, sorted */
	size_t nq;
	uint8_t *buf;
};

GR_MUST_USE
static struct gr_error *fin_visit(struct gr_rt_ctx *c, uint64_t blk,
				  void *arg)
{
	struct fin_walk *fw = arg;
	c->rt->stats.finblocks++;
	bool queued = fw->nq && bsearch(&blk, fw->q, fw->nq, sizeof(*fw->q),
					cmp_u64) != NULL;
	return fin_block(c, fw->l, blk, queued, fw->buf);
}

struct gr_error *rtroots_finq(struct gr_rt_ctx *c)
{
	uint64_t allfin, finq = 0, head, qhead = 0;
	uint32_t type, qtype;
	bool found;
	struct gr_error *err =
		rtroots_global(c, "runtime.allfin", &found, &allfin, &type);
	if (err)
		return err;
	if (!found)
		return gr_damage_add(&c->rt->damage, 0, 0,
				     "finalizer queue not read: no "
				     "runtime.allfin in DWARF");
	struct fin_layout l;
	err = fin_layout(c->dwarf, rtroots_pointee(c->dwarf, type), &l);
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_CONTENT,
				       allfin, 0, "finalizer queue not read: %s",
				       err->message);
	if ((err = rtroots_global(c, "runtime.finq", &found, &finq, &qtype)))
		return err;
	if (!found)
		finq = 0;
	if ((err = gr_mem_u64(c->mem, allfin, &head)) ||
	    (finq && (err = gr_mem_u64(c->mem, finq, &qhead))))
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       allfin, 0,
				       "runtime.allfin/finq unreadable");
	uint64_t *q = NULL;
	size_t nq = 0;
	if ((err = queued_blocks(c, &l, qhead, &q, &nq)))
		return err;
	if (nq)
		qsort(q, nq, sizeof(*q), cmp_u64);
	struct fin_walk fw = {.l = &l, .q = q, .nq = nq,
			      .buf = malloc(l.nfin * l.entry)};
	if (!fw.buf) {
		free(q);
		return gr_error_nomem();
	}
	static const struct block_list allfin_list = {
		.name = "allfin", .rest = "skipped", .link = "allfin link"};
	err = walk_blocks(c, &allfin_list, &l.alllink, head, fin_visit, &fw);
	free(fw.buf);
	free(q);
	return err;
}

/* ---- cleanup queue, Go 1.25+: runtime/mcleanup.go ---- */

struct cleanup_layout {
	/* cleanupQueue.all, cleanupBlockHeader.alllink: words; .n uint32. */
	struct gr_dwarf_member all, alllink, n;
	uint64_t cleanups, count, elem;
};

GR_MUST_USE
static struct gr_error *cleanup_layout(const struct gr_dwarf *d,
				       uint32_t qtype,
				       struct cleanup_layout *l)
{
	uint32_t block;
	const uint64_t *word = GR_DWARF_SIZES(8);
	struct gr_error *err = gr_dwarf_type_by_name(d, "runtime.cleanupBlock",
						     &block);
	/* cleanupQueue.all is an atomic.UnsafePointer: one word, the
	 * pointer (its other member is the zero-sized noCopy). */
	if (err || (err = gr_dwarf_member(d, qtype, "all", word, &l->all)) ||
	    (err = gr_dwarf_member(d, block, "cleanupBlockHeader.alllink",
				   word, &l->alllink)) ||
	    (err = gr_dwarf_member(d, block, "cleanupBlockHeader.n",
				   GR_DWARF_SIZES(4), &l->n)) ||
	    (err = rtroots_array_member(d, block, "cleanups", &l->cleanups, &l->count,
				&l->elem)))
		return err;
	if (l->elem % 8 ||
	    l->count * l->elem > MAX_BLOCK_BYTES)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "cleanup block layout not understood");
	return NULL;
}

GR_MUST_USE
static struct gr_error *cleanup_block(struct gr_rt_ctx *c,
				      const struct cleanup_layout *l,
				      uint64_t blk, uint64_t *buf)
{
	uint64_t n;
	struct gr_error *err = gr_dwarf_member_read(c->mem, blk, &l->n, &n);
	if (!err && n > l->count)
		return gr_damage_add(&c->rt->damage, blk, 0,
				     "cleanup block %#" PRIx64
				     ": n %" PRIu64 " > %" PRIu64,
				     blk, n, l->count);
	if (!err && n)
		err = gr_mem_read(c->mem, blk + l->cleanups, buf, n * l->elem);
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       blk, 0,
				       "cleanup block %#" PRIx64 " unreadable",
				       blk);
	uint64_t words = l->elem / 8;
	for (uint64_t i = 0; i < n && !err; i++) {
		const uint64_t *w = buf + i * words;
		uint64_t at = blk + l->cleanups + i * l->elem;
		/* 1.25: *funcval; 1.26+: cleanupFn{call, fn, arg}. */
		char name[64];
		snprintf(name, sizeof(name), "queued cleanup %#" PRIx64,
			 words >= 2 ? w[1] : w[0]);
		err = gr_roots_add(c->roots, GR_ROOT_CLEANUP_QUEUE, name, at,
				   l->elem, GR_ROOT_NO_TYPE,
				   GR_ROOT_NO_GOROUTINE, false, NULL);
		/* cleanupBlockPtrMask is all ones (mgc.go gcinit). */
		for (uint64_t k = 0; k < words && !err; k++)
			err = gr_roots_add_slot(c->roots, at + 8 * k, w[k]);
		c->rt->stats.cleanups_queued++;
	}
	return err;
}

struct cleanup_walk {
	const struct cleanup_layout *l;
	uint64_t *buf;
};

GR_MUST_USE
static struct gr_error *cleanup_visit(struct gr_rt_ctx *c, uint64_t blk,
				      void *arg)
{
	struct cleanup_walk *cw = arg;
	c->rt->stats.cleanup_blocks++;
	return cleanup_block(c, cw->l, blk, cw->buf);
}

struct gr_error *rtroots_cleanups(struct gr_rt_ctx *c)
{
	uint64_t q, head;
	uint32_t qtype;
	bool found;
	/* Before 1.25 there is no gcCleanups: 1.24 cleanups use finq. */
	struct gr_error *err =
		rtroots_global(c, "runtime.gcCleanups", &found, &q, &qtype);
	if (err || !found)
		return err;
	struct cleanup_layout l;
	err = cleanup_layout(c->dwarf, qtype, &l);
	if (err)
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_CONTENT, q,
				       0, "cleanup queue not read: %s",
				       err->message);
	if ((err = gr_dwarf_member_read(c->mem, q, &l.all, &head)))
		return gr_damage_catch(&c->rt->damage, err, GR_ERR_BIT(FAULT),
				       q, 0, "runtime.gcCleanups unreadable");
	struct cleanup_walk cw = {.l = &l, .buf = malloc(l.count * l.elem)};
	if (!cw.buf)
		return gr_error_nomem();
	static const struct block_list all = {.name = "gcCleanups.all",
					      .rest = "skipped",
					      .link = "cleanup block link"};
	err = walk_blocks(c, &all, &l.alllink, head, cleanup_visit, &cw);
	free(cw.buf);
	return err;
}

