/* SPDX-License-Identifier: MIT */
/*
 * gr_rcat: the executable's type descriptors (typelinks, itabs, the 1.27
 * walk, what they reach) and their index by heap slot and pointer mask.
 */
#include "forensics/06-rtype/rtype_catalog.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/cursor.h"
#include "forensics/01-base/hash.h"
#include "forensics/01-base/u64map.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/06-rtype/rtype_internal.h"
#include "layouts/typedesc.h"

enum {
	/* Table entries read per gr_mem_read (typelinks, itablinks). */
	CHUNK = 4096,
	/* Fields of one struct, parameters of one function accepted (the
	 * runtime's own views stop at 1 << 16 and 1 << 17). */
	MAX_FIELDS = 1 << 16,
	MAX_PARAMS = 1 << 17,
	/* runtime/malloc.go maxTinySize (_TinySize), 1.19-1.27. */
	TINY_SIZE = 16,
};

#define NOT_TAKEN UINT32_MAX

/* One (slot size, trimmed mask) key of the index and its candidates. */
struct rcat_key {
	uint64_t slot, nbits;  /* nbits: up to the last pointer word */
	const uint8_t *mask;   /* the type's, owned by the gr_rtypes */
	uint32_t first, count; /* in cands */
};

struct gr_rcat {
	struct gr_rtypes *rt;
	struct gr_mem *mem;
	uint64_t types, etypes;
	uint32_t desc; /* sizeof(abi.Type) */
	size_t limit;
	const struct gr_rtype **v;
	size_t n, cap;
	/* Descriptor address -> index in v, NOT_TAKEN if left out. */
	struct gr_u64map seen;
	struct gr_rcat_stats st;
	/* The index (gr_rcat_index). */
	bool indexed;
	struct rcat_key *keys;
	size_t nkeys;
	const struct gr_rtype **cands;
	struct gr_hash by_key;
};

/* ---- building ---- */

/*
 * Take the descriptor at @addr unless seen: outside [types, etypes) or
 * refused by gr_rtype_get it is counted and left out.
 */
GR_MUST_USE
static struct gr_error *add(struct gr_rcat *cat, uint64_t addr)
{
	if (!addr)
		return NULL;
	if (addr < cat->types || addr >= cat->etypes ||
	    cat->etypes - addr < cat->desc) {
		cat->st.outside++;
		return NULL;
	}
	uint32_t i;
	if (gr_u64map_get(&cat->seen, addr, &i))
		return NULL;
	const struct gr_rtype *t;
	struct gr_error *err = gr_rtype_get(cat->rt, addr, &t);
	if (gr_error_catch(&err, GR_ERR_CONTENT)) {
		cat->st.refused++;
		return gr_u64map_put(&cat->seen, addr, NOT_TAKEN);
	}
	if (err)
		return err;
	if (cat->n >= cat->limit)
		return gr_error_create(GR_ERR_LIMIT,
				       "type catalogue: more than %zu "
				       "descriptors",
				       cat->limit);
	if ((err = gr_array_grow(&cat->v, &cat->cap, cat->n, 1)) ||
	    (err = gr_u64map_put(&cat->seen, addr, (uint32_t)cat->n)))
		return err;
	cat->v[cat->n++] = t;
	return NULL;
}

/* The word at @addr into *@ret, *@ok false (counted as refused) when
 * the core cannot say: one unreadable reference loses one descriptor. */
GR_MUST_USE
static struct gr_error *read_u64(struct gr_rcat *cat, uint64_t addr,
				 uint64_t *ret, bool *ok)
{
	struct gr_error *err = gr_mem_u64(cat->mem, addr, ret);
	*ok = !err;
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		cat->st.refused++;
	return err;
}

/* Add the descriptors of @n words at @addr (a []*Type's array). */
GR_MUST_USE
static struct gr_error *add_words(struct gr_rcat *cat, uint64_t addr,
				  uint64_t n)
{
	uint64_t buf[256];
	for (uint64_t i = 0; i < n;) {
		uint64_t k = n - i < 256 ? n - i : 256;
		struct gr_error *err = gr_mem_read(cat->mem, addr + 8 * i, buf,
						   8 * k);
		if (gr_error_catch(&err, GR_ERR_CONTENT)) {
			cat->st.refused++;
			return NULL;
		}
		if (err)
			return err;
		for (uint64_t j = 0; j < k; j++)
			if ((err = add(cat, gr_le64((const uint8_t *)&buf[j]))))
				return err;
		i += k;
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *follow_struct(struct gr_rcat *cat, uint64_t tail)
{
	uint64_t fields, n;
	bool ok;
	struct gr_error *err;
	if ((err = read_u64(cat, tail + GR_DESC_STRUCT_FIELDS, &fields, &ok)) ||
	    !ok ||
	    (err = read_u64(cat, tail + GR_DESC_STRUCT_NFIELDS, &n, &ok)) ||
	    !ok)
		return err;
	if (n > MAX_FIELDS) {
		cat->st.refused++;
		return NULL;
	}
	uint8_t buf[GR_SFIELD_SIZE * 64];
	for (uint64_t i = 0; i < n;) {
		uint64_t k = n - i < 64 ? n - i : 64;
		err = gr_mem_read(cat->mem, fields + GR_SFIELD_SIZE * i, buf,
				  GR_SFIELD_SIZE * k);
		if (gr_error_catch(&err, GR_ERR_CONTENT)) {
			cat->st.refused++;
			return NULL;
		}
		if (err)
			return err;
		for (uint64_t j = 0; j < k; j++)
			if ((err = add(cat, gr_le64(buf + GR_SFIELD_SIZE * j +
						     GR_SFIELD_TYP))))
				return err;
		i += k;
	}
	return NULL;
}

/* Where a function type's parameters start, and how many there are. */
GR_MUST_USE
static struct gr_error *func_params(struct gr_rcat *cat,
				    const struct gr_rtype *t, uint64_t *at,
				    uint64_t *n, bool *ok)
{
	uint16_t in, out;
	uint64_t tail = t->addr + cat->desc;
	struct gr_error *err = gr_mem_u16(cat->mem, tail + GR_DESC_FUNC_IN, &in);
	if (!err)
		err = gr_mem_u16(cat->mem, tail + GR_DESC_FUNC_OUT, &out);
	*ok = !err;
	if (gr_error_catch(&err, GR_ERR_CONTENT))
		cat->st.refused++;
	if (err || !*ok)
		return err;
	*n = (uint64_t)in + (out & (GR_DESC_FUNC_VARIADIC - 1));
	*at = tail + GR_DESC_TAIL_FUNC +
	      ((t->tflag & GR_TFLAG_UNCOMMON) ? GR_DESC_UNCOMMON_SIZE : 0);
	return NULL;
}

/* Add what descriptor @t refers to. */
GR_MUST_USE
static struct gr_error *follow(struct gr_rcat *cat, const struct gr_rtype *t)
{
	uint64_t tail = t->addr + cat->desc, w, at, n;
	bool ok;
	struct gr_error *err = NULL;
	/* resolveTypeOff (runtime/type.go): types + off in this module. */
	if (t->ptr_to_this > 0 &&
	    (err = add(cat, cat->types + (uint64_t)t->ptr_to_this)))
		return err;
	switch (t->kind) {
	case GR_GO_KIND_POINTER:
	case GR_GO_KIND_SLICE:
	case GR_GO_KIND_CHAN:
		if ((err = read_u64(cat, tail + GR_DESC_ELEM, &w, &ok)) || !ok)
			return err;
		return add(cat, w);
	case GR_GO_KIND_ARRAY:
		return add_words(cat, tail + GR_DESC_ELEM, 2);
	case GR_GO_KIND_MAP:
		return add_words(cat, tail + GR_DESC_MAP_KEY, 3);
	case GR_GO_KIND_STRUCT:
		return follow_struct(cat, tail);
	case GR_GO_KIND_FUNC:
		if ((err = func_params(cat, t, &at, &n, &ok)) || !ok)
			return err;
		return add_words(cat, at, n);
	default:
		return NULL;
	}
}

/* A moduledata table's length, believed only up to @max entries. */
GR_MUST_USE
static struct gr_error *check_table(const char *name,
				    const struct gr_go_slice *s, uint64_t max)
{
	if (s->len > max || s->len > s->cap)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type catalogue: moduledata.%s has %" PRIu64
				       " entries (cap %" PRIu64
				       "), more than the %" PRIu64
				       " the types section can hold",
				       name, s->len, s->cap, max);
	return NULL;
}

/* runtime/type.go typelinksinit: each entry an int32 offset from types. */
GR_MUST_USE
static struct gr_error *from_typelinks(struct gr_rcat *cat,
				       const struct gr_moduledata *md)
{
	struct gr_error *err = check_table("typelinks", &md->typelinks,
					   cat->limit);
	if (err)
		return err;
	uint8_t buf[4 * CHUNK];
	for (uint64_t i = 0; i < md->typelinks.len;) {
		uint64_t k = md->typelinks.len - i;
		k = k < CHUNK ? k : CHUNK;
		if ((err = gr_mem_read(cat->mem, md->typelinks.ptr + 4 * i, buf,
				       4 * k)))
			return gr_error_prefix(err, "type catalogue: typelinks");
		for (uint64_t j = 0; j < k; j++) {
			int32_t off = (int32_t)gr_le32(buf + 4 * j);
			cat->st.typelinks++;
			if (off <= 0) {
				cat->st.outside++;
				continue;
			}
			if ((err = add(cat, cat->types + (uint64_t)off)))
				return err;
		}
		i += k;
	}
	return NULL;
}

/* An itab's interface and concrete type. */
GR_MUST_USE
static struct gr_error *from_itab(struct gr_rcat *cat, uint64_t itab)
{
	uint8_t b[16];
	struct gr_error *err = gr_mem_read(cat->mem, itab, b, sizeof(b));
	if (gr_error_catch(&err, GR_ERR_CONTENT)) {
		cat->st.refused++;
		return NULL;
	}
	if (err)
		return err;
	uint64_t inter = gr_le64(b + GR_ITAB_INTER);
	const struct gr_rtype *it;
	err = gr_rtype_get(cat->rt, inter, &it);
	if (gr_error_catch(&err, GR_ERR_CONTENT) ||
	    (!err && it->kind != GR_GO_KIND_INTERFACE)) {
		cat->st.refused++;
		return NULL;
	}
	if (err)
		return err;
	cat->st.itabs++;
	if ((err = add(cat, inter)))
		return err;
	return add(cat, gr_le64(b + GR_ITAB_TYPE));
}

/* runtime/iface.go itabsinit (1.19-1.26): md.itablinks, []*itab. */
GR_MUST_USE
static struct gr_error *from_itablinks(struct gr_rcat *cat,
				       const struct gr_moduledata *md)
{
	struct gr_error *err = check_table("itablinks", &md->itablinks,
					   GR_RCAT_MAX);
	if (err)
		return err;
	uint8_t buf[8 * 512];
	for (uint64_t i = 0; i < md->itablinks.len;) {
		uint64_t k = md->itablinks.len - i;
		k = k < 512 ? k : 512;
		if ((err = gr_mem_read(cat->mem, md->itablinks.ptr + 8 * i, buf,
				       8 * k)))
			return gr_error_prefix(err, "type catalogue: itablinks");
		for (uint64_t j = 0; j < k; j++)
			if ((err = from_itab(cat, gr_le64(buf + 8 * j))))
				return err;
		i += k;
	}
	return NULL;
}

/* ---- the Go 1.27 walk ---- */

/* sizeof(internal/abi.@name) - sizeof(abi.Type): DWARF's where it has
 * the type, else @def (layouts/typedesc.h). */
static uint64_t kind_tail(const struct gr_rcat *cat, const char *name,
			  uint64_t def)
{
	uint64_t size;
	struct gr_error *err =
		gr_dwarf_type_size_of(gr_session_dwarf(cat->rt->s), name, &size);
	if (err) {
		gr_error_destroy(err);
		return def;
	}
	return size > cat->desc ? size - cat->desc : def;
}

struct walk_sizes {
	uint64_t array, chan, func, iface, map, ptr, slice, strct;
};

static void walk_sizes(const struct gr_rcat *cat, struct walk_sizes *w)
{
	w->array = kind_tail(cat, "internal/abi.ArrayType", GR_DESC_TAIL_ARRAY);
	w->chan = kind_tail(cat, "internal/abi.ChanType", GR_DESC_TAIL_CHAN);
	w->func = kind_tail(cat, "internal/abi.FuncType", GR_DESC_TAIL_FUNC);
	w->iface = kind_tail(cat, "internal/abi.InterfaceType",
			     GR_DESC_TAIL_INTERFACE);
	w->map = kind_tail(cat, "internal/abi.MapType", GR_DESC_TAIL_MAP_127);
	w->ptr = kind_tail(cat, "internal/abi.PtrType", GR_DESC_TAIL_PTR);
	w->slice = kind_tail(cat, "internal/abi.SliceType", GR_DESC_TAIL_SLICE);
	w->strct = kind_tail(cat, "internal/abi.StructType",
			     GR_DESC_TAIL_STRUCT);
}

GR_MUST_USE
static struct gr_error *walk_bad(uint64_t addr, const char *what)
{
	return gr_error_create(GR_ERR_BAD_DATA,
			       "type catalogue: descriptor at 0x%" PRIx64
			       ": %s",
			       addr, what);
}

/* internal/abi/type.go (1.27) Type.DescriptorSize. */
GR_MUST_USE
static struct gr_error *descriptor_size(struct gr_rcat *cat,
					const struct walk_sizes *w,
					const struct gr_rtype *t,
					uint64_t *ret)
{
	uint64_t tail = t->addr + cat->desc, base, add_n = 0, add_size = 0;
	uint64_t at;
	bool ok = true;
	struct gr_error *err = NULL;
	switch (t->kind) {
	case GR_GO_KIND_ARRAY:
		base = w->array;
		break;
	case GR_GO_KIND_CHAN:
		base = w->chan;
		break;
	case GR_GO_KIND_FUNC:
		base = w->func;
		if ((err = func_params(cat, t, &at, &add_n, &ok)))
			return err;
		add_size = 8;
		break;
	case GR_GO_KIND_INTERFACE:
		base = w->iface;
		err = read_u64(cat, tail + GR_DESC_IFACE_NMETHODS, &add_n, &ok);
		add_size = GR_DESC_IMETHOD_SIZE;
		break;
	case GR_GO_KIND_MAP:
		base = w->map;
		break;
	case GR_GO_KIND_POINTER:
		base = w->ptr;
		break;
	case GR_GO_KIND_SLICE:
		base = w->slice;
		break;
	case GR_GO_KIND_STRUCT:
		base = w->strct;
		err = read_u64(cat, tail + GR_DESC_STRUCT_NFIELDS, &add_n, &ok);
		add_size = GR_SFIELD_SIZE;
		break;
	case GR_GO_KIND_NONE:
		return walk_bad(t->addr, "kind 0");
	default:
		base = 0;
		break;
	}
	if (err)
		return err;
	if (!ok)
		return walk_bad(t->addr, "its length cannot be read");
	if (add_n > MAX_PARAMS)
		return walk_bad(t->addr, "too many fields, methods or "
					 "parameters");
	uint64_t size = cat->desc + base;
	if (t->tflag & GR_TFLAG_UNCOMMON) {
		uint16_t mcount;
		err = gr_mem_u16(cat->mem,
				 t->addr + size + GR_DESC_UNCOMMON_MCOUNT,
				 &mcount);
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			return walk_bad(t->addr, "its UncommonType cannot be "
						 "read");
		if (err)
			return err;
		size += GR_DESC_UNCOMMON_SIZE +
			(uint64_t)mcount * GR_DESC_METHOD_SIZE;
	}
	*ret = size + add_n * add_size;
	return NULL;
}

/* One itab at @p of the 1.27 itab block into the catalogue; its size. */
GR_MUST_USE
static struct gr_error *walk_itab(struct gr_rcat *cat, uint64_t p,
				  uint64_t *size)
{
	uint8_t b[GR_ITAB_SIZE_127];
	uint64_t nmethods;
	struct gr_error *err = gr_mem_read(cat->mem, p, b, sizeof(b));
	if (err)
		return gr_error_prefix(err, "type catalogue: itab");
	uint64_t inter = gr_le64(b + GR_ITAB_INTER);
	const struct gr_rtype *it;
	if ((err = gr_rtype_get(cat->rt, inter, &it)))
		return gr_error_prefix(err, "type catalogue: itab at 0x%" PRIx64,
				       p);
	/* The next itab's place depends on this one's interface. */
	if (it->kind != GR_GO_KIND_INTERFACE)
		return walk_bad(inter, "an itab's interface is not one");
	*size = GR_ITAB_SIZE_127;
	if (gr_le64(b + GR_ITAB_FUN) != 0) {
		if ((err = gr_mem_u64(cat->mem,
				      inter + cat->desc +
					      GR_DESC_IFACE_NMETHODS,
				      &nmethods)))
			return gr_error_prefix(err, "type catalogue: itab");
		if (nmethods == 0 || nmethods > MAX_PARAMS)
			return walk_bad(inter, "implausible method count");
		*size += (nmethods - 1) * 8;
	}
	cat->st.itabs++;
	if ((err = add(cat, inter)))
		return err;
	return add(cat, gr_le64(b + GR_ITAB_TYPE));
}

/*
 * runtime/type.go moduleTypelinks (1.27): from types + 8 ("to match the
 * increment in cmd/link/internal/data.go createRelroSect") to types +
 * typedesclen, each descriptor aligned to 8; then runtime/iface.go
 * addModuleItabs from types + itaboffset for itabsize bytes.  A
 * descriptor that cannot be read or sized ends the walk with BAD_DATA:
 * the next one's place depends on it.
 */
GR_MUST_USE
static struct gr_error *walk(struct gr_rcat *cat,
			     const struct gr_moduledata *md)
{
	uint64_t span = cat->etypes - cat->types;
	if (md->typedesclen > span)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type catalogue: typedesclen 0x%" PRIx64
				       " exceeds the types section (0x%" PRIx64
				       " bytes)",
				       md->typedesclen, span);
	struct walk_sizes w;
	walk_sizes(cat, &w);
	uint64_t end = cat->types + md->typedesclen;
	struct gr_error *err;
	for (uint64_t td = cat->types + 8; td < end;) {
		td = (td + 7) & ~(uint64_t)7;
		if (td >= end)
			break;
		const struct gr_rtype *t;
		uint64_t size = 0;
		if ((err = gr_rtype_get(cat->rt, td, &t)))
			return gr_error_prefix(err, "type catalogue");
		if ((err = descriptor_size(cat, &w, t, &size)))
			return err;
		cat->st.walked++;
		if ((err = add(cat, td)))
			return err;
		/* size >= sizeof(abi.Type): the walk always advances. */
		td += size;
	}
	if (!gr_moduledata_has(md, GR_MD_ITABOFFSET) ||
	    !gr_moduledata_has(md, GR_MD_ITABSIZE))
		return NULL;
	if (md->itaboffset > span || md->itabsize > span - md->itaboffset)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type catalogue: itabs [0x%" PRIx64
				       ", +0x%" PRIx64
				       ") outside the types section",
				       md->itaboffset, md->itabsize);
	uint64_t p = cat->types + md->itaboffset;
	for (uint64_t e = p + md->itabsize; p < e;) {
		uint64_t size = 0;
		if ((err = walk_itab(cat, p, &size)))
			return err;
		p += size;
	}
	return NULL;
}

struct gr_error *gr_rcat_build(struct gr_rtypes *rt,
			       const struct gr_moduledata *md,
			       struct gr_rcat **ret)
{
	if (!md->types || md->etypes <= md->types)
		return gr_error_create(GR_ERR_BAD_DATA,
				       "type catalogue: moduledata.types 0x%" PRIx64
				       ", etypes 0x%" PRIx64,
				       md->types, md->etypes);
	bool links = gr_moduledata_has(md, GR_MD_TYPELINKS);
	if (!links && !gr_moduledata_has(md, GR_MD_TYPEDESCLEN))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "type catalogue: moduledata has neither "
				       "typelinks nor typedesclen");
	struct gr_rcat *cat = calloc(1, sizeof(*cat));
	if (!cat)
		return gr_error_nomem();
	cat->rt = rt;
	cat->mem = rt->mem;
	cat->types = md->types;
	cat->etypes = md->etypes;
	cat->desc = rt->layout.size;
	uint64_t fit = (md->etypes - md->types) / cat->desc + 1;
	cat->limit = fit < GR_RCAT_MAX ? (size_t)fit : GR_RCAT_MAX;
	struct gr_error *err;
	if (links) {
		err = from_typelinks(cat, md);
		if (!err && gr_moduledata_has(md, GR_MD_ITABLINKS))
			err = from_itablinks(cat, md);
	} else {
		err = walk(cat, md);
	}
	size_t roots = cat->n;
	/* Breadth first over the catalogue itself: it is its own queue. */
	for (size_t i = 0; !err && i < cat->n; i++)
		err = follow(cat, cat->v[i]);
	if (err) {
		gr_rcat_destroy(cat);
		return err;
	}
	cat->st.reached = cat->n - roots;
	cat->st.descriptors = cat->n;
	*ret = cat;
	return NULL;
}

void gr_rcat_destroy(struct gr_rcat *cat)
{
	if (!cat)
		return;
	free(cat->v);
	gr_u64map_free(&cat->seen);
	free(cat->keys);
	free(cat->cands);
	gr_hash_deinit(&cat->by_key);
	free(cat);
}

size_t gr_rcat_count(const struct gr_rcat *cat)
{
	return cat->n;
}

const struct gr_rtype *gr_rcat_at(const struct gr_rcat *cat, size_t i)
{
	return i < cat->n ? cat->v[i] : NULL;
}

bool gr_rcat_contains(const struct gr_rcat *cat, uint64_t addr)
{
	uint32_t i;
	return gr_u64map_get(&cat->seen, addr, &i) && i != NOT_TAKEN;
}

void gr_rcat_stats(const struct gr_rcat *cat, struct gr_rcat_stats *ret)
{
	*ret = cat->st;
}

/* ---- the index ---- */

uint64_t gr_rcat_slot_size(const struct gr_rcat_alloc *a,
			   const struct gr_rtype *t)
{
	uint64_t size = t->size;
	if (!size)
		return 0;
	bool pointers = t->ptrbytes != 0;
	uint64_t header = a->headers ? a->consts.malloc_header_size : 0;
	uint64_t max_small = gr_sizeclass_size(GR_NUM_SIZE_CLASSES - 1);
	/* runtime/malloc.go mallocgc: "size <= maxSmallSize-mallocHeaderSize"
	 * from 1.22 (size <= maxSmallSize before), then the tiny allocator
	 * for noscan values under maxTinySize, the header for pointerful
	 * ones !heapBitsInSpan(size). */
	if (size <= max_small - header) {
		if (!pointers && size < TINY_SIZE)
			return TINY_SIZE;
		if (pointers && size > a->consts.min_size_for_header)
			size += header;
		for (unsigned c = 1; c < GR_NUM_SIZE_CLASSES; c++)
			if (gr_sizeclass_size(c) >= size)
				return gr_sizeclass_size(c);
	}
	/* largeAlloc: whole pages. */
	uint64_t page = a->consts.page_size;
	if (!page || size > UINT64_MAX - page)
		return 0;
	return (size + page - 1) / page * page;
}

/* Byte @i of the first @nbits bits of @mask, bits past them cleared. */
static uint8_t mask_byte(const uint8_t *mask, uint64_t nbits, uint64_t i)
{
	uint8_t b = mask[i];
	if (i == nbits / 8 && nbits % 8)
		b &= (uint8_t)((1u << (nbits % 8)) - 1);
	return b;
}

/* The number of bits of @mask up to its last set one among @nbits. */
static uint64_t trimmed_bits(const uint8_t *mask, uint64_t nbits)
{
	if (!mask)
		return 0;
	for (uint64_t i = (nbits + 7) / 8; i-- > 0;) {
		uint8_t b = mask_byte(mask, nbits, i);
		if (b)
			return 8 * i + 32 - (uint64_t)__builtin_clz(b);
	}
	return 0;
}

static uint64_t key_hash(uint64_t slot, const uint8_t *mask, uint64_t nbits)
{
	uint64_t h = gr_hash_u64(slot);
	h = gr_hash_more(h, &nbits, sizeof(nbits));
	if (nbits / 8)
		h = gr_hash_more(h, mask, nbits / 8);
	if (nbits % 8) {
		uint8_t last = mask_byte(mask, nbits, nbits / 8);
		h = gr_hash_more(h, &last, 1);
	}
	return h;
}

static int mask_cmp(const uint8_t *a, const uint8_t *b, uint64_t nbits)
{
	for (uint64_t i = 0; i < (nbits + 7) / 8; i++) {
		uint8_t x = mask_byte(a, nbits, i), y = mask_byte(b, nbits, i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

struct entry {
	uint64_t slot, nbits;
	const uint8_t *mask;
	const struct gr_rtype *t;
};

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->nbits != b->nbits)
		return a->nbits < b->nbits ? -1 : 1;
	int c = mask_cmp(a->mask, b->mask, a->nbits);
	if (c)
		return c;
	if (a->t->addr != b->t->addr)
		return a->t->addr < b->t->addr ? -1 : 1;
	return 0;
}

static void index_clear(struct gr_rcat *cat)
{
	free(cat->keys);
	free(cat->cands);
	gr_hash_deinit(&cat->by_key);
	cat->keys = NULL;
	cat->cands = NULL;
	cat->nkeys = 0;
	memset(&cat->by_key, 0, sizeof(cat->by_key));
	cat->indexed = false;
}

/* The entries of the catalogue's types that have a slot and a mask. */
GR_MUST_USE
static struct gr_error *index_entries(struct gr_rcat *cat,
				      const struct gr_rcat_alloc *a,
				      struct entry *e, size_t *n_ret,
				      size_t *unindexed)
{
	size_t n = 0;
	for (size_t i = 0; i < cat->n; i++) {
		const struct gr_rtype *t = cat->v[i];
		uint64_t slot = gr_rcat_slot_size(a, t), nbits = 0;
		const uint8_t *mask = NULL;
		if (!slot)
			continue;
		if (t->ptrbytes) {
			struct gr_error *err =
				gr_rtype_gcmask(cat->rt, t, &mask, &nbits);
			if (gr_error_catch(&err, GR_ERR_CONTENT)) {
				++*unindexed;
				continue;
			}
			if (err)
				return err;
		}
		e[n++] = (struct entry){.slot = slot,
					.nbits = trimmed_bits(mask, nbits),
					.mask = mask,
					.t = t};
	}
	*n_ret = n;
	return NULL;
}

struct gr_error *gr_rcat_index(struct gr_rcat *cat,
			       const struct gr_rcat_alloc *a,
			       size_t *unindexed)
{
	size_t skipped = 0, n;
	index_clear(cat);
	struct entry *e = malloc((cat->n ? cat->n : 1) * sizeof(*e));
	cat->keys = malloc((cat->n ? cat->n : 1) * sizeof(*cat->keys));
	cat->cands = malloc((cat->n ? cat->n : 1) * sizeof(*cat->cands));
	struct gr_error *err = NULL;
	if (!e || !cat->keys || !cat->cands)
		err = gr_error_nomem();
	if (!err)
		err = index_entries(cat, a, e, &n, &skipped);
	if (!err) {
		qsort(e, n, sizeof(*e), entry_cmp);
		err = gr_hash_reserve(&cat->by_key, n);
	}
	for (size_t i = 0; !err && i < n; i++) {
		struct rcat_key *k = &cat->keys[cat->nkeys];
		cat->cands[i] = e[i].t;
		if (cat->nkeys && k[-1].slot == e[i].slot &&
		    k[-1].nbits == e[i].nbits &&
		    mask_cmp(k[-1].mask, e[i].mask, e[i].nbits) == 0) {
			k[-1].count++;
			continue;
		}
		*k = (struct rcat_key){.slot = e[i].slot,
				       .nbits = e[i].nbits,
				       .mask = e[i].mask,
				       .first = (uint32_t)i,
				       .count = 1};
		err = gr_hash_insert(&cat->by_key,
				     key_hash(k->slot, k->mask, k->nbits),
				     (uint32_t)cat->nkeys);
		cat->nkeys++;
	}
	free(e);
	if (err) {
		index_clear(cat);
		return err;
	}
	cat->indexed = true;
	if (unindexed)
		*unindexed = skipped;
	return NULL;
}

struct gr_error *gr_rcat_candidates(const struct gr_rcat *cat,
				    uint64_t slot_size, const uint8_t *mask,
				    uint64_t nwords,
				    const struct gr_rtype *const **ret,
				    size_t *n_ret)
{
	if (!cat->indexed)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "type catalogue: not indexed");
	uint64_t nbits = trimmed_bits(mask, nwords);
	struct gr_hash_probe p;
	uint32_t i;
	*ret = NULL;
	*n_ret = 0;
	for (gr_hash_probe_init(&cat->by_key,
				key_hash(slot_size, mask, nbits), &p);
	     gr_hash_probe_next(&cat->by_key, &p, &i);) {
		const struct rcat_key *k = &cat->keys[i];
		if (k->slot == slot_size && k->nbits == nbits &&
		    mask_cmp(k->mask, mask, nbits) == 0) {
			*ret = cat->cands + k->first;
			*n_ret = k->count;
			break;
		}
	}
	return NULL;
}

size_t gr_rcat_index_keys(const struct gr_rcat *cat)
{
	return cat->nkeys;
}
