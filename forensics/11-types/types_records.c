/* SPDX-License-Identifier: MIT */
/*
 * The per-object records of typing: kinds interned by (type, layout,
 * source), each object's 32-bit word (flags, kind, count) and the side
 * array of the objects whose kind or count does not fit it, and what the
 * report reads of them (gr_types_object).
 */
#include "forensics/11-types/types.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/11-types/types_internal.h"

static uint64_t kind_hash(uint32_t type, uint32_t layout, uint8_t source)
{
	uint64_t key[2] = {(uint64_t)type << 32 | layout, source};
	return gr_hash_bytes(key, sizeof(key));
}

struct gr_error *types_kind(struct gr_types *t, uint32_t type,
			    uint32_t layout, uint8_t source, uint32_t *ret)
{
	const struct types_kind *last = &t->kinds[t->last_kind];
	if (last->type == type && last->layout == layout &&
	    last->source == source) {
		*ret = t->last_kind;
		return NULL;
	}
	uint64_t hv = kind_hash(type, layout, source);
	struct gr_hash_probe p;
	uint32_t j;
	for (gr_hash_probe_init(&t->kind_index, hv, &p);
	     gr_hash_probe_next(&t->kind_index, &p, &j);) {
		const struct types_kind *k = &t->kinds[j];
		if (k->type == type && k->layout == layout &&
		    k->source == source) {
			*ret = t->last_kind = j;
			return NULL;
		}
	}
	size_t cap = t->kinds_cap;
	if (t->nkinds == UINT32_MAX)
		return gr_error_create(GR_ERR_LIMIT, "more than %u kinds",
				       UINT32_MAX - 1);
	struct gr_error *err = gr_array_grow(&t->kinds, &cap, t->nkinds, 1);
	if (err)
		return err;
	t->kinds_cap = (uint32_t)cap;
	t->kinds[t->nkinds] = (struct types_kind){
		.type = type,
		.layout = layout,
		.esize = layout == GR_TYPES_NO_LAYOUT
				 ? 0
				 : types_dwarf_size(t->dwarf, layout),
		.source = source,
	};
	if ((err = gr_hash_insert(&t->kind_index, hv, t->nkinds)))
		return err;
	*ret = t->last_kind = t->nkinds++;
	return NULL;
}

/* A new t->wide entry for @kind and @count. */
GR_MUST_USE
static struct gr_error *new_wide(struct gr_types *t, uint32_t kind,
				 uint64_t count, uint32_t *ret)
{
	if (t->nwide > GR_TYPES_WIDE_MAX)
		return gr_error_create(GR_ERR_LIMIT,
				       "more than %u wide objects",
				       GR_TYPES_WIDE_MAX + 1);
	struct gr_error *err =
		gr_array_grow(&t->wide, &t->wide_cap, t->nwide, 1);
	if (err)
		return err;
	t->wide[t->nwide] = (struct gr_types_wide){count, kind};
	*ret = (uint32_t)t->nwide++;
	return NULL;
}

struct gr_error *types_set_wide(struct gr_types *t, uint32_t id,
				uint32_t kind, uint64_t count)
{
	uint32_t i = 0;
	struct gr_error *err = new_wide(t, kind, count, &i);
	if (err)
		return err;
	t->objs[id] |= GR_TYPES_WIDE | i;
	return NULL;
}

/* Object @id (typed) becomes @kind with @count, its flags unchanged. */
GR_MUST_USE
static struct gr_error *set_kind_count(struct gr_types *t, uint32_t id,
				       uint32_t kind, uint64_t count)
{
	uint32_t w = t->objs[id], i = 0;
	if (w & GR_TYPES_WIDE) {
		t->wide[w & GR_TYPES_WIDE_MAX].kind = kind;
		t->wide[w & GR_TYPES_WIDE_MAX].count = count;
		return NULL;
	}
	if (kind < GR_TYPES_NARROW_KINDS && count < GR_TYPES_NARROW_COUNT) {
		t->objs[id] = (w & GR_TYPES_FLAGS) |
			      kind << GR_TYPES_KIND_SHIFT | (uint32_t)count;
		return NULL;
	}
	struct gr_error *err = new_wide(t, kind, count, &i);
	if (err)
		return err;
	t->objs[id] = (w & GR_TYPES_FLAGS) | GR_TYPES_WIDE | i;
	return NULL;
}

struct gr_error *types_set_kind(struct gr_types *t, uint32_t id,
				uint32_t kind)
{
	return set_kind_count(t, id, kind, types_count_of(t, id));
}

struct gr_error *types_set_count(struct gr_types *t, uint32_t id,
				 uint64_t count)
{
	return set_kind_count(t, id, types_kind_index(t, id), count);
}

/* gr_types_object copies a kind's first 8 bytes as the object's. */
_Static_assert(offsetof(struct types_kind, type) ==
			       offsetof(struct gr_type_object, type) &&
		       offsetof(struct types_kind, source) ==
			       offsetof(struct gr_type_object, source) &&
		       offsetof(struct gr_type_object, count) == 8,
	       "types_kind starts as gr_type_object");

__attribute__((noinline)) static struct gr_type_object
object_wide(const struct gr_types *t, uint32_t id)
{
	const struct types_kind *k = types_kind_of(t, id);
	return (struct gr_type_object){k->type, k->source,
				       types_count_of(t, id)};
}

struct gr_type_object gr_types_object(const struct gr_types *t, uint32_t id)
{
	if (id >= t->nobjects)
		return (struct gr_type_object){GR_TYPE_UNKNOWN,
					       GR_TYPE_SOURCE_NONE, 0};
	/* Called for every object by the report: the common case is a
	 * leaf of two loads, a wide object a tail call. */
	uint32_t w = t->objs[id];
	if (w & GR_TYPES_WIDE)
		return object_wide(t, id);
	struct gr_type_object o;
	memcpy(&o, &t->kinds[(w & ~GR_TYPES_FLAGS) >> GR_TYPES_KIND_SHIFT],
	       8);
	o.count = w & (GR_TYPES_NARROW_COUNT - 1);
	return o;
}

void gr_types_object_name(const struct gr_types *t, uint32_t id, char *buf,
			  size_t len)
{
	if (!len)
		return;
	struct gr_type_object o = gr_types_object(t, id);
	if (o.type == GR_TYPE_UNKNOWN)
		snprintf(buf, len, "unknown (%" PRIu64 " B)",
			 id < t->nobjects ? gr_heap_object_size(t->heap, id)
					  : 0);
	else if (o.count)
		snprintf(buf, len, "[%" PRIu64 "]%s", o.count,
			 t->info[o.type].name);
	else
		snprintf(buf, len, "%s", t->info[o.type].name);
}

