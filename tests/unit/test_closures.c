/* SPDX-License-Identifier: MIT */
/*
 * gr_closures on the finalizer corpus of every installed Go version: the
 * func literals main.makeQueued.func1 and main.makeGlobal.func1 capture
 * `captive *main.Captive` by value, so their closures are
 * "struct { F uintptr; main.captive *main.Captive }" as the compiler
 * names it (Go 1.19 and later alike); and a heap of func literals that no
 * code allocates (e.g. main.main) has none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/closures.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/06-rtype/rtype.h"
#include "tests/unit/rootcores.h"

static uint64_t entry_of(const struct gr_pcln *pcln, const char *name)
{
	uint32_t n = gr_pcln_func_count(pcln);
	for (uint32_t i = 0; i < n; i++) {
		struct gr_pcln_func fn;
		struct gr_error *err = gr_pcln_func_at(pcln, i, &fn);
		if (!err && !strcmp(fn.name, name))
			return fn.entry;
		gr_error_destroy(err);
	}
	return 0;
}

static void test_finalizer_closures(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	assert_true(set.n > 0);
	for (size_t i = 0; i < set.n; i++) {
		struct gr_session *s;
		rc_open(&set.v[i], &s);
		const struct gr_moduledata *md = gr_session_moduledata(s);
		struct gr_closures *c;
		struct gr_damage_list damage = {0};
		rc_ok(gr_closures_create(gr_session_mem(s), gr_session_pcln(s),
					 md->types, md->etypes, &damage, &c));
		/* The executable's code is all there. */
		assert_int_equal(gr_damage_total(&damage), 0);
		struct gr_rtypes *rt;
		rc_ok(gr_rtypes_create(s, &rt));
		static const char *const lits[] = {"main.makeQueued.func1",
						   "main.makeGlobal.func1"};
		for (size_t k = 0; k < 2; k++) {
			uint64_t e = entry_of(gr_session_pcln(s), lits[k]);
			assert_true(e != 0);
			uint64_t ty = gr_closures_type(c, e);
			if (!ty)
				fail_msg("%s: no closure type for %s",
					 set.v[i].id, lits[k]);
			const struct gr_rtype *t;
			const char *name;
			rc_ok(gr_rtype_get(rt, ty, &t));
			rc_ok(gr_rtype_name(rt, t, &name));
			assert_int_equal(t->kind, GR_GO_KIND_STRUCT);
			assert_int_equal(t->size, 16);
			if (strncmp(name, "struct { F uintptr; ", 20) ||
			    !strstr(name, "*main.Captive }"))
				fail_msg("%s: %s: closure type %s",
					 set.v[i].id, lits[k], name);
		}
		/* main.main is called by the runtime, never allocated. */
		uint64_t m = entry_of(gr_session_pcln(s), "main.main");
		assert_int_equal(gr_closures_type(c, m), 0);
		printf("  %-24s %zu func literals with a closure type\n",
		       set.v[i].id, gr_closures_count(c));
		assert_true(gr_closures_count(c) >= 2);
		gr_rtypes_destroy(rt);
		gr_closures_destroy(c);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finalizer_closures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
