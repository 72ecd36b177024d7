/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/02-input/exe.h"
#include "forensics/04-gobin/buildinfo.h"
#include "tests/tools/testbins.h"

/* ---- Go version strings ---- */

static void test_version_parse(void **state)
{
	(void)state;
	struct gr_go_version v;
	tb_ok(gr_go_version_parse("go1.21.13", &v));
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 21);
	assert_int_equal(v.patch, 13);
	assert_int_equal(v.kind, GR_GO_RELEASE);
	assert_string_equal(v.prerelease, "");

	tb_ok(gr_go_version_parse("go1.19", &v));
	assert_int_equal(v.minor, 19);
	assert_int_equal(v.patch, 0);

	tb_ok(gr_go_version_parse("go1.22rc1", &v));
	assert_int_equal(v.minor, 22);
	assert_int_equal(v.kind, GR_GO_PRERELEASE);
	assert_string_equal(v.prerelease, "rc1");

	tb_ok(gr_go_version_parse(
		"devel go1.27-abcdef0123 Tue Jan 2 15:04:05 2026 +0000", &v));
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 27);
	assert_int_equal(v.kind, GR_GO_DEVEL);

	tb_ok(gr_go_version_parse("go1.22.12 X:nocoverageredesign", &v));
	assert_int_equal(v.patch, 12);
	tb_ok(gr_go_version_parse("go1.21.0-bigcorp", &v));
	assert_int_equal(v.minor, 21);

	static const char *const bad[] = {
		"",	 "go",	       "go1",	     "go1.",	"1.21.3",
		"go1.x", "go1.21.x",   "go1.21.",    "gox.1",	"devel +abc",
		"go1.21rc1234567890123456", "go1.21.3junk",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gr_error *err = gr_go_version_parse(bad[i], &v);
		if (!err)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_int_equal(err->code, GR_ERR_BAD_DATA);
		gr_error_destroy(err);
	}
}

static void test_version_compare(void **state)
{
	(void)state;
	struct gr_go_version a, b;
	tb_ok(gr_go_version_parse("go1.21.13", &a));
	tb_ok(gr_go_version_parse("go1.22.0", &b));
	assert_true(gr_go_version_cmp(&a, &b) < 0);
	assert_true(gr_go_version_cmp(&b, &a) > 0);
	assert_int_equal(gr_go_version_cmp(&a, &a), 0);
	assert_true(gr_go_version_at_least(&a, 1, 21));
	assert_false(gr_go_version_at_least(&a, 1, 22));
	assert_true(gr_go_version_at_least(&b, 1, 19));
}

/* ---- synthetic sections ---- */

static size_t put_uvarint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * A .go.buildinfo section as cmd/link writes it: header at @pad, then the
 * version and the sentinel-framed module text.  Returns its size.
 */
static size_t make_section(uint8_t *buf, size_t pad, uint8_t flags,
			   const char *vers, const char *modtext)
{
	memset(buf, 0, pad + 32);
	memcpy(buf + pad, "\xff Go buildinf:", 14);
	buf[pad + 14] = 8;
	buf[pad + 15] = flags;
	size_t n = pad + 32;
	n += put_uvarint(buf + n, strlen(vers));
	memcpy(buf + n, vers, strlen(vers));
	n += strlen(vers);
	if (!modtext) {
		n += put_uvarint(buf + n, 0);
		return n;
	}
	size_t ml = strlen(modtext);
	n += put_uvarint(buf + n, ml + 32);
	memcpy(buf + n, "0123456789abcdef", 16);
	memcpy(buf + n + 16, modtext, ml);
	memcpy(buf + n + 16 + ml, "fedcba9876543210", 16);
	return n + ml + 32;
}

static const char modtext[] =
	"path\texample.com/cmd/x\n"
	"mod\texample.com\tv1.2.3\th1:abc=\n"
	"dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n"
	"dep\texample.org/old\tv1.0.0\n"
	"=>\texample.org/new\tv1.1.0\th1:ghi=\n"
	"build\t-buildmode=exe\n"
	"build\t-compiler=gc\n"
	"build\t-ldflags=\"-s -w -X main.v=\\\"q\\\"\"\n"
	"build\t-tags=`netgo osusergo`\n"
	"build\t\"we\\tird key\"=\"\\u00e9t\\x41\"\n"
	"build\tCGO_ENABLED=0\n"
	"build\tGOEXPERIMENT=\n"
	"build\tGOAMD64=v1\n"
	"build\tCGO_ENABLED=1\n"
	"unknown\tline is ignored\n";

static void test_parse_synthetic(void **state)
{
	(void)state;
	uint8_t buf[2048];
	size_t n = make_section(buf, 16, 2, "go1.22.12", modtext);
	struct gr_buildinfo *bi;
	tb_ok(gr_buildinfo_parse(buf, n, &bi));
	assert_string_equal(gr_buildinfo_go_version(bi), "go1.22.12");
	struct gr_go_version v;
	assert_true(gr_buildinfo_version(bi, &v));
	assert_int_equal(v.minor, 22);
	assert_string_equal(gr_buildinfo_path(bi), "example.com/cmd/x");
	const struct gr_buildinfo_module *m = gr_buildinfo_main(bi);
	assert_string_equal(m->path, "example.com");
	assert_string_equal(m->version, "v1.2.3");
	assert_string_equal(m->sum, "h1:abc=");
	assert_null(m->replace);
	assert_int_equal(gr_buildinfo_dep_count(bi), 2);
	assert_string_equal(gr_buildinfo_dep(bi, 0)->path, "golang.org/x/sys");
	const struct gr_buildinfo_module *d = gr_buildinfo_dep(bi, 1);
	assert_string_equal(d->sum, "");
	assert_non_null(d->replace);
	assert_string_equal(d->replace->path, "example.org/new");
	assert_string_equal(d->replace->sum, "h1:ghi=");
	assert_null(gr_buildinfo_dep(bi, 2));

	assert_int_equal(gr_buildinfo_setting_count(bi), 9);
	assert_string_equal(gr_buildinfo_setting(bi, "-ldflags"),
			    "-s -w -X main.v=\"q\"");
	assert_string_equal(gr_buildinfo_setting(bi, "-tags"),
			    "netgo osusergo");
	assert_string_equal(gr_buildinfo_setting(bi, "we\tird key"),
			    "\xc3\xa9tA");
	assert_string_equal(gr_buildinfo_setting(bi, "GOEXPERIMENT"), "");
	/* The last occurrence wins. */
	assert_non_null(gr_buildinfo_setting(bi, "CGO_ENABLED"));
	assert_string_equal(gr_buildinfo_setting(bi, "CGO_ENABLED"), "1");
	assert_null(gr_buildinfo_setting(bi, "-race"));
	assert_string_equal(gr_buildinfo_setting_at(bi, 0)->key, "-buildmode");
	assert_non_null(strstr(gr_buildinfo_modinfo(bi), "dep\tgolang.org"));
	gr_buildinfo_destroy(bi);
	gr_buildinfo_destroy(NULL);
}

static void test_no_module_info(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = make_section(buf, 0, 2, "go1.19.8", NULL);
	struct gr_buildinfo *bi;
	tb_ok(gr_buildinfo_parse(buf, n, &bi));
	assert_string_equal(gr_buildinfo_path(bi), "");
	assert_string_equal(gr_buildinfo_main(bi)->path, "");
	assert_int_equal(gr_buildinfo_setting_count(bi), 0);
	gr_buildinfo_destroy(bi);

	/* A devel toolchain string that does not parse is kept, not fatal. */
	n = make_section(buf, 0, 2, "devel +0123abc", NULL);
	tb_ok(gr_buildinfo_parse(buf, n, &bi));
	struct gr_go_version v;
	assert_false(gr_buildinfo_version(bi, &v));
	assert_string_equal(gr_buildinfo_go_version(bi), "devel +0123abc");
	gr_buildinfo_destroy(bi);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t buf[2048];
	size_t n = make_section(buf, 32, 2, "go1.22.12", modtext);
	struct gr_buildinfo *bi;
	/* Every truncation is a clean BAD_DATA (exact-size copies for ASan). */
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		tb_assert_code(gr_buildinfo_parse(copy, cut, &bi),
			       GR_ERR_BAD_DATA);
		free(copy);
	}
	/* The header must be 16-byte aligned. */
	uint8_t odd[2048];
	odd[0] = 0;
	memcpy(odd + 1, buf + 32, n - 32);
	tb_assert_code(gr_buildinfo_parse(odd, n - 31, &bi), GR_ERR_BAD_DATA);

	n = make_section(buf, 0, 0, "go1.17", modtext);
	struct gr_error *err = gr_buildinfo_parse(buf, n, &bi);
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "pointer-form"));
	gr_error_destroy(err);
	n = make_section(buf, 0, 3, "go1.22", modtext);
	tb_assert_code(gr_buildinfo_parse(buf, n, &bi), GR_ERR_UNSUPPORTED);

	n = make_section(buf, 0, 2, "", modtext);
	tb_assert_code(gr_buildinfo_parse(buf, n, &bi), GR_ERR_BAD_DATA);

	/* Lines runtime/debug.ParseBuildInfo rejects. */
	static const char *const bad[] = {
		"mod\tonly-one-column\n",
		"=>\tno\tmodule\tbefore\n",
		"mod\ta\tb\n=>\tonly\ttwo\n",
		"build\t=value\n",
		"build\tnoequals\n",
		"build\tkey=has space\n",
		"build\t-ldflags=\"unterminated\n",
		"build\t-ldflags=\"bad \\q escape\"\n",
		"build\t-ldflags=\"trailing\"junk\n",
		"build\t\"key\"x=1\n",
		"build\tk=\"\\x00\"\n",
		"build\t\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = make_section(buf, 0, 2, "go1.22", bad[i]);
		err = gr_buildinfo_parse(buf, n, &bi);
		if (!err)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err->code, GR_ERR_BAD_DATA);
		if (!strstr(err->message, "modinfo line "))
			fail_msg("%s: %s", bad[i], err->message);
		gr_error_destroy(err);
	}
}

/* ---- real binaries against debug/buildinfo ---- */

static void check_binary(const struct tb_version *v, const char *name)
{
	char path[PATH_MAX + 32], opath[PATH_MAX + 64];
	tb_path(path, sizeof(path), v, name);
	snprintf(opath, sizeof(opath), "%s.oracle", path);
	struct tb_oracle o;
	tb_oracle_load(&o, opath);
	struct gr_exe *exe;
	tb_ok(gr_exe_open(path, &exe));
	const uint8_t *data;
	size_t size;
	tb_ok(gr_exe_section_bytes(exe, ".go.buildinfo", &data, &size));
	struct gr_buildinfo *bi;
	tb_ok(gr_buildinfo_parse(data, size, &bi));

	assert_string_equal(gr_buildinfo_go_version(bi), tb_get(&o, "goversion"));
	struct gr_go_version gv;
	assert_true(gr_buildinfo_version(bi, &gv));
	assert_int_equal(gv.major, 1);
	assert_int_equal(gv.minor, tb_minor(v));
	assert_string_equal(gr_buildinfo_path(bi), tb_get(&o, "path"));
	assert_string_equal(gr_buildinfo_path(bi), "example.com/grsample");

	size_t nset = 0, ndep = 0;
	for (size_t i = 0; i < o.nlines; i++) {
		char buf[4096], *f[4] = {0};
		size_t nf = tb_fields(o.lines[i], buf, sizeof(buf), f, 4);
		if (nf == 0)
			fail_msg("oracle line too long: %.60s", o.lines[i]);
		if (strcmp(f[0], "mod") == 0) {
			const struct gr_buildinfo_module *m = gr_buildinfo_main(bi);
			assert_string_equal(m->path, f[1]);
			assert_string_equal(m->version, nf > 2 ? f[2] : "");
			assert_string_equal(m->sum, nf > 3 ? f[3] : "");
		} else if (strcmp(f[0], "dep") == 0) {
			ndep++;
		} else if (strcmp(f[0], "setting") == 0) {
			const struct gr_buildinfo_setting *s =
				gr_buildinfo_setting_at(bi, nset++);
			assert_non_null(s);
			assert_string_equal(s->key, f[1]);
			assert_string_equal(s->value, nf > 2 ? f[2] : "");
		}
	}
	assert_int_equal(gr_buildinfo_setting_count(bi), nset);
	assert_int_equal(gr_buildinfo_dep_count(bi), ndep);
	/* cmd/go records -buildmode from Go 1.20 (go1.19 binaries lack it). */
	const char *mode = gr_buildinfo_setting(bi, "-buildmode");
	if (tb_minor(v) >= 21) {
		assert_non_null(mode);
		assert_string_equal(mode, strstr(name, "pie") ? "pie" : "exe");
	}
	assert_non_null(gr_buildinfo_setting(bi, "CGO_ENABLED"));
	assert_string_equal(gr_buildinfo_setting(bi, "CGO_ENABLED"),
			    strncmp(name, "ext", 3) == 0 ? "1" : "0");
	if (strncmp(name, "ext", 3) == 0) {
		const char *ld = gr_buildinfo_setting(bi, "-ldflags");
		assert_non_null(ld);
		assert_string_equal(ld, "-linkmode=external");
	}
	gr_buildinfo_destroy(bi);
	gr_exe_destroy(exe);
	tb_oracle_free(&o);
}

static void test_real_binaries(void **state)
{
	const struct tb_set *set = *state;
	for (size_t i = 0; i < set->n; i++) {
		check_binary(&set->v[i], "exe");
		check_binary(&set->v[i], "pie");
		check_binary(&set->v[i], "ext");
		check_binary(&set->v[i], "extpie");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_version_compare),
		cmocka_unit_test(test_parse_synthetic),
		cmocka_unit_test(test_no_module_info),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_real_binaries),
	};
	return cmocka_run_group_tests(tests, tb_setup, tb_teardown);
}
