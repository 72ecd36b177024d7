/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: layouts.  One map_shape per Go map type, resolved from the
 * types the linker synthesizes for it (cmd/link/internal/ld/dwarf.go
 * synthesizemaptypes):
 *   - classic (Go <= 1.23; synthesizemaptypesOld in 1.24-1.25): the map
 *     type's DW_AT_type is *hash<K,V>, a copy of runtime.hmap whose
 *     buckets/oldbuckets are *bucket<K,V> {tophash [8]uint8; keys
 *     [8]K-or-*K; values [8]V-or-*V; overflow *bucket<K,V>};
 *   - Swiss (1.24+): *map<K,V>, a copy of internal/runtime/maps.Map whose
 *     dirPtr is **table<K,V>, table.groups a groupReference<K,V> whose
 *     data points at the compiler's group type (cmd/compile/internal/
 *     reflectdata MapGroupType: {ctrl uint64; slots [8]{key; elem}}, or
 *     {ctrl; keys [8]K; elems [8]V} under GOEXPERIMENT=mapsplitgroup).
 * Offsets come from those structs, never from the version string.
 */
#include "forensics/07-heap/maps.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/07-heap/maps_internal.h"

struct gr_error *gr_maps_create(struct gr_session *s, struct gr_heap *heap,
				struct gr_maps **ret)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	if (!d || !gr_dwarf_present(d))
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "maps: the executable has no DWARF");
	struct gr_maps *m = calloc(1, sizeof(*m));
	if (!m)
		return gr_error_nomem();
	m->s = s;
	m->heap = heap;
	m->dwarf = d;
	m->mem = gr_session_mem(s);
	m->ntypes = gr_dwarf_type_count(d);
	m->shape_of = calloc(m->ntypes ? m->ntypes : 1, sizeof(*m->shape_of));
	if (!m->shape_of)
		goto nomem;
	/* Map types by their header struct, for walks given hash<K,V>. */
	size_t n = 0;
	for (uint32_t i = 0; i < m->ntypes; i++)
		if (gr_dwarf_type(d, i)->go_kind == GR_GO_KIND_MAP)
			n++;
	m->by_header = calloc(n ? n : 1, sizeof(*m->by_header));
	if (!m->by_header)
		goto nomem;
	for (uint32_t i = 0; i < m->ntypes; i++) {
		const struct gr_dwarf_type *t = gr_dwarf_type(d, i);
		if (t->go_kind != GR_GO_KIND_MAP)
			continue;
		const struct gr_dwarf_type *p =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, t->type));
		if (!p || p->kind != GR_DWARF_TYPE_POINTER)
			continue;
		m->by_header[m->nby_header].header =
			gr_dwarf_type_strip(d, p->type);
		m->by_header[m->nby_header++].map = i;
	}
	*ret = m;
	return NULL;
nomem:
	gr_maps_destroy(m);
	return gr_error_nomem();
}

void gr_maps_destroy(struct gr_maps *m)
{
	if (!m)
		return;
	free(m->shape_of);
	free(m->shapes);
	free(m->by_header);
	free(m);
}

/* ---- DWARF helpers ---- */

static const struct gr_dwarf_type *stripped(const struct gr_dwarf *d,
					    uint32_t id, uint32_t *id_ret)
{
	uint32_t s = gr_dwarf_type_strip(d, id);
	if (id_ret)
		*id_ret = s;
	return gr_dwarf_type(d, s);
}

/* A scalar member (1, 2, 4 or 8 bytes) of header struct @type. */
GR_MUST_USE
static struct gr_error *member(const struct gr_dwarf *d, uint32_t type,
			       const char *name, struct map_member *ret)
{
	struct gr_dwarf_member m;
	struct gr_error *err =
		gr_dwarf_member(d, type, name, GR_DWARF_SIZES(1, 2, 4, 8), &m);
	if (err)
		return err;
	ret->off = m.off;
	ret->size = (uint8_t)m.size;
	return NULL;
}

static bool has_field(const struct gr_dwarf *d, uint32_t type,
		      const char *name)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member(d, type, name, NULL, &m);
	/* A probe of the executable's DWARF: not damage. */
	gr_error_destroy(err);
	return !err;
}

/*
 * An array member of 8 keys or elems: its offset, stride and element
 * type (the slot type: K or *K).
 */
GR_MUST_USE
static struct gr_error *slot_array(const struct gr_dwarf *d, uint32_t type,
				   const char *name, uint64_t *off,
				   uint64_t *stride, uint32_t *elem)
{
	struct gr_dwarf_member f;
	struct gr_error *err = gr_dwarf_member(d, type, name, NULL, &f);
	if (err)
		return err;
	const struct gr_dwarf_type *a = stripped(d, f.type, NULL);
	if (!a || a->kind != GR_DWARF_TYPE_ARRAY || !a->has_size ||
	    a->count != MAP_SLOTS)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s.%s: not an array of %d slots",
				       gr_dwarf_type(d, type)->name, name,
				       MAP_SLOTS);
	*off = f.off;
	*stride = a->size / MAP_SLOTS;
	*elem = a->type;
	return NULL;
}

/*
 * Whether a slot of type @slot_type holding a value of declared type @kv
 * (GR_DWARF_NO_TYPE if the map type is unknown) is indirect: Go stores
 * keys and elems over MAP_MAX_INLINE bytes as pointers (runtime/map.go
 * maxKeySize; internal/runtime/maps MapMaxKeyBytes).  Without the map type,
 * a pointer slot to a value over the limit is taken as indirect.
 */
static bool indirect(const struct gr_dwarf *d, uint32_t kv, uint32_t slot_type,
		     uint32_t *value_type)
{
	uint32_t target = gr_dwarf_pointee(d, slot_type);
	uint64_t size;
	if (kv != GR_DWARF_NO_TYPE) {
		*value_type = kv;
		return gr_dwarf_type_size(d, kv, &size) && size > MAP_MAX_INLINE;
	}
	if (gr_dwarf_type_size(d, target, &size) && size > MAP_MAX_INLINE) {
		*value_type = target;
		return true;
	}
	*value_type = slot_type;
	return false;
}

static void finish_kv(const struct gr_dwarf *d, struct map_shape *sh,
		      uint32_t key_slot, uint32_t elem_slot)
{
	const struct gr_dwarf_type *mt = gr_dwarf_type(d, sh->map_type);
	sh->indirect_key = indirect(d, mt ? mt->key : GR_DWARF_NO_TYPE,
				    key_slot, &sh->key_type);
	sh->indirect_elem = indirect(d, mt ? mt->elem : GR_DWARF_NO_TYPE,
				     elem_slot, &sh->elem_type);
	sh->key_slot_size = sh->indirect_key ? 8 : sh->key_stride;
	sh->elem_slot_size = sh->indirect_elem ? 8 : sh->elem_stride;
	/* Unsized slots keep the stride's (or a pointer's) size. */
	uint64_t size;
	if (gr_dwarf_type_size(d, key_slot, &size))
		sh->key_slot_size = size;
	if (gr_dwarf_type_size(d, elem_slot, &size))
		sh->elem_slot_size = size;
}

/* ---- classic ---- */

GR_MUST_USE
static struct gr_error *classic_shape(const struct gr_dwarf *d,
				      struct map_shape *sh)
{
	uint32_t h = sh->header_type;
	struct gr_error *err;
	if ((err = member(d, h, "count", &sh->count)) ||
	    (err = member(d, h, "flags", &sh->flags)) ||
	    (err = member(d, h, "B", &sh->b)) ||
	    (err = member(d, h, "buckets", &sh->buckets)) ||
	    (err = member(d, h, "oldbuckets", &sh->oldbuckets)) ||
	    (err = member(d, h, "extra", &sh->extra)))
		return err;
	struct gr_dwarf_member f;
	if ((err = gr_dwarf_member(d, h, "buckets", NULL, &f)))
		return err;
	uint32_t b = gr_dwarf_pointee(d, f.type);
	const struct gr_dwarf_type *bt = gr_dwarf_type(d, b);
	if (!bt || bt->kind != GR_DWARF_TYPE_STRUCT || !bt->has_size)
		/* runtime.hmap itself: buckets is an unsafe.Pointer. */
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: no bucket<K,V> type",
				       gr_dwarf_type(d, h)->name);
	sh->container_type = b;
	sh->container_size = bt->size;
	uint32_t kslot, eslot;
	if ((err = slot_array(d, b, "keys", &sh->key_off, &sh->key_stride,
			      &kslot)) ||
	    (err = slot_array(d, b, "values", &sh->elem_off, &sh->elem_stride,
			      &eslot)) ||
	    (err = gr_dwarf_member(d, b, "overflow", NULL, &f)))
		return err;
	sh->overflow_off = f.off;
	finish_kv(d, sh, kslot, eslot);
	/* mapextra: overflow/oldoverflow *[]*bmap (runtime/map.go). */
	if ((err = gr_dwarf_member(d, h, "extra", NULL, &f)))
		return err;
	sh->extra_type = gr_dwarf_pointee(d, f.type);
	struct gr_dwarf_member ov, old;
	if ((err = gr_dwarf_member(d, sh->extra_type, "overflow", NULL,
				   &ov)) ||
	    (err = gr_dwarf_member(d, sh->extra_type, "oldoverflow", NULL,
				   &old)))
		return err;
	sh->extra_overflow = ov.off;
	sh->extra_oldoverflow = old.off;
	sh->extra_slice_type = gr_dwarf_pointee(d, ov.type);
	if (sh->key_off + MAP_SLOTS * sh->key_stride > sh->container_size ||
	    sh->elem_off + MAP_SLOTS * sh->elem_stride > sh->container_size ||
	    sh->overflow_off + 8 > sh->container_size ||
	    sh->container_size > MAP_MAX_CONTAINER)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: members outside the bucket",
				       bt->name);
	return NULL;
}

/* ---- Swiss ---- */

GR_MUST_USE
static struct gr_error *group_shape(const struct gr_dwarf *d,
				    struct map_shape *sh, uint32_t g)
{
	const struct gr_dwarf_type *gt = gr_dwarf_type(d, g);
	if (!gt || gt->kind != GR_DWARF_TYPE_STRUCT || !gt->has_size)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: no group type",
				       gr_dwarf_type(d, sh->header_type)->name);
	sh->container_type = g;
	sh->container_size = gt->size;
	uint32_t kslot, eslot;
	struct gr_error *err;
	if (has_field(d, g, "slots")) {
		uint64_t off, stride;
		uint32_t slot;
		if ((err = slot_array(d, g, "slots", &off, &stride, &slot)))
			return err;
		struct gr_dwarf_member k, e;
		if ((err = gr_dwarf_member(d, slot, "key", NULL, &k)) ||
		    (err = gr_dwarf_member(d, slot, "elem", NULL, &e)))
			return err;
		sh->key_off = off + k.off;
		sh->elem_off = off + e.off;
		sh->key_stride = sh->elem_stride = stride;
		kslot = k.type;
		eslot = e.type;
	} else if ((err = slot_array(d, g, "keys", &sh->key_off,
				     &sh->key_stride, &kslot)) ||
		   (err = slot_array(d, g, "elems", &sh->elem_off,
				     &sh->elem_stride, &eslot))) {
		/* Neither layout: name what is missing. */
		return err;
	}
	finish_kv(d, sh, kslot, eslot);
	if (sh->key_off + (MAP_SLOTS - 1) * sh->key_stride + sh->key_slot_size >
		    sh->container_size ||
	    sh->elem_off + (MAP_SLOTS - 1) * sh->elem_stride +
			    sh->elem_slot_size >
		    sh->container_size ||
	    sh->container_size < 8 || sh->container_size > MAP_MAX_CONTAINER)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: slots outside the group", gt->name);
	return NULL;
}

GR_MUST_USE
static struct gr_error *swiss_shape(const struct gr_dwarf *d,
				    struct map_shape *sh)
{
	uint32_t h = sh->header_type;
	struct gr_error *err;
	if ((err = member(d, h, "used", &sh->used)) ||
	    (err = member(d, h, "dirPtr", &sh->dir_ptr)) ||
	    (err = member(d, h, "dirLen", &sh->dir_len)) ||
	    (err = member(d, h, "globalDepth", &sh->global_depth)) ||
	    (err = member(d, h, "writing", &sh->writing)))
		return err;
	struct gr_dwarf_member f;
	if ((err = gr_dwarf_member(d, h, "dirPtr", NULL, &f)))
		return err;
	/* dirPtr is **table<K,V>: "pointer to the first entry" (dwarf.go). */
	sh->table_ptr_type = gr_dwarf_pointee(d, f.type);
	uint32_t t = gr_dwarf_pointee(d, sh->table_ptr_type);
	const struct gr_dwarf_type *tt = gr_dwarf_type(d, t);
	if (!tt || tt->kind != GR_DWARF_TYPE_STRUCT || !tt->has_size)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: no table<K,V> type",
				       gr_dwarf_type(d, h)->name);
	sh->table_type = t;
	sh->table_size = tt->size;
	struct gr_dwarf_member data, mask;
	if ((err = member(d, t, "used", &sh->t_used)) ||
	    (err = member(d, t, "capacity", &sh->t_capacity)) ||
	    (err = member(d, t, "localDepth", &sh->t_local_depth)) ||
	    (err = gr_dwarf_member(d, t, "groups.data", NULL, &data)) ||
	    (err = gr_dwarf_member(d, t, "groups.lengthMask", NULL, &mask)))
		return err;
	sh->t_groups_data = (struct map_member){data.off, 8};
	sh->t_groups_mask = (struct map_member){mask.off, 8};
	if (mask.size != 8 || sh->table_size > MAP_MAX_HEADER)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "%s: unexpected groups member",
				       tt->name);
	return group_shape(d, sh, gr_dwarf_pointee(d, data.type));
}

/* ---- cache ---- */

static uint32_t map_of_header(const struct gr_maps *m, uint32_t header)
{
	for (size_t i = 0; i < m->nby_header; i++)
		if (m->by_header[i].header == header)
			return m->by_header[i].map;
	return GR_DWARF_NO_TYPE;
}

GR_MUST_USE
static struct gr_error *resolve(const struct gr_maps *m, uint32_t type,
				struct map_shape *sh)
{
	const struct gr_dwarf *d = m->dwarf;
	uint32_t id;
	const struct gr_dwarf_type *t = stripped(d, type, &id);
	memset(sh, 0, sizeof(*sh));
	sh->map_type = GR_DWARF_NO_TYPE;
	if (!t)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "maps: no DWARF type %u", type);
	if (t->go_kind == GR_GO_KIND_MAP) {
		sh->map_type = id;
		sh->header_type = gr_dwarf_pointee(d, t->type);
	} else if (t->kind == GR_DWARF_TYPE_POINTER) {
		sh->header_type = gr_dwarf_pointee(d, id);
	} else {
		sh->header_type = id;
	}
	const struct gr_dwarf_type *ht = gr_dwarf_type(d, sh->header_type);
	if (!ht || ht->kind != GR_DWARF_TYPE_STRUCT || !ht->has_size)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "maps: %s is not a Go map type",
				       t->name);
	if (sh->map_type == GR_DWARF_NO_TYPE)
		sh->map_type = map_of_header(m, sh->header_type);
	sh->header_size = ht->size;
	sh->swiss = has_field(d, sh->header_type, "dirPtr");
	struct gr_error *err = sh->swiss ? swiss_shape(d, sh)
					 : classic_shape(d, sh);
	if (err)
		return gr_error_prefix(err, "maps: %s", t->name);
	if (sh->header_size > MAP_MAX_HEADER)
		return gr_error_create(GR_ERR_UNSUPPORTED,
				       "maps: %s: header of %" PRIu64 " bytes",
				       ht->name, sh->header_size);
	return NULL;
}

struct gr_error *maps_shape_get(struct gr_maps *m, uint32_t type,
			       const struct map_shape **ret)
{
	if (type < m->ntypes && m->shape_of[type]) {
		*ret = &m->shapes[m->shape_of[type] - 1];
		return NULL;
	}
	struct map_shape sh;
	struct gr_error *err = resolve(m, type, &sh);
	if (err)
		return err;
	if ((err = gr_array_grow(&m->shapes, &m->shapes_cap, m->nshapes, 1)))
		return err;
	m->shapes[m->nshapes++] = sh;
	if (type < m->ntypes)
		m->shape_of[type] = (uint32_t)m->nshapes;
	*ret = &m->shapes[m->nshapes - 1];
	return NULL;
}
