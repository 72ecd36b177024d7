/* SPDX-License-Identifier: MIT */
/*
 * gr_jv: a small JSON reader (RFC 8259) for what goretain wrote itself
 * and reads back: `goretain diff` of two report JSON files.
 *
 * The whole document becomes a tree owned by its root.  Input is
 * untrusted: nesting deeper than GR_JV_MAX_DEPTH, bad escapes, bad UTF-16
 * surrogates, control characters in strings, trailing bytes and numbers
 * out of range are BAD_DATA errors naming the file and the byte offset.
 * Strings are decoded to UTF-8 (NUL bytes kept: their length is known).
 * Duplicate keys are kept; gr_jv_get returns the first.
 */
#ifndef GR_JSON_READ_H
#define GR_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

enum { GR_JV_MAX_DEPTH = 128 };

enum gr_jv_type {
	GR_JV_NULL,
	GR_JV_BOOL,
	GR_JV_NUMBER,
	GR_JV_STRING,
	GR_JV_ARRAY,
	GR_JV_OBJECT,
};

struct gr_jv;

/* Parse @len bytes at @buf; @path names the input in errors. */
GR_MUST_USE
struct gr_error *gr_jv_parse(const char *buf, size_t len, const char *path,
			     struct gr_jv **ret);
/* Read and parse the file at @path (OS errors name it). */
GR_MUST_USE
struct gr_error *gr_jv_parse_file(const char *path, struct gr_jv **ret);
void gr_jv_destroy(struct gr_jv *v);

/* Accessors accept NULL and values of the wrong type: they return
 * NULL, 0 or false then. */
enum gr_jv_type gr_jv_type(const struct gr_jv *v);
/* Member @key of an object. */
const struct gr_jv *gr_jv_get(const struct gr_jv *v, const char *key);
/* Elements of an array, members of an object. */
size_t gr_jv_len(const struct gr_jv *v);
const struct gr_jv *gr_jv_at(const struct gr_jv *v, size_t i);
/* A string's bytes (NUL-terminated; *len may be NULL). */
const char *gr_jv_str(const struct gr_jv *v, size_t *len);
/* A number that is an integer in range; false otherwise. */
bool gr_jv_u64(const struct gr_jv *v, uint64_t *ret);
bool gr_jv_i64(const struct gr_jv *v, int64_t *ret);
bool gr_jv_double(const struct gr_jv *v, double *ret);
bool gr_jv_bool(const struct gr_jv *v, bool *ret);

#endif /* GR_JSON_READ_H */
