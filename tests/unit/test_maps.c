/* SPDX-License-Identifier: MIT */
/*
 * gr_maps on the cached cores (every installed Go version, exe and PIE;
 * a missing core fails, scripts/make-cores.sh):
 *   - leakymap's main.sessions against its oracle: entry count, every key
 *     decoded and one of the program's, the oracle's Session objects as
 *     values, classic up to 1.23 and Swiss from 1.24, bytes = header +
 *     the storage objects reported, every storage object live;
 *   - describe_slot on values, keys and non-slot words;
 *   - every map-typed global of every corpus core walks without BAD_DATA,
 *     with as many entries iterated as counted;
 *   - corrupted headers, directories and overflow chains (patched copies
 *     of a core) fail with BAD_DATA naming the map;
 *   - a key with quotes, control and invalid UTF-8 bytes is escaped;
 *   - mapwaste (when its cores exist): a map grown and emptied wastes
 *     nearly all its bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/07-heap/heap.h"
#include "forensics/07-heap/maps.h"
#include "forensics/10-graph/mark.h"
#include "forensics/12-query/analysis.h"
#include "tests/unit/rootcores.h"

/* ---- helpers ---- */

struct parts {
	struct gr_heap *heap;
	const struct gr_mark *mark; /* NULL: liveness not checked */
	const char *id;
	uint64_t bytes;
	uint32_t n, ids_cap;
	uint32_t *ids;
	unsigned per_part[GR_MAP_PART_GROUPS + 1];
};

static void on_part(void *arg, uint64_t addr, uint32_t dwarf_type,
		    uint64_t count, enum gr_map_part part)
{
	struct parts *p = arg;
	(void)dwarf_type;
	(void)count;
	uint32_t id = gr_heap_find(p->heap, addr);
	if (id == GR_HEAP_NO_OBJECT || gr_heap_object_addr(p->heap, id) != addr)
		fail_msg("%s: part 0x%" PRIx64 " is not an object start",
			 p->id, addr);
	if (p->mark && !gr_mark_is_live(p->mark, id))
		fail_msg("%s: part 0x%" PRIx64 " is not live", p->id, addr);
	for (uint32_t i = 0; i < p->n; i++)
		if (p->ids[i] == id)
			fail_msg("%s: part 0x%" PRIx64 " reported twice", p->id,
				 addr);
	if (p->n == p->ids_cap) {
		p->ids_cap = p->ids_cap ? 2 * p->ids_cap : 16;
		p->ids = realloc(p->ids, p->ids_cap * sizeof(*p->ids));
		assert_non_null(p->ids);
	}
	p->ids[p->n++] = id;
	p->bytes += gr_heap_object_size(p->heap, id);
	assert_true((unsigned)part <= GR_MAP_PART_GROUPS);
	p->per_part[part]++;
}

static uint64_t header_bytes(struct gr_heap *heap, uint64_t header)
{
	uint32_t id = gr_heap_find(heap, header);
	return id == GR_HEAP_NO_OBJECT ? 0 : gr_heap_object_size(heap, id);
}

/* The header pointer held by global @name and its declared type. */
static void global_map(struct gr_session *s, const char *name,
		       uint64_t *header, uint32_t *type)
{
	const struct gr_dwarf_global *g;
	rc_ok(gr_dwarf_global(gr_session_dwarf(s), name, &g));
	rc_ok(gr_mem_u64(gr_session_mem(s), g->addr + gr_session_load_bias(s),
			 header));
	*type = g->type;
}

/* Walk and check what holds for every map: bytes = header + parts,
 * capacity >= entries, storage_objects = parts. */
static void walk_checked(struct gr_maps *m, struct gr_heap *heap,
			 const struct gr_mark *mark, const char *id,
			 uint64_t header, uint32_t type, struct gr_map_info *info,
			 struct parts *p)
{
	memset(p, 0, sizeof(*p));
	p->heap = heap;
	p->mark = mark;
	p->id = id;
	struct gr_error *err = gr_maps_walk(m, header, type, on_part, p, info);
	if (err)
		fail_msg("%s: map 0x%" PRIx64 ": %s", id, header, err->message);
	assert_int_equal(info->header, header);
	assert_true(info->capacity >= info->entries);
	assert_int_equal(info->storage_objects, p->n);
	assert_int_equal(info->bytes, header_bytes(heap, header) + p->bytes);
	assert_true(info->wasted_bytes <= info->bytes);
}

/* ---- leakymap ---- */

enum { KEY_BASE = 100000000 };

struct keys {
	const char *id;
	struct gr_mem *mem;
	uint64_t n, limit;
	uint8_t *seen; /* one byte per key index */
	uint64_t first_elem; /* the Session of "session-100000000" */
};

static bool on_entry(void *arg, const struct gr_map_entry *e)
{
	struct keys *k = arg;
	uint64_t str[2];
	char buf[32];
	/* A whole core: every indirect slot reads. */
	assert_false(e->key_unreadable || e->elem_unreadable);
	rc_ok(gr_mem_read(k->mem, e->key, str, sizeof(str)));
	if (str[1] != 17)
		fail_msg("%s: key of %" PRIu64 " bytes", k->id, str[1]);
	rc_ok(gr_mem_read(k->mem, str[0], buf, 17));
	buf[17] = '\0';
	char *end;
	unsigned long v = strtoul(buf + 8, &end, 10);
	if (strncmp(buf, "session-", 8) || *end || v < KEY_BASE ||
	    v - KEY_BASE >= k->limit)
		fail_msg("%s: unexpected key \"%s\"", k->id, buf);
	if (k->seen[v - KEY_BASE]++)
		fail_msg("%s: key \"%s\" twice", k->id, buf);
	assert_false(e->indirect_key);
	assert_false(e->indirect_elem);
	assert_int_equal(e->key, e->key_slot);
	uint64_t elem;
	rc_ok(gr_mem_u64(k->mem, e->elem, &elem));
	assert_true(elem != 0);
	if (v == KEY_BASE)
		k->first_elem = elem;
	k->n++;
	return true;
}

/* The elem and key slot of the entry whose key is "session-1000000NN". */
struct find_key {
	struct gr_mem *mem;
	char want[24];
	uint64_t key_slot, elem_slot;
};

static bool on_find(void *arg, const struct gr_map_entry *e)
{
	struct find_key *f = arg;
	uint64_t str[2];
	char buf[24] = "";
	rc_ok(gr_mem_read(f->mem, e->key, str, sizeof(str)));
	if (str[1] < sizeof(buf))
		rc_ok(gr_mem_read(f->mem, str[0], buf, str[1]));
	if (strcmp(buf, f->want))
		return true;
	f->key_slot = e->key_slot;
	f->elem_slot = e->elem_slot;
	return false;
}

static void check_describe(struct gr_maps *m, struct gr_session *s,
			   const struct rc_core *r, uint64_t header,
			   uint32_t type, uint64_t nentries)
{
	struct find_key f = {.mem = gr_session_mem(s)};
	snprintf(f.want, sizeof(f.want), "session-%d",
		 KEY_BASE + (int)(nentries / 2));
	rc_ok(gr_maps_entries(m, header, type, on_find, &f));
	assert_true(f.elem_slot != 0);
	char buf[128], want[64];
	rc_ok(gr_maps_describe_slot(m, header, type, f.elem_slot, buf,
				    sizeof(buf)));
	snprintf(want, sizeof(want), "[key \"%s\"]", f.want);
	if (strcmp(buf, want))
		fail_msg("%s: elem described as %s, not %s", r->id, buf, want);
	/* The key's data pointer and its length word. */
	for (unsigned off = 0; off < 16; off += 8) {
		rc_ok(gr_maps_describe_slot(m, header, type, f.key_slot + off,
					    buf, sizeof(buf)));
		snprintf(want, sizeof(want), "{key \"%s\"}", f.want);
		if (strcmp(buf, want))
			fail_msg("%s: key described as %s", r->id, buf);
	}
	/* The header is in no slot. */
	struct gr_error *err = gr_maps_describe_slot(m, header, type, header, buf, sizeof(buf));
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_NOT_FOUND);
	gr_error_destroy(err);
	/* A small buffer is truncated, never overrun. */
	char small[8];
	memset(small, 'x', sizeof(small));
	rc_ok(gr_maps_describe_slot(m, header, type, f.elem_slot, small, 6));
	assert_int_equal(strlen(small), 5);
	assert_int_equal(small[7], 'x');
}

static void test_leakymap(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_analysis *a;
		struct gr_maps *m;
		rc_open(r, &s);
		rc_ok(gr_analysis_run(s, NULL, &a));
		rc_ok(gr_maps_create(s, a->heap, &m));
		uint64_t header;
		uint32_t type;
		global_map(s, "main.sessions", &header, &type);
		assert_int_equal(header, rc_hex(r, NULL, "map_header_addr"));
		uint64_t want = rc_num(r, NULL, "leaked_entries");
		struct gr_map_info info;
		struct parts p;
		walk_checked(m, a->heap, a->mark, r->id, header, type, &info,
			     &p);
		assert_int_equal(info.entries, want);
		assert_int_equal(info.swiss, rc_minor(r) >= 24);
		assert_int_equal(info.dwarf_type, gr_dwarf_type_strip(
				 gr_session_dwarf(s), type));
		if (info.swiss)
			assert_true(p.per_part[GR_MAP_PART_DIRECTORY] == 1 &&
				    p.per_part[GR_MAP_PART_TABLE] ==
					    p.per_part[GR_MAP_PART_GROUPS]);
		else
			assert_int_equal(p.per_part[GR_MAP_PART_BUCKETS], 1);
		struct keys k = {.id = r->id, .mem = gr_session_mem(s),
				 .limit = want};
		k.seen = calloc(want, 1);
		assert_non_null(k.seen);
		rc_ok(gr_maps_entries(m, header, type, on_entry, &k));
		assert_int_equal(k.n, want);
		assert_int_equal(k.first_elem,
				 rc_object(r, "session[session-100000000]"));
		free(k.seen);
		/* The header the walk is given may be the struct type too. */
		const struct gr_dwarf_type *mt = gr_dwarf_type(
			gr_session_dwarf(s),
			gr_dwarf_type_strip(gr_session_dwarf(s), type));
		struct gr_map_info info2;
		rc_ok(gr_maps_walk(m, header, mt->type, NULL, NULL, &info2));
		assert_memory_equal(&info, &info2, sizeof(info));
		check_describe(m, s, r, header, type, want);
		print_message("%s: %s, %" PRIu64 " entries, capacity %" PRIu64
			      ", %" PRIu64 " bytes in %u objects, %" PRIu64
			      " wasted\n",
			      r->id, info.swiss ? "swiss" : "classic",
			      info.entries, info.capacity, info.bytes,
			      info.storage_objects + 1, info.wasted_bytes);
		free(p.ids);
		gr_maps_destroy(m);
		gr_analysis_destroy(a);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/* ---- every map global of every corpus ---- */

struct described {
	struct gr_maps *m;
	const char *id;
	uint64_t header, n;
	uint32_t type;
};

/* Every entry's elem slot is "[key ...]", its key slot "{key ...}". */
static bool describe_entry(void *arg, const struct gr_map_entry *e)
{
	struct described *d = arg;
	char buf[160];
	rc_ok(gr_maps_describe_slot(d->m, d->header, d->type, e->elem_slot,
				    buf, sizeof(buf)));
	if (strncmp(buf, "[key ", 5) || buf[strlen(buf) - 1] != ']')
		fail_msg("%s: elem 0x%" PRIx64 " described as %s", d->id,
			 e->elem_slot, buf);
	rc_ok(gr_maps_describe_slot(d->m, d->header, d->type, e->key_slot,
				    buf, sizeof(buf)));
	if (strncmp(buf, "{key ", 5) || buf[strlen(buf) - 1] != '}')
		fail_msg("%s: key 0x%" PRIx64 " described as %s", d->id,
			 e->key_slot, buf);
	if (getenv("GR_TEST_VERBOSE") && !d->n)
		print_message("%s: %s\n", d->id, buf);
	d->n++;
	return true;
}

static void walk_all_globals(const struct rc_core *r, unsigned *maps,
			     unsigned *classic_overflow)
{
	struct gr_session *s;
	struct gr_heap *heap;
	struct gr_maps *m;
	rc_open(r, &s);
	rc_ok(gr_heap_load(s, &heap));
	rc_ok(gr_maps_create(s, heap, &m));
	const struct gr_dwarf *d = gr_session_dwarf(s);
	for (size_t i = 0; i < gr_dwarf_global_count(d); i++) {
		const struct gr_dwarf_global *g = gr_dwarf_global_at_index(d, i);
		const struct gr_dwarf_type *t =
			gr_dwarf_type(d, gr_dwarf_type_strip(d, g->type));
		if (!t || t->go_kind != GR_GO_KIND_MAP)
			continue;
		uint64_t header;
		rc_ok(gr_mem_u64(gr_session_mem(s),
				 g->addr + gr_session_load_bias(s), &header));
		if (!header)
			continue;
		char id[160];
		snprintf(id, sizeof(id), "%s: %s", r->id, g->name);
		struct gr_map_info info;
		struct parts p;
		walk_checked(m, heap, NULL, id, header, g->type, &info, &p);
		assert_int_equal(info.swiss, rc_minor(r) >= 24);
		struct described dd = {m, id, header, 0, g->type};
		rc_ok(gr_maps_entries(m, header, g->type, describe_entry, &dd));
		assert_int_equal(dd.n, info.entries);
		*classic_overflow += p.per_part[GR_MAP_PART_OVERFLOW] != 0;
		++*maps;
		free(p.ids);
	}
	gr_maps_destroy(m);
	gr_heap_destroy(heap);
	gr_session_destroy(s);
}

static void test_all_globals(void **state)
{
	(void)state;
	static const char *progs[] = {"leakymap", "chanblock", "finalizer",
				      "pool"};
	unsigned maps = 0, overflow = 0;
	for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
		struct rc_set set;
		rc_load(&set, progs[j]);
		for (size_t i = 0; i < set.n; i++)
			walk_all_globals(&set.v[i], &maps, &overflow);
		rc_free(&set);
	}
	print_message("%u map globals walked, %u with separate overflow "
		      "buckets\n", maps, overflow);
	assert_true(maps > 100);
	assert_true(overflow > 0);
}

/* ---- corruption ---- */

/* Patch @len bytes at @addr of @r's core, walk main.sessions, expect
 * BAD_DATA naming the map (and @what in the message). */
static void expect_bad(const struct rc_core *r, struct gr_session *orig,
		       uint64_t header, uint32_t type, uint64_t addr,
		       const void *bytes, size_t len, const char *what)
{
	char tmp[PATH_MAX];
	struct gr_session *s;
	struct rc_patch patch = {addr, bytes, len};
	rc_open_patched(r, orig, &patch, 1, tmp, &s);
	struct gr_heap *heap;
	struct gr_maps *m;
	rc_ok(gr_heap_load(s, &heap));
	rc_ok(gr_maps_create(s, heap, &m));
	struct gr_map_info info;
	struct gr_error *err = gr_maps_walk(m, header, type, NULL, NULL, &info);
	if (!err)
		fail_msg("%s: %s: no error", r->id, what);
	char name[40];
	snprintf(name, sizeof(name), "map 0x%" PRIx64 ":", header);
	if (err->code != GR_ERR_BAD_DATA || !strstr(err->message, name) ||
	    !strstr(err->message, what))
		fail_msg("%s: %s: got %s: %s", r->id, what,
			 gr_error_code_name(err->code), err->message);
	gr_error_destroy(err);
	/* describe_slot and entries give the same error. */
	char buf[64];
	err = gr_maps_describe_slot(m, header, type, header + 1000000, buf,
				    sizeof(buf));
	assert_non_null(err);
	gr_error_destroy(err);
	gr_maps_destroy(m);
	gr_heap_destroy(heap);
	gr_session_destroy(s);
	unlink(tmp);
}

static void corrupt_classic(const struct rc_core *r, struct gr_session *s,
			    uint64_t header, uint32_t type)
{
	uint8_t b = 64;
	expect_bad(r, s, header, type, header + 9, &b, 1, "B = 64");
	b = 20; /* 2^20 buckets do not fit the array */
	expect_bad(r, s, header, type, header + 9, &b, 1, "do not fit");
	uint64_t buckets, neg = (uint64_t)-5;
	rc_ok(gr_mem_u64(gr_session_mem(s), header + 16, &buckets));
	expect_bad(r, s, header, type, header, &neg, 8, "count -5");
	uint64_t one = 1;
	expect_bad(r, s, header, type, header, &one, 8,
		   "full slots but the header counts 1");
	/* Bucket 0's overflow pointing at itself. */
	uint64_t ovf = buckets + 200; /* bucket<string,*Session>: 208 B */
	expect_bad(r, s, header, type, ovf, &buckets, 8, "re-enters bucket 0");
	uint64_t wild = 0x10000;
	expect_bad(r, s, header, type, header + 16, &wild, 8,
		   "not in an allocated heap object");
}

static void corrupt_swiss(const struct rc_core *r, struct gr_session *s,
			  uint64_t header, uint32_t type)
{
	struct gr_mem *mem = gr_session_mem(s);
	uint64_t dir, table;
	rc_ok(gr_mem_u64(mem, header + 16, &dir));
	rc_ok(gr_mem_u64(mem, dir, &table));
	uint64_t len = 1u << 20;
	expect_bad(r, s, header, type, header + 24, &len, 8, "dirLen");
	uint8_t depth = 20;
	expect_bad(r, s, header, type, header + 32, &depth, 1, "globalDepth 20");
	uint64_t mask = 0x7fff; /* lengthMask: more groups than capacity */
	expect_bad(r, s, header, type, table + 24, &mask, 8, "lengthMask");
	uint64_t used = 4001;
	expect_bad(r, s, header, type, header, &used, 8,
		   "full slots but the header counts 4001");
	uint64_t zero = 0;
	expect_bad(r, s, header, type, dir + 8, &zero, 8, "is nil");
	uint64_t wild = 0x10000;
	expect_bad(r, s, header, type, dir, &wild, 8,
		   "not in an allocated heap object");
}

static void test_corrupt(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	bool classic = false, swiss = false;
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		bool want_swiss = rc_minor(r) >= 24;
		/* One exe core of each implementation is enough. */
		if (strstr(r->id, "-pie") || (want_swiss ? swiss : classic))
			continue;
		struct gr_session *s;
		struct gr_heap *heap;
		struct gr_maps *m;
		rc_open(r, &s);
		rc_ok(gr_heap_load(s, &heap));
		rc_ok(gr_maps_create(s, heap, &m));
		uint64_t header;
		uint32_t type;
		global_map(s, "main.sessions", &header, &type);
		if (want_swiss)
			corrupt_swiss(r, s, header, type);
		else
			corrupt_classic(r, s, header, type);
		*(want_swiss ? &swiss : &classic) = true;
		gr_maps_destroy(m);
		gr_heap_destroy(heap);
		gr_session_destroy(s);
	}
	assert_true(classic && swiss);
	rc_free(&set);
}

/* ---- escaping ---- */

static void test_escape(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		if (strstr(r->id, "-pie") || (rc_minor(r) != 23 &&
					      rc_minor(r) != 27))
			continue;
		struct gr_session *s;
		rc_open(r, &s);
		uint64_t header;
		uint32_t type;
		global_map(s, "main.sessions", &header, &type);
		struct gr_heap *heap;
		struct gr_maps *m;
		rc_ok(gr_heap_load(s, &heap));
		rc_ok(gr_maps_create(s, heap, &m));
		struct find_key f = {.mem = gr_session_mem(s)};
		snprintf(f.want, sizeof(f.want), "session-%d", KEY_BASE + 7);
		rc_ok(gr_maps_entries(m, header, type, on_find, &f));
		uint64_t data;
		rc_ok(gr_mem_u64(gr_session_mem(s), f.key_slot, &data));
		gr_maps_destroy(m);
		gr_heap_destroy(heap);
		/* 17 bytes: quote, backslash, newline, 0x01, 0x7f, a lone
		 * continuation byte, "é" (valid), an overlong '/'. */
		static const uint8_t key[17] = {'"', '\\', '\n', 0x01, 0x7f,
						0x80, 0xc3, 0xa9, 0xc0, 0xaf,
						'a', 'b', 'c', 'd', 'e', 'f',
						'g'};
		char tmp[PATH_MAX];
		struct gr_session *ps;
		struct rc_patch patch = {data, key, sizeof(key)};
		rc_open_patched(r, s, &patch, 1, tmp, &ps);
		rc_ok(gr_heap_load(ps, &heap));
		rc_ok(gr_maps_create(ps, heap, &m));
		char buf[128];
		rc_ok(gr_maps_describe_slot(m, header, type, f.elem_slot, buf,
					    sizeof(buf)));
		assert_string_equal(buf, "[key \"\\\"\\\\\\n\\u0001\\u007f"
					 "\\ufffd\xc3\xa9\\ufffd\\ufffd"
					 "abcdefg\"]");
		gr_maps_destroy(m);
		gr_heap_destroy(heap);
		gr_session_destroy(ps);
		unlink(tmp);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/* ---- mapwaste ---- */

/* The oracle's map fact for @var: header, entries, heap bytes held now. */
static void mapwaste_fact(const struct rc_core *r, const char *var,
			  uint64_t *header, uint64_t *entries, uint64_t *bytes)
{
	char from[64];
	snprintf(from, sizeof(from), "{\"var\":\"%s\"", var);
	*header = rc_hex(r, from, "header_addr");
	*entries = rc_num(r, from, "entries");
	*bytes = rc_num(r, from, "heap_delta");
}

static void check_mapwaste(const struct rc_core *r)
{
	struct gr_session *s;
	struct gr_analysis *a;
	struct gr_maps *m;
	rc_open(r, &s);
	rc_ok(gr_analysis_run(s, NULL, &a));
	rc_ok(gr_maps_create(s, a->heap, &m));
	bool swiss = strstr(r->oracle, "\"swiss_maps\":true") != NULL;
	static const char *vars[] = {"main.grown", "main.control"};
	for (unsigned i = 0; i < 2; i++) {
		uint64_t header, type_header, entries, bytes;
		uint32_t type;
		mapwaste_fact(r, vars[i], &header, &entries, &bytes);
		global_map(s, vars[i], &type_header, &type);
		assert_int_equal(type_header, header);
		struct gr_map_info info;
		struct parts p;
		char id[96];
		snprintf(id, sizeof(id), "%s: %s", r->id, vars[i]);
		walk_checked(m, a->heap, a->mark, id, header, type, &info, &p);
		assert_int_equal(info.swiss, swiss);
		assert_int_equal(info.entries, entries);
		print_message("%s: %s, %" PRIu64 " entries, capacity %" PRIu64
			      ", %" PRIu64 " bytes (oracle %" PRIu64 ") in %u "
			      "objects, %" PRIu64 " wasted\n",
			      id, swiss ? "swiss" : "classic", info.entries,
			      info.capacity, info.bytes, bytes,
			      info.storage_objects + 1, info.wasted_bytes);
		/* int64 -> int64 storage points nowhere else: what the global
		 * reaches is exactly the header and the storage. */
		const struct gr_mark_root *mr = NULL;
		for (size_t j = 0; j < gr_roots_count(a->roots); j++)
			if (!strcmp(gr_roots_get(a->roots, j)->name, vars[i]))
				mr = gr_mark_root(a->mark, (uint32_t)j);
		assert_non_null(mr);
		assert_true(mr->reachable_known);
		assert_int_equal(mr->reachable_bytes, info.bytes);
		assert_int_equal(mr->reachable_objects,
				 info.storage_objects + 1);
		/* The oracle's HeapAlloc delta also counts what else stayed
		 * live from the same interval (seen: up to ~2 KiB on small
		 * maps, ~10 KiB beside 37 MB on 1.24), never less than the
		 * map: the reachability check above is the exact one. */
		assert_true(info.bytes <= bytes);
		assert_true(bytes - info.bytes <= 4096 ||
			    bytes - info.bytes <= bytes / 1000);
		if (i == 0) /* grown to a million entries, then emptied */
			assert_true(info.wasted_bytes >=
				    info.bytes / 100 * 99);
		free(p.ids);
	}
	gr_maps_destroy(m);
	gr_analysis_destroy(a);
	gr_session_destroy(s);
}

static void test_mapwaste(void **state)
{
	(void)state;
	const char *c = getenv("GR_CACHE");
	char pat[PATH_MAX];
	if (c && *c)
		snprintf(pat, sizeof(pat), "%s/cores/go1.*/mapwaste-*/core", c);
	else
		snprintf(pat, sizeof(pat),
			 "%s/.cache/goretain/cores/go1.*/mapwaste-*/core",
			 getenv("HOME") ? getenv("HOME") : "");
	glob_t g;
	if (glob(pat, 0, NULL, &g) != 0)
		fail_msg("no mapwaste cores (%s): run `make cores`", pat);
	unsigned classic = 0, swiss = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct rc_core r = {0};
		const char *path = g.gl_pathv[i];
		size_t dlen = strlen(path) - strlen("/core");
		assert_true(dlen < sizeof(r.dir));
		memcpy(r.dir, path, dlen);
		/* id: the last two components, "go1.24/mapwaste-exe-classic" */
		const char *id = r.dir + dlen;
		for (int slashes = 0; id > r.dir; id--)
			if (id[-1] == '/' && ++slashes == 2)
				break;
		snprintf(r.id, sizeof(r.id), "%s", id);
		char oracle[sizeof(r.dir) + 16];
		snprintf(oracle, sizeof(oracle), "%s/oracle.json", r.dir);
		r.oracle = rc_slurp(oracle);
		if (!r.oracle || !strstr(r.oracle, "\"maps\""))
			fail_msg("%s: no complete oracle.json", r.id);
		check_mapwaste(&r);
		*(strstr(r.oracle, "\"swiss_maps\":true") ? &swiss : &classic) +=
			1;
		free(r.oracle);
	}
	globfree(&g);
	print_message("mapwaste: %u classic and %u Swiss cores\n", classic,
		      swiss);
}

static void test_destroy_null(void **state)
{
	(void)state;
	gr_maps_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leakymap),
		cmocka_unit_test(test_all_globals),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_mapwaste),
		cmocka_unit_test(test_destroy_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
