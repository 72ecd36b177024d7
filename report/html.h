/* SPDX-License-Identifier: MIT */
/*
 * gr_html: `goretain report --format html`, one self-contained page.
 *
 * The page is the report JSON (gr_report_json) embedded as data in a
 * <script type="application/json" id="report"> element, plus the style
 * sheet and script of report/html/ (embedded into the binary at build
 * time by report/html/html.mk).  It loads nothing: no network, fonts or
 * other files, and a Content-Security-Policy forbids any fetch, so it can
 * be mailed, attached to a ticket and opened offline.
 *
 * Names in the JSON come from an untrusted core.  The writer escapes the
 * embedded text so that nothing in it can end the script element, and the
 * script puts every string into the page as text (textContent), never as
 * markup.  After rendering, the script adds an element with id "render-ok"
 * (or "render-error" with the message when something threw), which the
 * headless-browser test looks for.
 */
#ifndef GR_HTML_H
#define GR_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "forensics/01-base/error.h"

/*
 * Write the page for @report_json (@len bytes, a "goretain-report/1"
 * document; need not be NUL-terminated) to @out; @path names the output in
 * errors.  The title names the program and Go version when the JSON has
 * them.  JSON that does not parse still makes a page: the script shows
 * what is wrong.  Fails only when writing fails.
 */
GR_MUST_USE
struct gr_error *gr_html_write(const char *report_json, size_t len, FILE *out,
			       const char *path);

/*
 * Write @len bytes of @s so that they can stand inside a <script> element:
 * "</" becomes "<\/", "<!--" becomes "\u003c!--", U+2028 and U+2029 become
 * \u2028 and \u2029.  Within JSON strings these are the same characters
 * (where else "<" cannot occur in JSON).  Returns -1 on write error.
 */
int gr_html_escape_script(FILE *out, const char *s, size_t len);

#endif /* GR_HTML_H */
