/* SPDX-License-Identifier: MIT */
/*
 * gr_json: a streaming JSON writer.
 *
 * Keeps a small nesting stack so callers never place commas by hand.  All
 * strings are escaped: control characters become \u00XX and bytes that are
 * not valid UTF-8 become U+FFFD, so names read from a hostile core cannot
 * break the document.  Write errors are sticky: check gr_json_finish().
 */
#ifndef GR_JSON_H
#define GR_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "forensics/01-base/error.h"

enum { GR_JSON_MAX_DEPTH = 64 };

struct gr_json {
	FILE *out;
	bool pretty;
	int depth;
	/* Per level: has a member been written (comma needed)? */
	bool nonempty[GR_JSON_MAX_DEPTH];
	/* A key was just written: the next value follows it directly. */
	bool after_key;
	bool failed;
};

void gr_json_init(struct gr_json *j, FILE *out, bool pretty);
void gr_json_object_begin(struct gr_json *j);
void gr_json_object_end(struct gr_json *j);
void gr_json_array_begin(struct gr_json *j);
void gr_json_array_end(struct gr_json *j);
void gr_json_key(struct gr_json *j, const char *key);
void gr_json_string(struct gr_json *j, const char *s);
/* A string of @len bytes that may contain NULs or invalid UTF-8. */
void gr_json_string_len(struct gr_json *j, const char *s, size_t len);
void gr_json_u64(struct gr_json *j, uint64_t v);
void gr_json_i64(struct gr_json *j, int64_t v);
void gr_json_double(struct gr_json *j, double v);
void gr_json_bool(struct gr_json *j, bool v);
void gr_json_null(struct gr_json *j);
/* An address as a "0x..." string: JSON numbers lose precision past 2^53. */
void gr_json_hex(struct gr_json *j, uint64_t v);

/* Key + value shorthands. */
void gr_json_kv_string(struct gr_json *j, const char *key, const char *s);
void gr_json_kv_u64(struct gr_json *j, const char *key, uint64_t v);
void gr_json_kv_i64(struct gr_json *j, const char *key, int64_t v);
void gr_json_kv_double(struct gr_json *j, const char *key, double v);
void gr_json_kv_bool(struct gr_json *j, const char *key, bool v);
void gr_json_kv_hex(struct gr_json *j, const char *key, uint64_t v);
/* @key with @v, or with null when @v is not @known. */
void gr_json_kv_u64_known(struct gr_json *j, const char *key, bool known,
			  uint64_t v);
void gr_json_kv_i64_known(struct gr_json *j, const char *key, bool known,
			  int64_t v);

/* Trailing newline, flush; OS error if any write failed. */
GR_MUST_USE
struct gr_error *gr_json_finish(struct gr_json *j, const char *path);
/* gr_json_finish() after the caller's own @err (NULL if none), which wins:
 * the write error is then dropped. */
GR_MUST_USE
struct gr_error *gr_json_finish_after(struct gr_json *j, const char *path,
				      struct gr_error *err);

#endif /* GR_JSON_H */
