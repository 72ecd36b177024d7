/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/02-input/mem.h"

static uint8_t bytes[256];

static struct gr_mem *make(void)
{
	struct gr_mem *m;
	assert_null(gr_mem_create(&m));
	for (int i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	struct gr_mem_segment core = {.start = 0x1000, .end = 0x1100,
				      .source = GR_MEM_CORE, .data = bytes};
	struct gr_mem_segment zero = {.start = 0x1100, .end = 0x2000,
				      .source = GR_MEM_ZERO};
	struct gr_mem_segment gone = {.start = 0x3000, .end = 0x4000,
				      .source = GR_MEM_MISSING,
				      .reason = "truncated core"};
	assert_null(gr_mem_add(m, &gone));
	assert_null(gr_mem_add(m, &core));
	assert_null(gr_mem_add(m, &zero));
	return m;
}

static void test_read_across_segments(void **state)
{
	(void)state;
	struct gr_mem *m = make();
	uint8_t buf[32];
	assert_null(gr_mem_read(m, 0x10f0, buf, sizeof(buf)));
	assert_int_equal(buf[0], 0xf0);
	assert_int_equal(buf[15], 0xff);
	assert_int_equal(buf[16], 0);
	uint64_t v;
	assert_null(gr_mem_u64(m, 0x1008, &v));
	assert_int_equal(v, 0x0f0e0d0c0b0a0908ull);
	gr_mem_destroy(m);
}

static void test_faults_name_address_and_reason(void **state)
{
	(void)state;
	struct gr_mem *m = make();
	uint8_t buf[8];
	struct gr_error *err = gr_mem_read(m, 0x1ffc, buf, 8);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, 0x2000);
	assert_non_null(strstr(err->message, "not mapped"));
	gr_error_destroy(err);
	err = gr_mem_read(m, 0x3010, buf, 8);
	assert_int_equal(err->code, GR_ERR_FAULT);
	assert_int_equal(err->address, 0x3010);
	assert_non_null(strstr(err->message, "truncated core"));
	gr_error_destroy(err);
	err = gr_mem_read(m, UINT64_MAX - 2, buf, 8);
	assert_int_equal(err->code, GR_ERR_FAULT);
	gr_error_destroy(err);
	assert_false(gr_mem_readable(m, 0x1000, 0x1001));
	assert_true(gr_mem_readable(m, 0x1000, 0x1000));
	gr_mem_destroy(m);
}

static void test_overlap_rejected_and_under_fills_gaps(void **state)
{
	(void)state;
	struct gr_mem *m = make();
	uint8_t other[0x4000] = {0};
	memset(other, 0xaa, sizeof(other));
	struct gr_mem_segment over = {.start = 0x1080, .end = 0x1200,
				      .source = GR_MEM_ZERO};
	struct gr_error *err = gr_mem_add(m, &over);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_BAD_DATA);
	gr_error_destroy(err);
	struct gr_mem_segment exe = {.start = 0x0, .end = 0x4000,
				     .source = GR_MEM_EXE, .data = other};
	assert_null(gr_mem_add_under(m, &exe));
	uint8_t b;
	assert_null(gr_mem_u8(m, 0x10, &b));
	assert_int_equal(b, 0xaa);
	assert_null(gr_mem_u8(m, 0x1001, &b)); /* core wins */
	assert_int_equal(b, 1);
	assert_null(gr_mem_u8(m, 0x2800, &b)); /* gap filled */
	assert_int_equal(b, 0xaa);
	err = gr_mem_u8(m, 0x3000, &b); /* missing stays missing */
	assert_non_null(err);
	gr_error_destroy(err);
	/* Filling the missing part replaces only that. */
	struct gr_mem_segment fill = {.start = 0x3800, .end = 0x3900,
				      .source = GR_MEM_EXE, .data = other};
	assert_null(gr_mem_fill_missing(m, &fill));
	assert_null(gr_mem_u8(m, 0x3810, &b));
	assert_int_equal(b, 0xaa);
	err = gr_mem_u8(m, 0x37ff, &b);
	assert_non_null(err);
	gr_error_destroy(err);
	err = gr_mem_u8(m, 0x3900, &b);
	assert_non_null(err);
	gr_error_destroy(err);
	/* Segments stay sorted and disjoint. */
	for (size_t i = 1; i < gr_mem_segment_count(m); i++)
		assert_true(gr_mem_segment_at(m, i - 1)->end <=
			    gr_mem_segment_at(m, i)->start);
	gr_mem_destroy(m);
}

static void test_view_and_cstr(void **state)
{
	(void)state;
	struct gr_mem *m = make();
	const uint8_t *p;
	assert_null(gr_mem_view(m, 0x1010, 16, &p));
	assert_int_equal(p[0], 0x10);
	struct gr_error *err = gr_mem_view(m, 0x10f8, 16, &p);
	assert_non_null(err);
	gr_error_destroy(err);
	char *s;
	assert_null(gr_mem_cstr(m, 0x10fe, 16, &s)); /* 0xfe 0xff then zeros */
	assert_int_equal(strlen(s), 2);
	free(s);
	gr_mem_destroy(m);
}

/* The access recorder of `goretain slim`: core pages read, viewed, found
 * or checked readable are remembered; zero fill and other pages are not;
 * no segment may be added while recording. */
static void test_record_pages(void **state)
{
	(void)state;
	static uint8_t big[5 * 4096];
	struct gr_mem *m;
	assert_null(gr_mem_create(&m));
	struct gr_mem_segment core = {.start = 0x10000, .end = 0x15000,
				      .source = GR_MEM_CORE, .data = big};
	struct gr_mem_segment zero = {.start = 0x15000, .end = 0x20000,
				      .source = GR_MEM_ZERO};
	assert_null(gr_mem_add(m, &core));
	assert_null(gr_mem_add(m, &zero));
	assert_false(gr_mem_page_touched(m, 0x10000));
	assert_null(gr_mem_record_start(m));
	uint64_t v;
	/* A read straddling pages 1 and 2. */
	assert_null(gr_mem_u64(m, 0x11ffc, &v));
	const uint8_t *p;
	assert_null(gr_mem_view(m, 0x14010, 16, &p));
	assert_true(gr_mem_readable(m, 0x14ff0, 0x100));
	assert_false(gr_mem_page_touched(m, 0x10000));
	assert_true(gr_mem_page_touched(m, 0x11000));
	assert_true(gr_mem_page_touched(m, 0x12fff));
	assert_false(gr_mem_page_touched(m, 0x13000));
	assert_true(gr_mem_page_touched(m, 0x14000));
	assert_false(gr_mem_page_touched(m, 0x15000)); /* zero fill */
	assert_false(gr_mem_page_touched(m, 0x30000)); /* unmapped */
	struct gr_mem_segment late = {.start = 0x40000, .end = 0x41000,
				      .source = GR_MEM_ZERO};
	struct gr_error *err = gr_mem_add(m, &late);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_USAGE);
	gr_error_destroy(err);
	gr_mem_record_stop(m);
	assert_false(gr_mem_page_touched(m, 0x11000));
	gr_mem_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_across_segments),
		cmocka_unit_test(test_faults_name_address_and_reason),
		cmocka_unit_test(test_overlap_rejected_and_under_fills_gaps),
		cmocka_unit_test(test_view_and_cstr),
		cmocka_unit_test(test_record_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
