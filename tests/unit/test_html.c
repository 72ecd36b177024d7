/* SPDX-License-Identifier: MIT */
/*
 * gr_html: the page is one self-contained file, nothing in the embedded
 * JSON can end the script element, and the title names the program.
 *
 * Run as `test_html IN.json OUT.html` it writes the page for a report
 * instead: tests/integration/html.sh uses that to check a page in a real
 * browser when the goretain at hand cannot write HTML itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"

static char *page(const char *json, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	/* An exact copy, no NUL after it: ASan sees any read past @len. */
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, json, len);
	FILE *f = open_memstream(&buf, &n);
	assert_non_null(f);
	assert_null(gr_html_write(copy, len, f, "mem"));
	assert_int_equal(fclose(f), 0);
	free(copy);
	assert_int_equal(strlen(buf), n); /* no NUL from the assets */
	return buf;
}

static char *escaped(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	assert_int_equal(gr_html_escape_script(f, s, len), 0);
	fclose(f);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t k = 0;
	for (const char *p = hay; (p = strcasestr(p, needle)); p++)
		k++;
	return k;
}

/* The text of the <script id="report"> element. */
static char *embedded(const char *html)
{
	const char *open = "<script type=\"application/json\" id=\"report\">\n";
	const char *p = strstr(html, open);
	assert_non_null(p);
	p += strlen(open);
	const char *end = strcasestr(p, "</script");
	assert_non_null(end);
	return strndup(p, (size_t)(end - p));
}

/* A report whose writer did not escape '<' (ours does, as \u003c): the
 * page must be safe whoever wrote the JSON. */
static const char hostile[] =
	"{\"schema\":\"goretain-report/1\",\"summary\":{\"go_version\":"
	"\"go1.24.4\",\"exe\":{\"path\":\"/srv/app/leaky\"}},\"suspects\":"
	"[{\"kind\":\"root\",\"root\":\"main.x\",\"root_type\":"
	"\"</script><script>alert(1)</script>\",\"paths\":[{\"root\":"
	"\"<!--<script>\",\"steps\":[{\"edge\":\"\xe2\x80\xa8\",\"type\":"
	"\"a\xe2\x80\xa9</SCRIPT >\",\"addr\":\"0x1\"}]}]}]}";

static void test_script_cannot_be_closed(void **state)
{
	(void)state;
	char *html = page(hostile, sizeof(hostile) - 1);
	/* Ours: the JSON element's and the code's.  "<script>" inside the
	 * data is harmless text as long as nothing there can end it. */
	assert_int_equal(count(html, "</script"), 2);
	assert_null(strstr(html, "<!--"));
	assert_null(strstr(html, "\xe2\x80\xa8"));
	assert_null(strstr(html, "\xe2\x80\xa9"));

	char *json = embedded(html);
	assert_non_null(
		strstr(json, "<\\/script><script>alert(1)<\\/script>"));
	assert_non_null(strstr(json, "\\u003c!--<script>"));
	assert_non_null(strstr(json, "\"edge\":\"\\u2028\""));
	assert_non_null(strstr(json, "a\\u2029<\\/SCRIPT >"));
	free(json);
	free(html);
}

static void test_escape_edges(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", ""},
		{"plain {\"a\":1}", "plain {\"a\":1}"},
		{"<", "<"},
		{"a<", "a<"},
		{"</", "<\\/"},
		{"<</", "<<\\/"},
		{"<!-", "<!-"},
		{"<!--", "\\u003c!--"},
		{"<!---->", "\\u003c!---->"},
		{"\xe2\x80", "\xe2\x80"},
		{"\xe2\x80\xa8\xe2\x80\xa9x", "\\u2028\\u2029x"},
		{"\xe2\x80\xa7", "\xe2\x80\xa7"}, /* U+2027 is harmless */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in, strlen(cases[i].in));
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_self_contained(void **state)
{
	(void)state;
	static const char json[] = "{\"schema\":\"goretain-report/1\"}";
	char *html = page(json, sizeof(json) - 1);
	assert_memory_equal(html, "<!DOCTYPE html>\n", 16);
	size_t n = strlen(html);
	assert_true(n > 7 && strcmp(html + n - 8, "</html>\n") == 0);
	assert_int_equal(count(html, "<html"), 1);
	/* Nothing fetched from anywhere: no URL, import, source or link but
	 * the empty data: icon. */
	assert_int_equal(count(html, "http:"), 0);
	assert_int_equal(count(html, "https:"), 0);
	assert_int_equal(count(html, "url("), 0);
	assert_int_equal(count(html, "@import"), 0);
	assert_int_equal(count(html, " src="), 0);
	assert_int_equal(count(html, "href="), 1);
	assert_non_null(strstr(html, "<link rel=\"icon\" href=\"data:,\">"));
	assert_non_null(strstr(html, "Content-Security-Policy\" content=\""
				     "default-src 'none';"));
	/* The style sheet cannot end early either. */
	assert_int_equal(count(html, "</style"), 1);
	/* What the browser test looks for. */
	assert_non_null(strstr(html, "<div id=\"app\"></div>"));
	assert_non_null(strstr(html, "'render-ok'"));
	assert_non_null(strstr(html, "'render-error'"));
	/* Data reach the page as text only. */
	assert_int_equal(count(html, "innerHTML"), 0);
	assert_int_equal(count(html, "outerHTML"), 0);
	assert_int_equal(count(html, "insertAdjacentHTML"), 0);
	assert_int_equal(count(html, "document.write"), 0);
	assert_int_equal(count(html, "eval("), 0);
	free(html);
}

static void test_title(void **state)
{
	(void)state;
	static const struct {
		const char *json, *title;
	} cases[] = {
		{"{\"summary\":{\"exe\":{\"path\":\"/srv/app/leaky\"},"
		 "\"go_version\":\"go1.24.4\"}}",
		 "<title>leaky (go1.24.4) \xe2\x80\x94 goretain report</title>"},
		/* Members in any order, values of every kind skipped. */
		{" { \"schema\" : \"x\\\"}\" , \"n\": [1, {\"a\": \"]\"}], "
		 "\"t\": true, \"summary\" : { \"go_version\" : \"go1.22.1\", "
		 "\"process\": {\"command_line\": \"/usr/bin/srv -p 80\"}}}",
		 "<title>srv (go1.22.1) \xe2\x80\x94 goretain report</title>"},
		/* Markup and escapes from the core become text. */
		{"{\"summary\":{\"exe\":{\"path\":\"/x/<b>&\\\"\\u00e9\\n\"}},"
		 "\"heap\":{\"go_version\":\"go1.19\"}}",
		 "<title>&lt;b&gt;&amp;&quot;\xc3\xa9  (go1.19) \xe2\x80\x94 "
		 "goretain report</title>"},
		{"{\"summary\":{\"exe\":{\"path\":\"a\\ud83d\\ude00\\ud800\"}}}",
		 "<title>a\xf0\x9f\x98\x80\xef\xbf\xbd \xe2\x80\x94 "
		 "goretain report</title>"},
		/* Damaged documents lose the names, not the page. */
		{"{\"summary\":{\"exe\":{\"path\":\"/bin/cut",
		 "<title>Go program \xe2\x80\x94 goretain report</title>"},
		{"[\"summary\"]", "<title>Go program \xe2\x80\x94 goretain "
				  "report</title>"},
		{"", "<title>Go program \xe2\x80\x94 goretain report</title>"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *html = page(cases[i].json, strlen(cases[i].json));
		if (!strstr(html, cases[i].title))
			fail_msg("case %zu: no %s", i, cases[i].title);
		free(html);
	}
}

/* The title scanner on every prefix of a document: cut anywhere, it
 * stays inside the buffer (under ASan) and the page is still whole. */
static void test_every_prefix(void **state)
{
	(void)state;
	static const char json[] =
		"{\"schema\":\"goretain-report/1\",\"n\":[1,{\"a\":\"]\\\"\"}],"
		"\"summary\":{\"go_version\":\"go1.2\\u0031\",\"exe\":{\"path\":"
		"\"/a/b\\ud83d\\ude00\"}}}";
	for (size_t len = 0; len <= sizeof(json) - 1; len++) {
		char *html = page(json, len);
		assert_non_null(strstr(html, "</html>\n"));
		if (len == sizeof(json) - 1)
			assert_non_null(strstr(html, "<title>b\xf0\x9f\x98\x80 "
						     "(go1.21) "));
		free(html);
	}
}

static void test_long_title_cut(void **state)
{
	(void)state;
	char json[4096];
	int n = snprintf(json, sizeof(json),
			 "{\"summary\":{\"exe\":{\"path\":\"/%01000d\"}}}", 7);
	assert_true(n > 1000 && (size_t)n < sizeof(json));
	char *html = page(json, (size_t)n);
	const char *t = strstr(html, "<title>");
	const char *end = strstr(html, "</title>");
	assert_non_null(t);
	assert_non_null(end);
	assert_true(end - t < 300);
	free(html);
}

static void test_write_error(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/null", "r"); /* every write fails */
	assert_non_null(f);
	struct gr_error *err = gr_html_write("{}", 2, f, "out.html");
	assert_non_null(err);
	assert_int_equal(err->code, GR_ERR_OUTPUT);
	assert_non_null(strstr(err->message, "out.html"));
	gr_error_destroy(err);
	fclose(f);
}

static int render(const char *in, const char *out)
{
	FILE *f = fopen(in, "rb");
	if (!f) {
		perror(in);
		return 2;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return 1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	FILE *o = fopen(out, "wb");
	if (!o) {
		perror(out);
		free(buf);
		return 2;
	}
	struct gr_error *err = gr_html_write(buf, len, o, out);
	free(buf);
	if (fclose(o) != 0 && !err)
		err = gr_error_os(errno, out, "close");
	if (err) {
		fprintf(stderr, "test_html: %s\n", err->message);
		gr_error_destroy(err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3)
		return render(argv[1], argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_cannot_be_closed),
		cmocka_unit_test(test_escape_edges),
		cmocka_unit_test(test_self_contained),
		cmocka_unit_test(test_title),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_long_title_cut),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
