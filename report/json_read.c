/* SPDX-License-Identifier: MIT */
#include "report/json_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"

struct gr_jv {
	enum gr_jv_type type;
	bool b;
	/* Numbers: the value as a double, and as an integer when the text
	 * was one (no fraction, no exponent) and fits. */
	double d;
	bool is_u64, is_i64;
	uint64_t u;
	int64_t i;
	/* Strings. */
	char *s;
	size_t slen;
	/* Arrays and objects (keys[k] for objects, else NULL). */
	struct gr_jv **items;
	char **keys;
	size_t n, cap, keys_cap;
};

struct parser {
	const char *p, *end, *start;
	const char *path;
	int depth;
};

GR_MUST_USE
static struct gr_error *bad(const struct parser *ps, const char *what)
{
	return gr_error_create(GR_ERR_BAD_DATA, "%s: offset %zu: %s", ps->path,
			       (size_t)(ps->p - ps->start), what);
}

static void ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool lit(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return false;
	ps->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* A string at ps->p (the opening quote); decoded bytes never outnumber
 * the encoded ones, so one buffer of the raw length suffices. */
GR_MUST_USE
static struct gr_error *string(struct parser *ps, char **ret, size_t *len)
{
	const char *q = ps->p + 1;
	size_t raw = 0;
	while (q + raw < ps->end && q[raw] != '"')
		raw += q[raw] == '\\' && q + raw + 1 < ps->end ? 2 : 1;
	if (q + raw >= ps->end)
		return bad(ps, "unterminated string");
	char *out = malloc(raw + 1);
	if (!out)
		return gr_error_nomem();
	size_t n = 0;
	ps->p = q;
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20) {
			free(out);
			return bad(ps, "control character in a string");
		}
		if (c != '\\') {
			out[n++] = (char)c;
			ps->p++;
			continue;
		}
		char e = ps->p[1];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e && simple) {
			out[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
			ps->p += 2;
			continue;
		}
		int u = e == 'u' && ps->end - ps->p >= 6 ? hex4(ps->p + 2) : -1;
		if (u < 0) {
			free(out);
			return bad(ps, "bad escape in a string");
		}
		ps->p += 6;
		uint32_t cp = (uint32_t)u;
		if (cp >= 0xd800 && cp < 0xdc00) {
			int lo = ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
					 ps->p[1] == 'u'
				 ? hex4(ps->p + 2)
				 : -1;
			if (lo < 0xdc00 || lo >= 0xe000) {
				free(out);
				return bad(ps, "lone UTF-16 surrogate");
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     ((uint32_t)lo - 0xdc00);
			ps->p += 6;
		} else if (cp >= 0xdc00 && cp < 0xe000) {
			free(out);
			return bad(ps, "lone UTF-16 surrogate");
		}
		n += utf8(out + n, cp);
	}
	ps->p++;
	out[n] = '\0';
	*ret = out;
	*len = n;
	return NULL;
}

GR_MUST_USE
static struct gr_error *number(struct parser *ps, struct gr_jv *v)
{
	const char *s = ps->p;
	bool integer = true;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		return bad(ps, "bad number");
	if (*ps->p == '0' && ps->p + 1 < ps->end && ps->p[1] >= '0' &&
	    ps->p[1] <= '9')
		return bad(ps, "leading zero in a number");
	while (ps->p < ps->end &&
	       ((*ps->p >= '0' && *ps->p <= '9') || strchr(".eE+-", *ps->p))) {
		if (strchr(".eE", *ps->p))
			integer = false;
		ps->p++;
	}
	char buf[64];
	size_t n = (size_t)(ps->p - s);
	if (n >= sizeof(buf))
		return bad(ps, "number too long");
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	v->d = strtod(buf, &end);
	if (*end || !isfinite(v->d))
		return bad(ps, "bad number");
	if (integer) {
		errno = 0;
		if (buf[0] == '-') {
			long long x = strtoll(buf, &end, 10);
			v->is_i64 = !errno && !*end;
			v->i = x;
		} else {
			unsigned long long x = strtoull(buf, &end, 10);
			v->is_u64 = !errno && !*end;
			v->u = x;
			v->is_i64 = v->is_u64 && x <= INT64_MAX;
			v->i = (int64_t)x;
		}
	}
	v->type = GR_JV_NUMBER;
	return NULL;
}

GR_MUST_USE
static struct gr_error *value(struct parser *ps, struct gr_jv **ret);

GR_MUST_USE
static struct gr_error *push(struct gr_jv *c, struct gr_jv *item, char *key)
{
	struct gr_error *err = gr_array_grow(&c->items, &c->cap, c->n, 1);
	if (!err && c->type == GR_JV_OBJECT)
		err = gr_array_grow(&c->keys, &c->keys_cap, c->n, 1);
	if (err)
		return err;
	if (c->keys)
		c->keys[c->n] = key;
	c->items[c->n++] = item;
	return NULL;
}

GR_MUST_USE
static struct gr_error *container(struct parser *ps, struct gr_jv *v)
{
	bool obj = *ps->p == '{';
	char close = obj ? '}' : ']';
	v->type = obj ? GR_JV_OBJECT : GR_JV_ARRAY;
	if (++ps->depth > GR_JV_MAX_DEPTH)
		return bad(ps, "nested too deeply");
	ps->p++;
	ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return NULL;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		struct gr_error *err = NULL;
		ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				return bad(ps, "expected a key");
			if ((err = string(ps, &key, &klen)))
				return err;
			ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return bad(ps, "expected ':'");
			}
			ps->p++;
		}
		struct gr_jv *item = NULL;
		err = value(ps, &item);
		if (!err && (err = push(v, item, key)))
			gr_jv_destroy(item);
		if (err) {
			free(key);
			return err;
		}
		ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return NULL;
		}
		return bad(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

GR_MUST_USE
static struct gr_error *value(struct parser *ps, struct gr_jv **ret)
{
	ws(ps);
	if (ps->p >= ps->end)
		return bad(ps, "unexpected end");
	struct gr_jv *v = calloc(1, sizeof(*v));
	if (!v)
		return gr_error_nomem();
	struct gr_error *err = NULL;
	char c = *ps->p;
	if (c == '{' || c == '[') {
		err = container(ps, v);
	} else if (c == '"') {
		v->type = GR_JV_STRING;
		err = string(ps, &v->s, &v->slen);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		err = number(ps, v);
	} else if (lit(ps, "true") || lit(ps, "false")) {
		v->type = GR_JV_BOOL;
		v->b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
	} else if (lit(ps, "null")) {
		v->type = GR_JV_NULL;
	} else {
		err = bad(ps, "unexpected character");
	}
	if (err) {
		gr_jv_destroy(v);
		return err;
	}
	*ret = v;
	return NULL;
}

struct gr_error *gr_jv_parse(const char *buf, size_t len, const char *path,
			     struct gr_jv **ret)
{
	struct parser ps = {buf, buf + len, buf, path, 0};
	struct gr_jv *v;
	struct gr_error *err = value(&ps, &v);
	if (err)
		return err;
	ws(&ps);
	if (ps.p != ps.end) {
		gr_jv_destroy(v);
		return bad(&ps, "trailing bytes after the document");
	}
	*ret = v;
	return NULL;
}

struct gr_error *gr_jv_parse_file(const char *path, struct gr_jv **ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return gr_error_os(errno, path, "open");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct gr_error *err = NULL;
	for (;;) {
		if ((err = gr_array_grow(&buf, &cap, len, 65536)))
			break;
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = gr_error_os(errno ? errno : EIO, path,
						  "read");
			break;
		}
	}
	fclose(f);
	if (!err)
		err = gr_jv_parse(buf, len, path, ret);
	free(buf);
	return err;
}

void gr_jv_destroy(struct gr_jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		gr_jv_destroy(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

enum gr_jv_type gr_jv_type(const struct gr_jv *v)
{
	return v ? v->type : GR_JV_NULL;
}

const struct gr_jv *gr_jv_get(const struct gr_jv *v, const char *key)
{
	if (!v || v->type != GR_JV_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	return NULL;
}

size_t gr_jv_len(const struct gr_jv *v)
{
	return v && (v->type == GR_JV_ARRAY || v->type == GR_JV_OBJECT) ? v->n
									 : 0;
}

const struct gr_jv *gr_jv_at(const struct gr_jv *v, size_t i)
{
	return i < gr_jv_len(v) ? v->items[i] : NULL;
}

const char *gr_jv_str(const struct gr_jv *v, size_t *len)
{
	if (!v || v->type != GR_JV_STRING)
		return NULL;
	if (len)
		*len = v->slen;
	return v->s;
}

bool gr_jv_u64(const struct gr_jv *v, uint64_t *ret)
{
	if (!v || v->type != GR_JV_NUMBER || !v->is_u64)
		return false;
	*ret = v->u;
	return true;
}

bool gr_jv_i64(const struct gr_jv *v, int64_t *ret)
{
	if (!v || v->type != GR_JV_NUMBER || !v->is_i64)
		return false;
	*ret = v->i;
	return true;
}

bool gr_jv_double(const struct gr_jv *v, double *ret)
{
	if (!v || v->type != GR_JV_NUMBER)
		return false;
	*ret = v->d;
	return true;
}

bool gr_jv_bool(const struct gr_jv *v, bool *ret)
{
	if (!v || v->type != GR_JV_BOOL)
		return false;
	*ret = v->b;
	return true;
}
