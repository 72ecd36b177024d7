/* SPDX-License-Identifier: MIT */
/*
 * gr_memprof on the leakymap cores of every installed Go version, PIE and
 * not.
 *
 * A corpus program that never references runtime.MemProfile is linked with
 * runtime.disableMemoryProfiling set, and the runtime zeroes
 * MemProfileRate at start: such a core must read as "disabled", rate 0.
 * When the oracle carries a "memprofile" fact (the corpus oracle calls
 * runtime.MemProfile after the last GC and writes its totals), the
 * recovered profile must equal it exactly: records, sampled allocations
 * and in-use objects and bytes, overall and for stacks through
 * main.newSession; main.newSession must hold in-use bytes, and the scaled
 * in-use bytes must be within a factor of MemStats.HeapAlloc.
 *
 * Allocation stacks of live objects (gr_allocsites, and the report's
 * merge of stacks that read the same): on the allocsites cores, linked
 * with profiling at MemProfileRate 1, the subtree of each global the
 * program leaks through holds exactly the objects the program allocated
 * at each site, attributed to that function; on the leakymap cores
 * (profiling disabled) nothing is sampled and no subtree has a stack.
 *
 * Damage: a bucket list looping onto itself and a bucket claiming a stack
 * deeper than the runtime allows end the walk with the reason, keeping what
 * was read; a list head in unmapped memory ends it too, and that failed
 * read is the profile's one damage record (a whole core has none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/01-base/damage.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/08-stacks/memprofile.h"
#include "forensics/12-query/allocsites.h"
#include "forensics/12-query/analysis.h"
#include "report/allocsites_report.h"
#include "report/memprof_report.h"
#include "tests/unit/rootcores.h"

struct sums {
	int64_t records, alloc_objects, alloc_space, inuse_objects, inuse_space;
};

static void add(struct sums *s, const struct gr_memprof_record *r)
{
	s->records++;
	s->alloc_objects += (int64_t)r->allocs;
	s->alloc_space += (int64_t)r->alloc_bytes;
	s->inuse_objects += (int64_t)(r->allocs - r->frees);
	s->inuse_space += (int64_t)(r->alloc_bytes - r->free_bytes);
}

/* Does record @i's stack go through @func?  Checks the frames too. */
static bool through(const struct rc_core *r, struct gr_memprof *mp, size_t i,
		    const char *func)
{
	const struct gr_memprof_frame *f;
	size_t n;
	rc_ok(gr_memprof_frames(mp, i, &f, &n));
	bool found = false;
	for (size_t k = 0; k < n; k++) {
		assert_non_null(f[k].func);
		assert_non_null(f[k].file);
		if (strncmp(f[k].func, "main.", 5) == 0) {
			if (!strstr(f[k].file, "leakymap/main.go") ||
			    f[k].line <= 0)
				fail_msg("%s: %s at %s:%d", r->id, f[k].func,
					 f[k].file, f[k].line);
		}
		if (strcmp(f[k].func, func) == 0)
			found = true;
	}
	return found;
}

static int64_t oracle_i(const struct rc_core *r, const char *key)
{
	return (int64_t)rc_num(r, "\"memprofile\":", key);
}

static void check_enabled(const struct rc_core *r, struct gr_memprof *mp)
{
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	assert_false(info->disabled);
	assert_int_equal(info->rate, oracle_i(r, "rate"));
	assert_true(gr_memprof_count(mp) > 0);
	struct sums all = {0}, ns = {0};
	bool main_main = false;
	for (size_t i = 0; i < gr_memprof_count(mp); i++) {
		const struct gr_memprof_record *rec = gr_memprof_record(mp, i);
		assert_true(rec->nstk > 0 && rec->nstk <= info->max_stack);
		assert_true(rec->size > 0);
		add(&all, rec);
		if (through(r, mp, i, "main.newSession"))
			add(&ns, rec);
		main_main |= through(r, mp, i, "main.main");
	}
	assert_true(main_main);
	assert_int_equal(all.records, oracle_i(r, "records"));
	assert_int_equal(all.alloc_objects, oracle_i(r, "alloc_objects"));
	assert_int_equal(all.alloc_space, oracle_i(r, "alloc_space"));
	assert_int_equal(all.inuse_objects, oracle_i(r, "inuse_objects"));
	assert_int_equal(all.inuse_space, oracle_i(r, "inuse_space"));
	assert_int_equal(ns.alloc_objects,
			 oracle_i(r, "newsession_alloc_objects"));
	assert_int_equal(ns.alloc_space, oracle_i(r, "newsession_alloc_space"));
	assert_int_equal(ns.inuse_objects,
			 oracle_i(r, "newsession_inuse_objects"));
	assert_int_equal(ns.inuse_space, oracle_i(r, "newsession_inuse_space"));
	/* 4000 sessions of 1 KiB payloads at one sample per 512 KiB. */
	assert_true(ns.inuse_space > 0);
	struct gr_memprof_totals t;
	gr_memprof_report_totals(mp, &t);
	int64_t heap = (int64_t)rc_num(r, "\"memstats\":", "heap_alloc");
	print_message("%s: %zu records, inuse %" PRId64 " B scaled vs "
		      "HeapAlloc %" PRId64 "\n",
		      r->id, gr_memprof_count(mp), t.scaled_inuse_bytes, heap);
	if (t.scaled_inuse_bytes < heap / 4 || t.scaled_inuse_bytes > heap * 4)
		fail_msg("%s: scaled in-use %" PRId64 " B vs HeapAlloc %" PRId64,
			 r->id, t.scaled_inuse_bytes, heap);
}

static void check_disabled(const struct rc_core *r, struct gr_memprof *mp)
{
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	if (!info->disabled || info->rate != 0)
		fail_msg("%s: oracle has no memprofile, yet profiling is "
			 "not disabled (rate %" PRId64 ")",
			 r->id, info->rate);
	print_message("%s: memory profiling disabled at link time, %zu "
		      "early records\n",
		      r->id, gr_memprof_count(mp));
}

/* Call @fn with the session and profile of every leakymap core. */
static void each_core(void (*fn)(const struct rc_core *, struct gr_session *,
				 struct gr_memprof *, void *),
		      void *arg)
{
	struct rc_set set;
	rc_load(&set, "leakymap");
	for (size_t v = 0; v < set.n; v++) {
		struct gr_session *s;
		struct gr_memprof *mp;
		rc_open(&set.v[v], &s);
		rc_ok(gr_memprof_read(s, &mp));
		fn(&set.v[v], s, mp, arg);
		gr_memprof_destroy(mp);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

static void check_core(const struct rc_core *r, struct gr_session *s,
		       struct gr_memprof *mp, void *arg)
{
	(void)s;
	(void)arg;
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	assert_null(info->stopped);
	const struct gr_damage_list *dl = gr_memprof_damage_list(mp);
	if (gr_damage_total(dl))
		fail_msg("%s: damage on a whole core: %s", r->id,
			 gr_damage_get(dl, 0)->what);
	/* The byte counts left memRecordCycle in Go 1.27. */
	assert_int_equal(info->has_byte_counts, rc_minor(r) < 27);
	assert_int_equal(info->max_stack, rc_minor(r) < 23 ? 32 : 1024);
	if (strstr(r->oracle, "\"memprofile\":"))
		check_enabled(r, mp);
	else
		check_disabled(r, mp);
}

static void test_cores(void **state)
{
	(void)state;
	each_core(check_core, NULL);
}

/* Bucket field offsets from the core's own DWARF. */
static uint64_t bucket_field(struct gr_session *s, const char *name)
{
	uint64_t off;
	rc_ok(gr_dwarf_field_offset(gr_session_dwarf(s), "runtime.bucket",
				    name, &off));
	return off;
}

/* Patch the word at @addr to @value: the walk stops for @why after
 * @want_records records, with @want_damage damage records (the first
 * naming @damage_says, when not NULL). */
static void damaged(const struct rc_core *r, struct gr_session *orig,
		    uint64_t addr, uint64_t value, const char *why,
		    size_t want_records, uint64_t want_damage,
		    const char *damage_says)
{
	struct rc_patch p = {addr, &value, 8};
	char tmp[PATH_MAX];
	struct gr_session *s;
	rc_open_patched(r, orig, &p, 1, tmp, &s);
	struct gr_memprof *mp;
	rc_ok(gr_memprof_read(s, &mp));
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	if (!info->stopped || strcmp(info->stopped, why) != 0)
		fail_msg("%s: walk stopped for '%s', want '%s'", r->id,
			 info->stopped ? info->stopped : "(nothing)", why);
	assert_int_equal(gr_memprof_count(mp), want_records);
	const struct gr_damage_list *dl = gr_memprof_damage_list(mp);
	assert_int_equal(gr_damage_total(dl), want_damage);
	if (damage_says && !strstr(gr_damage_get(dl, 0)->what, damage_says))
		fail_msg("%s: damage '%s' does not say %s", r->id,
			 gr_damage_get(dl, 0)->what, damage_says);
	gr_memprof_destroy(mp);
	gr_session_destroy(s);
	unlink(tmp);
}

static void damage_core(const struct rc_core *r, struct gr_session *s,
			struct gr_memprof *mp, void *arg)
{
	/* Only a bucket whose bytes are in the core can be patched. */
	if (gr_memprof_count(mp) == 0 ||
	    gr_mem_find(gr_session_mem(s), gr_memprof_record(mp, 0)->bucket)
			    ->source != GR_MEM_CORE)
		return;
	uint64_t b = gr_memprof_record(mp, 0)->bucket;
	/* allnext of the first bucket points back at it. */
	damaged(r, s, b + bucket_field(s, "allnext"), b, "bucket list loops",
		1, 0, NULL);
	/* A stack deeper than maxStack/maxProfStackDepth. */
	damaged(r, s, b + bucket_field(s, "nstk"), 1u << 20,
		"bucket stack deeper than the runtime allows", 0, 0, NULL);
	/* runtime.mbuckets into unmapped memory: a read that failed. */
	const struct gr_dwarf_global *g;
	rc_ok(gr_dwarf_global(gr_session_dwarf(s), "runtime.mbuckets", &g));
	damaged(r, s, g->addr + gr_session_load_bias(s), 0xdead0000,
		"bucket not readable", 0, 1, "0xdead0000");
	(*(size_t *)arg)++;
}

static void test_damage(void **state)
{
	(void)state;
	size_t done = 0;
	each_core(damage_core, &done);
	print_message("damage checked on %zu cores\n", done);
	assert_true(done > 0);
}

/* runtime/pprof scaleHeapSample's numbers. */
static void test_scale(void **state)
{
	(void)state;
	int64_t c, b;
	gr_memprof_scale(8, 8192, 524288, &c, &b);
	/* 1 / (1 - exp(-1024/524288)) = 512.5001...: 4100 objects. */
	assert_int_equal(c, 4100);
	assert_int_equal(b, 4198401);
	gr_memprof_scale(3, 300, 1, &c, &b);
	assert_int_equal(c, 3);
	assert_int_equal(b, 300);
	gr_memprof_scale(0, 0, 524288, &c, &b);
	assert_int_equal(c, 0);
	assert_int_equal(b, 0);
}

/* The dominator node of the global named @name. */
static uint32_t global_node(const struct rc_core *r,
			    const struct gr_analysis *a, const char *name)
{
	for (size_t i = 0; i < gr_roots_count(a->roots); i++)
		if (!strcmp(gr_roots_get(a->roots, i)->name, name))
			return gr_dom_root_node(a->dom, (uint32_t)i);
	fail_msg("%s: no root %s", r->id, name);
	return 0;
}

/* The oracle's count for allocation site @fn, checked against the merged
 * stacks under @node. */
static void check_site(const struct rc_core *r, struct gr_allocsites *as,
		       struct gr_allocsite *sites, size_t n, const char *fn)
{
	char from[128];
	snprintf(from, sizeof(from), "{\"func\":\"%s\"", fn);
	uint64_t want = rc_num(r, from, "count");
	for (size_t i = 0; i < n; i++) {
		const struct gr_memprof_frame *fr;
		size_t nf;
		rc_ok(gr_memprof_frames(gr_allocsites_profile(as),
					sites[i].record, &fr, &nf));
		if (!nf || strcmp(fr[0].func, fn))
			continue;
		assert_int_equal(sites[i].objects, want);
		assert_int_equal(sites[i].est_objects, (int64_t)want);
		/* Stacks are told apart by function, not only by bucket. */
		for (size_t k = i + 1; k < n; k++) {
			rc_ok(gr_memprof_frames(gr_allocsites_profile(as),
						sites[k].record, &fr, &nf));
			assert_true(!nf || strcmp(fr[0].func, fn) != 0);
		}
		print_message("%s: %s allocated %" PRIu64 " live objects\n",
			      r->id, fn, want);
		return;
	}
	fail_msg("%s: no allocation stack names %s", r->id, fn);
}

static void test_allocsites(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "allocsites");
	for (size_t v = 0; v < set.n; v++) {
		const struct rc_core *r = &set.v[v];
		struct gr_session *s;
		struct gr_analysis *a;
		struct gr_allocsites *as;
		rc_open(r, &s);
		rc_ok(gr_analysis_run(s, NULL, &a));
		rc_ok(gr_allocsites_create(a, &as));
		const struct gr_allocsites_info *in = gr_allocsites_info(as);
		assert_true(in->available);
		assert_false(in->disabled);
		assert_int_equal(in->rate, rc_num(r, NULL, "memprofile_rate"));
		assert_int_equal(in->unknown_bucket, 0);
		assert_null(gr_allocsites_missing(as));
		static const char *const globals[][3] = {
			{"main.registry", "main.newRecord", "main.newPayload"},
			{"main.cache", "main.newEntry", NULL},
		};
		uint64_t total = 0;
		for (size_t g = 0; g < 2; g++) {
			struct gr_allocsite *sites, all;
			size_t n;
			uint32_t node = global_node(r, a, globals[g][0]);
			rc_ok(gr_allocsites_under(as, node, SIZE_MAX, &sites,
						  &n, &all));
			/* Every allocation was sampled: the subtree's
			 * objects, all of them. */
			assert_int_equal(all.objects,
					 gr_dom_retained(a->dom, node).objects);
			total += all.objects;
			rc_ok(gr_allocsites_merge(as, sites, n, &n));
			for (size_t k = 1; k < 3 && globals[g][k]; k++)
				check_site(r, as, sites, n, globals[g][k]);
			free(sites);
		}
		assert_true(in->sampled_objects >= total);
		gr_allocsites_destroy(as);
		gr_analysis_destroy(a);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/* Without a profile nothing has a stack, and the report says why. */
static void test_allocsites_disabled(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	const struct rc_core *r = &set.v[set.n - 1];
	struct gr_session *s;
	struct gr_analysis *a;
	struct gr_allocsites *as;
	rc_open(r, &s);
	rc_ok(gr_analysis_run(s, NULL, &a));
	rc_ok(gr_allocsites_create(a, &as));
	/* The runtime samples at its default rate until schedinit zeroes
	 * it: a few early objects may carry a stack, none of the leak's. */
	assert_true(gr_allocsites_info(as)->disabled);
	assert_non_null(strstr(gr_allocsites_missing(as), "MemProfile"));
	struct gr_allocsite *sites, all;
	size_t n;
	rc_ok(gr_allocsites_under(as, global_node(r, a, "main.sessions"),
				  SIZE_MAX, &sites, &n, &all));
	assert_int_equal(n, 0);
	assert_null(sites);
	assert_int_equal(all.objects, 0);
	gr_allocsites_destroy(as);
	gr_analysis_destroy(a);
	gr_session_destroy(s);
	rc_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_cores),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_allocsites),
		cmocka_unit_test(test_allocsites_disabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
