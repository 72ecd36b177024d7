/* SPDX-License-Identifier: MIT */
#include "forensics/06-rtype/rtype_synth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/u64map.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "layouts/typedesc.h"

/* A struct with more fields than this is not laid out (Go allows more,
 * programs do not write them). */
enum { MAX_FIELDS = 4096 };

struct synth {
	struct gr_dwarf *d;
	struct gr_rtypes *rt;
	struct gr_mem *mem;
	uint64_t types_base;
	uint32_t desc; /* sizeof(abi.Type) */
	uint32_t eface, iface;
	/* descriptor address -> type id */
	struct gr_u64map ids;
	/* Descriptors whose type is reserved but not yet filled. */
	struct pending {
		uint64_t addr;
		uint32_t id;
	} *pending;
	size_t npending, pending_cap;
	size_t added;
	struct gr_damage_list *damage; /* the caller's */
	/* The runtime's map types from the pack, or NO_TYPE: runtime.hmap
	 * (classic maps), internal/runtime/maps.Map, table and
	 * groupsReference (Swiss maps, Go 1.24+). */
	uint32_t hmap, smap, stable, sgroups;
	/* runtime.hchan from the pack (chan T is *hchan<T>), or NO_TYPE. */
	uint32_t hchan;
	/* Map types to finish once their parts are filled. */
	struct map_parts {
		uint32_t id, key, elem, bucket;
	} *maps;
	size_t nmaps, maps_cap;
	/* Channel types likewise (id and elem only). */
	struct map_parts *chans;
	size_t nchans, chans_cap;
};

static bool lookup(const struct synth *sy, uint64_t addr, uint32_t *id)
{
	return gr_u64map_get(&sy->ids, addr, id);
}

GR_MUST_USE
static struct gr_error *insert(struct synth *sy, uint64_t addr, uint32_t id)
{
	return gr_u64map_put(&sy->ids, addr, id);
}

/*
 * The type id standing for the descriptor at @addr: known already, a
 * type of the pack with its name (the runtime's own), or a new
 * placeholder queued to be filled.  GR_DWARF_NO_TYPE for a NULL or
 * unreadable descriptor.
 */
GR_MUST_USE
static struct gr_error *id_for(struct synth *sy, uint64_t addr, uint32_t *ret)
{
	*ret = GR_DWARF_NO_TYPE;
	if (!addr || lookup(sy, addr, ret))
		return NULL;
	const struct gr_rtype *r;
	const char *name;
	struct gr_error *err = gr_rtype_get(sy->rt, addr, &r);
	if (!err)
		err = gr_rtype_name(sy->rt, r, &name);
	/* Not a descriptor goretain can read: no type, not fatal. */
	if (gr_error_catch(&err, GR_ERR_CONTENT) || err)
		return err;
	uint32_t id;
	err = gr_dwarf_type_by_name(sy->d, name, &id);
	if (!err) {
		struct gr_dwarf_type *t = gr_dwarf_synth_edit(sy->d, id);
		if (t && !t->runtime_type)
			t->runtime_type = addr - sy->types_base;
		if ((err = insert(sy, addr, id)))
			return err;
		*ret = id;
		return NULL;
	}
	if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return err;
	if (sy->added >= GR_RTYPE_SYNTH_MAX)
		return gr_error_create(GR_ERR_LIMIT,
				       "more than %d type descriptors",
				       GR_RTYPE_SYNTH_MAX);
	if ((err = gr_dwarf_synth_type(sy->d, name, &id)))
		return err;
	sy->added++;
	if ((err = gr_array_grow(&sy->pending, &sy->pending_cap, sy->npending,
				 1)))
		return err;
	sy->pending[sy->npending++] = (struct pending){.addr = addr, .id = id};
	if ((err = insert(sy, addr, id)))
		return err;
	*ret = id;
	return NULL;
}

/* The word at @addr, 0 when it cannot be read (recorded as damage). */
GR_MUST_USE
static struct gr_error *word(struct synth *sy, uint64_t addr, uint64_t *ret)
{
	uint64_t v = 0;
	struct gr_error *err = gr_mem_u64(sy->mem, addr, &v);
	*ret = v;
	return gr_damage_fault(sy->damage, err, "type descriptor");
}

GR_MUST_USE
static struct gr_error *fill_struct(struct synth *sy, uint32_t id,
				    uint64_t addr)
{
	/* The kind's own members follow the common header. */
	uint64_t tail = addr + sy->desc, fields, n;
	struct gr_error *err;
	if ((err = word(sy, tail + GR_DESC_STRUCT_FIELDS, &fields)) ||
	    (err = word(sy, tail + GR_DESC_STRUCT_NFIELDS, &n)))
		return err;
	if (!fields || n > MAX_FIELDS)
		return NULL;
	/* Resolve the field types first: each may append a placeholder,
	 * and this type's fields must be contiguous. */
	uint32_t *ftype = malloc((n ? n : 1) * sizeof(*ftype));
	if (!ftype)
		return gr_error_nomem();
	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t typ;
		err = word(sy, fields + i * GR_SFIELD_SIZE + GR_SFIELD_TYP,
			   &typ);
		if (!err)
			err = id_for(sy, typ, &ftype[i]);
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		uint64_t at = fields + i * GR_SFIELD_SIZE, name_at, off;
		char *name = NULL, buf[32];
		if ((err = word(sy, at, &name_at)) ||
		    (err = word(sy, at + GR_SFIELD_OFF, &off)))
			break;
		err = gr_rtype_read_name(sy->rt, name_at, &name, NULL);
		if (gr_error_catch(&err, GR_ERR_CONTENT))
			snprintf(buf, sizeof(buf), "field%" PRIu64, i);
		else if (err)
			break;
		err = gr_dwarf_synth_field(sy->d, id, name ? name : buf, off,
					   ftype[i]);
		free(name);
	}
	free(ftype);
	return err;
}

/* Reserve the key, element and bucket types of the classic map type @id
 * whose MapType members start at @tail. */
GR_MUST_USE
static struct gr_error *queue_map(struct synth *sy, uint32_t id,
				  uint64_t tail)
{
	uint64_t key, elem, bucket;
	struct map_parts m = {.id = id};
	struct gr_error *err;
	if ((err = word(sy, tail + GR_DESC_MAP_KEY, &key)) ||
	    (err = word(sy, tail + GR_DESC_MAP_ELEM, &elem)) ||
	    (err = word(sy, tail + GR_DESC_MAP_GROUP, &bucket)) ||
	    (err = id_for(sy, key, &m.key)) ||
	    (err = id_for(sy, elem, &m.elem)) ||
	    (err = id_for(sy, bucket, &m.bucket)) ||
	    (err = gr_array_grow(&sy->maps, &sy->maps_cap, sy->nmaps, 1)))
		return err;
	sy->maps[sy->nmaps++] = m;
	return NULL;
}

/* The channel type @id, of elements @elem, to finish (finish_chan). */
GR_MUST_USE
static struct gr_error *queue_chan(struct synth *sy, uint32_t id,
				   uint32_t elem)
{
	struct gr_error *err =
		gr_array_grow(&sy->chans, &sy->chans_cap, sy->nchans, 1);
	if (err)
		return err;
	sy->chans[sy->nchans++] = (struct map_parts){.id = id, .elem = elem};
	return NULL;
}

/* A new type named @name (one of a map's or channel's parts). */
GR_MUST_USE
static struct gr_error *part(struct synth *sy, const char *name,
			     uint8_t kind, uint64_t size, uint32_t type,
			     uint32_t *ret)
{
	struct gr_error *err = gr_dwarf_synth_type(sy->d, name, ret);
	if (err)
		return err;
	struct gr_dwarf_type *t = gr_dwarf_synth_edit(sy->d, *ret);
	t->kind = kind;
	t->size = size;
	t->has_size = true;
	t->type = type;
	sy->added++;
	return NULL;
}

/*
 * Shape the classic map type @m as the linker's DWARF does
 * (cmd/link/internal/ld/dwarf.go synthesizemaptypes): map[K]V is a
 * typedef of *hash<K,V>, hash<K,V> is runtime.hmap with its buckets and
 * oldbuckets typed *bucket<K,V>, and bucket<K,V> holds tophash, keys,
 * values and overflow where the compiler's bucket type
 * (cmd/compile/internal/reflectdata MapBucketType: topbits, keys, elems,
 * overflow) puts them.  *ret: *hash<K,V>, or NO_TYPE when the bucket
 * type is not that shape.
 */
GR_MUST_USE
static struct gr_error *shape_classic(struct synth *sy,
				      const struct map_parts *m,
				      const char *kv, uint32_t *ret)
{
	/* Values, not pointers: every type and field made below may move
	 * the index's arrays. */
	const struct gr_dwarf_type *bt = gr_dwarf_type(sy->d, m->bucket),
				   *ht = gr_dwarf_type(sy->d, sy->hmap);
	if (bt->nfields != 4 || !ht || !ht->has_size)
		return NULL;
	uint64_t bsize = bt->size, hsize = ht->size, off[4];
	uint32_t hfields = ht->nfields, ftype[4];
	for (uint32_t i = 0; i < 4; i++) {
		const struct gr_dwarf_field *f =
			gr_dwarf_type_field(sy->d, m->bucket, i);
		off[i] = f->offset;
		ftype[i] = f->type;
	}
	char name[640];
	uint32_t b, pb, h;
	struct gr_error *err;
	snprintf(name, sizeof(name), "bucket%s", kv);
	if ((err = part(sy, name, GR_DWARF_TYPE_STRUCT, bsize,
			GR_DWARF_NO_TYPE, &b)))
		return err;
	snprintf(name, sizeof(name), "*bucket%s", kv);
	if ((err = part(sy, name, GR_DWARF_TYPE_POINTER, 8, b, &pb)))
		return err;
	static const char *const names[4] = {"tophash", "keys", "values",
					     "overflow"};
	for (uint32_t i = 0; i < 4; i++)
		if ((err = gr_dwarf_synth_field(sy->d, b, names[i], off[i],
						i == 3 ? pb : ftype[i])))
			return err;
	snprintf(name, sizeof(name), "hash%s", kv);
	if ((err = part(sy, name, GR_DWARF_TYPE_STRUCT, hsize,
			GR_DWARF_NO_TYPE, &h)))
		return err;
	for (uint32_t i = 0; i < hfields; i++) {
		/* Fetched again each time, after the last field moved the
		 * array; the name is the index's string, which stays. */
		const struct gr_dwarf_field *hf =
			gr_dwarf_type_field(sy->d, sy->hmap, i);
		const char *fname = hf->name;
		uint64_t foff = hf->offset;
		uint32_t ft = !strcmp(fname, "buckets") ||
					      !strcmp(fname, "oldbuckets")
				      ? pb
				      : hf->type;
		if ((err = gr_dwarf_synth_field(sy->d, h, fname, foff, ft)))
			return err;
	}
	snprintf(name, sizeof(name), "*hash%s", kv);
	return part(sy, name, GR_DWARF_TYPE_POINTER, 8, h, ret);
}

/* A copy of the pack's struct @proto named @name, its member @member
 * (if any) retyped @type. */
GR_MUST_USE
static struct gr_error *clone(struct synth *sy, uint32_t proto,
			      const char *name, const char *member,
			      uint32_t type, uint32_t *ret)
{
	const struct gr_dwarf_type *pt = gr_dwarf_type(sy->d, proto);
	uint32_t n = pt->nfields; /* pt moves with the next type */
	struct gr_error *err =
		part(sy, name, GR_DWARF_TYPE_STRUCT, pt->size,
		     GR_DWARF_NO_TYPE, ret);
	for (uint32_t i = 0; !err && i < n; i++) {
		const struct gr_dwarf_field *f =
			gr_dwarf_type_field(sy->d, proto, i);
		const char *fname = f->name;
		uint64_t foff = f->offset;
		uint32_t ft = !strcmp(fname, member) ? type : f->type;
		err = gr_dwarf_synth_field(sy->d, *ret, fname, foff, ft);
	}
	return err;
}

/*
 * A Swiss map type (Go 1.24+) as cmd/link/internal/ld/dwarf.go
 * synthesizemaptypes shapes it: map[K]V a typedef of *map<K,V>, which
 * is internal/runtime/maps.Map with dirPtr **table<K,V>; table<K,V> is
 * maps.table with groups a groupReference<K,V>, maps.groupsReference with
 * data *G, G the compiler's group type (ctrl, slots [8]{key, elem}).
 * *ret: *map<K,V>.
 */
GR_MUST_USE
static struct gr_error *shape_swiss(struct synth *sy,
				    const struct map_parts *m,
				    const char *kv, uint32_t *ret)
{
	const struct gr_dwarf_type *gt = gr_dwarf_type(sy->d, m->bucket);
	char name[640];
	uint32_t pg, gref, table, ptable, pptable, map;
	struct gr_error *err;
	snprintf(name, sizeof(name), "*%s", gt->name);
	if ((err = part(sy, name, GR_DWARF_TYPE_POINTER, 8, m->bucket, &pg)))
		return err;
	snprintf(name, sizeof(name), "groupReference%s", kv);
	if ((err = clone(sy, sy->sgroups, name, "data", pg, &gref)))
		return err;
	snprintf(name, sizeof(name), "table%s", kv);
	if ((err = clone(sy, sy->stable, name, "groups", gref, &table)))
		return err;
	snprintf(name, sizeof(name), "*table%s", kv);
	if ((err = part(sy, name, GR_DWARF_TYPE_POINTER, 8, table, &ptable)))
		return err;
	snprintf(name, sizeof(name), "**table%s", kv);
	if ((err = part(sy, name, GR_DWARF_TYPE_POINTER, 8, ptable,
			&pptable)))
		return err;
	snprintf(name, sizeof(name), "map%s", kv);
	if ((err = clone(sy, sy->smap, name, "dirPtr", pptable, &map)))
		return err;
	snprintf(name, sizeof(name), "*map%s", kv);
	return part(sy, name, GR_DWARF_TYPE_POINTER, 8, map, ret);
}

/* The map or channel typedef @id points at @ptr (its runtime header)
 * with key @key and element @elem; without @ptr it stays opaque, a
 * pointer-sized value propagation does not follow. */
static void set_target(struct synth *sy, uint32_t id, uint32_t ptr,
		       uint32_t key, uint32_t elem)
{
	struct gr_dwarf_type *t = gr_dwarf_synth_edit(sy->d, id);
	if (!t)
		return;
	if (ptr == GR_DWARF_NO_TYPE) {
		t->kind = GR_DWARF_TYPE_POINTER;
		t->go_kind = GR_GO_KIND_UNSAFE_POINTER;
		return;
	}
	t->type = ptr;
	t->key = key;
	t->elem = elem;
	t->size = 8;
}

/* Give the map type @m its shape, or leave it opaque (a pointer-sized
 * value propagation does not follow) when its parts are not readable. */
GR_MUST_USE
static struct gr_error *finish_map(struct synth *sy,
				   const struct map_parts *m)
{
	const struct gr_dwarf_type *bt = gr_dwarf_type(sy->d, m->bucket),
				   *kt = gr_dwarf_type(sy->d, m->key),
				   *vt = gr_dwarf_type(sy->d, m->elem);
	uint32_t ptr = GR_DWARF_NO_TYPE;
	if (bt && kt && vt && bt->kind == GR_DWARF_TYPE_STRUCT &&
	    bt->has_size) {
		char kv[600];
		snprintf(kv, sizeof(kv), "<%s,%s>", kt->name, vt->name);
		struct gr_error *err =
			sy->hmap != GR_DWARF_NO_TYPE
				? shape_classic(sy, m, kv, &ptr)
				: shape_swiss(sy, m, kv, &ptr);
		if (err)
			return err;
	}
	set_target(sy, m->id, ptr, m->key, m->elem);
	return NULL;
}

/*
 * chan T as cmd/link/internal/ld/dwarf.go synthesizechantypes shapes it:
 * a typedef of *hchan<T>, hchan<T> being runtime.hchan (its wait queues
 * left as the runtime's: what typing reads of a channel is its buffer,
 * whose elements are T).
 */
GR_MUST_USE
static struct gr_error *finish_chan(struct synth *sy,
				    const struct map_parts *c)
{
	const struct gr_dwarf_type *et = gr_dwarf_type(sy->d, c->elem);
	uint32_t h, ph = GR_DWARF_NO_TYPE;
	struct gr_error *err = NULL;
	if (et) {
		char name[640];
		snprintf(name, sizeof(name), "hchan<%s>", et->name);
		if ((err = clone(sy, sy->hchan, name, "", GR_DWARF_NO_TYPE,
				 &h)))
			return err;
		snprintf(name, sizeof(name), "*hchan<%s>", et->name);
		if ((err = part(sy, name, GR_DWARF_TYPE_POINTER, 8, h, &ph)))
			return err;
	}
	set_target(sy, c->id, ph, GR_DWARF_NO_TYPE, c->elem);
	return NULL;
}

/* Fill the placeholder @id from the descriptor at @addr (see the header
 * for the shapes). */
GR_MUST_USE
static struct gr_error *fill(struct synth *sy, uint32_t id, uint64_t addr)
{
	const struct gr_rtype *r;
	struct gr_error *err = gr_rtype_get(sy->rt, addr, &r);
	if (gr_error_catch(&err, GR_ERR_CONTENT) || err)
		return err;
	uint32_t ref = GR_DWARF_NO_TYPE;
	uint8_t kind = GR_DWARF_TYPE_BASE, go_kind = r->kind;
	uint64_t count = 0;
	bool has_count = false;
	uint64_t tail = addr + sy->desc, elem, nmethods;
	switch (r->kind) {
	case GR_GO_KIND_POINTER:
		kind = GR_DWARF_TYPE_POINTER;
		if (!(err = word(sy, tail + GR_DESC_ELEM, &elem)))
			err = id_for(sy, elem, &ref);
		break;
	case GR_GO_KIND_SLICE:
		kind = GR_DWARF_TYPE_STRUCT;
		if (!(err = word(sy, tail + GR_DESC_ELEM, &elem)))
			err = id_for(sy, elem, &ref);
		break;
	case GR_GO_KIND_ARRAY:
		kind = GR_DWARF_TYPE_ARRAY;
		has_count = true;
		if (!(err = word(sy, tail + GR_DESC_ARRAY_LEN, &count)) &&
		    !(err = word(sy, tail + GR_DESC_ELEM, &elem)))
			err = id_for(sy, elem, &ref);
		break;
	case GR_GO_KIND_STRING:
		kind = GR_DWARF_TYPE_STRUCT;
		break;
	case GR_GO_KIND_STRUCT:
		kind = GR_DWARF_TYPE_STRUCT;
		break;
	case GR_GO_KIND_INTERFACE:
		/* InterfaceType{Type; PkgPath Name; Methods []Imethod}. */
		kind = GR_DWARF_TYPE_TYPEDEF;
		err = word(sy, tail + GR_DESC_IFACE_NMETHODS, &nmethods);
		ref = nmethods ? sy->iface : sy->eface;
		break;
	case GR_GO_KIND_FUNC:
		kind = GR_DWARF_TYPE_POINTER;
		break;
	case GR_GO_KIND_MAP:
		if (sy->hmap != GR_DWARF_NO_TYPE ||
		    sy->smap != GR_DWARF_NO_TYPE) {
			/* Finished by finish_map once the parts are. */
			kind = GR_DWARF_TYPE_TYPEDEF;
			err = queue_map(sy, id, tail);
			break;
		}
		/* fall through */
	case GR_GO_KIND_CHAN:
		if (r->kind == GR_GO_KIND_CHAN &&
		    sy->hchan != GR_DWARF_NO_TYPE) {
			/* ChanType{Type; Elem; Dir}: finished by
			 * finish_chan. */
			kind = GR_DWARF_TYPE_TYPEDEF;
			if (!(err = word(sy, tail + GR_DESC_ELEM, &elem)) &&
			    !(err = id_for(sy, elem, &ref)))
				err = queue_chan(sy, id, ref);
			break;
		}
		/* fall through */
	case GR_GO_KIND_UNSAFE_POINTER:
		/* Opaque: a pointer-sized value propagation does not follow. */
		kind = GR_DWARF_TYPE_POINTER;
		go_kind = GR_GO_KIND_UNSAFE_POINTER;
		break;
	default:
		break;
	}
	if (err)
		return err;
	struct gr_dwarf_type *t = gr_dwarf_synth_edit(sy->d, id);
	t->kind = kind;
	t->go_kind = go_kind;
	t->size = r->size;
	t->has_size = true;
	t->count = count;
	t->has_count = has_count;
	t->runtime_type = addr - sy->types_base;
	if (r->kind == GR_GO_KIND_SLICE)
		t->elem = ref;
	else if ((r->kind != GR_GO_KIND_MAP ||
		  (sy->hmap == GR_DWARF_NO_TYPE &&
		   sy->smap == GR_DWARF_NO_TYPE)) &&
		 (r->kind != GR_GO_KIND_CHAN || sy->hchan == GR_DWARF_NO_TYPE))
		t->type = ref;
	if (r->kind == GR_GO_KIND_STRUCT)
		return fill_struct(sy, id, addr);
	return NULL;
}

/* runtime.eface / runtime.iface: the pack's, or two-word structs. */
GR_MUST_USE
static struct gr_error *rep(struct synth *sy, const char *name, uint32_t *id)
{
	struct gr_error *err = gr_dwarf_type_by_name(sy->d, name, id);
	if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return err;
	if ((err = gr_dwarf_synth_type(sy->d, name, id)))
		return err;
	struct gr_dwarf_type *t = gr_dwarf_synth_edit(sy->d, *id);
	t->kind = GR_DWARF_TYPE_STRUCT;
	t->size = 16;
	t->has_size = true;
	return NULL;
}

/* Whether the binary's code includes the Swiss map implementation. */
static bool links_swiss_maps(const struct gr_pcln *pcln)
{
	uint32_t n = gr_pcln_func_count(pcln);
	for (uint32_t i = 0; i < n; i++) {
		struct gr_pcln_func fn;
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		/* The executable's own table: a broken record names nothing. */
		gr_error_destroy(err);
		if (!err && !strncmp(fn.name, "internal/runtime/maps.", 22))
			return true;
	}
	return false;
}

struct gr_error *gr_rtype_synth(struct gr_session *s, struct gr_rtypes *rt,
				const uint64_t *addrs, size_t n,
				struct gr_damage_list *damage, size_t *added)
{
	if (added)
		*added = 0;
	struct gr_dwarf *d = gr_session_dwarf(s);
	if (!gr_dwarf_pack_version(d) || !gr_rtype_desc_size(rt))
		return NULL;
	struct synth sy = {
		.d = d,
		.rt = rt,
		.mem = gr_session_mem(s),
		.types_base = gr_session_moduledata(s)->types,
		.desc = gr_rtype_desc_size(rt),
		.damage = damage,
	};
	struct gr_error *err = rep(&sy, "runtime.eface", &sy.eface);
	if (!err)
		err = rep(&sy, "runtime.iface", &sy.iface);
	/* Classic maps are shaped from the runtime's header (Go <= 1.23 and
	 * noswissmap builds, whose packs carry runtime.hmap). */
	static const char *const map_types[] = {
		"runtime.hmap", "internal/runtime/maps.Map",
		"internal/runtime/maps.table",
		"internal/runtime/maps.groupsReference"};
	uint32_t *ids[] = {&sy.hmap, &sy.smap, &sy.stable, &sy.sgroups};
	for (size_t i = 0; i < 4 && !err; i++) {
		err = gr_dwarf_type_by_name(d, map_types[i], ids[i]);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			*ids[i] = GR_DWARF_NO_TYPE;
	}
	if (!err) {
		err = gr_dwarf_type_by_name(d, "runtime.hchan", &sy.hchan);
		if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
			sy.hchan = GR_DWARF_NO_TYPE;
	}
	/* Swiss maps need all three, and a binary that has them: a Go
	 * 1.24/1.25 GOEXPERIMENT=noswissmap build shares its release's pack
	 * but uses classic maps (runtime.Version() ends " X:noswissmap";
	 * 1.25's still links some of internal/runtime/maps). */
	const char *version = gr_session_go_version(s);
	if (sy.stable == GR_DWARF_NO_TYPE || sy.sgroups == GR_DWARF_NO_TYPE ||
	    (version && strstr(version, "noswissmap")) ||
	    !links_swiss_maps(gr_session_pcln(s)))
		sy.smap = GR_DWARF_NO_TYPE;
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t id;
		err = id_for(&sy, addrs[i], &id);
		/* Fill depth-first from the end: fill() may queue more. */
		while (!err && sy.npending) {
			sy.npending--;
			err = fill(&sy, sy.pending[sy.npending].id,
				   sy.pending[sy.npending].addr);
		}
	}
	for (size_t i = 0; i < sy.nmaps && !err; i++)
		err = finish_map(&sy, &sy.maps[i]);
	for (size_t i = 0; i < sy.nchans && !err; i++)
		err = finish_chan(&sy, &sy.chans[i]);
	if (!err)
		err = gr_dwarf_synth_done(d);
	if (added)
		*added = sy.added;
	gr_u64map_free(&sy.ids);
	free(sy.pending);
	free(sy.maps);
	free(sy.chans);
	return err;
}
