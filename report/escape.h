/* SPDX-License-Identifier: MIT */
/*
 * gr_escape: make bytes read from an untrusted core safe for each output.
 *
 * Names of types, symbols, labels and strings come from the dead process and
 * may hold anything.  JSON gets \uXXXX escapes, the terminal never sees a
 * control character or an invalid UTF-8 sequence (they become \xNN), and
 * HTML gets entities.  Invalid UTF-8 is decoded byte by byte, never trusted
 * to run past the buffer.
 */
#ifndef GR_ESCAPE_H
#define GR_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Write @s (@len bytes) as a quoted JSON string. Returns -1 on write error. */
int gr_escape_json(FILE *out, const char *s, size_t len);
/* Write @s for a terminal: printable UTF-8 kept, everything else \xNN. */
int gr_escape_term(FILE *out, const char *s, size_t len);
/* gr_escape_term in at most @width columns: cut at a character, ending in
 * "..." when cut.  Returns the columns written. */
size_t gr_escape_term_fit(FILE *out, const char *s, size_t len, size_t width);

/*
 * Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0 if the
 * bytes there are not one (overlong, surrogate, truncated, > U+10FFFF).
 * *cp_ret gets the code point.
 */
size_t gr_utf8_decode(const unsigned char *s, size_t len, unsigned *cp_ret);

#endif /* GR_ESCAPE_H */
