/* SPDX-License-Identifier: MIT */
/* gr_bigarray: zeroed and plain arrays above and below the huge-page
 * threshold, growth keeping contents, overflowing sizes refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "forensics/01-base/bigarray.h"

static void test_zeroed(void **state)
{
	(void)state;
	/* Below and above the 4 MiB advice threshold. */
	size_t counts[] = {1, 1000, (8u << 20) / sizeof(uint32_t) + 3};
	for (size_t c = 0; c < sizeof(counts) / sizeof(*counts); c++) {
		uint32_t *a = gr_bigarray_alloc(counts[c], sizeof(*a), true);
		assert_non_null(a);
		for (size_t i = 0; i < counts[c]; i++)
			assert_int_equal(a[i], 0);
		a[counts[c] - 1] = 7;
		free(a);
	}
}

static void test_empty_and_overflow(void **state)
{
	(void)state;
	void *p = gr_bigarray_alloc(0, 8, false);
	assert_non_null(p); /* room for one element, never NULL */
	free(p);
	assert_null(gr_bigarray_alloc(SIZE_MAX / 4, 8, false));
	assert_null(gr_bigarray_alloc(SIZE_MAX / 4, 8, true));
	uint64_t *a = gr_bigarray_alloc(4, sizeof(*a), true);
	assert_non_null(a);
	/* A refused growth leaves the array as it was. */
	assert_null(gr_bigarray_realloc(a, SIZE_MAX / 4, 8));
	a[3] = 5;
	free(a);
}

static void test_grow(void **state)
{
	(void)state;
	size_t n = 1000;
	uint32_t *a = gr_bigarray_alloc(n, sizeof(*a), false);
	assert_non_null(a);
	for (size_t i = 0; i < n; i++)
		a[i] = (uint32_t)i * 3;
	/* Across the threshold, as the scan's edge vector grows. */
	size_t big = (16u << 20) / sizeof(*a);
	uint32_t *b = gr_bigarray_realloc(a, big, sizeof(*b));
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b[i], (uint32_t)i * 3);
	b[big - 1] = 1;
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_empty_and_overflow),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
