/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

static char *render(void (*fn)(struct gr_json *), bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct gr_json j;
	gr_json_init(&j, f, pretty);
	fn(&j);
	assert_null(gr_json_finish(&j, "mem"));
	fclose(f);
	return buf;
}

static void doc(struct gr_json *j)
{
	gr_json_object_begin(j);
	gr_json_kv_string(j, "name", "a\"b\\c\n\x01<x>");
	gr_json_kv_u64(j, "n", 18446744073709551615ull);
	gr_json_kv_hex(j, "addr", 0xc000012345);
	gr_json_key(j, "list");
	gr_json_array_begin(j);
	gr_json_i64(j, -5);
	gr_json_bool(j, true);
	gr_json_null(j);
	gr_json_object_begin(j);
	gr_json_object_end(j);
	gr_json_array_end(j);
	gr_json_kv_double(j, "nan", 0.0 / 0.0);
	gr_json_object_end(j);
}

static void test_compact_document(void **state)
{
	(void)state;
	char *s = render(doc, false);
	assert_string_equal(
		s, "{\"name\":\"a\\\"b\\\\c\\u000a\\u0001\\u003cx\\u003e\","
		   "\"n\":18446744073709551615,\"addr\":\"0xc000012345\","
		   "\"list\":[-5,true,null,{}],\"nan\":null}\n");
	free(s);
}

static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	/* overlong '/', lone continuation, truncated 3-byte, valid e-acute */
	const char in[] = "\xc0\xaf|\x80|\xe2\x82|\xc3\xa9";
	gr_escape_json(f, in, sizeof(in) - 1);
	fclose(f);
	assert_string_equal(buf,
			    "\"\\ufffd\\ufffd|\\ufffd|\\ufffd\\ufffd|\xc3\xa9\"");
	free(buf);
	f = open_memstream(&buf, &len);
	gr_escape_term(f, "ok\x1b[31m\xff", 8);
	fclose(f);
	assert_string_equal(buf, "ok\\x1b[31m\\xff");
	free(buf);
}

/* Outputs: an unwritable path is GR_ERR_OUTPUT (exit 1) naming the path
 * asked for, not the temporary; commit renames, abort leaves the target. */
static void test_outfile(void **state)
{
	(void)state;
	struct gr_outfile o;
	struct gr_error *err = gr_outfile_open("/nonexistent/dir/x.json", &o);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->message, "/nonexistent/dir/x.json: create: "
					  "No such file or directory");
	gr_error_destroy(err);

	char dir[] = "/tmp/gr-outfile-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_null(gr_outfile_open(path, &o));
	fputs("first", o.f);
	assert_null(gr_outfile_commit(&o));
	gr_outfile_abort(&o);
	assert_null(gr_outfile_open(path, &o));
	fputs("second", o.f);
	gr_outfile_abort(&o);
	char buf[16] = {0};
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 5);
	fclose(f);
	assert_string_equal(buf, "first");
	/* Nothing but the target left behind. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_document),
		cmocka_unit_test(test_outfile),
		cmocka_unit_test(test_invalid_utf8_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
