/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the writers' escaping: gr_escape_json,
 * gr_escape_term, gr_escape_term_fit (report/escape.h) and
 * gr_html_escape_script (report/html.h) over arbitrary bytes.  Each output
 * is checked for what its reader needs:
 *   JSON     one string token that parses back to the input, every invalid
 *            UTF-8 byte read as U+FFFD, with no raw "<", ">", "&", control,
 *            U+2028 or U+2029 in it (the page embeds it in a <script>);
 *   terminal valid UTF-8 without C0, DEL or C1 controls; _fit's column
 *            count is the output's and at most the width (or "...");
 *   script   no "</" and no "<!--"; U+2028/U+2029 escaped.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	char *p;
	size_t n;
};

static FILE *open_buf(struct buf *b)
{
	b->p = NULL;
	b->n = 0;
	FILE *f = open_memstream(&b->p, &b->n);
	if (!f)
		abort();
	return f;
}

static void close_buf(FILE *f)
{
	if (fclose(f) != 0)
		abort();
}

static void put_utf8(struct buf *b, size_t *len, unsigned cp)
{
	uint8_t *o = (uint8_t *)b->p + *len;
	if (cp < 0x80) {
		o[0] = (uint8_t)cp, *len += 1;
	} else if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f)), *len += 2;
	} else if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f)), *len += 3;
	} else {
		o[0] = (uint8_t)(0xf0 | cp >> 18);
		o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		o[3] = (uint8_t)(0x80 | (cp & 0x3f)), *len += 4;
	}
}

static unsigned hex4(const char *s)
{
	char digits[5] = {0};
	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			abort();
		digits[i] = s[i];
	}
	return (unsigned)strtoul(digits, NULL, 16);
}

/*
 * Parse the JSON string token @s/@n (RFC 8259 string grammar, nothing
 * around it) into @out, which has room for 4 bytes per input byte.
 */
static size_t json_unquote(const char *s, size_t n, struct buf *out)
{
	size_t len = 0;
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (size_t i = 1; i < n - 1;) {
		unsigned cp;
		size_t k = gr_utf8_decode((const unsigned char *)s + i,
					  n - 1 - i, &cp);
		if (k == 0 || cp < 0x20 || cp == '"' || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029 || cp == '<' || cp == '>' || cp == '&')
			abort();
		if (cp != '\\') {
			memcpy(out->p + len, s + i, k);
			len += k;
			i += k;
			continue;
		}
		if (i + 1 >= n - 1)
			abort();
		char e = s[i + 1];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			static const char to[] = "\"\\/\b\f\n\r\t";
			out->p[len++] = to[simple - "\"\\/bfnrt"];
			i += 2;
			continue;
		}
		if (e != 'u' || n - 1 - i < 6)
			abort();
		cp = hex4(s + i + 2);
		i += 6;
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (n - 1 - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
				abort();
			unsigned lo = hex4(s + i + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				abort();
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			abort();
		}
		put_utf8(out, &len, cp);
	}
	return len;
}

static void check_json(const uint8_t *data, size_t size)
{
	struct buf b, want, got;
	FILE *f = open_buf(&b);
	if (gr_escape_json(f, (const char *)data, size) != 0)
		abort();
	close_buf(f);

	/* What a reader must get back: invalid bytes as U+FFFD one by one. */
	want.p = malloc(3 * size + 1);
	got.p = malloc(b.n + 1);
	if (!want.p || !got.p)
		abort();
	size_t wn = 0;
	for (size_t i = 0; i < size;) {
		unsigned cp;
		size_t k = gr_utf8_decode(data + i, size - i, &cp);
		if (k == 0) {
			memcpy(want.p + wn, "\xef\xbf\xbd", 3);
			wn += 3;
			i++;
		} else {
			memcpy(want.p + wn, data + i, k);
			wn += k;
			i += k;
		}
	}
	size_t gn = json_unquote(b.p, b.n, &got);
	if (gn != wn || memcmp(got.p, want.p, wn) != 0)
		abort();
	free(want.p);
	free(got.p);
	free(b.p);
}

/* Valid UTF-8 without controls; returns the number of code points. */
static size_t check_term_text(const char *s, size_t n)
{
	size_t cps = 0;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = gr_utf8_decode((const unsigned char *)s + i, n - i,
					  &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0))
			abort();
		i += k;
		cps++;
	}
	return cps;
}

static void check_term(const uint8_t *data, size_t size)
{
	struct buf b;
	FILE *f = open_buf(&b);
	if (gr_escape_term(f, (const char *)data, size) != 0)
		abort();
	close_buf(f);
	check_term_text(b.p, b.n);
	free(b.p);

	/* The width comes from the first byte so the cut lands anywhere. */
	size_t width = size ? data[0] % 64 : 0;
	f = open_buf(&b);
	size_t cols = gr_escape_term_fit(f, (const char *)data, size, width);
	close_buf(f);
	if (check_term_text(b.p, b.n) != cols)
		abort();
	if (cols > (width < 3 ? 3 : width))
		abort();
	free(b.p);
}

static void check_script(const uint8_t *data, size_t size)
{
	struct buf b;
	FILE *f = open_buf(&b);
	if (gr_html_escape_script(f, (const char *)data, size) != 0)
		abort();
	close_buf(f);
	if (memmem(b.p, b.n, "</", 2) || memmem(b.p, b.n, "<!--", 4) ||
	    memmem(b.p, b.n, "\xe2\x80\xa8", 3) ||
	    memmem(b.p, b.n, "\xe2\x80\xa9", 3))
		abort();
	free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_json(data, size);
	check_term(data, size);
	check_script(data, size);
	return 0;
}
