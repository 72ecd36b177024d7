/* SPDX-License-Identifier: MIT */
/* gr_hash: the empty table, many string keys found again through growth,
 * equal hashes probed in turn, reserve and clear, entry numbers past the
 * limit refused with the table unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "forensics/01-base/hash.h"

/* The entry with @key among @keys through @h, UINT32_MAX if none. */
static uint32_t find(const struct gr_hash *h, char (*keys)[16],
		     const char *key)
{
	struct gr_hash_probe p;
	uint32_t id;
	for (gr_hash_probe_init(h, gr_hash_str(key), &p);
	     gr_hash_probe_next(h, &p, &id);)
		if (strcmp(keys[id], key) == 0)
			return id;
	return UINT32_MAX;
}

static void test_empty(void **state)
{
	(void)state;
	struct gr_hash h = {0};
	struct gr_hash_probe p;
	uint32_t id = 7;
	gr_hash_probe_init(&h, gr_hash_u64(0), &p);
	assert_false(gr_hash_probe_next(&h, &p, &id));
	assert_int_equal(id, 7);
	gr_hash_deinit(&h);
	gr_hash_deinit(&h);
}

static void test_many(void **state)
{
	(void)state;
	enum { N = 50000 };
	static char keys[N][16];
	struct gr_hash h = {0};
	for (uint32_t i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key%u", i);
		assert_int_equal(find(&h, keys, keys[i]), UINT32_MAX);
		assert_null(gr_hash_insert(&h, gr_hash_str(keys[i]), i));
		/* At most half full, always. */
		assert_true(2 * h.count <= h.mask + 1);
	}
	assert_int_equal(h.count, N);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(find(&h, keys, keys[i]), i);
	assert_int_equal(find(&h, keys, "key50000"), UINT32_MAX);
	assert_int_equal(find(&h, keys, ""), UINT32_MAX);
	/* Clear keeps the slots and forgets the entries. */
	size_t mask = h.mask;
	gr_hash_clear(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.mask, mask);
	assert_int_equal(find(&h, keys, keys[0]), UINT32_MAX);
	gr_hash_deinit(&h);
	assert_null(h.slots);
}

static void test_same_hash(void **state)
{
	(void)state;
	/* Three entries under one hash: each found, in insertion order for
	 * a table that did not grow in between. */
	struct gr_hash h = {0};
	uint64_t hv = gr_hash_u64(42);
	assert_null(gr_hash_reserve(&h, 100));
	size_t mask = h.mask;
	for (uint32_t i = 0; i < 3; i++)
		assert_null(gr_hash_insert(&h, hv, 10 + i));
	assert_int_equal(h.mask, mask);
	struct gr_hash_probe p;
	uint32_t id, n = 0;
	for (gr_hash_probe_init(&h, hv, &p); gr_hash_probe_next(&h, &p, &id);)
		assert_int_equal(id, 10 + n++);
	assert_int_equal(n, 3);
	/* Another hash sees none of them. */
	gr_hash_probe_init(&h, gr_hash_u64(43), &p);
	while (gr_hash_probe_next(&h, &p, &id))
		assert_true(id < 10 || id > 12);
	gr_hash_deinit(&h);
}

static void test_hashes(void **state)
{
	(void)state;
	/* The three hashes are one: XXH3 of the bytes. */
	uint64_t x = 0x4a0000;
	assert_int_equal(gr_hash_u64(x), gr_hash_bytes(&x, sizeof(x)));
	assert_int_equal(gr_hash_str("runtime.g"),
			 gr_hash_bytes("runtime.g", 9));
	assert_true(gr_hash_u64(0x4a0000) != gr_hash_u64(0x4a0008));
}

static void test_limit(void **state)
{
	(void)state;
	struct gr_hash h = {0};
	assert_null(gr_hash_insert(&h, gr_hash_u64(1), 0));
	struct gr_error *err =
		gr_hash_insert(&h, gr_hash_u64(2), GR_HASH_MAX_ENTRIES);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_LIMIT);
	gr_error_destroy(err);
	err = gr_hash_reserve(&h, (size_t)GR_HASH_MAX_ENTRIES + 1);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_LIMIT);
	gr_error_destroy(err);
	assert_int_equal(h.count, 1);
	struct gr_hash_probe p;
	uint32_t id;
	gr_hash_probe_init(&h, gr_hash_u64(1), &p);
	assert_true(gr_hash_probe_next(&h, &p, &id));
	assert_int_equal(id, 0);
	gr_hash_deinit(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_same_hash),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
