/* SPDX-License-Identifier: MIT */
/*
 * Path steps for a word of a typed object or root, and the package a
 * type name belongs to.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/11-types/types_internal.h"

enum { MAX_DEPTH = 24 };

/* Package-path characters (import paths may hold '/', '.', '-', '~'). */
static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '/' || c == '.' ||
	       c == '-' || c == '~' || (unsigned char)c >= 0x80;
}

/* One copy of each package name. */
GR_MUST_USE
static struct gr_error *keep_package(struct gr_types *t, const char *name,
				     const char **ret)
{
	uint64_t hv = gr_hash_str(name);
	struct gr_hash_probe p;
	uint32_t k;
	for (gr_hash_probe_init(&t->pkg_index, hv, &p);
	     gr_hash_probe_next(&t->pkg_index, &p, &k);)
		if (!strcmp(t->pkg[k], name)) {
			*ret = t->pkg[k];
			return NULL;
		}
	char *c;
	struct gr_error *err;
	if ((err = gr_array_grow(&t->pkg, &t->pkg_cap, t->npkg, 1)) ||
	    (err = types_keep_string(t, name, &c)) ||
	    (err = gr_hash_insert(&t->pkg_index, hv, (uint32_t)t->npkg)))
		return err;
	*ret = t->pkg[t->npkg++] = c;
	return NULL;
}

struct gr_error *types_package(struct gr_types *t, const char *name,
			       const char **ret)
{
	/* Synthesized runtime structures: map.bucket[K]V, runtime.hchan[T]. */
	if (!strncmp(name, "map.", 4) || !strncmp(name, "chan.", 5) ||
	    !strncmp(name, "runtime.", 8)) {
		*ret = "runtime";
		return NULL;
	}
	static const char *const prefixes[] = {"func literal in ",
					       "method value ", "funcval "};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			name += strlen(prefixes[i]);
	/* The first qualified identifier: "map[string]*net/http.Client" ->
	 * "net/http". */
	for (const char *p = name; *p;) {
		if (!path_char(*p)) {
			p++;
			continue;
		}
		const char *q = p;
		while (path_char(*q))
			q++;
		/* Dots inside the path ("gopkg.in/yaml.v3.Node") belong to
		 * it: the package ends at the last dot. */
		const char *dot = NULL;
		for (const char *x = p; x < q; x++)
			if (*x == '.')
				dot = x;
		if (dot && dot > p) {
			char buf[256];
			snprintf(buf, sizeof(buf), "%.*s", (int)(dot - p), p);
			return keep_package(t, buf, ret);
		}
		p = q;
	}
	*ret = "";
	return NULL;
}

uint64_t types_root_var_off(const struct gr_root *r)
{
	/* stackroots.c names a slot inside a variable "... var NAME+0xOFF"
	 * and gives the whole variable's type with the slot's address. */
	if (r->kind != GR_ROOT_STACK && r->kind != GR_ROOT_CHANNEL_WAIT &&
	    r->kind != GR_ROOT_DEFER)
		return 0;
	const char *v = strstr(r->name, " var ");
	if (!v)
		return 0;
	v += 5;
	const char *end = v + strcspn(v, " ");
	const char *plus = memchr(v, '+', (size_t)(end - v));
	if (!plus || strncmp(plus, "+0x", 3) != 0)
		return 0;
	return strtoull(plus + 3, NULL, 16);
}

struct sbuf {
	char *buf;
	size_t len, n;
};

static void put(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
	if (b->n >= b->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->buf + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n = b->n + (size_t)k < b->len ? b->n + (size_t)k : b->len - 1;
}

/* The steps from a value of @type to byte @off inside it. */
static void describe_in(const struct gr_dwarf *d, uint32_t type, uint64_t off,
			struct sbuf *b, unsigned depth)
{
	for (; depth < MAX_DEPTH; depth++) {
		uint32_t id = gr_dwarf_type_strip(d, type);
		const struct gr_dwarf_type *dt = gr_dwarf_type(d, id);
		if (!dt)
			return;
		if (dt->go_kind == GR_GO_KIND_INTERFACE) {
			if (off == 8 && b->n == 0)
				put(b, "<data>");
			return;
		}
		bool go_scalar = dt->go_kind != GR_GO_KIND_NONE &&
				 dt->go_kind != GR_GO_KIND_STRUCT &&
				 dt->go_kind != GR_GO_KIND_ARRAY;
		if (go_scalar)
			return;
		if (dt->kind == GR_DWARF_TYPE_ARRAY) {
			uint64_t es = types_dwarf_size(
				d, gr_dwarf_type_strip(d, dt->type));
			if (!es)
				return;
			put(b, "[%" PRIu64 "]", off / es);
			off %= es;
			type = dt->type;
			continue;
		}
		if (dt->kind != GR_DWARF_TYPE_STRUCT)
			return;
		const struct gr_dwarf_field *hit = NULL;
		for (uint32_t i = 0; i < dt->nfields; i++) {
			const struct gr_dwarf_field *f = gr_dwarf_type_field(d, id, i);
			uint64_t fs = f ? types_dwarf_size(d, f->type) : 0;
			if (f && fs && f->offset <= off && off - f->offset < fs)
				hit = f;
		}
		if (!hit) {
			put(b, "+%#" PRIx64, off);
			return;
		}
		put(b, ".%s", hit->name);
		off -= hit->offset;
		type = hit->type;
	}
}

static void fallback(struct sbuf *b, uint64_t off)
{
	if (b->n == 0)
		put(b, "+%#" PRIx64, off);
}

static const struct gr_types_storage *storage_of(const struct gr_types *t,
						 uint32_t id)
{
	size_t lo = 0, hi = t->nstorage;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->storage[mid].object < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nstorage && t->storage[lo].object == id
		       ? &t->storage[lo]
		       : NULL;
}

void gr_types_describe_offset(const struct gr_types *t, uint32_t id,
			      uint64_t off, char *buf, size_t len)
{
	struct sbuf b = {buf, len, 0};
	if (!len)
		return;
	buf[0] = '\0';
	if (id >= t->nobjects) {
		put(&b, "+%#" PRIx64, off);
		return;
	}
	uint64_t doff = types_data_off(t, id);
	if (off < doff) {
		put(&b, "<malloc header>");
		return;
	}
	const struct gr_types_storage *st = storage_of(t, id);
	if (st && t->maps) {
		const struct gr_types_map *m = &t->mapv[st->map];
		struct gr_error *err = gr_maps_describe_slot(
			t->maps, m->info.header, m->map_type,
			gr_heap_object_addr(t->heap, id) + off, buf, len);
		if (!err)
			return;
		/* After the build, on the const table the report's threads
		 * share: nothing to record into; the offset stands in. */
		gr_error_destroy(err);
		buf[0] = '\0';
	}
	const struct types_kind *o = types_kind_of(t, id);
	uint32_t layout = o->layout;
	uint64_t rel = off - doff;
	uint64_t es = o->type != GR_TYPE_UNKNOWN ? t->info[o->type].size : 0;
	if (layout != GR_TYPES_NO_LAYOUT)
		es = o->esize;
	uint64_t count = types_count_of(t, id);
	if (count && es) {
		put(&b, "[%" PRIu64 "]", rel / es);
		rel %= es;
	}
	if (layout != GR_TYPES_NO_LAYOUT)
		describe_in(t->dwarf, layout, rel, &b, 0);
	else if (o->source == GR_TYPE_SOURCE_CLOSURE && rel &&
		 types_closure_slot(t, id, rel, buf, len))
		return;
	else if (rel)
		put(&b, "+%#" PRIx64, rel);
	fallback(&b, off);
}

void gr_types_describe_root_offset(const struct gr_types *t, uint32_t root,
				   uint64_t off, char *buf, size_t len)
{
	struct sbuf b = {buf, len, 0};
	if (!len)
		return;
	buf[0] = '\0';
	const struct gr_root *r = root < gr_roots_count(t->roots)
					  ? gr_roots_get(t->roots, root)
					  : NULL;
	if (r && r->dwarf_type != GR_ROOT_NO_TYPE) {
		uint64_t rel = types_root_var_off(r) + off;
		if (rel < types_dwarf_size(t->dwarf, r->dwarf_type)) {
			describe_in(t->dwarf, r->dwarf_type, rel, &b, 0);
			return;
		}
	}
	fallback(&b, off);
}
