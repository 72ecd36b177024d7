/* SPDX-License-Identifier: MIT */
/*
 * gr_rcat on the shared and leakymap cores of every installed Go version,
 * each analysed with its executable and with a strip -s copy of it (the
 * one scripts/stripped-compare.py keeps under $GR_CACHE/stripped, else
 * one made here): the same descriptors both ways; the program's types
 * (found through DWARF's DW_AT_go_runtime_type) among them; the index
 * giving main.Record's descriptor for its own slot and mask; the layout
 * constants of layouts/typedesc.h equal to DWARF's where DWARF has the
 * type; and garbage tables refused or bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/05-session/session.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/06-rtype/rtype_catalog.h"
#include "forensics/07-heap/heap.h"
#include "forensics/10-graph/mark.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/analysis.h"
#include "layouts/typedesc.h"
#include "tests/unit/corecache.h"

static struct gr_session *open_core(const char *core, const char *exe)
{
	struct gr_session_options o = {0};
	o.core_path = core;
	o.exe_path = exe;
	struct gr_session *s;
	struct gr_error *err = gr_session_open(&o, &s);
	if (err)
		fail_msg("%s with %s: %s", core, exe, err->message);
	return s;
}

/* As in test_rtype.c: DW_AT_go_runtime_type is an offset from types,
 * except for a value past the link-time start of the type data. */
static uint64_t descriptor_addr(struct gr_session *s, uint64_t runtime_type)
{
	uint64_t types = gr_session_moduledata(s)->types;
	uint64_t bias = gr_session_load_bias(s);
	if (runtime_type >= types - bias)
		return runtime_type + bias;
	return types + runtime_type;
}

static uint64_t by_dwarf_name(struct gr_session *s, const char *name)
{
	const struct gr_dwarf *d = gr_session_dwarf(s);
	uint32_t id;
	struct gr_error *err = gr_dwarf_type_by_name(d, name, &id);
	if (err)
		fail_msg("%s: %s", name, err->message);
	const struct gr_dwarf_type *t = gr_dwarf_type(d, id);
	if (!t->runtime_type)
		fail_msg("%s: no DW_AT_go_runtime_type", name);
	return descriptor_addr(s, t->runtime_type);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The catalogue's addresses, sorted (malloc'd). */
static uint64_t *sorted_addrs(const struct gr_rcat *cat)
{
	size_t n = gr_rcat_count(cat);
	uint64_t *v = malloc((n ? n : 1) * sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = gr_rcat_at(cat, i)->addr;
	qsort(v, n, sizeof(*v), u64_cmp);
	return v;
}

struct built {
	struct gr_session *s;
	struct gr_rtypes *rt;
	struct gr_rcat *cat;
	double ms;
};

static void build(const char *core, const char *exe, struct built *b)
{
	b->s = open_core(core, exe);
	struct gr_error *err = gr_rtypes_create(b->s, &b->rt);
	if (err)
		fail_msg("%s: %s", exe, err->message);
	double t0 = now_ms();
	err = gr_rcat_build(b->rt, gr_session_moduledata(b->s), &b->cat);
	b->ms = now_ms() - t0;
	if (err)
		fail_msg("%s: %s", exe, err->message);
}

static void unbuild(struct built *b)
{
	gr_rcat_destroy(b->cat);
	gr_rtypes_destroy(b->rt);
	gr_session_destroy(b->s);
}

/* The strip -s copy of @dir/bin: the cached one, else one made in @tmp. */
static void stripped_exe(const struct cc_core *c, const char *tmp, char *out,
			 size_t len)
{
	char root[PATH_MAX];
	cc_root(root, sizeof(root));
	/* cc_root gives $GR_CACHE/cores: the stripped copies are beside. */
	char *slash = strrchr(root, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(out, len, "%s/stripped/go1.%u/%s/bin", root, c->minor,
		 c->variant);
	if (access(out, R_OK) == 0)
		return;
	snprintf(out, len, "%s/go1.%u-%s", tmp, c->minor, c->variant);
	char cmd[8 * CC_PATH];
	snprintf(cmd, sizeof(cmd), "strip -s -o '%s' '%s/bin'", out, c->dir);
	if (system(cmd) != 0)
		fail_msg("%s", cmd);
}

/* The catalogue of the stripped copy holds the same descriptors. */
static void check_same(const struct cc_core *c, const struct built *full,
		       const struct built *bare)
{
	size_t n = gr_rcat_count(full->cat);
	if (gr_rcat_count(bare->cat) != n)
		fail_msg("%s: %zu descriptors with DWARF, %zu stripped", c->dir,
			 n, gr_rcat_count(bare->cat));
	uint64_t *a = sorted_addrs(full->cat), *b = sorted_addrs(bare->cat);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			fail_msg("%s: descriptor sets differ at 0x%" PRIx64
				 " / 0x%" PRIx64,
				 c->dir, a[i], b[i]);
	/* Sorted and equal: no duplicates either. */
	for (size_t i = 1; i < n; i++)
		assert_true(a[i - 1] < a[i]);
	free(a);
	free(b);
}

/* layouts/typedesc.h against internal/abi where DWARF describes it. */
static void check_constants(struct gr_session *s, struct gr_rtypes *rt)
{
	static const struct {
		const char *name;
		int64_t tail;
	} k[] = {
		{"internal/abi.ArrayType", GR_DESC_TAIL_ARRAY},
		{"internal/abi.ChanType", GR_DESC_TAIL_CHAN},
		{"internal/abi.FuncType", GR_DESC_TAIL_FUNC},
		{"internal/abi.InterfaceType", GR_DESC_TAIL_INTERFACE},
		{"internal/abi.PtrType", GR_DESC_TAIL_PTR},
		{"internal/abi.SliceType", GR_DESC_TAIL_SLICE},
		{"internal/abi.StructType", GR_DESC_TAIL_STRUCT},
		/* No common header: their whole size (desc subtracted). */
		{"internal/abi.UncommonType", GR_DESC_UNCOMMON_SIZE - 48},
		{"internal/abi.Method", GR_DESC_METHOD_SIZE - 48},
		{"internal/abi.Imethod", GR_DESC_IMETHOD_SIZE - 48},
		{"internal/abi.StructField", GR_SFIELD_SIZE - 48},
	};
	const struct gr_dwarf *d = gr_session_dwarf(s);
	uint32_t desc = gr_rtype_desc_size(rt);
	assert_int_equal(desc, 48);
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint64_t size;
		struct gr_error *err = gr_dwarf_type_size_of(d, k[i].name, &size);
		if (err) {
			gr_error_destroy(err);
			continue;
		}
		if (size != (uint64_t)(k[i].tail + desc))
			fail_msg("%s: DWARF size %" PRIu64 ", layouts %" PRIu64,
				 k[i].name, size, (uint64_t)(k[i].tail + desc));
	}
	/* Go 1.27's MapType (the walk needs its size). */
	const char *v = gr_session_go_version(s);
	uint64_t size;
	if (strncmp(v, "go1.27", 6) == 0 &&
	    !gr_dwarf_type_size_of(d, "internal/abi.MapType", &size))
		assert_int_equal(size, GR_DESC_TAIL_MAP_127 + desc);
}

static const struct gr_rtype *get(struct gr_rtypes *rt, uint64_t addr)
{
	const struct gr_rtype *t;
	struct gr_error *err = gr_rtype_get(rt, addr, &t);
	if (err)
		fail_msg("0x%" PRIx64 ": %s", addr, err->message);
	return t;
}

/* main.Record{ID int64; Tag string; Payload []byte}: 48 bytes, pointer
 * words 1 and 3: a slot of 48 with mask 0b1010 has it as a candidate. */
static void check_record(const struct cc_core *c, struct built *b,
			 uint64_t record)
{
	struct gr_rcat_alloc a = {.headers = c->minor >= 22};
	gr_heap_consts_default(&a.consts);
	size_t unindexed = 0;
	double t0 = now_ms();
	struct gr_error *err = gr_rcat_index(b->cat, &a, &unindexed);
	double ms = now_ms() - t0;
	if (err)
		fail_msg("%s: %s", c->dir, err->message);
	const struct gr_rtype *t = get(b->rt, record);
	assert_int_equal(t->size, 48);
	assert_int_equal(gr_rcat_slot_size(&a, t), 48);
	/* The heap's view: 6 words, pointers at 1 and 3. */
	uint8_t mask[1] = {0x0a};
	const struct gr_rtype *const *cands;
	size_t n;
	if ((err = gr_rcat_candidates(b->cat, 48, mask, 6, &cands, &n)))
		fail_msg("%s: %s", c->dir, err->message);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found |= cands[i]->addr == record;
	if (!found)
		fail_msg("%s: main.Record not among the %zu candidates", c->dir,
			 n);
	/* Trailing zero words do not matter; another slot size does. */
	const struct gr_rtype *const *c2;
	size_t n2;
	assert_null(gr_rcat_candidates(b->cat, 48, mask, 4, &c2, &n2));
	assert_int_equal(n2, n);
	assert_ptr_equal(c2, cands);
	assert_null(gr_rcat_candidates(b->cat, 64, mask, 8, &c2, &n2));
	for (size_t i = 0; i < n2; i++)
		assert_true(c2[i]->addr != record);
	print_message("    index: %zu keys, %zu unindexed, in %.1f ms; %zu "
		      "candidates for main.Record's slot\n",
		      gr_rcat_index_keys(b->cat), unindexed, ms, n);
}

/*
 * Every descriptor catalogued has a name (compiled types all do: a walk
 * out of step would meet one without); how many of the descriptors DWARF
 * names are catalogued (named types only code refers to are not).
 */
static void check_names(const struct cc_core *c, struct built *b)
{
	for (size_t i = 0; i < gr_rcat_count(b->cat); i++) {
		const struct gr_rtype *t = gr_rcat_at(b->cat, i);
		const char *name;
		struct gr_error *err = gr_rtype_name(b->rt, t, &name);
		if (err)
			fail_msg("%s: 0x%" PRIx64 ": %s", c->dir, t->addr,
				 err->message);
	}
	const struct gr_dwarf *d = gr_session_dwarf(b->s);
	size_t named = 0, in = 0;
	for (size_t i = 0; i < gr_dwarf_type_count(d); i++) {
		const struct gr_dwarf_type *dt = gr_dwarf_type(d, (uint32_t)i);
		if (!dt->runtime_type)
			continue;
		named++;
		in += gr_rcat_contains(b->cat,
				       descriptor_addr(b->s, dt->runtime_type));
	}
	print_message("    %zu of the %zu descriptors DWARF names are "
		      "catalogued\n",
		      in, named);
	assert_true(in > named / 2);
}

static void report(const struct cc_core *c, const char *how,
		   const struct built *b)
{
	struct gr_rcat_stats st;
	gr_rcat_stats(b->cat, &st);
	print_message("  %s %s: %zu descriptors (typelinks %zu, itabs %zu, "
		      "walked %zu, reached %zu; outside %zu, refused %zu) in "
		      "%.1f ms\n",
		      c->variant, how, st.descriptors, st.typelinks, st.itabs,
		      st.walked, st.reached, st.outside, st.refused, b->ms);
	assert_int_equal(st.descriptors, gr_rcat_count(b->cat));
	assert_true(st.descriptors > 300);
	assert_int_equal(st.refused, 0);
}

static void test_catalogue(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	char tmp[] = "/tmp/goretain-rcat.XXXXXX";
	assert_non_null(mkdtemp(tmp));
	size_t done = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct cc_core *c = &set.v[i];
		bool shared = strcmp(c->program, "shared") == 0;
		/* Executables and PIEs: a PIE's descriptors hold pointers
		 * the loader relocated, read from the core. */
		if ((!shared && strcmp(c->program, "leakymap") != 0) ||
		    (strcmp(c->variant + strlen(c->program), "-exe") != 0 &&
		     strcmp(c->variant + strlen(c->program), "-pie") != 0))
			continue;
		char core[CC_PATH + 16], exe[CC_PATH + 16], bare[3 * CC_PATH];
		snprintf(core, sizeof(core), "%s/core", c->dir);
		snprintf(exe, sizeof(exe), "%s/bin", c->dir);
		stripped_exe(c, tmp, bare, sizeof(bare));
		struct built full, strip;
		build(core, exe, &full);
		build(core, bare, &strip);
		print_message("go1.%u\n", c->minor);
		report(c, "with DWARF", &full);
		report(c, "stripped", &strip);
		check_same(c, &full, &strip);
		check_constants(full.s, full.rt);
		check_names(c, &full);
		if (shared) {
			static const char *const names[] = {
				"main.Record", "main.Holder", "main.Shared",
				"map[string]int", "[]*main.Record",
			};
			for (size_t k = 0; k < 5; k++) {
				uint64_t a = by_dwarf_name(full.s, names[k]);
				if (!gr_rcat_contains(full.cat, a) ||
				    !gr_rcat_contains(strip.cat, a))
					fail_msg("%s: %s (0x%" PRIx64
						 ") not catalogued",
						 c->dir, names[k], a);
			}
			uint64_t rec = by_dwarf_name(full.s, "main.Record");
			check_record(c, &full, rec);
			check_record(c, &strip, rec);
		}
		unbuild(&strip);
		unbuild(&full);
		done++;
	}
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_true(done >= 2);
	cc_free(&set);
}

struct mask_acc {
	uint64_t base;
	uint8_t *mask;
};

static void note_ptr(void *arg, uint64_t slot, uint64_t value)
{
	struct mask_acc *m = arg;
	(void)value;
	uint64_t w = (slot - m->base) / 8;
	m->mask[w / 8] |= (uint8_t)(1u << (w % 8));
}

/* The index of @b for the heap of @s's core. */
static void index_for(struct built *b, const struct gr_heap *h)
{
	struct gr_rcat_alloc a = {
		.headers = gr_heap_regime(h) == GR_HEAPBITS_HEADERS};
	gr_heap_consts_default(&a.consts);
	struct gr_error *err = gr_rcat_index(b->cat, &a, NULL);
	if (err)
		fail_msg("%s", err->message);
}

static bool among(const struct gr_rcat *cat, uint64_t slot,
		  const uint8_t *mask, uint64_t nwords, uint64_t want,
		  size_t *n)
{
	const struct gr_rtype *const *c;
	struct gr_error *err = gr_rcat_candidates(cat, slot, mask, nwords, &c,
						  n);
	if (err)
		fail_msg("%s", err->message);
	for (size_t i = 0; i < *n; i++)
		if (c[i]->addr == want)
			return true;
	return false;
}

/*
 * What the index would say of every object the allocator kept no type
 * for (no malloc header or largeType): a measure for issue 16, not a
 * check (only a single value per slot is indexed yet).
 */
static void measure(struct gr_heap *h, const struct gr_rcat *cat,
		    const char *what)
{
	size_t none = 0, one = 0, many = 0, exact = 0;
	uint64_t none_b = 0, one_b = 0, many_b = 0, exact_b = 0;
	for (uint32_t id = 0; id < gr_heap_object_count(h); id++) {
		uint64_t slot = gr_heap_object_size(h, id);
		if (gr_heap_object_rtype(h, id)) {
			exact++;
			exact_b += slot;
			continue;
		}
		uint8_t *mask = calloc((slot / 8 + 7) / 8 + 1, 1);
		assert_non_null(mask);
		struct mask_acc m = {gr_heap_object_addr(h, id), mask};
		struct gr_error *err = gr_heap_scan_object(h, id, note_ptr, &m);
		if (gr_error_catch(&err, GR_ERR_CONTENT)) {
			free(mask);
			continue;
		}
		assert_null(err);
		const struct gr_rtype *const *c;
		size_t n;
		assert_null(gr_rcat_candidates(cat, slot, mask, slot / 8, &c,
					       &n));
		free(mask);
		if (n == 0) {
			none++;
			none_b += slot;
		} else if (n == 1) {
			one++;
			one_b += slot;
		} else {
			many++;
			many_b += slot;
		}
	}
	print_message("    %s: exact %zu (%" PRIu64 " B); else one "
		      "candidate %zu (%" PRIu64 " B), several %zu (%" PRIu64
		      " B), none %zu (%" PRIu64 " B)\n",
		      what, exact, exact_b, one, one_b, many, many_b, none,
		      none_b);
}

/* The candidates of object @id of @h (its slot, the words scanned as
 * pointers); false if the heap cannot say. */
static bool object_candidates(struct gr_heap *h, const struct gr_rcat *cat,
			      uint32_t id, const struct gr_rtype *const **c,
			      size_t *n)
{
	uint64_t slot = gr_heap_object_size(h, id);
	uint8_t *mask = calloc((slot / 8 + 7) / 8 + 1, 1);
	assert_non_null(mask);
	struct mask_acc m = {gr_heap_object_addr(h, id), mask};
	struct gr_error *err = gr_heap_scan_object(h, id, note_ptr, &m);
	if (gr_error_catch(&err, GR_ERR_CONTENT)) {
		free(mask);
		return false;
	}
	assert_null(err);
	assert_null(gr_rcat_candidates(cat, slot, mask, slot / 8, c, n));
	free(mask);
	return true;
}

/*
 * How the index would fare against the typing of the full analysis with
 * DWARF, on the live objects it types as one value of a known descriptor
 * by other means than the allocator's own record (what inference would
 * stand in for on a stripped binary): a measure for issue 16.
 */
static void accuracy(struct gr_session *s, const struct gr_rcat *cat)
{
	struct gr_analysis *a;
	struct gr_error *err = gr_analysis_run(s, NULL, &a);
	if (err)
		fail_msg("%s", err->message);
	size_t right = 0, wrong = 0, among_n = 0, not_among = 0, none = 0;
	uint64_t right_b = 0, wrong_b = 0;
	for (uint32_t id = 0; id < gr_heap_object_count(a->heap); id++) {
		if (!gr_mark_is_live(a->mark, id))
			continue;
		struct gr_type_object to = gr_types_object(a->types, id);
		if (to.type == GR_TYPE_UNKNOWN || to.count ||
		    to.source == GR_TYPE_SOURCE_HEADER)
			continue;
		uint64_t want = gr_types_info(a->types, to.type)->rtype;
		if (!want)
			continue;
		const struct gr_rtype *const *c;
		size_t n;
		if (!object_candidates(a->heap, cat, id, &c, &n))
			continue;
		uint64_t slot = gr_heap_object_size(a->heap, id);
		bool in = false;
		for (size_t i = 0; i < n; i++)
			in |= c[i]->addr == want;
		if (n == 1 && in) {
			right++;
			right_b += slot;
		} else if (n == 1) {
			wrong++;
			wrong_b += slot;
		} else if (n == 0) {
			none++;
		} else if (in) {
			among_n++;
		} else {
			not_among++;
		}
	}
	print_message("    against typing with DWARF: one candidate, right "
		      "%zu (%" PRIu64 " B), wrong %zu (%" PRIu64
		      " B); several, right among them %zu, not %zu; none "
		      "%zu\n",
		      right, right_b, wrong, wrong_b, among_n, not_among,
		      none);
	gr_analysis_destroy(a);
}

/*
 * The oracle's small objects, as the heap walker sees them (slot size,
 * the words it scans as pointers) in the core: each one whose type is a
 * catalogued descriptor is among the index's candidates for its slot, in
 * the catalogues with DWARF and stripped, on every heap-bitmap regime.
 */
static void test_heap_candidates(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	char tmp[] = "/tmp/goretain-rcat.XXXXXX";
	assert_non_null(mkdtemp(tmp));
	size_t checked_all = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct cc_core *c = &set.v[i];
		if (strcmp(c->variant, "shared-exe") != 0 &&
		    strcmp(c->variant, "leakymap-exe") != 0)
			continue;
		char core[CC_PATH + 16], exe[CC_PATH + 16], bare[3 * CC_PATH];
		snprintf(core, sizeof(core), "%s/core", c->dir);
		snprintf(exe, sizeof(exe), "%s/bin", c->dir);
		stripped_exe(c, tmp, bare, sizeof(bare));
		struct built full, strip;
		build(core, exe, &full);
		build(core, bare, &strip);
		struct gr_heap *h;
		struct gr_error *err = gr_heap_load(full.s, &h);
		if (err)
			fail_msg("%s: %s", c->dir, err->message);
		index_for(&full, h);
		index_for(&strip, h);
		struct cc_oracle o;
		cc_oracle_read(c->dir, &o);
		size_t checked = 0, unique = 0, most = 0;
		for (size_t k = 0; k < o.nobjs; k++) {
			const struct cc_object *ob = &o.objs[k];
			uint32_t tid;
			if (strcmp(ob->alloc, "small") != 0)
				continue;
			/* The oracle writes spaces as '_'. */
			char name[64];
			snprintf(name, sizeof(name), "%s", ob->type);
			for (char *p = name; *p; p++)
				if (*p == '_' && strchr(ob->type, ' '))
					*p = ' ';
			err = gr_dwarf_type_by_name(gr_session_dwarf(full.s),
						    name, &tid);
			if (err) {
				gr_error_destroy(err);
				continue;
			}
			const struct gr_dwarf_type *dt =
				gr_dwarf_type(gr_session_dwarf(full.s), tid);
			uint64_t want = dt->runtime_type
						? descriptor_addr(full.s,
								  dt->runtime_type)
						: 0;
			if (!want || !gr_rcat_contains(full.cat, want))
				continue;
			uint32_t id = gr_heap_find(h, ob->addr);
			assert_int_not_equal(id, GR_HEAP_NO_OBJECT);
			uint64_t base = gr_heap_object_addr(h, id);
			uint64_t slot = gr_heap_object_size(h, id);
			assert_int_equal(base, ob->addr);
			uint8_t *mask = calloc((slot / 8 + 7) / 8, 1);
			assert_non_null(mask);
			struct mask_acc m = {base, mask};
			if ((err = gr_heap_scan_object(h, id, note_ptr, &m)))
				fail_msg("%s: %s", c->dir, err->message);
			size_t n1, n2;
			if (!among(full.cat, slot, mask, slot / 8, want, &n1) ||
			    !among(strip.cat, slot, mask, slot / 8, want, &n2))
				fail_msg("%s: %s (%s) at 0x%" PRIx64
					 ", slot %" PRIu64
					 ": not a candidate of its slot",
					 c->dir, ob->name, name, ob->addr, slot);
			free(mask);
			checked++;
			unique += n1 == 1;
			most = n1 > most ? n1 : most;
		}
		print_message("go1.%u %s: %zu oracle objects found among "
			      "their slot's candidates, %zu the only one, at "
			      "most %zu candidates\n",
			      c->minor, c->variant, checked, unique, most);
		measure(h, full.cat, "heap, index with DWARF");
		measure(h, strip.cat, "heap, index stripped");
		accuracy(full.s, full.cat);
		checked_all += checked;
		cc_oracle_free(&o);
		gr_heap_destroy(h);
		unbuild(&strip);
		unbuild(&full);
	}
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_true(checked_all > 0);
	cc_free(&set);
}

/* Build with @md; any error is fine, a result must stay bounded. */
static void try_build(struct gr_rtypes *rt, const struct gr_moduledata *md,
		      size_t bound, const char *what)
{
	struct gr_rcat *cat;
	struct gr_error *err = gr_rcat_build(rt, md, &cat);
	if (err) {
		assert_int_not_equal(err->code, GR_ERR_NOMEM);
		gr_error_destroy(err);
		return;
	}
	if (gr_rcat_count(cat) > bound)
		fail_msg("%s: %zu descriptors, more than %zu", what,
			 gr_rcat_count(cat), bound);
	gr_rcat_destroy(cat);
}

static void expect(struct gr_rtypes *rt, const struct gr_moduledata *md,
		   enum gr_error_code code)
{
	struct gr_rcat *cat;
	struct gr_error *err = gr_rcat_build(rt, md, &cat);
	if (!err)
		fail_msg("built a catalogue of %zu from a bad moduledata",
			 gr_rcat_count(cat));
	assert_int_equal(err->code, code);
	gr_error_destroy(err);
}

/* Garbage tables: refused (BAD_DATA, FAULT) or bounded, never looping. */
static void test_garbage(void **state)
{
	(void)state;
	struct cc_set set;
	cc_list(&set);
	for (size_t i = 0; i < set.n; i++) {
		const struct cc_core *c = &set.v[i];
		if (strcmp(c->variant, "leakymap-exe") != 0)
			continue;
		char core[CC_PATH + 16], exe[CC_PATH + 16];
		snprintf(core, sizeof(core), "%s/core", c->dir);
		snprintf(exe, sizeof(exe), "%s/bin", c->dir);
		struct built b;
		build(core, exe, &b);
		const struct gr_moduledata *md0 = gr_session_moduledata(b.s);
		size_t bound = (md0->etypes - md0->types) / 48 + 1;
		struct gr_moduledata md = *md0;

		/* No types section. */
		md.etypes = md.types;
		expect(b.rt, &md, GR_ERR_BAD_DATA);
		md = *md0;
		if (gr_moduledata_has(&md, GR_MD_TYPELINKS)) {
			/* A length the section cannot hold. */
			md.typelinks.len = md.typelinks.cap = UINT64_MAX / 8;
			expect(b.rt, &md, GR_ERR_BAD_DATA);
			/* A table where there is no memory. */
			md = *md0;
			md.typelinks.ptr = 0x10;
			expect(b.rt, &md, GR_ERR_FAULT);
			/* The types section read as offsets. */
			md = *md0;
			md.typelinks.ptr = md.types;
			md.typelinks.len = md.typelinks.cap =
				(md.etypes - md.types) / 4 < bound
					? (md.etypes - md.types) / 4
					: bound;
			try_build(b.rt, &md, bound, "types as typelinks");
			/* itabs read from the types section. */
			md = *md0;
			md.itablinks.ptr = md.types;
			md.itablinks.len = md.itablinks.cap = 4096;
			try_build(b.rt, &md, bound, "types as itablinks");
		} else {
			/* Go 1.27: a walk past the section, a misaligned
			 * walk, itabs out of place. */
			md.typedesclen = md.etypes - md.types + 8;
			expect(b.rt, &md, GR_ERR_BAD_DATA);
			md = *md0;
			md.types += 16;
			try_build(b.rt, &md, bound, "walk from types+16");
			md = *md0;
			md.types += 4;
			try_build(b.rt, &md, bound, "walk from types+4");
			md = *md0;
			md.itaboffset = md.etypes - md.types;
			md.itabsize = 64;
			expect(b.rt, &md, GR_ERR_BAD_DATA);
			md = *md0;
			md.itaboffset = 8;
			try_build(b.rt, &md, bound, "itabs from the types");
		}
		/* Neither table. */
		md = *md0;
		md.layout.off[GR_MD_TYPELINKS] = GR_MD_ABSENT;
		md.layout.off[GR_MD_TYPEDESCLEN] = GR_MD_ABSENT;
		expect(b.rt, &md, GR_ERR_UNSUPPORTED);
		unbuild(&b);
	}
	cc_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_heap_candidates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
