/* SPDX-License-Identifier: MIT */
#include "report/batch_summary.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "report/json.h"

static const char *const statuses[] = {"ok", "skipped", "error"};

void gr_batch_key_hex(uint64_t key, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, key);
}

/* A memory stream with the members every record starts with written:
 * "input", "key" (not for errors), "status". */
static FILE *line_open(char **buf, size_t *len, struct gr_json *j,
		       const char *input, enum gr_batch_status status,
		       uint64_t key)
{
	FILE *f = open_memstream(buf, len);
	if (!f)
		return NULL;
	gr_json_init(j, f, false);
	gr_json_object_begin(j);
	gr_json_kv_string(j, "input", input);
	if (status != GR_BATCH_ERROR) {
		char hex[17];
		gr_batch_key_hex(key, hex);
		gr_json_kv_string(j, "key", hex);
	}
	gr_json_kv_string(j, "status", statuses[status]);
	return f;
}

struct gr_error *gr_batch_record_format(const struct gr_batch_record *r,
					char **ret, size_t *len_ret)
{
	char *buf = NULL;
	size_t len = 0;
	struct gr_json j;
	FILE *f = line_open(&buf, &len, &j, r->input, r->status, r->key);
	if (!f)
		return gr_error_nomem();
	if (r->status == GR_BATCH_ERROR) {
		gr_json_kv_string(&j, "error", r->error);
		gr_json_kv_i64(&j, "exit", r->exit);
	} else {
		gr_json_kv_string(&j, "exe", r->exe);
		gr_json_kv_string(&j, "go_version", r->go_version);
		gr_json_kv_u64(&j, "live_bytes", r->live_bytes);
		gr_json_kv_u64(&j, "objects", r->objects);
		gr_json_key(&j, "top_suspect");
		if (r->top_suspect) {
			const struct gr_batch_suspect *s = r->top_suspect;
			gr_json_object_begin(&j);
			gr_json_kv_string(&j, "kind", s->kind);
			gr_json_kv_string(&j, "root", s->name);
			gr_json_kv_u64(&j, "retained_bytes", s->retained_bytes);
			gr_json_kv_double(&j, "share", s->share);
			gr_json_object_end(&j);
		} else {
			gr_json_null(&j);
		}
		gr_json_kv_string(&j, "report", r->report);
		gr_json_kv_double(&j, "seconds", r->seconds);
	}
	gr_json_object_end(&j);
	struct gr_error *err = gr_json_finish(&j, "summary record");
	if (fclose(f) != 0 && !err)
		err = gr_error_nomem();
	if (err) {
		free(buf);
		return err;
	}
	*ret = buf;
	*len_ret = len;
	return NULL;
}

/* Past the JSON string at @p ('"' first), NULL if it does not end. */
static const char *skip_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p ? p + 1 : NULL;
}

static bool lit(const char **p, const char *s)
{
	size_t n = strlen(s);
	if (strncmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

/*
 * Split a line at the fixed members: *@rest_ret points at what follows
 * the status string (',' of "exe"...) for ok and skipped records.
 */
static bool split(const char *line, enum gr_batch_status *status,
		  uint64_t *key, const char **rest_ret)
{
	const char *p = line;
	if (!lit(&p, "{\"input\":") || !(p = skip_string(p)))
		return false;
	*key = 0;
	if (lit(&p, ",\"status\":\"error\"")) {
		*status = GR_BATCH_ERROR;
		*rest_ret = p;
		return true;
	}
	char *end;
	if (!lit(&p, ",\"key\":\""))
		return false;
	errno = 0;
	*key = strtoull(p, &end, 16);
	if (errno || end - p != 16)
		return false;
	p = end;
	if (lit(&p, "\",\"status\":\"ok\""))
		*status = GR_BATCH_OK;
	else if (lit(&p, "\",\"status\":\"skipped\""))
		*status = GR_BATCH_SKIPPED;
	else
		return false;
	*rest_ret = p;
	/* A whole line only: one cut short by a crash is not a record. */
	size_t n = strlen(p);
	if (n && p[n - 1] == '\n')
		n--;
	return n >= 2 && p[n - 1] == '}';
}

bool gr_batch_record_parse(const char *line, enum gr_batch_status *status,
			   uint64_t *key)
{
	const char *rest;
	return split(line, status, key, &rest);
}

struct cached {
	uint64_t key;
	size_t seq; /* line number: the last record of a key wins */
	char *line;
};

struct gr_batch_cache {
	struct cached *v;
	size_t count;
};

static int cmp_cached(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct gr_error *gr_batch_cache_load(const char *path,
				     struct gr_batch_cache **ret)
{
	struct gr_batch_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return gr_error_nomem();
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT) {
			*ret = c;
			return NULL;
		}
		free(c);
		return gr_error_os(errno, path, "open");
	}
	char *line = NULL;
	size_t cap = 0, alloc = 0, seq = 0;
	ssize_t n;
	struct gr_error *err = NULL;
	while (!err && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		enum gr_batch_status st;
		uint64_t key;
		seq++;
		if (!gr_batch_record_parse(line, &st, &key) ||
		    st == GR_BATCH_ERROR)
			continue;
		if ((err = gr_array_grow(&c->v, &alloc, c->count, 1)))
			break;
		struct cached *e = &c->v[c->count];
		e->key = key;
		e->seq = seq;
		if (!(e->line = strdup(line)))
			err = gr_error_nomem();
		else
			c->count++;
	}
	if (!err && ferror(f))
		err = gr_error_os(errno, path, "read");
	free(line);
	fclose(f);
	if (err) {
		gr_batch_cache_destroy(c);
		return err;
	}
	if (c->count)
		qsort(c->v, c->count, sizeof(*c->v), cmp_cached);
	*ret = c;
	return NULL;
}

void gr_batch_cache_destroy(struct gr_batch_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++)
		free(c->v[i].line);
	free(c->v);
	free(c);
}

size_t gr_batch_cache_count(const struct gr_batch_cache *c)
{
	return c->count;
}

struct gr_error *gr_batch_cache_skip(const struct gr_batch_cache *c,
				     uint64_t key, const char *report,
				     const char *input, char **ret)
{
	char want[512];
	snprintf(want, sizeof(want), "\"report\":\"%s\"", report);
	/* The last line of the key (entries of one key are in line order):
	 * the one before the first entry past it. */
	size_t lo = 0, hi = c->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	const char *line = lo && c->v[lo - 1].key == key ? c->v[lo - 1].line
							  : NULL;
	/* No JSON string holds an unescaped quote, so the member cannot be
	 * matched inside another member's value. */
	if (!line || !strstr(line, want))
		return gr_error_create(GR_ERR_NOT_FOUND,
				       "no record for this key");
	enum gr_batch_status st;
	uint64_t k;
	const char *rest;
	split(line, &st, &k, &rest);
	char *buf = NULL;
	size_t len = 0;
	struct gr_json j;
	FILE *f = line_open(&buf, &len, &j, input, GR_BATCH_SKIPPED, key);
	if (!f)
		return gr_error_nomem();
	fflush(f);
	/* The writer's object is still open: close the text by hand with
	 * the recorded members, which end the object. */
	fprintf(f, "%s\n", rest);
	if (fclose(f) != 0) {
		free(buf);
		return gr_error_nomem();
	}
	*ret = buf;
	return NULL;
}
