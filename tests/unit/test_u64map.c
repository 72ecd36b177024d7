/* SPDX-License-Identifier: MIT */
/* gr_u64map: keys of every shape (0, neighbours, far apart), growth,
 * overwrite, absent keys; gr_u64set: fresh and repeated keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forensics/01-base/u64map.h"

static void test_empty(void **state)
{
	(void)state;
	struct gr_u64map m = {0};
	uint32_t v = 7;
	assert_false(gr_u64map_get(&m, 0, &v));
	assert_false(gr_u64map_get(&m, 0x4a0000, &v));
	assert_int_equal(v, 7);
	gr_u64map_free(&m);
}

static void test_many(void **state)
{
	(void)state;
	struct gr_u64map m = {0};
	enum { N = 50000 };
	/* Descriptor-like addresses: 8-aligned, clustered, plus 0 and the
	 * largest key. */
	for (uint32_t i = 0; i < N; i++)
		assert_null(gr_u64map_put(&m, 0x400000 + 8 * (uint64_t)i, i));
	assert_null(gr_u64map_put(&m, 0, 123));
	assert_null(gr_u64map_put(&m, UINT64_MAX, UINT32_MAX - 1));
	assert_int_equal(m.count, N + 2);
	assert_true(m.index.mask + 1 >= 2 * m.count);
	uint32_t v;
	for (uint32_t i = 0; i < N; i++) {
		assert_true(gr_u64map_get(&m, 0x400000 + 8 * (uint64_t)i, &v));
		assert_int_equal(v, i);
	}
	assert_true(gr_u64map_get(&m, 0, &v));
	assert_int_equal(v, 123);
	assert_true(gr_u64map_get(&m, UINT64_MAX, &v));
	assert_int_equal(v, UINT32_MAX - 1);
	assert_false(gr_u64map_get(&m, 0x400004, &v));
	assert_false(gr_u64map_get(&m, 0x400000 + 8 * (uint64_t)N, &v));
	/* Overwriting keeps the count. */
	assert_null(gr_u64map_put(&m, 0x400010, 99));
	assert_true(gr_u64map_get(&m, 0x400010, &v));
	assert_int_equal(v, 99);
	assert_int_equal(m.count, N + 2);
	gr_u64map_free(&m);
	assert_int_equal(m.count, 0);
	assert_false(gr_u64map_get(&m, 0, &v));
}

static void test_set(void **state)
{
	(void)state;
	struct gr_u64set s = {0};
	enum { N = 20000 };
	bool fresh;
	/* Object ids from 0 up, and addresses: each new once, then seen. */
	for (uint64_t i = 0; i < N; i++) {
		assert_null(gr_u64set_add(&s, i, &fresh));
		assert_true(fresh);
		assert_null(gr_u64set_add(&s, 0xc000000000 + 16 * i, &fresh));
		assert_true(fresh);
	}
	assert_null(gr_u64set_add(&s, UINT64_MAX, &fresh));
	assert_true(fresh);
	assert_int_equal(s.count, 2 * N + 1);
	for (uint64_t i = 0; i < N; i++) {
		assert_null(gr_u64set_add(&s, i, &fresh));
		assert_false(fresh);
		assert_null(gr_u64set_add(&s, 0xc000000000 + 16 * i, &fresh));
		assert_false(fresh);
	}
	assert_null(gr_u64set_add(&s, UINT64_MAX, &fresh));
	assert_false(fresh);
	assert_int_equal(s.count, 2 * N + 1);
	/* Insertion order is kept. */
	assert_int_equal(s.keys[0], 0);
	assert_int_equal(s.keys[1], 0xc000000000);
	assert_int_equal(s.keys[2 * N], UINT64_MAX);
	gr_u64set_free(&s);
	assert_int_equal(s.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
