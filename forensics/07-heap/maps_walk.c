/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: what both implementations share: storage objects checked
 * against the heap and counted once, the accounting of entries, capacity
 * and bytes, and the entry iterator.
 */
#include "forensics/07-heap/maps.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/07-heap/maps_internal.h"

struct gr_error *maps_bad(const struct map_walk *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gr_error_create(GR_ERR_BAD_DATA, "map 0x%" PRIx64 ": %s",
			       w->header, msg);
}

/* ---- reads ---- */

struct gr_error *maps_read(struct map_walk *w, uint64_t addr, void *buf,
			  size_t len)
{
	struct gr_error *err = gr_mem_read(w->m->mem, addr, buf, len);
	return err ? gr_error_prefix(err, "map 0x%" PRIx64, w->header) : NULL;
}

uint64_t maps_member_value(const uint8_t *buf, const struct map_member *mm)
{
	uint64_t v = 0;
	/* Little-endian (linux/amd64, arm64): the low bytes come first. */
	memcpy(&v, buf + mm->off, mm->size);
	return v;
}

struct gr_error *maps_header_read(struct gr_maps *m, const struct map_shape *sh,
				 uint64_t header, uint8_t *buf)
{
	struct gr_error *err = gr_mem_read(m->mem, header, buf, sh->header_size);
	return err ? gr_error_prefix(err, "map 0x%" PRIx64, header) : NULL;
}

/*
 * A storage pointer must lie in an allocated heap object with @need bytes
 * from it to the end of the slot; the objects are counted once per walk.
 * The compiler puts the header and first bucket/group of a map that does
 * not escape on its goroutine's stack (cmd/compile/internal/walk
 * walkMakeMap): such storage is read but is no heap object.
 */
struct gr_error *maps_storage(struct map_walk *w, uint64_t addr, uint64_t need,
			     uint32_t dwarf_type, uint64_t count,
			     enum gr_map_part part, const char *what,
			     struct maps_storage *ret)
{
	struct gr_heap *h = w->m->heap;
	uint32_t id = gr_heap_find(h, addr);
	memset(ret, 0, sizeof(*ret));
	ret->id = id;
	if (id == GR_HEAP_NO_OBJECT) {
		const struct gr_span *sp = gr_heap_span_at(h, addr);
		if (!sp || sp->state != GR_SPAN_MANUAL)
			return maps_bad(w,
				       "%s 0x%" PRIx64
				       " is not in an allocated heap object",
				       what, addr);
		uint64_t end = sp->base + sp->npages * 8192;
		if (need > end - addr)
			return maps_bad(w, "%s 0x%" PRIx64 " overruns its span",
				       what, addr);
		ret->end = end;
		return NULL;
	}
	uint64_t obj = gr_heap_object_addr(h, id);
	uint64_t size = gr_heap_object_size(h, id);
	ret->end = obj + size;
	if (need > ret->end - addr)
		return maps_bad(w,
			       "%s 0x%" PRIx64 ": %" PRIu64
			       " bytes do not fit in object 0x%" PRIx64
			       " (%" PRIu64 " bytes)",
			       what, addr, need, obj, size);
	struct gr_error *err = gr_u64set_add(&w->seen, id, &ret->fresh);
	if (err || !ret->fresh)
		return err;
	w->storage_bytes += size;
	w->info->storage_objects++;
	if (w->fn)
		w->fn(w->arg, obj, dwarf_type, count, part);
	return NULL;
}

bool maps_slot_full(const struct map_shape *sh, uint8_t ctrl)
{
	/* Evacuated cells (2, 3) of an old bucket moved to the new array;
	 * only tophash >= minTopHash is an entry (runtime/map.go isEmpty,
	 * evacuated). */
	return sh->swiss ? !(ctrl & SWISS_CTRL_EMPTY_BIT)
			 : gr_maps_classic_full(ctrl);
}

bool maps_container(struct map_walk *w, uint64_t addr,
		   const uint8_t ctrl[MAP_SLOTS])
{
	for (unsigned i = 0; i < MAP_SLOTS; i++)
		w->found += maps_slot_full(w->sh, ctrl[i]);
	if (w->visit && !w->visit(w, addr, ctrl))
		w->stopped = true;
	return !w->stopped;
}

/* ---- the walk ---- */

static void account(struct map_walk *w)
{
	struct gr_map_info *info = w->info;
	info->bytes = w->header_bytes + w->storage_bytes;
	uint64_t storage = w->storage_bytes;
	if (!info->capacity || info->entries >= info->capacity)
		info->wasted_bytes = info->capacity ? 0 : storage;
	else
		info->wasted_bytes = (uint64_t)(
			(unsigned __int128)storage *
			(info->capacity - info->entries) / info->capacity);
}

struct gr_error *maps_walk_run(struct gr_maps *m, uint64_t header,
			      uint32_t map_type, gr_maps_part_fn *fn, void *arg,
			      map_container_fn *visit, void *visit_arg,
			      struct gr_map_info *info)
{
	memset(info, 0, sizeof(*info));
	info->header = header;
	info->dwarf_type = GR_DWARF_NO_TYPE;
	const struct map_shape *sh;
	struct gr_error *err = maps_shape_get(m, map_type, &sh);
	if (err)
		return err;
	info->dwarf_type = sh->map_type;
	info->swiss = sh->swiss;
	struct map_walk w = {.m = m, .sh = sh, .header = header, .fn = fn,
			     .arg = arg, .info = info, .visit = visit,
			     .visit_arg = visit_arg};
	if (!header) {
		err = maps_bad(&w, "nil map header");
		goto out;
	}
	uint32_t hid = gr_heap_find(m->heap, header);
	if (hid != GR_HEAP_NO_OBJECT) {
		bool fresh;
		w.header_bytes = gr_heap_object_size(m->heap, hid);
		if ((err = gr_u64set_add(&w.seen, hid, &fresh)))
			goto out;
	}
	if ((err = maps_header_read(m, sh, header, w.hdr)))
		goto out;
	err = sh->swiss ? maps_walk_swiss(&w) : maps_walk_classic(&w);
	if (!err && !w.stopped && info->entries > info->capacity)
		err = maps_bad(&w, "%" PRIu64 " entries in %" PRIu64 " slots",
			      info->entries, info->capacity);
	/* A map being written when the process died may be half-updated
	 * (runtime/map.go hashWriting, maps.Map.writing). */
	if (!err && !w.stopped && !w.writing && w.found != info->entries)
		err = maps_bad(&w,
			      "%" PRIu64 " full slots but the header counts %" PRIu64,
			      w.found, info->entries);
out:
	account(&w);
	gr_u64set_free(&w.seen);
	return err;
}

struct gr_error *gr_maps_walk(struct gr_maps *m, uint64_t header,
			      uint32_t map_type, gr_maps_part_fn *fn,
			      void *arg, struct gr_map_info *info)
{
	return maps_walk_run(m, header, map_type, fn, arg, NULL, NULL, info);
}

/* ---- entries ---- */

struct entries {
	gr_maps_entry_fn *fn;
	void *arg;
	/* NOMEM from a deref: ends the walk, returned over its result. */
	struct gr_error *err;
};

/* The pointer an indirect key or elem slot holds: 0 and *@unreadable
 * when the core lacks the slot (the entry says so, for a caller that
 * keeps a damage list).  NOMEM only. */
GR_MUST_USE
static struct gr_error *deref(const struct map_walk *w, uint64_t slot,
			      uint64_t *ret, bool *unreadable)
{
	struct gr_error *err = gr_mem_u64(w->m->mem, slot, ret);
	*unreadable = gr_error_catch(&err, GR_ERR_BIT(FAULT));
	if (*unreadable)
		*ret = 0;
	return err;
}

static bool entries_visit(struct map_walk *w, uint64_t addr,
			  const uint8_t ctrl[MAP_SLOTS])
{
	struct entries *en = w->visit_arg;
	const struct map_shape *sh = w->sh;
	for (unsigned i = 0; i < MAP_SLOTS; i++) {
		if (!maps_slot_full(sh, ctrl[i]))
			continue;
		struct gr_map_entry e = {
			.key_slot = addr + sh->key_off + i * sh->key_stride,
			.elem_slot = addr + sh->elem_off + i * sh->elem_stride,
			.key_type = sh->key_type,
			.elem_type = sh->elem_type,
			.indirect_key = sh->indirect_key,
			.indirect_elem = sh->indirect_elem,
		};
		e.key = e.key_slot;
		e.elem = e.elem_slot;
		if ((sh->indirect_key &&
		     (en->err = deref(w, e.key_slot, &e.key,
				      &e.key_unreadable))) ||
		    (sh->indirect_elem &&
		     (en->err = deref(w, e.elem_slot, &e.elem,
				      &e.elem_unreadable))))
			return false;
		if (!en->fn(en->arg, &e))
			return false;
	}
	return true;
}

struct gr_error *gr_maps_entries(struct gr_maps *m, uint64_t header,
				 uint32_t map_type, gr_maps_entry_fn *fn,
				 void *arg)
{
	struct entries en = {.fn = fn, .arg = arg};
	struct gr_map_info info;
	struct gr_error *err = maps_walk_run(m, header, map_type, NULL, NULL,
					     entries_visit, &en, &info);
	if (en.err) {
		gr_error_destroy(err);
		return en.err;
	}
	return err;
}
