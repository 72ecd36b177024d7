/* SPDX-License-Identifier: MIT */
#include "report/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "report/escape.h"

void gr_json_init(struct gr_json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void put(struct gr_json *j, const char *s)
{
	if (fputs(s, j->out) < 0)
		j->failed = true;
}

static void indent(struct gr_json *j)
{
	if (!j->pretty)
		return;
	put(j, "\n");
	for (int i = 0; i < j->depth; i++)
		put(j, "  ");
}

/* Comma and indentation before a value or key at the current level. */
static void before_value(struct gr_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->nonempty[j->depth])
			put(j, ",");
		j->nonempty[j->depth] = true;
		indent(j);
	}
}

static void open_level(struct gr_json *j, const char *bracket)
{
	before_value(j);
	put(j, bracket);
	if (j->depth + 1 >= GR_JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	j->depth++;
	j->nonempty[j->depth] = false;
}

static void close_level(struct gr_json *j, const char *bracket)
{
	if (j->depth == 0) {
		j->failed = true;
		return;
	}
	bool had = j->nonempty[j->depth];
	j->depth--;
	if (had)
		indent(j);
	put(j, bracket);
}

void gr_json_object_begin(struct gr_json *j)
{
	open_level(j, "{");
}

void gr_json_object_end(struct gr_json *j)
{
	close_level(j, "}");
}

void gr_json_array_begin(struct gr_json *j)
{
	open_level(j, "[");
}

void gr_json_array_end(struct gr_json *j)
{
	close_level(j, "]");
}

void gr_json_string_len(struct gr_json *j, const char *s, size_t len)
{
	before_value(j);
	if (gr_escape_json(j->out, s, len))
		j->failed = true;
}

void gr_json_string(struct gr_json *j, const char *s)
{
	gr_json_string_len(j, s ? s : "", s ? strlen(s) : 0);
}

void gr_json_key(struct gr_json *j, const char *key)
{
	gr_json_string(j, key);
	put(j, j->pretty ? ": " : ":");
	j->after_key = true;
}

void gr_json_u64(struct gr_json *j, uint64_t v)
{
	before_value(j);
	if (fprintf(j->out, "%" PRIu64, v) < 0)
		j->failed = true;
}

void gr_json_i64(struct gr_json *j, int64_t v)
{
	before_value(j);
	if (fprintf(j->out, "%" PRId64, v) < 0)
		j->failed = true;
}

void gr_json_double(struct gr_json *j, double v)
{
	before_value(j);
	/* JSON has no NaN or infinity. */
	if (!isfinite(v)) {
		put(j, "null");
		return;
	}
	if (fprintf(j->out, "%.6g", v) < 0)
		j->failed = true;
}

void gr_json_bool(struct gr_json *j, bool v)
{
	before_value(j);
	put(j, v ? "true" : "false");
}

void gr_json_null(struct gr_json *j)
{
	before_value(j);
	put(j, "null");
}

void gr_json_hex(struct gr_json *j, uint64_t v)
{
	before_value(j);
	if (fprintf(j->out, "\"0x%" PRIx64 "\"", v) < 0)
		j->failed = true;
}

void gr_json_kv_string(struct gr_json *j, const char *key, const char *s)
{
	gr_json_key(j, key);
	gr_json_string(j, s);
}

void gr_json_kv_u64(struct gr_json *j, const char *key, uint64_t v)
{
	gr_json_key(j, key);
	gr_json_u64(j, v);
}

void gr_json_kv_i64(struct gr_json *j, const char *key, int64_t v)
{
	gr_json_key(j, key);
	gr_json_i64(j, v);
}

void gr_json_kv_double(struct gr_json *j, const char *key, double v)
{
	gr_json_key(j, key);
	gr_json_double(j, v);
}

void gr_json_kv_bool(struct gr_json *j, const char *key, bool v)
{
	gr_json_key(j, key);
	gr_json_bool(j, v);
}

void gr_json_kv_hex(struct gr_json *j, const char *key, uint64_t v)
{
	gr_json_key(j, key);
	gr_json_hex(j, v);
}

void gr_json_kv_u64_known(struct gr_json *j, const char *key, bool known,
			  uint64_t v)
{
	gr_json_key(j, key);
	if (known)
		gr_json_u64(j, v);
	else
		gr_json_null(j);
}

void gr_json_kv_i64_known(struct gr_json *j, const char *key, bool known,
			  int64_t v)
{
	gr_json_key(j, key);
	if (known)
		gr_json_i64(j, v);
	else
		gr_json_null(j);
}

struct gr_error *gr_json_finish(struct gr_json *j, const char *path)
{
	put(j, "\n");
	if (fflush(j->out) != 0)
		j->failed = true;
	if (j->failed || j->depth != 0)
		return gr_error_output(errno ? errno : EIO, path ? path : "output",
				   "writing JSON");
	return NULL;
}

struct gr_error *gr_json_finish_after(struct gr_json *j, const char *path,
				      struct gr_error *err)
{
	struct gr_error *ferr = gr_json_finish(j, path);
	if (!err)
		return ferr;
	gr_error_destroy(ferr);
	return err;
}
