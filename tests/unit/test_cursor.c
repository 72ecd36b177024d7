/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "forensics/01-base/cursor.h"

static void test_reads_and_does_not_advance_on_error(void **state)
{
	(void)state;
	const uint8_t d[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct gr_cursor c;
	gr_cursor_init(&c, d, sizeof(d), "blob");
	uint32_t v32;
	uint64_t v64;
	assert_null(gr_cursor_u32(&c, &v32));
	assert_int_equal(v32, 0x04030201);
	struct gr_error *err = gr_cursor_u64(&c, &v64);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "blob+0x4"));
	gr_error_destroy(err);
	assert_int_equal(c.off, 4);
	err = gr_cursor_seek(&c, 10);
	assert_non_null(err);
	gr_error_destroy(err);
	err = gr_cursor_skip(&c, UINT64_MAX);
	assert_non_null(err);
	gr_error_destroy(err);
	assert_int_equal(c.off, 4);
}

static void test_varints(void **state)
{
	(void)state;
	const uint8_t d[] = {0xac, 0x02, 0x03, 0x80};
	struct gr_cursor c;
	gr_cursor_init(&c, d, sizeof(d), "v");
	uint64_t u;
	assert_null(gr_cursor_uvarint(&c, &u));
	assert_int_equal(u, 300);
	int64_t s;
	assert_null(gr_cursor_svarint(&c, &s)); /* 3 -> ^1 = -2 */
	assert_int_equal(s, -2);
	struct gr_error *err = gr_cursor_uvarint(&c, &u); /* truncated */
	assert_non_null(err);
	gr_error_destroy(err);
	const uint8_t big[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0xff, 0xff, 0xff, 0xff, 0x01};
	gr_cursor_init(&c, big, sizeof(big), "v");
	err = gr_cursor_uvarint(&c, &u);
	assert_non_null(err);
	gr_error_destroy(err);
}

static void test_cstr(void **state)
{
	(void)state;
	const char d[] = {'a', 'b', 0, 'c'};
	struct gr_cursor c;
	gr_cursor_init(&c, d, sizeof(d), "s");
	const char *s;
	size_t n;
	assert_null(gr_cursor_cstr(&c, &s, &n));
	assert_string_equal(s, "ab");
	assert_int_equal(n, 2);
	struct gr_error *err = gr_cursor_cstr(&c, &s, &n);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "unterminated"));
	gr_error_destroy(err);
}

/* Two notes: "GNU" with a 5-byte descriptor (3 bytes of padding), then
 * "Go" whose descriptor's padding is cut off. */
static void test_elf_notes(void **state)
{
	(void)state;
	const uint8_t d[] = {
		4, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0,
		1, 2, 3, 4, 5, 0, 0, 0,
		3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 'G', 'o', 0, 0,
		'i', 'd',
	};
	struct gr_cursor c;
	struct gr_elf_note n;
	gr_cursor_init(&c, d, sizeof(d), "PT_NOTE");
	assert_null(gr_cursor_elf_note(&c, &n));
	assert_int_equal(n.type, 3);
	assert_int_equal(n.namesz, 4);
	assert_memory_equal(n.name, "GNU", 4);
	assert_int_equal(n.descsz, 5);
	assert_ptr_equal(n.desc, d + 16);
	assert_int_equal(c.off, 24);
	assert_null(gr_cursor_elf_note(&c, &n));
	assert_int_equal(n.type, 4);
	assert_memory_equal(n.desc, "id", 2);
	assert_int_equal(c.off, sizeof(d));

	/* A descriptor cut short: BAD_DATA at its offset, no move. */
	gr_cursor_init(&c, d, 20, "PT_NOTE");
	struct gr_error *err = gr_cursor_elf_note(&c, &n);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "PT_NOTE+0x10: need 5 bytes"));
	gr_error_destroy(err);
	assert_int_equal(c.off, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_and_does_not_advance_on_error),
		cmocka_unit_test(test_varints),
		cmocka_unit_test(test_cstr),
		cmocka_unit_test(test_elf_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
