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
 * Damage: a bucket list looping onto itself and a bucket claiming a stack
 * deeper than the runtime allows end the walk with the reason, keeping what
 * was read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dwarf.h"
#include "memprof_report.h"
#include "memprofile.h"
#include "rootcores.h"

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

static void damaged(const struct rc_core *r, struct gr_session *orig,
		    uint64_t addr, uint64_t value, const char *why,
		    size_t want_records)
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
		1);
	/* A stack deeper than maxStack/maxProfStackDepth. */
	damaged(r, s, b + bucket_field(s, "nstk"), 1u << 20,
		"bucket stack deeper than the runtime allows", 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_cores),
		cmocka_unit_test(test_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
