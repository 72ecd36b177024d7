/* SPDX-License-Identifier: MIT */
#include "report/escape.h"

#include <stdbool.h>
#include <stdint.h>

size_t gr_utf8_decode(const unsigned char *s, size_t len, unsigned *cp_ret)
{
	if (!len)
		return 0;
	unsigned c = s[0];
	size_t n;
	unsigned cp, min;
	if (c < 0x80) {
		*cp_ret = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_ret = cp;
	return n;
}

int gr_escape_json(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int bad = putc('"', out) == EOF;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = gr_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			bad |= fputs("\\ufffd", out) < 0;
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			bad |= fprintf(out, "\\%c", (char)cp) < 0;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
			   cp == 0x2028 || cp == 0x2029) {
			/* C0/C1 controls and JS line separators escaped so the
			 * JSON can be embedded in HTML <script> safely too. */
			bad |= fprintf(out, "\\u%04x", cp) < 0;
		} else if (cp == '<' || cp == '>' || cp == '&') {
			bad |= fprintf(out, "\\u%04x", cp) < 0;
		} else {
			bad |= fwrite(p + i, 1, n, out) != n;
		}
		i += n;
	}
	bad |= putc('"', out) == EOF;
	return bad ? -1 : 0;
}

int gr_escape_term(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int bad = 0;
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = gr_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			bad |= fprintf(out, "\\x%02x", p[i]) < 0;
			i++;
			continue;
		}
		bad |= fwrite(p + i, 1, n, out) != n;
		i += n;
	}
	return bad ? -1 : 0;
}

size_t gr_escape_term_fit(FILE *out, const char *s, size_t len, size_t width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cols = 0, i = 0;
	/* First pass: does it fit whole? */
	for (size_t k = 0; k < len;) {
		unsigned cp;
		size_t n = gr_utf8_decode(p + k, len - k, &cp);
		bool bad = n == 0 || cp < 0x20 || cp == 0x7f ||
			   (cp >= 0x80 && cp < 0xa0);
		cols += bad ? 4 : 1;
		k += bad ? 1 : n;
	}
	if (cols <= width) {
		gr_escape_term(out, s, len);
		return cols;
	}
	/* Cut at a whole character so that "..." fits too. */
	size_t room = width > 3 ? width - 3 : 0;
	cols = 0;
	while (i < len) {
		unsigned cp;
		size_t n = gr_utf8_decode(p + i, len - i, &cp);
		bool bad = n == 0 || cp < 0x20 || cp == 0x7f ||
			   (cp >= 0x80 && cp < 0xa0);
		size_t w = bad ? 4 : 1;
		if (cols + w > room)
			break;
		gr_escape_term(out, s + i, bad ? 1 : n);
		cols += w;
		i += bad ? 1 : n;
	}
	fputs("...", out);
	return cols + 3;
}
