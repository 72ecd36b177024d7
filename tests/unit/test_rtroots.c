/* SPDX-License-Identifier: MIT */
/*
 * gr_rtroots on the cores of every installed Go version, PIE and not:
 * the finalizer queue of the finalizer program, the sync.Pool of the pool
 * program, checked against their oracles; tiny blocks and corrupted
 * finalizer blocks on patched copies of a core.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/09-roots/globals.h"
#include "forensics/09-roots/roots.h"
#include "forensics/09-roots/rtroots.h"
#include "forensics/12-query/analysis.h"
#include "tests/unit/rootcores.h"

static void load(const struct rc_core *r, struct gr_session *s,
		 struct gr_roots **roots, struct gr_rtroots **rt)
{
	rc_ok(gr_roots_create(roots));
	rc_ok(gr_rtroots_add(s, *roots, rt));
	if (gr_rtroots_damage_count(*rt))
		fail_msg("%s: damage: %s", r->id,
			 gr_rtroots_damage(*rt, 0)->what);
}

/* The root of @kind whose slot @k holds @value, or NULL. */
static const struct gr_root *root_slot(const struct gr_roots *roots,
				       enum gr_root_kind kind, size_t k,
				       uint64_t value, size_t *idx)
{
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *rt = gr_roots_get(roots, i);
		if (rt->kind != kind || gr_roots_slot_count(roots, i) <= k ||
		    gr_roots_slots(roots, i)[k].value != value)
			continue;
		if (idx)
			*idx = i;
		return rt;
	}
	return NULL;
}

/* ---- finalizer queue ---- */

static void check_finq(const struct rc_core *r, const struct gr_roots *roots,
		       const struct gr_rtroots *rt)
{
	uint64_t queued = rc_object(r, "fin_queued");
	uint64_t closure = rc_object(r, "fin_queued_closure");
	uint64_t blocking = rc_hex(r, NULL, "blocking_finalizer_arg");
	size_t i;
	/* Slots: fn, arg, fint, ot (mfinal.go finptrmask). */
	const struct gr_root *q =
		root_slot(roots, GR_ROOT_FINQ, 1, queued, &i);
	if (!q)
		fail_msg("%s: fin_queued %#" PRIx64 " is no FINQ arg", r->id,
			 queued);
	assert_int_equal(gr_roots_slot_count(roots, i), 4);
	assert_int_equal(gr_roots_slots(roots, i)[0].value, closure);
	assert_non_null(strstr(q->name, "queued finalizer"));
	assert_int_equal(q->size, 40);
	const struct gr_root *b =
		root_slot(roots, GR_ROOT_FINQ, 1, blocking, &i);
	if (!b)
		fail_msg("%s: fin_blocking is no FINQ arg", r->id);
	assert_non_null(strstr(b->name, "being run"));
	const struct gr_rtroots_stats *st = gr_rtroots_stats(rt);
	assert_int_equal(st->finq_queued,
			 rc_num(r, "\"finalizers\":", "queued"));
	assert_int_equal(st->finq_running,
			 rc_num(r, "\"finalizers\":", "running"));
	/* cleanup_target is reachable: its cleanup is not queued. */
	assert_int_equal(st->cleanups_queued, 0);
	assert_true(st->finblocks >= 2);
}

static void test_finalizer_cores(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_roots *roots;
		struct gr_rtroots *rt;
		rc_open(r, &s);
		load(r, s, &roots, &rt);
		check_finq(r, roots, rt);
		const struct gr_rtroots_stats *st = gr_rtroots_stats(rt);
		print_message("%s: finq %" PRIu64 " queued + %" PRIu64
			      " being run in %" PRIu64 " blocks, "
			      "%" PRIu64 " cleanup blocks, %" PRIu64
			      " pools (%" PRIu64 " + %" PRIu64
			      " victim values), %" PRIu64 " tiny\n",
			      r->id, st->finq_queued, st->finq_running,
			      st->finblocks, st->cleanup_blocks, st->pools,
			      st->pool_values, st->victim_values,
			      st->tiny_blocks);
		gr_rtroots_destroy(rt);
		gr_roots_destroy(roots);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/* ---- sync.Pool ---- */

/* Where a pooled object is at core time (corpora/cmd/pool/main.go). */
enum where { IN_POOL, IN_VICTIM, IN_PENDING, GONE };

static enum where locate(const struct rc_core *r, const struct gr_roots *roots,
			 uint64_t var, uint64_t obj, uint64_t pending)
{
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *rt = gr_roots_get(roots, i);
		const struct gr_root_slot *s = gr_roots_slots(roots, i);
		for (size_t k = 0; k < gr_roots_slot_count(roots, i); k++) {
			if (s[k].value != obj)
				continue;
			if (rt->kind == GR_ROOT_BSS && rt->addr == pending)
				return IN_PENDING;
			if (rt->kind != GR_ROOT_POOL &&
			    rt->kind != GR_ROOT_POOL_VICTIM)
				fail_msg("%s: %#" PRIx64 " held by %s %s",
					 r->id, obj, gr_root_kind_name(rt->kind),
					 rt->name);
			assert_string_equal(rt->name, "main.bufPool");
			assert_int_equal(rt->addr, var);
			assert_int_equal(rt->size, 40);
			assert_int_equal(rt->weak, rt->kind == GR_ROOT_POOL_VICTIM);
			return rt->kind == GR_ROOT_POOL ? IN_POOL : IN_VICTIM;
		}
	}
	return GONE;
}

static const char *const where_name[] = {"primary cache", "victim cache",
					 "main.pending", "freed"};

/* Returns true if the objects were in main.bufPool. */
static bool check_pool(const struct rc_core *r, struct gr_session *s,
		       const struct gr_roots *roots)
{
	uint64_t var = rc_hex(r, "\"pool\":", "var_addr");
	uint64_t put_after = rc_num(r, "\"pool\":", "put_after_num_gc");
	uint64_t num_gc = rc_num(r, "\"memstats\":", "num_gc");
	const struct gr_dwarf_global *g;
	rc_ok(gr_dwarf_global(gr_session_dwarf(s), "main.pending", &g));
	uint64_t pending = g->addr + gr_session_load_bias(s);
	enum where w[2];
	const char *names[] = {"{\"name\":\"pool_private\",",
			       "{\"name\":\"pool_shared\","};
	for (size_t n = 0; n < 2; n++)
		w[n] = locate(r, roots, var, rc_hex(r, names[n], "addr"),
			      pending);
	print_message("%s: pooled objects: %s, %s (num_gc %" PRIu64
		      ", Put at %" PRIu64 ")\n",
		      r->id, where_name[w[0]], where_name[w[1]], num_gc,
		      put_after);
	/* Both Put together or neither. */
	assert_int_equal(w[0] == IN_PENDING, w[1] == IN_PENDING);
	if (w[0] == IN_PENDING)
		return false;
	if (num_gc == put_after + 1) {
		/* One Put, at most one collection since: in the pool. */
		assert_true(w[0] != GONE && w[1] != GONE);
		assert_int_equal(w[0], w[1]);
		return true;
	}
	/* The tail was retaken: the extra collection dropped them. */
	assert_true(num_gc > put_after + 1);
	assert_int_equal(w[0], GONE);
	assert_int_equal(w[1], GONE);
	return false;
}

static void test_pool_cores(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "pool");
	size_t pooled = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_roots *roots;
		struct gr_rtroots *rt;
		rc_open(r, &s);
		load(r, s, &roots, &rt);
		/* check_pool needs the data/bss root main.pending too. */
		struct gr_globals *gl;
		rc_ok(gr_globals_add_roots(s, roots, &gl));
		pooled += check_pool(r, s, roots);
		/* encoding/json pooled the oracle body's encoder before the
		 * tail's collection: in the victim cache if that was the
		 * only one.  From 1.27 encoding/json runs on jsontext, whose
		 * pools are `var p = &sync.Pool{...}`: named "*pkg.var". */
		if (rc_num(r, NULL, "tail_attempts") == 1) {
			bool json = false;
			for (size_t k = 0; k < gr_roots_count(roots); k++) {
				const struct gr_root *x = gr_roots_get(roots, k);
				json |= x->kind == GR_ROOT_POOL_VICTIM &&
					(strcmp(x->name, "encoding/json."
							 "encodeStatePool") ==
						 0 ||
					 strncmp(x->name,
						 "*encoding/json/jsontext.",
						 24) == 0);
			}
			assert_true(json);
		}
		gr_globals_destroy(gl);
		gr_rtroots_destroy(rt);
		gr_roots_destroy(roots);
		gr_session_destroy(s);
	}
	/* Most cores have them pooled: a corpus where none has tests
	 * nothing. */
	if (2 * pooled < set.n)
		fail_msg("only %zu of %zu pool cores hold the pooled objects "
			 "in main.bufPool: retake them (make cores)",
			 pooled, set.n);
	rc_free(&set);
}

/* ---- patched cores ---- */

static uint64_t global_addr(struct gr_session *s, const char *name)
{
	const struct gr_dwarf_global *g;
	rc_ok(gr_dwarf_global(gr_session_dwarf(s), name, &g));
	return g->addr + gr_session_load_bias(s);
}

static uint64_t offset_of(struct gr_session *s, const char *type,
			  const char *field)
{
	uint64_t off;
	rc_ok(gr_dwarf_field_offset(gr_session_dwarf(s), type, field, &off));
	return off;
}

static uint64_t word(struct gr_session *s, uint64_t addr)
{
	uint64_t v;
	rc_ok(gr_mem_u64(gr_session_mem(s), addr, &v));
	return v;
}

static bool damage_says(const struct gr_rtroots *rt, const char *what)
{
	for (size_t i = 0; i < gr_rtroots_damage_count(rt); i++)
		if (strstr(gr_rtroots_damage(rt, i)->what, what))
			return true;
	return false;
}

/*
 * The runtime resets every mcache's tiny block when a GC flushes the
 * mcaches, and the corpus programs allocate nothing after their last GC,
 * so real cores have none: plant one in P0's mcache.  No corpus program
 * queues a cleanup either: on the newest version (1.25+: cleanup blocks)
 * plant a one-entry cleanupBlock in unused space of the first finalizer
 * block and hang it on runtime.gcCleanups.all.  Then make the first allfin
 * block link to itself, and give it an impossible cnt.
 */
static void test_patched(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	const struct rc_core *r = &set.v[set.n - 1];
	if (rc_minor(r) < 25)
		fail_msg("%s: the newest toolchain should be 1.25 or later",
			 r->id);
	struct gr_session *s;
	rc_open(r, &s);
	uint64_t allp = word(s, global_addr(s, "runtime.allp"));
	uint64_t mc = word(s, word(s, allp) + offset_of(s, "runtime.p",
							 "mcache"));
	uint64_t tiny_at = mc + offset_of(s, "runtime.mcache", "tiny");
	uint64_t tiny = rc_object(r, "fin_queued_captive.Data") + 16;
	uint64_t allfin = word(s, global_addr(s, "runtime.allfin"));
	const char *blk = rc_minor(r) >= 25 ? "runtime.finBlock"
					    : "runtime.finblock";
	uint64_t link_at = allfin + offset_of(s, blk, "alllink");
	uint32_t badcnt = 100000, one = 1;
	/* The fake cleanup block: 512 bytes in the unused second half of a
	 * 4 KiB finBlock (its cnt is 1 or 2). */
	uint64_t fake = allfin + 2048, zero = 0;
	uint64_t all_at = global_addr(s, "runtime.gcCleanups") +
			  offset_of(s, "runtime.cleanupQueue", "all");
	uint64_t hdr = offset_of(s, "runtime.cleanupBlock",
				 "cleanupBlockHeader");
	uint64_t fn = rc_object(r, "fin_queued_closure");
	uint64_t words[3] = {0x1111, fn, 0x3333};
	size_t nwords = rc_minor(r) >= 26 ? 3 : 1;
	if (nwords == 1)
		words[0] = fn;
	const struct {
		struct rc_patch p[4];
		size_t np;
		const char *damage;
	} cases[] = {
		{{{tiny_at, &tiny, 8}}, 1, NULL},
		{{{all_at, &fake, 8},
		  {fake + hdr + offset_of(s, "runtime.cleanupBlockHeader",
					  "alllink"),
		   &zero, 8},
		  {fake + hdr + offset_of(s, "runtime.cleanupBlockHeader", "n"),
		   &one, 4},
		  {fake + offset_of(s, "runtime.cleanupBlock", "cleanups"),
		   words, 8 * nwords}},
		 4,
		 NULL},
		{{{link_at, &allfin, 8}}, 1, "allfin loops back"},
		{{{allfin + offset_of(s, blk, "cnt"), &badcnt, 4}},
		 1,
		 "cnt 100000"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char tmp[PATH_MAX];
		struct gr_session *ps;
		struct gr_roots *roots;
		struct gr_rtroots *rt;
		rc_open_patched(r, s, cases[i].p, cases[i].np, tmp, &ps);
		rc_ok(gr_roots_create(&roots));
		rc_ok(gr_rtroots_add(ps, roots, &rt));
		const struct gr_rtroots_stats *st = gr_rtroots_stats(rt);
		size_t k;
		if (i == 0) {
			const struct gr_root *t =
				root_slot(roots, GR_ROOT_TINY, 0, tiny, &k);
			assert_non_null(t);
			assert_string_equal(t->name, "tiny block of P0");
			assert_int_equal(gr_roots_slots(roots, k)[0].slot,
					 tiny_at);
			assert_int_equal(st->tiny_blocks, 1);
		} else if (i == 1) {
			const struct gr_root *c = root_slot(
				roots, GR_ROOT_CLEANUP_QUEUE, nwords == 3, fn,
				&k);
			assert_non_null(c);
			assert_int_equal(gr_roots_slot_count(roots, k), nwords);
			for (size_t w = 0; w < nwords; w++)
				assert_int_equal(gr_roots_slots(roots, k)[w].value,
						 words[w]);
			assert_int_equal(st->cleanup_blocks, 1);
			assert_int_equal(st->cleanups_queued, 1);
		}
		if (!cases[i].damage) {
			if (gr_rtroots_damage_count(rt))
				fail_msg("case %zu: damage %s", i,
					 gr_rtroots_damage(rt, 0)->what);
		} else if (!damage_says(rt, cases[i].damage)) {
			fail_msg("case %zu: no damage '%s'", i,
				 cases[i].damage);
		}
		/* Each block at most once, whatever the links say. */
		assert_true(st->finq_queued + st->finq_running <= 2);
		gr_rtroots_destroy(rt);
		gr_roots_destroy(roots);
		gr_session_destroy(ps);
		unlink(tmp);
	}
	gr_session_destroy(s);
	rc_free(&set);
}

/*
 * The analysis counts damage per stage: none on a whole core; with the
 * first allfin block linking into unmapped memory, the failed read is the
 * runtime roots' and so the roots stage's, and no other stage's.
 */
static void test_analysis_damage(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	const struct rc_core *r = &set.v[set.n - 1];
	struct gr_session *s;
	struct gr_analysis *a;
	rc_open(r, &s);
	rc_ok(gr_analysis_run(s, NULL, &a));
	for (int st = 0; st < GR_ANALYSIS_STAGE_COUNT; st++)
		assert_int_equal(gr_analysis_damage(a, st), 0);
	assert_string_equal(gr_analysis_stage_name(GR_ANALYSIS_ROOTS), "roots");
	assert_null(gr_analysis_stage_name(GR_ANALYSIS_STAGE_COUNT));
	gr_analysis_destroy(a);

	uint64_t allfin = word(s, global_addr(s, "runtime.allfin"));
	const char *blk = rc_minor(r) >= 25 ? "runtime.finBlock"
					    : "runtime.finblock";
	uint64_t nowhere = 0xdead0000;
	struct rc_patch p = {allfin + offset_of(s, blk, "alllink"), &nowhere,
			     8};
	char tmp[PATH_MAX];
	struct gr_session *ps;
	rc_open_patched(r, s, &p, 1, tmp, &ps);
	rc_ok(gr_analysis_run(ps, NULL, &a));
	uint64_t roots = gr_analysis_damage(a, GR_ANALYSIS_ROOTS);
	assert_true(roots >= 1);
	assert_int_equal(roots,
			 gr_damage_total(gr_rtroots_damage_list(a->rtroots)));
	assert_true(damage_says(a->rtroots, "0xdead0000"));
	assert_int_equal(gr_analysis_damage(a, GR_ANALYSIS_HEAP), 0);
	assert_int_equal(gr_analysis_damage(a, GR_ANALYSIS_GOROUTINES), 0);
	assert_int_equal(gr_analysis_damage(a, GR_ANALYSIS_TYPES), 0);
	gr_analysis_destroy(a);
	gr_session_destroy(ps);
	unlink(tmp);
	gr_session_destroy(s);
	rc_free(&set);
}

/*
 * Go 1.24 queues cleanups on finq with arg == nil (mheap.go freeSpecial):
 * make the queued finalizer of a 1.24 core look like one.
 */
static void test_cleanup_on_finq(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	const struct rc_core *r = NULL;
	for (size_t i = 0; i < set.n && !r; i++)
		if (rc_minor(&set.v[i]) == 24)
			r = &set.v[i];
	if (!r)
		fail_msg("no go1.24 finalizer core");
	struct gr_session *s, *ps;
	struct gr_roots *roots;
	struct gr_rtroots *rt;
	rc_open(r, &s);
	load(r, s, &roots, &rt);
	size_t k;
	const struct gr_root *q = root_slot(roots, GR_ROOT_FINQ, 1,
					    rc_object(r, "fin_queued"), &k);
	assert_non_null(q);
	uint64_t fn = gr_roots_slots(roots, k)[0].value, zero = 0;
	struct rc_patch p = {gr_roots_slots(roots, k)[1].slot, &zero, 8};
	gr_rtroots_destroy(rt);
	gr_roots_destroy(roots);
	char tmp[PATH_MAX];
	rc_open_patched(r, s, &p, 1, tmp, &ps);
	load(r, ps, &roots, &rt);
	const struct gr_root *c =
		root_slot(roots, GR_ROOT_CLEANUP_QUEUE, 0, fn, &k);
	assert_non_null(c);
	assert_int_equal(gr_roots_slot_count(roots, k), 4);
	assert_int_equal(gr_rtroots_stats(rt)->cleanups_queued, 1);
	assert_int_equal(gr_rtroots_stats(rt)->finq_queued, 0);
	gr_rtroots_destroy(rt);
	gr_roots_destroy(roots);
	gr_session_destroy(ps);
	unlink(tmp);
	gr_session_destroy(s);
	rc_free(&set);
}

static void test_destroy_null(void **state)
{
	(void)state;
	gr_rtroots_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finalizer_cores),
		cmocka_unit_test(test_pool_cores),
		cmocka_unit_test(test_patched),
		cmocka_unit_test(test_cleanup_on_finq),
		cmocka_unit_test(test_analysis_damage),
		cmocka_unit_test(test_destroy_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
