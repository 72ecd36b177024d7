/* SPDX-License-Identifier: MIT */
/*
 * gr_rtype: runtime type descriptors, read through gr_mem and cached by
 * address.  The pointer-mask builder for on-demand masks is in
 * rtype_mask.c.
 */
#include "forensics/06-rtype/rtype.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/cursor.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/06-rtype/rtype_internal.h"
#include "layouts/typedesc.h"

enum {
	BLOCK_RECS = 256,
	/* Longest type name accepted (the runtime has no limit; a longer one
	 * in a core is far more likely garbage). */
	MAX_NAME = 1 << 20,
};

/* Member names of runtime._type (Go 1.19-1.20, runtime/type.go) and
 * internal/abi.Type (1.21+, internal/abi/type.go), in the order of
 * enum rt_member. */
static const char *const member_names[RT_MEMBER_COUNT][2] = {
	{"Size_", "size"},	   {"PtrBytes", "ptrdata"},
	{"Hash", "hash"},	   {"TFlag", "tflag"},
	{"Align_", "align"},	   {"FieldAlign_", "fieldAlign"},
	{"Kind_", "kind"},	   {"GCData", "gcdata"},
	{"Str", "str"},		   {"PtrToThis", "ptrToThis"},
};
static const uint8_t member_sizes[RT_MEMBER_COUNT] = {8, 8, 4, 1, 1,
						     1, 1, 8, 4, 4};

GR_MUST_USE
static struct gr_error *resolve_member(const struct gr_dwarf *d,
				       uint32_t tid, const char *tname,
				       enum rt_member m, int v,
				       struct rt_layout *l)
{
	struct gr_dwarf_member dm;
	struct gr_error *err =
		gr_dwarf_member(d, tid, member_names[m][v],
				GR_DWARF_SIZES(member_sizes[m]), &dm);
	if (err)
		return err;
	if (dm.off > l->size || l->size - dm.off < member_sizes[m])
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "DWARF: %s.%s lies outside the type",
				       tname, member_names[m][v]);
	l->off[m] = (uint32_t)dm.off;
	return NULL;
}

GR_MUST_USE
static struct gr_error *resolve_layout(const struct gr_dwarf *d,
				       struct rt_layout *l)
{
	static const char *const tnames[2] = {"internal/abi.Type",
					      "runtime._type"};
	for (int v = 0; v < 2; v++) {
		uint32_t tid;
		struct gr_error *err = gr_dwarf_type_by_name(d, tnames[v], &tid);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			continue;
		if (err)
			return err;
		uint64_t size;
		if (!gr_dwarf_type_size(d, tid, &size) || size < 48 ||
		    size > 256)
			return gr_error_create(GR_ERR_UNSUPPORTED,
					       "DWARF: %s has no plausible size",
					       tnames[v]);
		l->size = (uint32_t)size;
		for (int m = 0; m < RT_MEMBER_COUNT; m++) {
			err = resolve_member(d, tid, tnames[v], m, v, l);
			if (err)
				return err;
		}
		return NULL;
	}
	return gr_error_create(GR_ERR_UNSUPPORTED,
			       "DWARF: neither internal/abi.Type nor "
			       "runtime._type is described");
}

/* DWARF constant @a, else @b (either may be NULL), else @def. */
GR_MUST_USE
static struct gr_error *constant_or(const struct gr_dwarf *d, const char *a,
				    const char *b, int64_t def, int64_t *ret)
{
	const char *names[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		struct gr_error *err = gr_dwarf_constant(d, names[i], ret);
		if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			return err;
	}
	*ret = def;
	return NULL;
}

/*
 * The Kind_ and TFlag bits that change how GCData reads, from DWARF.  The
 * runtime's own constants tell the two regimes apart: GC programs up to
 * 1.23 (runtime.kindGCProg, internal/abi.KindGCProg; removed by 1.24),
 * on-demand masks from 1.24 (internal/abi.TFlagGCMaskOnDemand, in the
 * DWARF of every 1.24-1.27 binary and layout pack; the same bit 4 is
 * TFlagUnrolledBitmap in 1.22-1.23, a plain mask).  Without the on-demand
 * flag the runtime is the older one, and its GC program bit, if DWARF
 * lacks that too, is 1 << 6 as in 1.19-1.23.
 */
GR_MUST_USE
static struct gr_error *resolve_flags(struct gr_session *s,
				      struct gr_rtypes *rt)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	int64_t on_demand, mask, gcprog;
	struct gr_error *err;
	if ((err = constant_or(d, "internal/abi.TFlagGCMaskOnDemand", NULL, 0,
			       &on_demand)) ||
	    (err = constant_or(d, "internal/abi.KindMask", "runtime.kindMask",
			       GR_KIND_MASK, &mask)) ||
	    (err = constant_or(d, "internal/abi.KindGCProg",
			       "runtime.kindGCProg",
			       on_demand ? 0 : GR_KIND_GC_PROG, &gcprog)))
		return err;
	rt->kind_mask = (uint8_t)mask;
	rt->kind_gcprog = (uint8_t)gcprog;
	rt->tflag_on_demand = (uint8_t)on_demand;
	return NULL;
}

struct gr_error *gr_rtypes_create(struct gr_session *s,
				  struct gr_rtypes **ret)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	if (!gr_dwarf_present(d))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "type descriptors: the executable has "
				       "no DWARF");
	struct gr_rtypes *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return gr_error_nomem();
	rt->s = s;
	rt->mem = gr_session_mem(s);
	struct gr_error *err = resolve_layout(d, &rt->layout);
	if (err) {
		free(rt);
		return gr_error_prefix(err, "type descriptors");
	}
	if ((err = resolve_flags(s, rt))) {
		free(rt);
		return err;
	}
	const struct gr_moduledata *md = gr_session_moduledata(s);
	if (md) {
		rt->types = md->types;
		rt->etypes = md->etypes;
	}
	*ret = rt;
	return NULL;
}

void gr_rtypes_destroy(struct gr_rtypes *rt)
{
	if (!rt)
		return;
	for (size_t b = 0; b < rt->nblocks; b++) {
		size_t n = b + 1 == rt->nblocks ? rt->nrecs - b * BLOCK_RECS
						: BLOCK_RECS;
		for (size_t i = 0; i < n; i++) {
			free(rt->blocks[b][i].name);
			free(rt->blocks[b][i].mask);
		}
		free(rt->blocks[b]);
	}
	free(rt->blocks);
	gr_hash_deinit(&rt->cache);
	free(rt);
}

size_t gr_rtypes_cached(const struct gr_rtypes *rt)
{
	return rt->nrecs;
}

/* ---- cache: address -> record index ---- */

static struct rt_rec *rec_at(const struct gr_rtypes *rt, uint32_t i)
{
	return &rt->blocks[i / BLOCK_RECS][i % BLOCK_RECS];
}

static struct rt_rec *cache_find(const struct gr_rtypes *rt, uint64_t addr)
{
	struct gr_hash_probe p;
	uint32_t i;
	for (gr_hash_probe_init(&rt->cache, gr_hash_u64(addr), &p);
	     gr_hash_probe_next(&rt->cache, &p, &i);) {
		struct rt_rec *r = rec_at(rt, i);
		if (r->t.addr == addr)
			return r;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *cache_add(struct gr_rtypes *rt,
				  const struct gr_rtype *t,
				  struct rt_rec **ret)
{
	struct gr_error *err;
	if (rt->nrecs == UINT32_MAX)
		return gr_error_create(GR_ERR_LIMIT, "too many type descriptors");
	/* Room first: the insert below then cannot fail half way. */
	if ((err = gr_hash_reserve(&rt->cache, rt->nrecs + 1)))
		return err;
	if (rt->nrecs % BLOCK_RECS == 0) {
		if ((err = gr_array_grow(&rt->blocks, &rt->blocks_cap,
					 rt->nblocks, 1)))
			return err;
		rt->blocks[rt->nblocks] =
			calloc(BLOCK_RECS, sizeof(**rt->blocks));
		if (!rt->blocks[rt->nblocks])
			return gr_error_nomem();
		rt->nblocks++;
	}
	uint32_t idx = (uint32_t)rt->nrecs;
	if ((err = gr_hash_insert(&rt->cache, gr_hash_u64(t->addr), idx)))
		return err;
	rt->nrecs++;
	struct rt_rec *r = rec_at(rt, idx);
	r->t = *t;
	*ret = r;
	return NULL;
}

/* ---- descriptors ---- */

static uint64_t member(const uint8_t *buf, const struct rt_layout *l,
		       enum rt_member m)
{
	const uint8_t *p = buf + l->off[m];
	switch (member_sizes[m]) {
	case 1:
		return p[0];
	case 4:
		return gr_le32(p);
	default:
		return gr_le64(p);
	}
}

GR_MUST_USE
static struct gr_error *decode(const struct gr_rtypes *rt, uint64_t addr,
			       const uint8_t *buf, struct gr_rtype *t)
{
	const struct rt_layout *l = &rt->layout;
	memset(t, 0, sizeof(*t));
	t->addr = addr;
	t->size = member(buf, l, RT_SIZE);
	t->ptrbytes = member(buf, l, RT_PTRBYTES);
	t->hash = (uint32_t)member(buf, l, RT_HASH);
	t->tflag = (uint8_t)member(buf, l, RT_TFLAG);
	t->align = (uint8_t)member(buf, l, RT_ALIGN);
	t->field_align = (uint8_t)member(buf, l, RT_FIELDALIGN);
	t->kind_raw = (uint8_t)member(buf, l, RT_KIND);
	t->gcdata = member(buf, l, RT_GCDATA);
	t->str = (int32_t)(uint32_t)member(buf, l, RT_STR);
	t->ptr_to_this = (int32_t)(uint32_t)member(buf, l, RT_PTRTOTHIS);
	t->kind = t->kind_raw & rt->kind_mask;
	t->gc_prog = rt->kind_gcprog && (t->kind_raw & rt->kind_gcprog);
	t->mask_on_demand =
		rt->tflag_on_demand && (t->tflag & rt->tflag_on_demand);
	const char *bad = NULL;
	if (t->kind > GR_KIND_MAX)
		bad = "kind out of range";
	else if (t->ptrbytes > t->size)
		bad = "PtrBytes > Size_";
	else if (t->ptrbytes % 8)
		bad = "PtrBytes not a multiple of 8";
	else if (t->ptrbytes && !t->gcdata)
		bad = "pointers but no GCData";
	if (bad)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type descriptor at 0x%" PRIx64 ": %s",
				       addr, bad);
	return NULL;
}

struct gr_error *gr_rtype_get(struct gr_rtypes *rt, uint64_t addr,
			      const struct gr_rtype **ret)
{
	struct rt_rec *r = cache_find(rt, addr);
	if (r) {
		*ret = &r->t;
		return NULL;
	}
	if (!addr || addr % 8)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type descriptor at 0x%" PRIx64
				       ": misaligned",
				       addr);
	uint8_t buf[256];
	struct gr_error *err = gr_mem_read(rt->mem, addr, buf, rt->layout.size);
	if (err)
		return gr_error_prefix(err, "type descriptor");
	struct gr_rtype t;
	if ((err = decode(rt, addr, buf, &t)) || (err = cache_add(rt, &t, &r)))
		return err;
	*ret = &r->t;
	return NULL;
}

/* ---- names ---- */

/*
 * runtime/type.go (1.19-1.20) name, internal/abi/type.go Name (1.21+):
 * "The first byte is a bit field containing: 1<<0 the name is exported,
 * ... The next two bytes are the data length" until 1.16; since 1.17 the
 * length is a uvarint, followed by the bytes.
 */
GR_MUST_USE
static struct gr_error *read_name(struct gr_rtypes *rt, uint64_t at,
				  char **ret, size_t *len_ret)
{
	uint8_t hdr[11];
	size_t n = 0;
	struct gr_error *err;
	for (; n < sizeof(hdr); n++) {
		if ((err = gr_mem_u8(rt->mem, at + n, &hdr[n])))
			return err;
		if (n > 0 && !(hdr[n] & 0x80))
			break;
	}
	if (n == sizeof(hdr))
		return gr_error_create(GR_ERR_BAD_DATA,
				       "name at 0x%" PRIx64 ": bad length",
				       at);
	struct gr_cursor c;
	gr_cursor_init(&c, hdr + 1, n, "name");
	uint64_t len;
	if ((err = gr_cursor_uvarint(&c, &len)))
		return err;
	if (len > MAX_NAME)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "name at 0x%" PRIx64 ": %" PRIu64
				       " bytes long",
				       at, len);
	char *s = malloc(len + 1);
	if (!s)
		return gr_error_nomem();
	if ((err = gr_mem_read(rt->mem, at + 1 + n, s, len))) {
		free(s);
		return err;
	}
	s[len] = '\0';
	*ret = s;
	if (len_ret)
		*len_ret = (size_t)len;
	return NULL;
}

struct gr_error *gr_rtype_read_name(struct gr_rtypes *rt, uint64_t addr,
				    char **ret, size_t *len_ret)
{
	return read_name(rt, addr, ret, len_ret);
}

uint32_t gr_rtype_desc_size(const struct gr_rtypes *rt)
{
	return rt->layout.size;
}

struct gr_error *gr_rtype_name(struct gr_rtypes *rt, const struct gr_rtype *t,
			       const char **ret)
{
	struct rt_rec *r = (struct rt_rec *)t;
	if (r->name) {
		*ret = r->name;
		return NULL;
	}
	/* resolveNameOff (runtime/type.go): the module whose [types, etypes)
	 * holds the descriptor; the name at types + off, which must not pass
	 * etypes. */
	if (t->str == 0 || !rt->types || t->addr < rt->types ||
	    t->addr >= rt->etypes)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "type descriptor at 0x%" PRIx64
				       ": no name in the module",
				       t->addr);
	uint64_t at = rt->types + (uint64_t)(int64_t)t->str;
	if (t->str < 0 || at > rt->etypes)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type descriptor at 0x%" PRIx64
				       ": nameOff 0x%x out of range",
				       t->addr, (unsigned)t->str);
	char *s = NULL;
	struct gr_error *err = read_name(rt, at, &s, NULL);
	if (err)
		return gr_error_prefix(err, "type descriptor at 0x%" PRIx64,
				       t->addr);
	/* TFlagExtraStar: "the name in the str field has an extraneous '*'
	 * prefix" (internal/abi/type.go; runtime/type.go tflagExtraStar). */
	if ((t->tflag & GR_TFLAG_EXTRA_STAR) && s[0] == '*')
		memmove(s, s + 1, strlen(s));
	r->name = s;
	*ret = s;
	return NULL;
}
