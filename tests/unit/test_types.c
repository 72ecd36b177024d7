/* SPDX-License-Identifier: MIT */
/*
 * gr_types on the cached cores of every installed Go version (a missing
 * core fails the test, scripts/make-cores.sh makes them):
 *   - the share of live bytes with a type must be at least 95% on every
 *     corpus core (printed per version);
 *   - the oracle's objects have the types the program gave them, those
 *     behind closures' captured variables included (DWARF from Go 1.23,
 *     the allocating code before);
 *   - leakymap: every value of main.sessions is a main.Session whose
 *     payload is a [N]uint8, the map's storage is typed by gr_maps and
 *     paths through it read ".Payload" and "[key \"session-...\"]";
 *   - the typing is self-consistent: an object typed from DWARF as one
 *     value of T has room for a T.
 * Without cores: closure and map names, packages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/11-types/types.h"
#include "forensics/11-types/types_internal.h"
#include "forensics/12-query/analysis.h"
#include "tests/unit/rootcores.h"

struct typed {
	struct gr_session *s;
	struct gr_analysis *a;
	struct gr_types *t;
};

static void typed_open(const struct rc_core *r, struct typed *x)
{
	rc_open(r, &x->s);
	rc_ok(gr_analysis_run(x->s, NULL, &x->a));
	rc_ok(gr_types_build(x->s, x->a->heap, x->a->graph, x->a->roots,
			     x->a->mark, &x->t));
}

static void typed_close(struct typed *x)
{
	gr_types_destroy(x->t);
	gr_analysis_destroy(x->a);
	gr_session_destroy(x->s);
}

static const char *obj_name(const struct typed *x, uint32_t id, char *buf,
			    size_t len)
{
	gr_types_object_name(x->t, id, buf, len);
	return buf;
}

/* Print the biggest untyped live objects (GR_TYPES_DEBUG=1). */
static void debug_unknown(const struct rc_core *r, const struct typed *x)
{
	if (!getenv("GR_TYPES_DEBUG"))
		return;
	uint32_t n = gr_heap_object_count(x->a->heap);
	for (uint32_t id = 0; id < n; id++) {
		if (!gr_mark_is_live(x->a->mark, id) ||
		    gr_types_object(x->t, id).type != GR_TYPE_UNKNOWN)
			continue;
		uint64_t size = gr_heap_object_size(x->a->heap, id);
		if (size >= 256 || getenv("GR_TYPES_DEBUG")[0] == '2')
			printf("  %s unknown %#" PRIx64 " %" PRIu64 " B\n",
			       r->id, gr_heap_object_addr(x->a->heap, id), size);
	}
}

static double typed_share(const struct typed *x)
{
	const struct gr_types_stats *st = gr_types_stats(x->t);
	uint64_t all = st->typed_bytes + st->unknown_bytes;
	return all ? (double)st->typed_bytes / (double)all : 0;
}

/* ---- every corpus core: coverage ---- */


/*
 * The share of live bytes every core must have typed.  Before Go 1.23 the
 * finalizer corpus's captive objects are reachable only through closure
 * structs whose layout comes from the allocating code
 * (forensics/04-gobin/closures.c); without it they were 93% typed.
 */
static double coverage_floor(void)
{
	return 0.95;
}

static void test_coverage(void **state)
{
	(void)state;
	static const char *const progs[] = {"leakymap", "chanblock",
					    "finalizer", "pool"};
	unsigned failures = 0;
	for (size_t p = 0; p < sizeof(progs) / sizeof(*progs); p++) {
		struct rc_set set;
		rc_load(&set, progs[p]);
		for (size_t i = 0; i < set.n; i++) {
			struct typed x;
			typed_open(&set.v[i], &x);
			const struct gr_types_stats *st = gr_types_stats(x.t);
			double share = typed_share(&x);
			printf("  %-24s typed %5.1f%% of %" PRIu64
			       " live bytes (%" PRIu64 " of %" PRIu64
			       " objects untyped; header %" PRIu64
			       " B, dwarf %" PRIu64 " B, iface %" PRIu64
			       " B, map %" PRIu64 " B, closure %" PRIu64
			       " B)\n",
			       set.v[i].id, 100 * share,
			       st->typed_bytes + st->unknown_bytes,
			       st->unknown_objects,
			       st->typed_objects + st->unknown_objects,
			       st->source_bytes[GR_TYPE_SOURCE_HEADER],
			       st->source_bytes[GR_TYPE_SOURCE_DWARF],
			       st->source_bytes[GR_TYPE_SOURCE_INTERFACE],
			       st->source_bytes[GR_TYPE_SOURCE_MAP],
			       st->source_bytes[GR_TYPE_SOURCE_CLOSURE]);
			debug_unknown(&set.v[i], &x);
			double floor = coverage_floor();
			if (share < floor) {
				printf("  %s: only %.1f%% of live bytes typed "
				       "(floor %.1f%%)\n",
				       set.v[i].id, 100 * share, 100 * floor);
				failures++;
			}
			typed_close(&x);
		}
		rc_free(&set);
	}
	assert_int_equal(failures, 0);
}

/* ---- oracle objects ---- */

/*
 * "[8192]uint8" for an oracle's "[7000]uint8": a slice whose cap the
 * core does not hold (kept in a register) types its whole slot.
 */
static bool same_array(const struct typed *x, uint32_t id, const char *got,
		       const char *want)
{
	unsigned long long ng, nw;
	int pg = 0, pw = 0;
	if (sscanf(got, "[%llu]%n", &ng, &pg) != 1 ||
	    sscanf(want, "[%llu]%n", &nw, &pw) != 1 || !pg || !pw)
		return false;
	return !strcmp(got + pg, want + pw) && ng >= nw &&
	       ng <= gr_heap_object_size(x->a->heap, id);
}

/* The oracle types that name what the program allocated, as goretain
 * names them ("closure funcval" and anonymous "struct" are checked by
 * kind, not name). */
static void check_oracle_object(const struct rc_core *r, const struct typed *x,
				const char *name, const char *type,
				uint64_t addr, unsigned *bad)
{
	char got[256];
	uint32_t id = gr_heap_find(x->a->heap, addr);
	if (id == GR_HEAP_NO_OBJECT)
		return; /* globals and stack buffers are no heap objects */
	obj_name(x, id, got, sizeof(got));
	struct gr_type_object o = gr_types_object(x->t, id);
	bool ok;
	if (!strcmp(type, "closure funcval"))
		ok = o.source == GR_TYPE_SOURCE_CLOSURE &&
		     !strncmp(got, "func literal in main.", 21);
	else
		ok = !strcmp(got, type) || same_array(x, id, got, type);
	if (!ok) {
		printf("  %s: %s at %#" PRIx64 " is %s, oracle says %s\n",
		       r->id, name, addr, got, type);
		(*bad)++;
	}
}

static unsigned check_oracle(const struct rc_core *r, const struct typed *x,
			     unsigned *checked)
{
	unsigned bad = 0;
	const char *p = strstr(r->oracle, "\"objects\":[");
	while (p && (p = strstr(p, "{\"name\":\"")) != NULL) {
		char name[80], type[128];
		if (sscanf(p, "{\"name\":\"%79[^\"]\",\"type\":\"%127[^\"]\"",
			   name, type) != 2)
			break;
		uint64_t addr = rc_object(r, name);
		if (strcmp(type, "struct") != 0) {
			check_oracle_object(r, x, name, type, addr, &bad);
			(*checked)++;
		}
		/* Paths name the captured variable: from DWARF (1.23+) or
		 * the closure struct's field, which Go 1.21 and 1.22 name
		 * X0, X1... (cmd/compile/internal/typecheck ClosureType). */
		uint32_t id = gr_heap_find(x->a->heap, addr);
		if (!strcmp(name, "fin_queued_closure") &&
		    id != GR_HEAP_NO_OBJECT) {
			char step[64];
			gr_types_describe_offset(
				x->t, id,
				addr + 8 - gr_heap_object_addr(x->a->heap, id),
				step, sizeof(step));
			unsigned minor = 0;
			sscanf(r->id, "go1.%u/", &minor);
			const char *want =
				minor == 21 || minor == 22 ? ".X0" : ".captive";
			if (strcmp(step, want) != 0) {
				printf("  %s: closure slot 8 reads \"%s\"\n",
				       r->id, step);
				bad++;
			}
			(*checked)++;
		}
		p++;
	}
	return bad;
}

static void test_oracle(void **state)
{
	(void)state;
	static const char *const progs[] = {"leakymap", "chanblock",
					    "finalizer"};
	unsigned bad = 0, checked = 0;
	for (size_t p = 0; p < sizeof(progs) / sizeof(*progs); p++) {
		struct rc_set set;
		rc_load(&set, progs[p]);
		for (size_t i = 0; i < set.n; i++) {
			struct typed x;
			typed_open(&set.v[i], &x);
			bad += check_oracle(&set.v[i], &x, &checked);
			typed_close(&x);
		}
		rc_free(&set);
	}
	printf("  %u oracle objects checked\n", checked);
	assert_true(checked >= 16 * 20);
	assert_int_equal(bad, 0);
}

/* ---- leakymap: the map, its values, paths ---- */

struct find_slot {
	uint64_t value, slot;
};

static void find_slot_fn(void *arg, uint64_t slot, uint64_t value)
{
	struct find_slot *f = arg;
	if (value == f->value && !f->slot)
		f->slot = slot;
}

static void check_leakymap(const struct rc_core *r, const struct typed *x)
{
	uint64_t header = rc_hex(r, NULL, "map_header_addr");
	uint64_t entries = rc_num(r, NULL, "leaked_entries");
	uint64_t payload = rc_num(r, NULL, "payload_size");
	const struct gr_map_info *mi = NULL;
	for (size_t i = 0; i < gr_types_map_count(x->t); i++) {
		const struct gr_map_info *m = gr_types_map(x->t, i);
		if (i > 0)
			assert_true(gr_types_map(x->t, i - 1)->header <
				    m->header);
		if (m->header == header)
			mi = m;
	}
	if (!mi)
		fail_msg("%s: main.sessions' map %#" PRIx64 " not found", r->id,
			 header);
	assert_int_equal(mi->entries, entries);
	assert_true(mi->storage_objects >= 1);
	assert_int_equal(gr_types_stats(x->t)->maps, gr_types_map_count(x->t));

	/* Every Session value: typed, its payload typed, and the path from
	 * the map storage to it names its key. */
	char want[64], got[256];
	snprintf(want, sizeof(want), "[%" PRIu64 "]uint8", payload);
	struct gr_heap *h = x->a->heap;
	uint32_t n = gr_heap_object_count(h), sessions = 0, keyed = 0;
	for (uint32_t id = 0; id < n; id++) {
		if (!gr_mark_is_live(x->a->mark, id))
			continue;
		obj_name(x, id, got, sizeof(got));
		if (strcmp(got, "main.Session") != 0)
			continue;
		sessions++;
		/* Payload is the slice at offset 40 (ID, User: strings;
		 * Created, LastSeen, Hits: 8 bytes each). */
		uint64_t addr = gr_heap_object_addr(h, id), p;
		rc_ok(gr_mem_u64(gr_session_mem(x->s), addr + 56, &p));
		uint32_t pid = gr_heap_find(h, p);
		assert_int_not_equal(pid, GR_HEAP_NO_OBJECT);
		obj_name(x, pid, got, sizeof(got));
		if (strcmp(got, want) != 0)
			fail_msg("%s: payload %#" PRIx64 " is %s, not %s",
				 r->id, p, got, want);
		gr_types_describe_offset(x->t, id, 56, got, sizeof(got));
		assert_string_equal(got, ".Payload");
		gr_types_describe_offset(x->t, id, 0, got, sizeof(got));
		assert_string_equal(got, ".ID");
		/* Who points at it: map storage, described by key. */
		for (uint32_t src = 0; src < n && keyed < 50; src++) {
			struct gr_type_object so = gr_types_object(x->t, src);
			char sn[256];
			obj_name(x, src, sn, sizeof(sn));
			if (so.source != GR_TYPE_SOURCE_MAP &&
			    !strstr(sn, "map.bucket[") &&
			    !strstr(sn, "map.group["))
				continue;
			const uint32_t *e;
			uint32_t ne;
			gr_graph_edges(x->a->graph, src, &e, &ne);
			for (uint32_t k = 0; k < ne; k++) {
				if (e[k] != id)
					continue;
				struct find_slot f = {addr, 0};
				rc_ok(gr_heap_scan_object(h, src, find_slot_fn,
							  &f));
				assert_true(f.slot != 0);
				gr_types_describe_offset(
					x->t, src,
					f.slot - gr_heap_object_addr(h, src),
					got, sizeof(got));
				if (strncmp(got, "[key \"session-", 14) != 0)
					fail_msg("%s: storage path %s", r->id,
						 got);
				keyed++;
				break;
			}
		}
	}
	assert_int_equal(sessions, entries);
	if (!keyed)
		fail_msg("%s: no map storage path to a Session", r->id);
}

static void test_leakymap(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	for (size_t i = 0; i < set.n; i++) {
		struct typed x;
		typed_open(&set.v[i], &x);
		check_leakymap(&set.v[i], &x);
		typed_close(&x);
	}
	rc_free(&set);
}

/* ---- without cores ---- */

static void test_packages(void **state)
{
	(void)state;
	struct gr_types t;
	memset(&t, 0, sizeof(t));
	static const char *const cases[][2] = {
		{"*main.Session", "main"},
		{"main.Session", "main"},
		{"map[string]*net/http.Client", "net/http"},
		{"[]uint8", ""},
		{"string data", ""},
		{"[4]map[int]gopkg.in/yaml.v3.Node", "gopkg.in/yaml.v3"},
		{"map.bucket[string]*main.Session", "runtime"},
		{"runtime.hchan[main.Letter]", "runtime"},
		{"func literal in main.main", "main"},
		{"sync/atomic.Pointer[internal/sync.node[int,int]]",
		 "sync/atomic"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *p = NULL;
		assert_null(types_package(&t, cases[i][0], &p));
		assert_non_null(p);
		if (strcmp(p, cases[i][1]) != 0)
			fail_msg("package of %s: %s, want %s", cases[i][0], p,
				 cases[i][1]);
	}
	/* One copy per package. */
	const char *a, *b;
	assert_null(types_package(&t, "main.A", &a));
	assert_null(types_package(&t, "*main.B", &b));
	assert_ptr_equal(a, b);
	for (size_t i = 0; i < t.nstrings; i++)
		free(t.strings[i]);
	free(t.strings);
	free(t.pkg);
	gr_hash_deinit(&t.pkg_index);
	assert_string_equal(gr_type_source_name(GR_TYPE_SOURCE_HEADER),
			    "header");
	assert_string_equal(gr_type_source_name(GR_TYPE_SOURCE_COUNT), "?");
}

/* Per-object words: kinds interned once each; a kind and count that do
 * not fit the word kept whole beside it, flags untouched. */
static void test_records(void **state)
{
	(void)state;
	struct gr_types t = {0};
	t.nobjects = 8;
	t.objs = calloc(t.nobjects, sizeof(*t.objs));
	t.kinds = calloc(16, sizeof(*t.kinds));
	assert_non_null(t.objs);
	assert_non_null(t.kinds);
	t.kinds_cap = 16;
	t.kinds[0] = (struct types_kind){.type = GR_TYPE_UNKNOWN,
					    .layout = GR_TYPES_NO_LAYOUT};
	t.nkinds = 1;
	enum { N = 3000 }; /* several rehashes, kinds past the word's */
	static uint32_t k[N][2];
	for (uint32_t i = 0; i < N; i++)
		for (uint8_t src = 0; src < 2; src++) {
			assert_null(types_kind(&t, i, GR_TYPES_NO_LAYOUT,
					       src + GR_TYPE_SOURCE_HEADER,
					       &k[i][src]));
			assert_int_not_equal(k[i][src], 0);
		}
	assert_int_equal(t.nkinds, 1 + 2 * N);
	for (uint32_t i = 0; i < N; i++)
		for (uint8_t src = 0; src < 2; src++) {
			uint32_t again;
			assert_null(types_kind(&t, i, GR_TYPES_NO_LAYOUT,
					       src + GR_TYPE_SOURCE_HEADER,
					       &again));
			assert_int_equal(again, k[i][src]);
			assert_int_equal(t.kinds[again].type, i);
			assert_int_equal(t.kinds[again].source,
					 src + GR_TYPE_SOURCE_HEADER);
		}
	assert_int_equal(t.nkinds, 1 + 2 * N);

	/* Object id: its type (kind k[type][0]) and count. */
	const struct {
		uint32_t type;
		uint64_t count;
	} want[] = {
		{1, 0},	      {2, 0xffff},		{3, 0x10000},
		{4, UINT32_MAX}, {5, (uint64_t)1 << 40}, {2999, 0},
		{2500, 7},
	};
	enum { NW = sizeof(want) / sizeof(*want) };
	for (uint32_t id = 0; id < NW; id++) {
		t.objs[id] = GR_TYPES_WALKED | GR_TYPES_LIVE;
		assert_false(types_typed(&t, id));
		assert_null(types_set_object(&t, id, k[want[id].type][0],
						want[id].count));
		assert_true(types_typed(&t, id));
	}
	/* Objects 2 to 6 do not fit their word. */
	assert_int_equal(t.nwide, 5);
	for (uint32_t id = 0; id < NW; id++) {
		assert_int_equal(t.objs[id] & GR_TYPES_FLAGS,
				 GR_TYPES_WALKED | GR_TYPES_LIVE);
		assert_true(types_count_of(&t, id) == want[id].count);
		assert_int_equal(types_kind_of(&t, id)->type, want[id].type);
		struct gr_type_object o = gr_types_object(&t, id);
		assert_int_equal(o.type, want[id].type);
		assert_int_equal(o.source, GR_TYPE_SOURCE_HEADER);
		assert_true(o.count == want[id].count);
	}
	/* A new kind keeps the count: in the word, into t->wide, within it. */
	assert_null(types_set_kind(&t, 1, k[9][1]));
	assert_null(types_set_kind(&t, 0, k[2000][1]));
	assert_null(types_set_kind(&t, 2, k[10][1]));
	assert_int_equal(t.nwide, 6);
	const uint32_t moved[][2] = {{0, 2000}, {1, 9}, {2, 10}};
	for (size_t i = 0; i < 3; i++) {
		uint32_t id = moved[i][0];
		struct gr_type_object o = gr_types_object(&t, id);
		assert_int_equal(o.type, moved[i][1]);
		assert_int_equal(o.source, GR_TYPE_SOURCE_DWARF);
		assert_true(o.count == want[id].count);
		assert_int_equal(t.objs[id] & GR_TYPES_FLAGS,
				 GR_TYPES_WALKED | GR_TYPES_LIVE);
	}
	assert_false(types_typed(&t, NW));
	assert_int_equal(gr_types_object(&t, NW).type, GR_TYPE_UNKNOWN);
	assert_int_equal(gr_types_object(&t, t.nobjects).type,
			 GR_TYPE_UNKNOWN);
	free(t.objs);
	free(t.kinds);
	gr_hash_deinit(&t.kind_index);
	free(t.wide);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packages),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_leakymap),
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
