/* SPDX-License-Identifier: MIT */
/*
 * gr_specials on the finalizer cores of every installed Go version, PIE
 * and not, checked against the program's oracle; the kind table of
 * layouts/special_kinds.c against each binary's DWARF constants; corrupted
 * specials lists (patched copies of a core) cut with damage, no hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/07-heap/heap.h"
#include "forensics/09-roots/roots.h"
#include "forensics/09-roots/specials.h"
#include "tests/unit/rootcores.h"

/* ---- the kind table ---- */

static void test_kind_table(void **state)
{
	(void)state;
	struct gr_special_kinds k;
	struct gr_error *err = gr_layout_special_kinds(1, 20, &k);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_UNSUPPORTED);
	gr_error_destroy(err);
	err = gr_layout_special_kinds(1, 28, &k);
	assert_non_null(err);
	gr_error_destroy(err);
	rc_ok(gr_layout_special_kinds(1, 24, &k));
	assert_int_equal(gr_special_kind_decode(&k, 1), GR_SPECIAL_FINALIZER);
	assert_int_equal(gr_special_kind_decode(&k, 6), GR_SPECIAL_CLEANUP);
	assert_int_equal(gr_special_kind_decode(&k, 0), GR_SPECIAL_UNKNOWN);
	assert_int_equal(gr_special_kind_decode(&k, 9), GR_SPECIAL_UNKNOWN);
	rc_ok(gr_layout_special_kinds(1, 25, &k));
	assert_int_equal(gr_special_kind_decode(&k, 1), GR_SPECIAL_TINY_BLOCK);
	assert_int_equal(gr_special_kind_decode(&k, 2), GR_SPECIAL_FINALIZER);
	assert_string_equal(gr_special_kind_name(GR_SPECIAL_WEAK_HANDLE),
			    "weak-handle");
	assert_string_equal(gr_special_kind_name(GR_SPECIAL_UNKNOWN),
			    "unknown");
}

/* Every constant the binary's DWARF has equals the table's; the table
 * names no kind the DWARF lacks. */
static void check_table_against_dwarf(const struct rc_core *r,
				      struct gr_session *s)
{
	struct gr_special_kinds k;
	rc_ok(gr_layout_special_kinds(1, rc_minor(r), &k));
	const struct gr_dwarf *d = gr_session_dwarf(s);
	for (size_t i = 0; i < GR_SPECIAL_KIND_COUNT; i++) {
		int64_t v = 0;
		const char *name = gr_special_kind_constant(i);
		struct gr_error *err = gr_dwarf_constant(d, name, &v);
		gr_error_destroy(err);
		if (err ? k.value[i] != 0 : v != k.value[i])
			fail_msg("%s: %s is %s in DWARF, %u in the table",
				 r->id, name, err ? "absent" : "set", k.value[i]);
	}
}

/* ---- the finalizer program ---- */

static const struct gr_special *special_on(const struct gr_specials *sp,
					   uint64_t obj,
					   enum gr_special_kind kind)
{
	for (size_t i = 0; i < gr_specials_count(sp); i++) {
		const struct gr_special *x = gr_specials_get(sp, i);
		if (x->object == obj && x->kind == kind)
			return x;
	}
	return NULL;
}

/* Index of the root of @kind whose first slot holds @value, or -1. */
static long root_with(const struct gr_roots *roots, enum gr_root_kind kind,
		      uint64_t value)
{
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		if (gr_roots_get(roots, i)->kind != kind)
			continue;
		const struct gr_root_slot *s = gr_roots_slots(roots, i);
		for (size_t k = 0; k < gr_roots_slot_count(roots, i); k++)
			if (s[k].value == value)
				return (long)i;
	}
	return -1;
}

/* Objects reachable from @from in at most @depth pointer hops (BFS over
 * gr_heap_scan_object; small graphs only). */
struct reach {
	uint32_t ids[4096];
	size_t n;
	struct gr_heap *heap;
};

static void reach_add(void *arg, uint64_t slot, uint64_t value)
{
	(void)slot;
	struct reach *rc = arg;
	uint32_t id = gr_heap_find(rc->heap, value);
	if (id == GR_HEAP_NO_OBJECT || rc->n == 4096)
		return;
	for (size_t i = 0; i < rc->n; i++)
		if (rc->ids[i] == id)
			return;
	rc->ids[rc->n++] = id;
}

static bool reaches(struct gr_heap *heap, const uint64_t *from, size_t nfrom,
		    uint64_t target, int depth)
{
	struct reach rc = {.heap = heap};
	for (size_t i = 0; i < nfrom; i++)
		reach_add(&rc, 0, from[i]);
	size_t done = 0;
	for (int d = 0; d < depth; d++) {
		size_t end = rc.n;
		for (; done < end; done++) {
			struct gr_error *err = gr_heap_scan_object(
				heap, rc.ids[done], reach_add, &rc);
			gr_error_destroy(err);
		}
	}
	uint32_t t = gr_heap_find(heap, target);
	for (size_t i = 0; i < rc.n; i++)
		if (rc.ids[i] == t)
			return true;
	return false;
}

static void check_finalizer(const struct rc_core *r, struct gr_heap *heap,
			    const struct gr_dwarf *dwarf,
			    struct gr_specials *sp, struct gr_roots *roots)
{
	uint64_t obj = rc_object(r, "fin_global");
	uint64_t closure = rc_object(r, "fin_global_closure");
	uint64_t child = rc_object(r, "fin_global.Child");
	const struct gr_special *x = special_on(sp, obj, GR_SPECIAL_FINALIZER);
	if (!x)
		fail_msg("%s: no finalizer special on fin_global %#" PRIx64,
			 r->id, obj);
	assert_int_equal(x->fn, closure);
	assert_int_equal(x->target, obj);
	assert_int_not_equal(x->object_id, GR_HEAP_NO_OBJECT);
	/* FINALIZER: the closure; then FINALIZER_OBJECT: the object's
	 * pointer words (its Child) and the synthetic slot. */
	long fi = root_with(roots, GR_ROOT_FINALIZER, closure);
	if (fi < 0)
		fail_msg("%s: closure %#" PRIx64 " is no FINALIZER slot",
			 r->id, closure);
	const struct gr_root *fo = gr_roots_get(roots, (size_t)fi + 1);
	assert_non_null(fo);
	assert_int_equal(fo->kind, GR_ROOT_FINALIZER_OBJECT);
	assert_int_equal(fo->addr, obj);
	const struct gr_dwarf_type *t = gr_dwarf_type(dwarf, fo->dwarf_type);
	assert_non_null(t);
	assert_string_equal(t->name, "main.FinObj");
	size_t n = gr_roots_slot_count(roots, (size_t)fi + 1);
	const struct gr_root_slot *s = gr_roots_slots(roots, (size_t)fi + 1);
	assert_true(n >= 2);
	assert_int_equal(s[n - 1].slot, 0);
	assert_int_equal(s[n - 1].value, obj);
	bool child_seen = false;
	for (size_t k = 0; k + 1 < n; k++) {
		assert_true(s[k].slot >= obj && s[k].slot < obj + fo->size);
		child_seen |= s[k].value == child;
	}
	assert_true(child_seen);
	/* The captive is kept through the closure, not the object. */
	assert_true(reaches(heap, &closure, 1,
			    rc_object(r, "fin_global_captive"), 1));
}

static void check_cleanup(const struct rc_core *r, struct gr_heap *heap,
			  struct gr_specials *sp, struct gr_roots *roots)
{
	uint64_t target = rc_object(r, "cleanup_target");
	uint64_t arg = rc_object(r, "cleanup_arg");
	const struct gr_special *x = special_on(sp, target, GR_SPECIAL_CLEANUP);
	if (!x)
		fail_msg("%s: no cleanup special on %#" PRIx64, r->id, target);
	assert_int_not_equal(x->fn, 0);
	assert_true(x->id >= 1);
	long ci = root_with(roots, GR_ROOT_CLEANUP, x->fn);
	assert_true(ci >= 0);
	size_t n = gr_roots_slot_count(roots, (size_t)ci);
	const struct gr_root_slot *s = gr_roots_slots(roots, (size_t)ci);
	/* 1.24-1.25: the closure; 1.26+: cleanupFn{call, fn, arg}. */
	assert_int_equal(n, rc_minor(r) >= 26 ? 3 : 1);
	uint64_t vals[3];
	for (size_t k = 0; k < n; k++) {
		vals[k] = s[k].value;
		assert_int_not_equal(s[k].value, target);
	}
	/* The argument is kept by the cleanup: 1.24-1.25 through the
	 * closure and the heap cell of its captured (address-taken) arg,
	 * 1.26+ through the boxed arg ... */
	assert_true(reaches(heap, vals, n, arg, 2));
	/* ... the object the cleanup is attached to is not. */
	assert_false(reaches(heap, vals, n, target, 3));
	for (size_t i = 0; i < gr_roots_count(roots); i++) {
		const struct gr_root *rt = gr_roots_get(roots, i);
		if (rt->kind != GR_ROOT_CLEANUP)
			continue;
		s = gr_roots_slots(roots, i);
		for (size_t k = 0; k < gr_roots_slot_count(roots, i); k++)
			assert_int_not_equal(s[k].value, target);
	}
}

static void test_finalizer_cores(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	for (size_t i = 0; i < set.n; i++) {
		const struct rc_core *r = &set.v[i];
		struct gr_session *s;
		struct gr_heap *heap;
		struct gr_specials *sp;
		struct gr_roots *roots;
		rc_open(r, &s);
		check_table_against_dwarf(r, s);
		rc_ok(gr_heap_load(s, &heap));
		rc_ok(gr_specials_load(s, heap, &sp));
		rc_ok(gr_roots_create(&roots));
		rc_ok(gr_specials_add_roots(sp, heap, roots));
		if (gr_specials_damage_count(sp))
			fail_msg("%s: damage: %s", r->id,
				 gr_specials_damage(sp, 0)->what);
		assert_string_equal(gr_specials_kinds_source(sp), "DWARF");
		const struct gr_specials_stats *st = gr_specials_stats(sp);
		/* fin_global plus os.Stdin, Stdout, Stderr (os/file_unix.go
		 * newFile sets a finalizer on each *file). */
		assert_int_equal(st->count[GR_SPECIAL_FINALIZER], 4);
		assert_int_equal(st->count[GR_SPECIAL_CLEANUP],
				 rc_minor(r) >= 24 ? 1 : 0);
		assert_int_equal(st->count[GR_SPECIAL_UNKNOWN], 0);
		check_finalizer(r, heap, gr_session_dwarf(s), sp, roots);
		if (rc_minor(r) >= 24)
			check_cleanup(r, heap, sp, roots);
		print_message("%s: %zu specials in %" PRIu64 " spans "
			      "(finalizer %" PRIu64 ", cleanup %" PRIu64
			      ", weak %" PRIu64 ", profile %" PRIu64
			      "), %zu roots\n",
			      r->id, gr_specials_count(sp),
			      st->spans_with_specials,
			      st->count[GR_SPECIAL_FINALIZER],
			      st->count[GR_SPECIAL_CLEANUP],
			      st->count[GR_SPECIAL_WEAK_HANDLE],
			      st->count[GR_SPECIAL_PROFILE],
			      gr_roots_count(roots));
		gr_roots_destroy(roots);
		gr_specials_destroy(sp);
		gr_heap_destroy(heap);
		gr_session_destroy(s);
	}
	rc_free(&set);
}

/* ---- corrupted lists ---- */

static bool damage_says(const struct gr_specials *sp, const char *what)
{
	for (size_t i = 0; i < gr_specials_damage_count(sp); i++)
		if (strstr(gr_specials_damage(sp, i)->what, what))
			return true;
	return false;
}

/*
 * The three os.File finalizers share a span: A -> B -> C.  Patch copies:
 * A.next = A (a self loop: Brent), C.next = A (back to a smaller key: the
 * order check), and B = A's key with B.next = A (a loop of equal keys that
 * only Brent catches).  Each walk stops with damage; fin_global, in
 * another span, is still found.
 */
static void test_cyclic(void **state)
{
	(void)state;
	struct rc_set set;
	rc_load(&set, "finalizer");
	const struct rc_core *r = &set.v[set.n - 1];
	struct gr_session *s;
	struct gr_heap *heap;
	struct gr_specials *sp;
	rc_open(r, &s);
	rc_ok(gr_heap_load(s, &heap));
	rc_ok(gr_specials_load(s, heap, &sp));
	const struct gr_special *a = NULL, *b = NULL, *c = NULL;
	for (size_t i = 0; i + 2 < gr_specials_count(sp); i++) {
		const struct gr_special *x = gr_specials_get(sp, i);
		const struct gr_special *y = gr_specials_get(sp, i + 1);
		const struct gr_special *z = gr_specials_get(sp, i + 2);
		if (x->span == y->span && y->span == z->span) {
			a = x, b = y, c = z;
			break;
		}
	}
	if (!a)
		fail_msg("%s: no span with three specials", r->id);
	uint64_t next_off, off_off, kind_off;
	const struct gr_dwarf *d = gr_session_dwarf(s);
	rc_ok(gr_dwarf_field_offset(d, "runtime.special", "next", &next_off));
	rc_ok(gr_dwarf_field_offset(d, "runtime.special", "offset", &off_off));
	rc_ok(gr_dwarf_field_offset(d, "runtime.special", "kind", &kind_off));
	/* A's header bytes, from offset through kind. */
	uint8_t akey[32];
	size_t keylen = kind_off + 1 - off_off;
	assert_true(keylen <= sizeof(akey));
	rc_ok(gr_mem_read(gr_session_mem(s), a->addr + off_off, akey, keylen));
	uint64_t global = rc_object(r, "fin_global");
	/* Case 3: B's kind byte made a weak handle's (1.23+; the handle
	 * field is where specialfinalizer.fn is). */
	struct gr_special_kinds k;
	rc_ok(gr_layout_special_kinds(1, rc_minor(r), &k));
	uint8_t weak = k.value[GR_SPECIAL_WEAK_HANDLE];
	assert_int_not_equal(weak, 0);
	uint64_t handle_off;
	rc_ok(gr_dwarf_field_offset(d, "runtime.specialWeakHandle", "handle",
				    &handle_off));
	uint64_t handle;
	rc_ok(gr_mem_u64(gr_session_mem(s), b->addr + handle_off, &handle));

	const struct {
		struct rc_patch p[2];
		size_t np;
		const char *damage;
	} cases[] = {
		{{{a->addr + next_off, &a->addr, 8}}, 1, "loop back"},
		{{{c->addr + next_off, &a->addr, 8}}, 1, "out of order"},
		{{{b->addr + off_off, akey, keylen},
		  {b->addr + next_off, &a->addr, 8}},
		 2,
		 "loop back"},
		{{{b->addr + kind_off, &weak, 1}}, 1, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char tmp[PATH_MAX];
		struct gr_session *ps;
		struct gr_heap *ph;
		struct gr_specials *psp;
		struct gr_roots *roots;
		rc_open_patched(r, s, cases[i].p, cases[i].np, tmp, &ps);
		rc_ok(gr_heap_load(ps, &ph));
		rc_ok(gr_specials_load(ps, ph, &psp));
		if (cases[i].damage && !damage_says(psp, cases[i].damage))
			fail_msg("case %zu: no damage '%s' (%zu records)", i,
				 cases[i].damage,
				 gr_specials_damage_count(psp));
		if (!cases[i].damage)
			assert_int_equal(gr_specials_damage_count(psp), 0);
		assert_non_null(special_on(psp, global, GR_SPECIAL_FINALIZER));
		/* Duplicates a loop let through still make sane roots. */
		assert_true(gr_specials_count(psp) <= gr_specials_count(sp) + 2);
		rc_ok(gr_roots_create(&roots));
		rc_ok(gr_specials_add_roots(psp, ph, roots));
		if (!cases[i].damage) {
			/* The handle is a RUNTIME root; the object is not. */
			const struct gr_special *w =
				special_on(psp, b->object,
					   GR_SPECIAL_WEAK_HANDLE);
			assert_non_null(w);
			assert_int_equal(w->handle, handle);
			long wi = root_with(roots, GR_ROOT_RUNTIME, handle);
			assert_true(wi >= 0);
			const struct gr_root *wr =
				gr_roots_get(roots, (size_t)wi);
			assert_non_null(strstr(wr->name, "weak handle for"));
			assert_false(wr->weak);
			assert_int_equal(gr_roots_slot_count(roots, (size_t)wi),
					 1);
			assert_int_equal(root_with(roots,
						   GR_ROOT_FINALIZER_OBJECT,
						   b->object) >= 0,
					 false);
		} else {
			print_message("case %zu: %s (%zu specials)\n", i,
				      gr_specials_damage(psp, 0)->what,
				      gr_specials_count(psp));
		}
		gr_roots_destroy(roots);
		gr_specials_destroy(psp);
		gr_heap_destroy(ph);
		gr_session_destroy(ps);
		unlink(tmp);
	}
	gr_specials_destroy(sp);
	gr_heap_destroy(heap);
	gr_session_destroy(s);
	rc_free(&set);
}

static void test_destroy_null(void **state)
{
	(void)state;
	gr_specials_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_table),
		cmocka_unit_test(test_finalizer_cores),
		cmocka_unit_test(test_cyclic),
		cmocka_unit_test(test_destroy_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
