/* SPDX-License-Identifier: MIT */
/*
 * pprof labels of a goroutine.  g.labels is the unsafe.Pointer
 * runtime/pprof passed to runtime_setProfLabel: a *labelMap
 * (runtime/pprof/label.go, runtime.go SetGoroutineLabels).  Its shape:
 *   Go 1.19-1.23  type labelMap map[string]string: the word at g.labels
 *                 points to a runtime.hmap;
 *   Go 1.24-1.25  type labelMap struct{ LabelSet } with
 *                 LabelSet{ list []label{key, value string} };
 *   Go 1.26+      type labelMap struct{ label.Set } with
 *                 internal/runtime/pprof/label.Set{ List []Label }.
 * The shape is taken from DWARF (runtime/pprof.labelMap), not from the
 * version.  Classic maps are decoded only when not growing (oldbuckets
 * nil); a growing map is reported undecoded.
 */
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/07-heap/maps.h"
#include "forensics/08-stacks/goroutines_internal.h"

enum {
	MAX_LABELS = 4096,
	MAX_LABEL_BYTES = 4096,
	MAX_B = 16,	   /* 65536 buckets: far beyond any label set */
	GO_STRING = 16,
	LABEL_SIZE = 2 * GO_STRING,
};

/* Member @name of @type: its offset (and type); *ok false when DWARF
 * lacks it. */
GR_MUST_USE
static struct gr_error *field(const struct gr_dwarf *d, uint32_t type,
			      const char *name, uint64_t *off,
			      uint32_t *ftype, bool *ok)
{
	struct gr_dwarf_member m;
	struct gr_error *err = gr_dwarf_member(d, type, name, NULL, &m);
	if (gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED))) {
		*ok = false;
		return NULL;
	}
	if (err)
		return err;
	*off = m.off;
	if (ftype)
		*ftype = m.type;
	return NULL;
}

/* The hmap and bucket of a classic map type (Go's DWARF describes the map
 * as a pointer to "hash<K,V>" whose buckets point to "bucket<K,V>");
 * *ok false when it is not shaped so. */
GR_MUST_USE
static struct gr_error *map_layout(const struct gr_dwarf *d, uint32_t map,
				   struct gr_g_layout *l, bool *ok)
{
	uint32_t hmap = gr_dwarf_pointee(d, map), buckets = GR_DWARF_NO_TYPE;
	*ok = hmap != GR_DWARF_NO_TYPE;
	if (!*ok)
		return NULL;
	struct gr_error *err;
	if ((err = field(d, hmap, "count", &l->hmap_count, NULL, ok)) ||
	    (err = field(d, hmap, "B", &l->hmap_b, NULL, ok)) ||
	    (err = field(d, hmap, "buckets", &l->hmap_buckets, &buckets,
			 ok)) ||
	    (err = field(d, hmap, "oldbuckets", &l->hmap_oldbuckets, NULL,
			 ok)))
		return err;
	if (!*ok)
		return NULL;
	uint32_t bucket = gr_dwarf_pointee(d, buckets);
	if (!gr_dwarf_type_size(d, bucket, &l->bucket_size)) {
		*ok = false;
		return NULL;
	}
	if ((err = field(d, bucket, "tophash", &l->bucket_tophash, NULL,
			 ok)) ||
	    (err = field(d, bucket, "keys", &l->bucket_keys, NULL, ok)) ||
	    (err = field(d, bucket, "values", &l->bucket_values, NULL, ok)))
		return err;
	return field(d, bucket, "overflow", &l->bucket_overflow, NULL, ok);
}

struct gr_error *goroutines_labels_layout(const struct gr_dwarf *d,
					  struct gr_g_layout *l)
{
	uint32_t id;
	l->labels_shape = GR_G_LABELS_UNKNOWN;
	struct gr_error *err =
		gr_dwarf_type_by_name(d, "runtime/pprof.labelMap", &id);
	if (gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)) || err)
		return err;
	const struct gr_dwarf_type *t =
		gr_dwarf_type(d, gr_dwarf_type_strip(d, id));
	if (!t)
		return NULL;
	if (t->go_kind == GR_GO_KIND_MAP) {
		/* The map typedef's DW_AT_type is its runtime representation,
		 * *hash<K,V> (cmd/link/internal/ld/dwarf.go). */
		uint32_t rep = t->kind == GR_DWARF_TYPE_TYPEDEF
				       ? t->type
				       : gr_dwarf_type_strip(d, id);
		bool ok;
		if ((err = map_layout(d, rep, l, &ok)))
			return err;
		if (ok)
			l->labels_shape = GR_G_LABELS_MAP;
		return NULL;
	}
	/* struct{ LabelSet / label.Set } whose only member is the slice, at
	 * offset 0 all the way down. */
	if (t->kind == GR_DWARF_TYPE_STRUCT && t->nfields >= 1) {
		const struct gr_dwarf_field *f0 = gr_dwarf_type_field(
			d, gr_dwarf_type_strip(d, id), 0);
		const struct gr_dwarf_type *set =
			f0 ? gr_dwarf_type(d, gr_dwarf_type_strip(d, f0->type))
			   : NULL;
		if (f0 && f0->offset == 0 && set &&
		    set->kind == GR_DWARF_TYPE_STRUCT && set->nfields >= 1) {
			const struct gr_dwarf_field *f1 = gr_dwarf_type_field(
				d, gr_dwarf_type_strip(d, f0->type), 0);
			const struct gr_dwarf_type *sl =
				f1 ? gr_dwarf_type(d, gr_dwarf_type_strip(
							      d, f1->type))
				   : NULL;
			if (f1 && f1->offset == 0 && sl &&
			    sl->go_kind == GR_GO_KIND_SLICE)
				l->labels_shape = GR_G_LABELS_SLICE;
		}
	}
	return NULL;
}

/* One label; *@ret false past MAX_LABELS (the labels are not had).
 * Out of memory is not "no labels": it is returned. */
GR_MUST_USE
static struct gr_error *push_label(struct gr_goroutines *gs,
				   struct gr_goroutine *g, uint64_t key,
				   uint64_t value, bool *ret)
{
	if (g->nlabels >= MAX_LABELS) {
		*ret = false;
		return NULL;
	}
	struct gr_error *err =
		gr_array_grow(&gs->labels, &gs->labels_cap, gs->nlabels, 1);
	if (err)
		return err;
	struct gr_g_label *lb = &gs->labels[gs->nlabels];
	if ((err = goroutines_read_gostring(gs, key, MAX_LABEL_BYTES,
					    &lb->key)) ||
	    (err = goroutines_read_gostring(gs, value, MAX_LABEL_BYTES,
					    &lb->value)))
		return err;
	gs->nlabels++;
	g->nlabels++;
	*ret = true;
	return NULL;
}

/* The decoders: *@ret false when the core's labels cannot be read (the
 * goroutine then has none); an error only for what is not the core's. */
GR_MUST_USE
static struct gr_error *decode_slice(struct gr_goroutines *gs,
				     struct gr_goroutine *g, uint64_t lm,
				     bool *ret)
{
	uint64_t sl[3];
	struct gr_error *err = gr_mem_read(gs->mem, lm, sl, sizeof(sl));
	*ret = false;
	if (err)
		return gr_damage_catch(&gs->damage, err, GR_ERR_BIT(FAULT), lm,
				       sizeof(sl), "goroutine labels: %s",
				       err->message);
	if (sl[1] > sl[2] || sl[1] > MAX_LABELS ||
	    !gr_mem_readable(gs->mem, sl[0], sl[1] * LABEL_SIZE))
		return NULL;
	for (uint64_t i = 0; i < sl[1]; i++)
		if ((err = push_label(gs, g, sl[0] + i * LABEL_SIZE,
				      sl[0] + i * LABEL_SIZE + GO_STRING,
				      ret)) ||
		    !*ret)
			return err;
	*ret = true;
	return NULL;
}

GR_MUST_USE
static struct gr_error *decode_bucket_chain(struct gr_goroutines *gs,
					    struct gr_goroutine *g,
					    uint64_t b, bool *ret)
{
	const struct gr_g_layout *l = &gs->l;
	struct gr_maps_chain c = {.mem = gs->mem,
				  .tophash_off = l->bucket_tophash,
				  .overflow_off = l->bucket_overflow,
				  .next = b};
	for (int hops = 0; c.next && hops < MAX_LABELS; hops++) {
		uint8_t top[GR_MAP_SLOTS];
		uint64_t at = c.next;
		struct gr_error *err = gr_maps_chain_next(&c, &b, top);
		if (err) {
			*ret = false;
			return gr_damage_catch(
				&gs->damage, err, GR_ERR_BIT(FAULT), at, 0,
				"goroutine labels bucket: %s", err->message);
		}
		for (int i = 0; i < GR_MAP_SLOTS; i++) {
			if (!gr_maps_classic_full(top[i]))
				continue;
			uint64_t off = (uint64_t)i * GO_STRING;
			if ((err = push_label(gs, g, b + l->bucket_keys + off,
					      b + l->bucket_values + off,
					      ret)) ||
			    !*ret)
				return err;
		}
	}
	*ret = true;
	return NULL;
}

GR_MUST_USE
static struct gr_error *decode_map(struct gr_goroutines *gs,
				   struct gr_goroutine *g, uint64_t lm,
				   bool *ret)
{
	const struct gr_g_layout *l = &gs->l;
	uint64_t h, buckets, old;
	uint8_t b;
	struct gr_error *err = gr_mem_u64(gs->mem, lm, &h);
	*ret = true;
	if (!err && h == 0)
		return NULL; /* nil map: no labels */
	if (!err)
		err = gr_mem_u8(gs->mem, h + l->hmap_b, &b);
	if (!err)
		err = gr_mem_u64(gs->mem, h + l->hmap_buckets, &buckets);
	if (!err)
		err = gr_mem_u64(gs->mem, h + l->hmap_oldbuckets, &old);
	if (err || old != 0 || b > MAX_B) {
		*ret = false;
		return gr_damage_fault(&gs->damage, err,
				       "goroutine labels map");
	}
	for (uint64_t i = 0; buckets && i < (1ull << b); i++)
		if ((err = decode_bucket_chain(
			     gs, g, buckets + i * l->bucket_size, ret)) ||
		    !*ret)
			return err;
	return NULL;
}

struct gr_error *goroutines_decode_labels(struct gr_goroutines *gs,
					  struct gr_goroutine *g)
{
	g->first_label_ = (uint32_t)gs->nlabels;
	g->nlabels = 0;
	g->labels_decoded = true;
	if (!g->labels_addr)
		return NULL;
	/* Labels are best effort: a goroutine whose labels cannot be read
	 * has none (and says so), whatever was read before. */
	bool ok = false;
	struct gr_error *err = NULL;
	if (gs->l.labels_shape == GR_G_LABELS_SLICE)
		err = decode_slice(gs, g, g->labels_addr, &ok);
	else if (gs->l.labels_shape == GR_G_LABELS_MAP)
		err = decode_map(gs, g, g->labels_addr, &ok);
	if (err || !ok) {
		gs->nlabels = g->first_label_;
		g->nlabels = 0;
		g->labels_decoded = false;
	}
	return err;
}
