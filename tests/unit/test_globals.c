/* SPDX-License-Identifier: MIT */
/*
 * gr_globals on the leakymap cores of every installed Go version, PIE and
 * not: main.sessions is a root holding the map the oracle names, every
 * masked word of data and bss is exactly one slot, slots stay inside their
 * section and their global, unnamed words are named data+/bss+ offsets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/04-gobin/moduledata.h"
#include "forensics/09-roots/globals.h"
#include "forensics/09-roots/roots.h"
#include "tests/unit/rootcores.h"

static void check_slots(const struct rc_core *r, const struct gr_roots *roots,
			const struct gr_moduledata *md,
			const struct gr_globals_stats *st, bool *unnamed_seen)
{
	uint64_t nslots[2] = {0, 0};
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *rt = gr_roots_get(roots, i);
		assert_true(rt->kind == GR_ROOT_DATA || rt->kind == GR_ROOT_BSS);
		bool bss = rt->kind == GR_ROOT_BSS;
		uint64_t lo = bss ? md->bss : md->data;
		uint64_t hi = bss ? md->ebss : md->edata;
		size_t n = gr_roots_slot_count(roots, i);
		const struct gr_root_slot *s = gr_roots_slots(roots, i);
		if (n == 0)
			fail_msg("%s: root %s has no slot", r->id, rt->name);
		nslots[bss] += n;
		const char *pfx = bss ? "bss+0x" : "data+0x";
		if (strncmp(rt->name, pfx, strlen(pfx)) == 0) {
			*unnamed_seen = true;
			uint64_t off = strtoull(rt->name + strlen(pfx) - 2, NULL,
						16);
			assert_int_equal(rt->addr, lo + off);
			assert_int_equal(rt->dwarf_type, GR_ROOT_NO_TYPE);
			/* One run: consecutive words. */
			for (size_t k = 0; k < n; k++)
				assert_int_equal(s[k].slot, rt->addr + 8 * k);
		} else {
			assert_true(rt->size > 0);
			for (size_t k = 0; k < n; k++)
				if (s[k].slot < rt->addr ||
				    s[k].slot >= rt->addr + rt->size)
					fail_msg("%s: slot %#" PRIx64
						 " outside %s",
						 r->id, s[k].slot, rt->name);
		}
		for (size_t k = 0; k < n; k++) {
			assert_true(s[k].slot >= lo && s[k].slot < hi);
			assert_int_equal(s[k].slot % 8, 0);
		}
	}
	/* Every masked word is one slot, none twice. */
	assert_int_equal(nslots[0], st->slots[GR_GLOBALS_DATA]);
	assert_int_equal(nslots[1], st->slots[GR_GLOBALS_BSS]);
	assert_int_equal(st->slots[GR_GLOBALS_DATA],
			 st->mask_bits[GR_GLOBALS_DATA]);
	assert_int_equal(st->slots[GR_GLOBALS_BSS],
			 st->mask_bits[GR_GLOBALS_BSS]);
	assert_true(st->mask_bits[GR_GLOBALS_DATA] > 100);
	assert_true(st->mask_bits[GR_GLOBALS_BSS] > 100);
	assert_int_equal(st->named_roots[0] + st->unnamed_roots[0] +
				 st->named_roots[1] + st->unnamed_roots[1],
			 gr_roots_count(roots));
}

static void check_sessions(const struct rc_core *r,
			   const struct gr_roots *roots)
{
	uint64_t var = rc_hex(r, NULL, "map_var_addr");
	uint64_t map = rc_hex(r, NULL, "map_header_addr");
	size_t found = 0;
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *rt = gr_roots_get(roots, i);
		if (strcmp(rt->name, "main.sessions") != 0)
			continue;
		found++;
		assert_int_equal(rt->addr, var);
		assert_int_equal(rt->size, 8);
		assert_int_not_equal(rt->dwarf_type, GR_ROOT_NO_TYPE);
		assert_int_equal(gr_roots_slot_count(roots, i), 1);
		const struct gr_root_slot *s = gr_roots_slots(roots, i);
		assert_int_equal(s[0].slot, var);
		assert_int_equal(s[0].value, map);
	}
	if (found != 1)
		fail_msg("%s: %zu roots named main.sessions", r->id, found);
}

/*
 * The runtime's own globals are roots through the same masks: allp, allgs
 * and allm point at heap arrays and objects (p, g and m are heap-allocated,
 * runtime/proc.go procresize/malg/allocm), which is how per-P timer heaps,
 * sudog caches and free G lists are reached.
 */
static void check_runtime(const struct rc_core *r,
			  const struct gr_roots *roots)
{
	const char *names[] = {"runtime.allp", "runtime.allgs", "runtime.allm"};
	for (size_t n = 0; n < 3; n++) {
		bool seen = false;
		for (size_t i = 0; i < gr_roots_count(roots) && !seen; i++) {
			const struct gr_root *rt = gr_roots_get(roots, i);
			if (strcmp(rt->name, names[n]) != 0)
				continue;
			seen = true;
			assert_int_equal(rt->kind, GR_ROOT_BSS);
			assert_int_not_equal(gr_roots_slots(roots, i)[0].value, 0);
		}
		if (!seen)
			fail_msg("%s: no root %s", r->id, names[n]);
	}
}

static void test_leakymap(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "leakymap");
	bool unnamed_seen = false;
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_roots *roots;
		struct gr_globals *g;
		rc_open(r, &s);
		rc_ok(gr_roots_create(&roots));
		rc_ok(gr_globals_add_roots(s, roots, &g));
		if (gr_globals_damage_count(g))
			fail_msg("%s: damage: %s", r->id,
				 gr_globals_damage(g, 0)->what);
		const struct gr_globals_stats *st = gr_globals_stats(g);
		check_slots(r, roots, gr_session_moduledata(s), st,
			    &unnamed_seen);
		check_sessions(r, roots);
		check_runtime(r, roots);
		print_message("%s: data %" PRIu64 " slots (%" PRIu64
			      " non-nil) in %" PRIu64 "+%" PRIu64
			      " roots, bss %" PRIu64 " (%" PRIu64
			      ") in %" PRIu64 "+%" PRIu64 "\n",
			      r->id, st->slots[0], st->nonnil_slots[0],
			      st->named_roots[0], st->unnamed_roots[0],
			      st->slots[1], st->nonnil_slots[1],
			      st->named_roots[1], st->unnamed_roots[1]);
		gr_globals_destroy(g);
		gr_roots_destroy(roots);
		gr_session_destroy(s);
	}
	assert_true(unnamed_seen);
	rc_free(&set);
}

static void test_destroy_null(void **state)
{
	(void)state;
	gr_globals_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leakymap),
		cmocka_unit_test(test_destroy_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
