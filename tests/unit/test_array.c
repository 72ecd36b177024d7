/* SPDX-License-Identifier: MIT */
/* gr_array: growth from the empty start keeps the elements and doubles,
 * requests that cannot fit in size_t are refused as LIMIT with the array
 * untouched, zero-sized requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "forensics/01-base/array.h"

struct pair {
	uint64_t a;
	uint32_t b;
};

static void test_push(void **state)
{
	(void)state;
	struct pair *v = NULL;
	size_t n = 0, cap = 0, reallocs = 0;
	enum { N = 100000 };
	for (uint32_t i = 0; i < N; i++) {
		size_t old = cap;
		struct gr_error *err = gr_array_grow(&v, &cap, n, 1);
		assert_null(err);
		assert_true(cap > n);
		if (cap != old) {
			reallocs++;
			/* Doubling, from the minimum. */
			assert_int_equal(cap, old ? 2 * old : GR_ARRAY_MIN_CAP);
		}
		v[n++] = (struct pair){.a = 3 * (uint64_t)i, .b = i};
	}
	/* Amortised: a logarithmic number of reallocations. */
	assert_true(reallocs < 20);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(v[i].a, 3 * (uint64_t)i);
		assert_int_equal(v[i].b, i);
	}
	free(v);
}

static void test_bulk(void **state)
{
	(void)state;
	uint32_t *v = NULL;
	size_t cap = 0;
	/* A request larger than double the capacity gets exactly that. */
	assert_null(gr_array_grow(&v, &cap, 0, 1000));
	assert_int_equal(cap, 1000);
	for (uint32_t i = 0; i < 1000; i++)
		v[i] = i;
	/* Room already there: nothing moves. */
	uint32_t *before = v;
	assert_null(gr_array_grow(&v, &cap, 500, 500));
	assert_ptr_equal(v, before);
	assert_int_equal(cap, 1000);
	assert_null(gr_array_grow(&v, &cap, 1000, 1));
	assert_int_equal(cap, 2000);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	free(v);
}

static void test_zero(void **state)
{
	(void)state;
	/* Nothing asked of an empty array: it stays empty, no allocation. */
	char *s = NULL;
	size_t cap = 0;
	assert_null(gr_array_grow(&s, &cap, 0, 0));
	assert_null(s);
	assert_int_equal(cap, 0);
	/* One byte from empty: the minimum capacity. */
	assert_null(gr_array_grow(&s, &cap, 0, 1));
	assert_non_null(s);
	assert_int_equal(cap, GR_ARRAY_MIN_CAP);
	free(s);
}

static void test_overflow(void **state)
{
	(void)state;
	uint64_t *v = NULL;
	size_t cap = 0;
	assert_null(gr_array_grow(&v, &cap, 0, 4));
	v[3] = 42;
	uint64_t *before = v;
	/* Count times size overflows. */
	struct gr_error *err = gr_array_grow(&v, &cap, 0, SIZE_MAX / 4);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_LIMIT);
	gr_error_destroy(err);
	/* Count plus more overflows. */
	err = gr_array_grow(&v, &cap, SIZE_MAX - 2, 3);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_LIMIT);
	gr_error_destroy(err);
	/* Untouched by the refusals. */
	assert_ptr_equal(v, before);
	assert_int_equal(cap, GR_ARRAY_MIN_CAP);
	assert_int_equal(v[3], 42);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_zero),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
