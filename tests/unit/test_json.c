/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/outfile.h"
#include "report/escape.h"
#include "report/json.h"

#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>
#include "report/json_read.h"

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

	/* A FIFO (as /dev/null, a device) is written in place, not replaced
	 * by a regular file; a directory is refused. */
	assert_int_equal(mkfifo(path, 0600), 0);
	int rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_null(gr_outfile_open(path, &o));
	fputs("piped", o.f);
	assert_null(gr_outfile_commit(&o));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(rfd, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "piped");
	close(rfd);
	unlink(path);
	err = gr_outfile_open(dir, &o);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	gr_error_destroy(err);
	assert_null(gr_outfile_open("/dev/null", &o));
	fputs("nothing", o.f);
	assert_null(gr_outfile_commit(&o));
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	rmdir(dir);
}

/* What the writer writes, the reader reads back. */
static void test_read_back(void **state)
{
	(void)state;
	char *text = render(doc, true);
	struct gr_jv *v;
	assert_null(gr_jv_parse(text, strlen(text), "mem", &v));
	size_t len;
	assert_string_equal(gr_jv_str(gr_jv_get(v, "name"), &len),
			    "a\"b\\c\n\x01<x>");
	assert_int_equal(len, 10);
	uint64_t u;
	assert_true(gr_jv_u64(gr_jv_get(v, "n"), &u));
	assert_true(u == 18446744073709551615ull);
	assert_string_equal(gr_jv_str(gr_jv_get(v, "addr"), NULL),
			    "0xc000012345");
	const struct gr_jv *l = gr_jv_get(v, "list");
	assert_int_equal(gr_jv_len(l), 4);
	int64_t i;
	assert_true(gr_jv_i64(gr_jv_at(l, 0), &i));
	assert_int_equal(i, -5);
	assert_false(gr_jv_u64(gr_jv_at(l, 0), &u));
	bool b;
	assert_true(gr_jv_bool(gr_jv_at(l, 1), &b) && b);
	assert_int_equal(gr_jv_type(gr_jv_at(l, 2)), GR_JV_NULL);
	assert_int_equal(gr_jv_type(gr_jv_at(l, 3)), GR_JV_OBJECT);
	assert_null(gr_jv_at(l, 4));
	assert_null(gr_jv_get(l, "x"));
	assert_null(gr_jv_get(v, "absent"));
	gr_jv_destroy(v);
	free(text);

	const char *t = "[\"\\u00e9\\ud83d\\ude00\\u0000z\", 1.5e3, -0, false]";
	assert_null(gr_jv_parse(t, strlen(t), "mem", &v));
	assert_memory_equal(gr_jv_str(gr_jv_at(v, 0), &len),
			    "\xc3\xa9\xf0\x9f\x98\x80\0z", 8);
	assert_int_equal(len, 8);
	double d;
	assert_true(gr_jv_double(gr_jv_at(v, 1), &d));
	assert_true(d == 1500.0);
	assert_false(gr_jv_u64(gr_jv_at(v, 1), &u));
	assert_true(gr_jv_bool(gr_jv_at(v, 3), &b) && !b);
	gr_jv_destroy(v);
}

/* Broken input: BAD_DATA naming the input and the offset. */
static void test_read_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *message;
	} cases[] = {
		{"", "in.json: offset 0: unexpected end"},
		{"{\"a\": 1,}", "in.json: offset 8: expected a key"},
		{"[1 2]", "in.json: offset 3: expected ',' or ']'"},
		{"{\"a\" 1}", "in.json: offset 5: expected ':'"},
		{"\"abc", "in.json: offset 0: unterminated string"},
		{"\"a\x01\"", "in.json: offset 2: control character in a string"},
		{"\"\\x\"", "in.json: offset 1: bad escape in a string"},
		{"\"\\ud800x\"", "in.json: offset 7: lone UTF-16 surrogate"},
		{"\"\\udc00\"", "in.json: offset 7: lone UTF-16 surrogate"},
		{"01", "in.json: offset 0: leading zero in a number"},
		{"1e999", "in.json: offset 5: bad number"},
		{"-", "in.json: offset 1: bad number"},
		{"tru", "in.json: offset 0: unexpected character"},
		{"{} x", "in.json: offset 3: trailing bytes after the document"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct gr_jv *v = NULL;
		struct gr_error *err = gr_jv_parse(
			cases[k].text, strlen(cases[k].text), "in.json", &v);
		assert_non_null(err);
		assert_int_equal(err->code, GR_ERR_BAD_DATA);
		assert_string_equal(err->message, cases[k].message);
		assert_null(v);
		gr_error_destroy(err);
	}
	/* Nesting deeper than the limit, and just within it. */
	char deep[2 * GR_JV_MAX_DEPTH + 3];
	for (int n = GR_JV_MAX_DEPTH; n <= GR_JV_MAX_DEPTH + 1; n++) {
		memset(deep, '[', (size_t)n);
		memset(deep + n, ']', (size_t)n);
		struct gr_jv *v = NULL;
		struct gr_error *err =
			gr_jv_parse(deep, 2 * (size_t)n, "in.json", &v);
		if (n == GR_JV_MAX_DEPTH) {
			assert_null(err);
			gr_jv_destroy(v);
		} else {
			assert_non_null(err);
			assert_non_null(strstr(err->message, "nested too deeply"));
			gr_error_destroy(err);
		}
	}
	struct gr_jv *v = NULL;
	struct gr_error *err = gr_jv_parse_file("/nonexistent/r.json", &v);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OS);
	assert_non_null(strstr(err->message, "/nonexistent/r.json"));
	gr_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_document),
		cmocka_unit_test(test_outfile),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
