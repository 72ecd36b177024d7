/* SPDX-License-Identifier: MIT */
/*
 * gr_maps: naming the slot a word of map storage belongs to, for path
 * steps ("[key \"session-1\"]").  Keys come from the core, so strings are
 * escaped as JSON string contents here (never trusted to be UTF-8) and
 * shortened to KEY_SHOWN bytes.
 */
#include "forensics/07-heap/maps.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "forensics/07-heap/maps_internal.h"

enum { KEY_SHOWN = 64 };

/* A bounded, always NUL-terminated output buffer. */
struct out {
	char *buf;
	size_t len, n;
};

static void out_raw(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->n + 1 < o->len; i++)
		o->buf[o->n++] = s[i];
	if (o->len)
		o->buf[o->n] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_raw(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n
						       : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if none. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t c;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	return len;
}

/* @s as the contents of a JSON string (RFC 8259 section 7). */
static void out_json(struct out *o, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			out_raw(o, e, 2);
		} else if (c == '\n') {
			out_raw(o, "\\n", 2);
		} else if (c == '\t') {
			out_raw(o, "\\t", 2);
		} else if (c == '\r') {
			out_raw(o, "\\r", 2);
		} else if (c < 0x20 || c == 0x7F) {
			out_fmt(o, "\\u%04x", c);
		} else if (c < 0x80) {
			out_raw(o, (const char *)&s[i], 1);
		} else {
			size_t len = utf8_len(&s[i], n - i);
			if (!len) {
				out_raw(o, "\\ufffd", 6);
				i++;
				continue;
			}
			out_raw(o, (const char *)&s[i], len);
			i += len;
			continue;
		}
		i++;
	}
}

/* The value of the key at @key (its own address), or false when its kind
 * is not one shown by value. */
static bool render_key(struct gr_maps *m, uint32_t key_type, uint64_t key,
		       struct out *o)
{
	const struct gr_dwarf_type *t =
		gr_dwarf_type(m->dwarf, gr_dwarf_type_strip(m->dwarf, key_type));
	if (!t || !key)
		return false;
	uint64_t v = 0;
	uint64_t size = t->has_size ? t->size : 0;
	bool scalar = size == 1 || size == 2 || size == 4 || size == 8;
	struct gr_error *err;
	if (t->go_kind == GR_GO_KIND_STRING) {
		uint64_t sh[2]; /* data, len */
		uint8_t bytes[KEY_SHOWN];
		if ((err = gr_mem_read(m->mem, key, sh, sizeof(sh))))
			goto unreadable;
		size_t n = sh[1] < KEY_SHOWN ? (size_t)sh[1] : KEY_SHOWN;
		if ((int64_t)sh[1] < 0 ||
		    (n && (err = gr_mem_read(m->mem, sh[0], bytes, n))))
			goto unreadable;
		out_raw(o, "\"", 1);
		out_json(o, bytes, n);
		out_raw(o, "\"", 1);
		if (n < sh[1])
			out_raw(o, "...", 3);
		return true;
	}
	if (!scalar)
		return false;
	if ((err = gr_mem_read(m->mem, key, &v, size)))
		goto unreadable;
	int64_t sv = size == 8 ? (int64_t)v
		     : size == 4 ? (int32_t)v
		     : size == 2 ? (int16_t)v
				 : (int8_t)v;
	switch (t->go_kind) {
	case GR_GO_KIND_INT:
	case GR_GO_KIND_INT8:
	case GR_GO_KIND_INT16:
	case GR_GO_KIND_INT32:
	case GR_GO_KIND_INT64:
		out_fmt(o, "%" PRId64, sv);
		return true;
	case GR_GO_KIND_UINT:
	case GR_GO_KIND_UINT8:
	case GR_GO_KIND_UINT16:
	case GR_GO_KIND_UINT32:
	case GR_GO_KIND_UINT64:
	case GR_GO_KIND_UINTPTR:
		out_fmt(o, "%" PRIu64, v);
		return true;
	case GR_GO_KIND_BOOL:
		out_fmt(o, "%s", v ? "true" : "false");
		return true;
	case GR_GO_KIND_POINTER:
	case GR_GO_KIND_UNSAFE_POINTER:
	case GR_GO_KIND_CHAN:
		out_fmt(o, "%#" PRIx64, v);
		return true;
	default:
		return false;
	}
unreadable:
	/* A name for a path step, asked after the analysis: the key shows
	 * as its type instead; the walk that typed this storage recorded
	 * its own failed reads. */
	gr_error_destroy(err);
	return false;
}

struct find {
	uint64_t addr;
	bool found, in_key, full;
	uint64_t key_slot;
};

/* Which slot of the bucket/group at @c holds @f->addr, if any. */
static void find_in(const struct map_shape *sh, uint64_t c,
		    const uint8_t ctrl[MAP_SLOTS], struct find *f)
{
	for (unsigned i = 0; i < MAP_SLOTS; i++) {
		uint64_t k = c + sh->key_off + i * sh->key_stride;
		uint64_t e = c + sh->elem_off + i * sh->elem_stride;
		bool in_key = f->addr >= k && f->addr - k < sh->key_slot_size;
		if (!in_key &&
		    !(f->addr >= e && f->addr - e < sh->elem_slot_size))
			continue;
		f->found = true;
		f->in_key = in_key;
		f->full = maps_slot_full(sh, ctrl[i]);
		f->key_slot = k;
		return;
	}
}

static bool find_visit(struct map_walk *w, uint64_t c,
		       const uint8_t ctrl[MAP_SLOTS])
{
	struct find *f = w->visit_arg;
	if (f->addr < c || f->addr - c >= w->sh->container_size)
		return true;
	/* A hit on the tophash, control word, overflow pointer or padding
	 * ends the search too: the word is in no slot. */
	find_in(w->sh, c, ctrl, f);
	return false;
}

/* @addr in the array of @n containers at @base: its container, or 0. */
static uint64_t in_array(const struct map_shape *sh, uint64_t base,
			 uint64_t n, uint64_t addr)
{
	if (!base || addr < base || (addr - base) / sh->container_size >= n)
		return 0;
	return addr - (addr - base) % sh->container_size;
}

/* Containers in the allocation holding @base (preallocated overflow
 * buckets included), at least @n. */
static uint64_t array_len(struct gr_maps *m, const struct map_shape *sh,
			  uint64_t base, uint64_t n)
{
	uint32_t id = gr_heap_find(m->heap, base);
	if (id == GR_HEAP_NO_OBJECT)
		return n;
	uint64_t end = gr_heap_object_addr(m->heap, id) +
		       gr_heap_object_size(m->heap, id);
	uint64_t all = (end - base) / sh->container_size;
	return all > n ? all : n;
}

/*
 * The bucket or group holding @addr found from the header without a full
 * walk: the bucket arrays, the small map's group or each table's groups
 * (0 if elsewhere: classic overflow objects need the walk).
 */
static uint64_t locate(struct gr_maps *m, const struct map_shape *sh,
		       uint64_t header, uint64_t addr)
{
	uint8_t hdr[MAP_MAX_HEADER];
	struct gr_error *err = maps_header_read(m, sh, header, hdr);
	if (err) {
		/* A shortcut only: find_slot's full walk reads the header
		 * again and returns what stops it. */
		gr_error_destroy(err);
		return 0;
	}
	if (!sh->swiss) {
		unsigned b = (unsigned)maps_member_value(hdr, &sh->b);
		uint64_t flags = maps_member_value(hdr, &sh->flags);
		uint64_t arrays[2] = {maps_member_value(hdr, &sh->buckets),
				      maps_member_value(hdr, &sh->oldbuckets)};
		unsigned bs[2] = {b, flags & CLASSIC_FLAG_SAME_SIZE ? b : b - 1};
		for (unsigned i = 0; i < 2; i++) {
			if (!arrays[i] || bs[i] > 40)
				continue;
			uint64_t n = array_len(m, sh, arrays[i],
					       (uint64_t)1 << bs[i]);
			uint64_t c = in_array(sh, arrays[i], n, addr);
			if (c)
				return c;
		}
		return 0;
	}
	uint64_t dir = maps_member_value(hdr, &sh->dir_ptr);
	uint64_t len = maps_member_value(hdr, &sh->dir_len);
	if (!len)
		return in_array(sh, dir, 1, addr);
	uint32_t id = gr_heap_find(m->heap, dir);
	if (id == GR_HEAP_NO_OBJECT || len > gr_heap_object_size(m->heap, id) / 8)
		return 0;
	uint8_t t[MAP_MAX_HEADER];
	uint64_t prev = 0;
	for (uint64_t i = 0; i < len; i++) {
		uint64_t table;
		if ((err = gr_mem_u64(m->mem, dir + 8 * i, &table)) ||
		    (table != prev &&
		     (err = gr_mem_read(m->mem, table, t, sh->table_size)))) {
			/* The shortcut again: the full walk reports it. */
			gr_error_destroy(err);
			return 0;
		}
		if (table == prev)
			continue;
		prev = table;
		uint64_t mask = maps_member_value(t, &sh->t_groups_mask);
		uint64_t c = in_array(sh, maps_member_value(t, &sh->t_groups_data),
				      mask + 1, addr);
		if (c && mask + 1)
			return c;
	}
	return 0;
}

GR_MUST_USE
static struct gr_error *find_slot(struct gr_maps *m, const struct map_shape *sh,
				  uint64_t header, uint32_t map_type,
				  struct find *f)
{
	uint64_t c = locate(m, sh, header, f->addr);
	uint8_t ctrl[MAP_SLOTS];
	struct gr_error *err;
	if (c && !(err = gr_mem_read(m->mem, c, ctrl, sizeof(ctrl)))) {
		find_in(sh, c, ctrl, f);
		return NULL;
	}
	/* Unreadable group or bucket: the full walk below meets it too and
	 * returns the fault. */
	if (c)
		gr_error_destroy(err);
	struct gr_map_info info;
	return maps_walk_run(m, header, map_type, NULL, NULL, find_visit, f,
			    &info);
}

struct gr_error *gr_maps_describe_slot(struct gr_maps *m, uint64_t header,
				       uint32_t map_type, uint64_t addr,
				       char *buf, size_t len)
{
	struct find f = {.addr = addr};
	const struct map_shape *sh;
	struct gr_error *err = maps_shape_get(m, map_type, &sh);
	if (err || (err = find_slot(m, sh, header, map_type, &f)))
		return err;
	if (!f.found)
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "map 0x%" PRIx64 ": 0x%" PRIx64
				       " is in no slot",
				       header, addr);
	struct out o = {.buf = buf, .len = len};
	if (len)
		buf[0] = '\0';
	out_raw(&o, f.in_key ? "{" : "[", 1);
	if (!f.full) {
		out_raw(&o, "empty slot", 10);
	} else {
		uint64_t key = f.key_slot;
		if (sh->indirect_key) {
			uint64_t p = 0;
			struct gr_error *e = gr_mem_u64(m->mem, key, &p);
			/* Display only, after the analysis: an unreadable
			 * key shows as its type (render_key of 0 fails). */
			key = gr_error_catch(&e, GR_ERR_CONTENT) ? 0 : p;
			if (e)
				return e;
		}
		out_raw(&o, "key ", 4);
		size_t mark = o.n;
		if (!render_key(m, sh->key_type, key, &o)) {
			o.n = mark;
			if (len)
				buf[o.n] = '\0';
			const struct gr_dwarf_type *kt =
				gr_dwarf_type(m->dwarf, sh->key_type);
			const char *name = kt && *kt->name ? kt->name : "?";
			out_raw(&o, "of type ", 8);
			out_json(&o, (const uint8_t *)name, strlen(name));
		}
	}
	out_raw(&o, f.in_key ? "}" : "]", 1);
	return NULL;
}
