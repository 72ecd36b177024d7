/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/error.h"

/* A code in the set is caught: destroyed, *err NULL, true. */
static void test_catch_listed_code(void **state)
{
	(void)state;
	struct gr_error *err = gr_error_fault(0x1000, 8, "not mapped");
	assert_true(gr_error_catch(&err, GR_ERR_BIT(FAULT)));
	assert_null(err);
	err = gr_error_create(GR_ERR_BAD_DATA, "short");
	assert_true(gr_error_catch(&err, GR_ERR_CONTENT));
	assert_null(err);
}

/* Any other code is left for the caller, untouched. */
static void test_catch_leaves_other_codes(void **state)
{
	(void)state;
	struct gr_error *err = gr_error_create(GR_ERR_BAD_DATA, "short");
	struct gr_error *was = err;
	assert_false(gr_error_catch(&err, GR_ERR_BIT(FAULT)));
	assert_ptr_equal(err, was);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	gr_error_destroy(err);
	err = gr_error_os(2, "core", "open");
	assert_false(gr_error_catch(&err, GR_ERR_CONTENT));
	assert_non_null(err);
	gr_error_destroy(err);
}

/* NOMEM is never caught, whatever the set says; NULL is nothing to
 * catch. */
static void test_catch_never_nomem(void **state)
{
	(void)state;
	struct gr_error *err = gr_error_nomem();
	assert_false(gr_error_catch(&err, ~0u));
	assert_ptr_equal(err, gr_error_nomem());
	assert_int_equal(err->code, GR_ERR_NOMEM);
	err = NULL;
	assert_false(gr_error_catch(&err, ~0u));
	assert_null(err);
}

/* gr_damage_catch records a caught error (its message may be quoted) and
 * hands back any other, recording nothing. */
static void test_damage_catch(void **state)
{
	(void)state;
	struct gr_damage_list l = {0};
	struct gr_error *err = gr_error_fault(0x2000, 8, "not in the core");
	assert_null(gr_damage_catch(&l, err, GR_ERR_BIT(FAULT), 0x2000, 8,
				    "block unreadable: %s", err->message));
	assert_int_equal(gr_damage_count(&l), 1);
	assert_string_equal(gr_damage_get(&l, 0)->what,
			    "block unreadable: cannot read 8 bytes at "
			    "0x2000: not in the core");
	err = gr_error_create(GR_ERR_BAD_DATA, "short");
	struct gr_error *back =
		gr_damage_catch(&l, err, GR_ERR_BIT(FAULT), 0, 0, "x");
	assert_ptr_equal(back, err);
	gr_error_destroy(back);
	back = gr_damage_catch(&l, gr_error_nomem(), ~0u, 0, 0, "x");
	assert_ptr_equal(back, gr_error_nomem());
	assert_int_equal(gr_damage_count(&l), 1);
	gr_damage_list_deinit(&l);
}

/* A list keeps GR_DAMAGE_MAX records, counts the rest, and closing it
 * adds one record saying how many were dropped. */
static void test_damage_cap(void **state)
{
	(void)state;
	struct gr_damage_list l = {0};
	for (int i = 0; i < GR_DAMAGE_MAX + 5; i++)
		assert_null(gr_damage_add(&l, (uint64_t)i, 8, "bad %d", i));
	assert_int_equal(gr_damage_count(&l), GR_DAMAGE_MAX);
	assert_int_equal(l.dropped, 5);
	assert_int_equal(gr_damage_total(&l), GR_DAMAGE_MAX + 5);
	/* A catch past the cap is counted and still destroys the error. */
	assert_null(gr_damage_fault(&l, gr_error_fault(0x10, 8, "gone"), "x"));
	assert_null(gr_damage_list_close(&l));
	assert_int_equal(gr_damage_count(&l), GR_DAMAGE_MAX + 1);
	const struct gr_damage *last = gr_damage_get(&l, GR_DAMAGE_MAX);
	assert_string_equal(last->what,
			    "further damage not recorded (6 records)");
	assert_int_equal(last->addr, 0);
	/* The closing record is not damage of its own; later ones count. */
	assert_int_equal(gr_damage_total(&l), GR_DAMAGE_MAX + 6);
	assert_null(gr_damage_add(&l, 1, 1, "late"));
	assert_int_equal(gr_damage_count(&l), GR_DAMAGE_MAX + 1);
	assert_int_equal(gr_damage_total(&l), GR_DAMAGE_MAX + 7);
	gr_damage_list_deinit(&l);
	assert_int_equal(gr_damage_total(&l), 0);
}

/* Below the cap, closing adds nothing; gr_damage_fault passes NULL and
 * other codes through and records a FAULT at its own address. */
static void test_damage_fault(void **state)
{
	(void)state;
	struct gr_damage_list l = {0};
	assert_null(gr_damage_fault(&l, NULL, "x"));
	assert_int_equal(gr_damage_total(&l), 0);
	assert_null(gr_damage_fault(&l, gr_error_fault(0x1234, 8, "not mapped"),
				    "word"));
	assert_int_equal(gr_damage_count(&l), 1);
	assert_int_equal(gr_damage_get(&l, 0)->addr, 0x1234);
	struct gr_error *e = gr_error_create(GR_ERR_BAD_DATA, "odd");
	struct gr_error *back = gr_damage_fault(&l, e, "x");
	assert_ptr_equal(back, e);
	gr_error_destroy(back);
	assert_null(gr_damage_list_close(&l));
	assert_int_equal(gr_damage_count(&l), 1);
	assert_int_equal(gr_damage_total(&l), 1);
	gr_damage_list_deinit(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catch_listed_code),
		cmocka_unit_test(test_catch_leaves_other_codes),
		cmocka_unit_test(test_catch_never_nomem),
		cmocka_unit_test(test_damage_catch),
		cmocka_unit_test(test_damage_cap),
		cmocka_unit_test(test_damage_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
