/* SPDX-License-Identifier: MIT */
#include "report/html.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>


/* Generated from report/html/report.{js,css} by scripts/embed.sh
 * (report/html/html.mk): NUL-terminated, _len without the NUL. */
extern const unsigned char gr_html_report_js[];
extern const size_t gr_html_report_js_len;
extern const unsigned char gr_html_report_css[];
extern const size_t gr_html_report_css_len;

/* default-src 'none' makes "loads nothing" a property the browser enforces
 * rather than a promise: no fetch, font, frame or image from anywhere.  The
 * only script and style are the page's own inline ones. */
static const char head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, "
	"initial-scale=1\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	"'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
	"img-src data:\">\n"
	"<meta name=\"generator\" content=\"goretain\">\n"
	"<link rel=\"icon\" href=\"data:,\">\n";

static const char body[] =
	"</style>\n"
	"</head>\n"
	"<body>\n"
	"<noscript><p class=\"noscript\">This report is drawn by the script "
	"inside the page; enable JavaScript for this file to see it.  The "
	"data is in the element with id &quot;report&quot;.</p></noscript>\n"
	"<div id=\"app\"></div>\n"
	"<script type=\"application/json\" id=\"report\">\n";

/*
 * Just enough of a JSON reader to find the strings the <title> needs
 * (summary.exe.path, summary.go_version, ...): the page itself parses the
 * document with JSON.parse.  Every step checks the end; a malformed
 * document only costs the title its names.
 */
struct jscan {
	const char *p, *end;
};

static void js_ws(struct jscan *s)
{
	while (s->p < s->end &&
	       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
		*s->p == '\r'))
		s->p++;
}

/* At '"': past the closing quote. */
static bool js_skip_string(struct jscan *s)
{
	s->p++;
	while (s->p < s->end) {
		char c = *s->p++;
		if (c == '\\') {
			if (s->p == s->end)
				return false;
			s->p++;
		} else if (c == '"') {
			return true;
		}
	}
	return false;
}

/* Past one value.  Once strings are skipped only brackets matter, so
 * nesting is a counter: no recursion for a hostile document to exhaust. */
static bool js_skip_value(struct jscan *s)
{
	size_t depth = 0;
	js_ws(s);
	do {
		if (s->p >= s->end)
			return false;
		char c = *s->p;
		if (c == '"') {
			if (!js_skip_string(s))
				return false;
		} else if (c == '{' || c == '[') {
			depth++;
			s->p++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return false;
			depth--;
			s->p++;
		} else if (depth == 0) {
			while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
				s->p++;
		} else {
			s->p++;
		}
	} while (depth > 0);
	return true;
}

/* At an object: moves to the value of member @key.  Keys are compared as
 * written; ours never hold escapes. */
static bool js_member(struct jscan *s, const char *key)
{
	size_t keylen = strlen(key);
	js_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return false;
	s->p++;
	for (;;) {
		js_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return false;
		const char *k = s->p + 1;
		if (!js_skip_string(s))
			return false;
		size_t klen = (size_t)(s->p - 1 - k);
		js_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		js_ws(s);
		if (klen == keylen && memcmp(k, key, keylen) == 0)
			return true;
		if (!js_skip_value(s))
			return false;
		js_ws(s);
		if (s->p >= s->end || *s->p != ',')
			return false;
		s->p++;
	}
}

static unsigned js_hex4(const char *p)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return ~0u;
	}
	return v;
}

static size_t utf8_put(char *buf, unsigned cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The escape after a backslash at s->p; U+FFFD for what is not one (a
 * lone surrogate included). */
static unsigned js_escape(struct jscan *s)
{
	char c = *s->p++;
	switch (c) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': break;
	default: return (unsigned char)c;
	}
	if (s->end - s->p < 4)
		return 0xfffd;
	unsigned cp = js_hex4(s->p);
	if (cp == ~0u)
		return 0xfffd;
	s->p += 4;
	if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 &&
	    s->p[0] == '\\' && s->p[1] == 'u') {
		unsigned lo = js_hex4(s->p + 2);
		if (lo >= 0xdc00 && lo < 0xe000) {
			s->p += 6;
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

/* At a string: decode it into @buf (@n > 4 bytes), cut at a character
 * when it does not fit.  Returns the bytes written, 0 when not a string
 * or not terminated. */
static size_t js_string(struct jscan *s, char *buf, size_t n)
{
	size_t len = 0;
	if (s->p >= s->end || *s->p != '"')
		return 0;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		char tmp[4];
		size_t k;
		if (*s->p == '\\' && s->end - s->p >= 2) {
			s->p++;
			k = utf8_put(tmp, js_escape(s));
		} else {
			tmp[0] = *s->p++;
			k = 1;
		}
		if (n - 1 - len < k)
			break;
		memcpy(buf + len, tmp, k);
		len += k;
	}
	buf[len] = '\0';
	/* A string cut off by the end of a damaged document is no name. */
	if (s->p >= s->end && len < n - 1)
		return 0;
	return len;
}

/* The string at @path (member names, NULL-terminated) from the document's
 * top-level object, or 0. */
static size_t json_lookup(const char *json, size_t len,
			  const char *const *path, char *buf, size_t n)
{
	struct jscan s = {json, json + len};
	for (; *path; path++)
		if (!js_member(&s, *path))
			return 0;
	return js_string(&s, buf, n);
}

/* Title text: control characters would not show; markup characters
 * become entities. */
static void write_html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c < 0x20 || c == 0x7f)
			putc(' ', out);
		else
			putc(c, out);
	}
}

static void write_title(FILE *out, const char *json, size_t len)
{
	static const char *const exe_path[] = {"summary", "exe", "path", NULL};
	static const char *const cmdline[] = {"summary", "process",
					      "command_line", NULL};
	static const char *const version[] = {"summary", "go_version", NULL};
	static const char *const heap_version[] = {"heap", "go_version", NULL};
	char prog[256], ver[64];
	const char *name = prog;

	if (json_lookup(json, len, exe_path, prog, sizeof(prog))) {
		const char *slash = strrchr(prog, '/');
		if (slash && slash[1])
			name = slash + 1;
	} else if (json_lookup(json, len, cmdline, prog, sizeof(prog))) {
		prog[strcspn(prog, " ")] = '\0';
		const char *slash = strrchr(prog, '/');
		if (slash && slash[1])
			name = slash + 1;
	} else {
		name = "Go program";
	}
	if (!json_lookup(json, len, version, ver, sizeof(ver)) &&
	    !json_lookup(json, len, heap_version, ver, sizeof(ver)))
		ver[0] = '\0';

	fputs("<title>", out);
	write_html_text(out, name);
	if (ver[0]) {
		fputs(" (", out);
		write_html_text(out, ver);
		putc(')', out);
	}
	fputs(" \xe2\x80\x94 goretain report</title>\n", out);
}

int gr_html_escape_script(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t done = 0; /* bytes before this are written */
	int bad = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		size_t skip = 0;
		if (p[i] == '<' && i + 1 < len && p[i + 1] == '/') {
			rep = "<\\/", skip = 2;
		} else if (p[i] == '<' && len - i >= 4 &&
			   memcmp(p + i, "<!--", 4) == 0) {
			/* "<!--" followed by "<script" would put the parser
			 * into the double-escaped state, where "</script>"
			 * no longer ends the element. */
			rep = "\\u003c!--", skip = 4;
		} else if (p[i] == 0xe2 && len - i >= 3 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* U+2028/2029 end a line in JavaScript before ES2019;
			 * escaped, the data is safe for any script reader. */
			rep = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", skip = 3;
		}
		if (!rep)
			continue;
		bad |= fwrite(p + done, 1, i - done, out) != i - done;
		bad |= fputs(rep, out) < 0;
		done = i + skip;
		i += skip - 1;
	}
	bad |= fwrite(p + done, 1, len - done, out) != len - done;
	return bad ? -1 : 0;
}

struct gr_error *gr_html_write(const char *report_json, size_t len, FILE *out,
			       const char *path)
{
	fputs(head, out);
	write_title(out, report_json, len);
	fputs("<style>\n", out);
	fwrite(gr_html_report_css, 1, gr_html_report_css_len, out);
	fputs(body, out);
	gr_html_escape_script(out, report_json, len);
	fputs("\n</script>\n<script>\n", out);
	fwrite(gr_html_report_js, 1, gr_html_report_js_len, out);
	fputs("</script>\n</body>\n</html>\n", out);
	/* One check at the end: stdio keeps the error flag, and a page cut
	 * short is worth no more than no page. */
	if (fflush(out) == EOF || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
