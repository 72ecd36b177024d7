/* SPDX-License-Identifier: MIT */
#include "report/diff_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/12-query/retention.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"
#include "report/json_read.h"
#include "report/names.h"
#include "report/report.h"

/* One grouping of one dump: its rows, and whether they are all of its
 * groups (a report JSON lists only the largest). */
struct grouping {
	struct gr_diff_row *rows;
	size_t n;
	bool complete;
};

struct gr_diff_side {
	uint64_t live_bytes;
	struct grouping by[GR_RETENTION_BY_COUNT];
	struct gr_diff_suspect *suspects;
	size_t nsuspects;
	/* What the rows' strings point into. */
	struct gr_retention *ret[GR_RETENTION_BY_COUNT];
	struct gr_jv *doc;
};

struct entry {
	const char *key, *detail;
	int side; /* 0 base, 1 later */
	uint64_t retained, members, shallow;
};

struct change {
	const char *key, *detail;
	uint64_t retained[2], members[2], shallow[2];
	/* Present in that dump's list; a group missing from an incomplete
	 * list is unknown there, not zero. */
	bool seen[2];
	bool known[2];
	int64_t delta;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->detail, b->detail);
}

static int change_cmp(const void *x, const void *y)
{
	const struct change *a = x, *b = y;
	bool ka = a->known[0] && a->known[1], kb = b->known[0] && b->known[1];
	if (ka != kb)
		return ka ? -1 : 1;
	if (a->delta != b->delta)
		return a->delta < b->delta ? 1 : -1;
	int c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->detail, b->detail);
}

/* Both dumps' groups matched by key, biggest growth first, then the
 * groups whose growth is unknown. */
GR_MUST_USE
static struct gr_error *changes(const struct grouping *g[2],
				struct change **ret, size_t *count)
{
	size_t n = g[0]->n + g[1]->n;
	struct entry *e = malloc((n ? n : 1) * sizeof(*e));
	struct change *c = calloc(n ? n : 1, sizeof(*c));
	if (!e || !c) {
		free(e);
		free(c);
		return gr_error_nomem();
	}
	size_t k = 0;
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < g[side]->n; i++) {
			const struct gr_diff_row *w = &g[side]->rows[i];
			e[k++] = (struct entry){w->key, w->detail, side,
						w->retained_bytes, w->members,
						w->shallow_bytes};
		}
	qsort(e, k, sizeof(*e), entry_cmp);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (!m || entry_cmp(&e[i], &e[i - 1]))
			c[m++] = (struct change){.key = e[i].key,
						 .detail = e[i].detail};
		struct change *x = &c[m - 1];
		x->retained[e[i].side] += e[i].retained;
		x->members[e[i].side] += e[i].members;
		x->shallow[e[i].side] += e[i].shallow;
		x->seen[e[i].side] = true;
	}
	for (size_t i = 0; i < m; i++) {
		for (int side = 0; side < 2; side++)
			c[i].known[side] = c[i].seen[side] || g[side]->complete;
		c[i].delta = (int64_t)c[i].retained[1] - (int64_t)c[i].retained[0];
		if (!c[i].known[0] || !c[i].known[1])
			c[i].delta = 0;
	}
	qsort(c, m, sizeof(*c), change_cmp);
	free(e);
	*ret = c;
	*count = m;
	return NULL;
}

static void json_changes(struct gr_json *j, const struct change *c, size_t n,
			 size_t limit)
{
	gr_json_array_begin(j);
	for (size_t i = 0; i < n && (!limit || i < limit); i++) {
		bool both = c[i].known[0] && c[i].known[1];
		gr_json_object_begin(j);
		gr_json_kv_string(j, "key", c[i].key);
		gr_json_kv_string(j, "detail", c[i].detail);
		gr_json_kv_u64_known(j, "base_retained_bytes", c[i].known[0],
				     c[i].retained[0]);
		gr_json_kv_u64_known(j, "later_retained_bytes", c[i].known[1],
				     c[i].retained[1]);
		gr_json_kv_i64_known(j, "delta_retained_bytes", both,
				     c[i].delta);
		gr_json_kv_u64_known(j, "base_members", c[i].known[0],
				     c[i].members[0]);
		gr_json_kv_u64_known(j, "later_members", c[i].known[1],
				     c[i].members[1]);
		gr_json_kv_i64_known(j, "delta_members", both,
				     (int64_t)c[i].members[1] -
					     (int64_t)c[i].members[0]);
		gr_json_kv_i64_known(j, "delta_shallow_bytes", both,
				     (int64_t)c[i].shallow[1] -
					     (int64_t)c[i].shallow[0]);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
}

static void signed_bytes(char *buf, size_t n, int64_t v)
{
	char b[32];
	gr_human_bytes(b, sizeof(b), (uint64_t)(v < 0 ? -v : v));
	snprintf(buf, n, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", b);
}

static void text_changes(FILE *f, enum gr_retention_by by,
			 const struct change *c, size_t n, size_t limit)
{
	fprintf(f, "\ngrowth by %s (retained bytes)\n", gr_retention_by_name(by));
	fprintf(f, "  %11s %10s %10s %9s  %s\n", "delta", "base", "later",
		"members", gr_retention_by_name(by));
	size_t shown = 0, unknown = 0;
	for (size_t i = 0; i < n && (!limit || shown < limit); i++) {
		bool both = c[i].known[0] && c[i].known[1];
		if (both && !c[i].delta && c[i].members[0] == c[i].members[1])
			continue;
		char d[40], b[32], l[32], m[40];
		if (both) {
			signed_bytes(d, sizeof(d), c[i].delta);
			snprintf(m, sizeof(m), "%+" PRId64,
				 (int64_t)c[i].members[1] -
					 (int64_t)c[i].members[0]);
		} else {
			snprintf(d, sizeof(d), "?");
			snprintf(m, sizeof(m), "?");
			unknown++;
		}
		if (c[i].known[0])
			gr_human_bytes(b, sizeof(b), c[i].retained[0]);
		else
			snprintf(b, sizeof(b), "?");
		if (c[i].known[1])
			gr_human_bytes(l, sizeof(l), c[i].retained[1]);
		else
			snprintf(l, sizeof(l), "?");
		fprintf(f, "  %11s %10s %10s %9s  ", d, b, l, m);
		char key[1024];
		if ((by == GR_RETENTION_BY_ROOT || by == GR_RETENTION_BY_SITE) &&
		    *c[i].detail)
			snprintf(key, sizeof(key), "%s (%s)", c[i].key,
				 c[i].detail);
		else
			snprintf(key, sizeof(key), "%s", c[i].key);
		/* 47 columns of figures; the key gets the rest of 100. */
		gr_escape_term_fit(f, key, strlen(key), 53);
		fputc('\n', f);
		shown++;
	}
	if (!shown)
		fputs("  no change\n", f);
	if (unknown)
		fputs("  ? outside the largest groups a report JSON lists\n", f);
}

static void new_suspects(const struct gr_diff_side *base,
			 const struct gr_diff_side *later, struct gr_json *j,
			 FILE *f)
{
	if (j) {
		gr_json_key(j, "new_suspects");
		gr_json_array_begin(j);
	} else {
		fputs("\nnew leak suspects (not suspects in the base dump)\n", f);
	}
	size_t shown = 0;
	for (size_t i = 0; i < later->nsuspects; i++) {
		const struct gr_diff_suspect *x = &later->suspects[i];
		bool old = false;
		for (size_t b = 0; b < base->nsuspects && !old; b++)
			old = strcmp(base->suspects[b].key, x->key) == 0;
		if (old)
			continue;
		shown++;
		if (j) {
			gr_json_object_begin(j);
			gr_json_kv_string(j, "suspect", x->key);
			gr_json_kv_u64(j, "retained_bytes", x->retained_bytes);
			gr_json_kv_double(j, "share", x->share);
			gr_json_object_end(j);
		} else {
			char b[32];
			gr_human_bytes(b, sizeof(b), x->retained_bytes);
			fputs("  ", f);
			gr_escape_term_fit(f, x->key, strlen(x->key), 70);
			fprintf(f, " retains %s (%.1f%%)\n", b, 100 * x->share);
		}
	}
	if (j)
		gr_json_array_end(j);
	else if (!shown)
		fputs("  none\n", f);
}

/* ---- sides ---- */

void gr_diff_side_destroy(struct gr_diff_side *d)
{
	if (!d)
		return;
	for (int by = 0; by < GR_RETENTION_BY_COUNT; by++) {
		free(d->by[by].rows);
		gr_retention_destroy(d->ret[by]);
	}
	for (size_t i = 0; i < d->nsuspects; i++)
		free(d->suspects[i].key);
	free(d->suspects);
	gr_jv_destroy(d->doc);
	free(d);
}

/* A suspect's identity across dumps: the same words a report JSON
 * carries (root name, shared object's type, site). */
static char *suspect_key(const char *kind, const char *name)
{
	size_t len = strlen(kind) + strlen(name) + 2;
	char *k = malloc(len);
	if (k)
		snprintf(k, len, "%s %s", kind, name);
	return k;
}

struct gr_error *gr_diff_side_from_analysis(const struct gr_analysis *a,
					    const struct gr_suspect_options *o,
					    struct gr_diff_side **ret)
{
	struct gr_diff_side *d = calloc(1, sizeof(*d));
	if (!d)
		return gr_error_nomem();
	d->live_bytes = gr_dom_totals(a->dom)->live_bytes;
	struct gr_error *err = NULL;
	for (int by = 0; !err && by < GR_RETENTION_BY_COUNT; by++) {
		/* Every group: growth is compared by key. */
		err = gr_retention_build(a, (enum gr_retention_by)by, 0, 0,
					 &d->ret[by]);
		size_t n = err ? 0 : gr_retention_count(d->ret[by]);
		struct grouping *g = &d->by[by];
		g->complete = true;
		g->rows = err ? NULL : calloc(n ? n : 1, sizeof(*g->rows));
		if (!err && !g->rows)
			err = gr_error_nomem();
		for (size_t i = 0; !err && i < n; i++) {
			const struct gr_retention_row *w =
				gr_retention_row(d->ret[by], i);
			g->rows[g->n++] = (struct gr_diff_row){
				w->key, w->detail, w->retained_bytes,
				w->members, w->shallow_bytes};
		}
	}
	struct gr_suspect *s = NULL;
	size_t n = 0;
	if (!err)
		err = gr_suspects_find(a, o, &s, &n);
	if (!err && n && !(d->suspects = calloc(n, sizeof(*d->suspects))))
		err = gr_error_nomem();
	for (size_t i = 0; !err && i < n; i++) {
		char name[512];
		const char *kind = "site", *what = s[i].site;
		if (s[i].kind == GR_SUSPECT_ROOT) {
			kind = "root";
			what = gr_roots_get(a->roots, s[i].root)->name;
		} else if (s[i].kind == GR_SUSPECT_SHARED) {
			kind = "shared";
			gr_name_object(a, s[i].object, name, sizeof(name));
			what = name;
		}
		struct gr_diff_suspect *x = &d->suspects[d->nsuspects];
		if (!(x->key = suspect_key(kind, what))) {
			err = gr_error_nomem();
			break;
		}
		x->retained_bytes = s[i].retained_bytes;
		x->share = s[i].share;
		d->nsuspects++;
	}
	gr_suspects_free(s, n);
	if (err) {
		gr_diff_side_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

GR_MUST_USE
static struct gr_error *missing(const char *path, const char *what)
{
	return gr_error_create(GR_ERR_BAD_DATA,
			       "%s: not a goretain report: %s", path, what);
}

static bool u64_of(const struct gr_jv *o, const char *key, uint64_t *ret)
{
	return gr_jv_u64(gr_jv_get(o, key), ret);
}

struct gr_error *gr_diff_side_from_report(const char *path,
					  struct gr_diff_side **ret)
{
	struct gr_diff_side *d = calloc(1, sizeof(*d));
	if (!d)
		return gr_error_nomem();
	struct gr_error *err = gr_jv_parse_file(path, &d->doc);
	const struct gr_jv *doc = d->doc;
	const char *schema = err ? NULL : gr_jv_str(gr_jv_get(doc, "schema"), NULL);
	if (!err && (!schema || strcmp(schema, GR_REPORT_SCHEMA)))
		err = missing(path, "no \"schema\": \"" GR_REPORT_SCHEMA "\"");
	const struct gr_jv *top = gr_jv_get(doc, "top");
	for (int by = 0; !err && by < GR_RETENTION_BY_COUNT; by++) {
		const char *name = gr_retention_by_name((enum gr_retention_by)by);
		const struct gr_jv *t = gr_jv_get(top, name);
		const struct gr_jv *rows = gr_jv_get(t, "rows");
		uint64_t groups;
		if (gr_jv_type(rows) != GR_JV_ARRAY || !u64_of(t, "groups", &groups) ||
		    (by == 0 && !u64_of(t, "live_bytes", &d->live_bytes))) {
			err = missing(path, "top grouping without rows, groups "
					    "or live_bytes");
			break;
		}
		size_t n = gr_jv_len(rows);
		struct grouping *g = &d->by[by];
		g->complete = groups <= n;
		g->rows = calloc(n ? n : 1, sizeof(*g->rows));
		if (!g->rows) {
			err = gr_error_nomem();
			break;
		}
		for (size_t i = 0; i < n; i++) {
			const struct gr_jv *r = gr_jv_at(rows, i);
			struct gr_diff_row *w = &g->rows[g->n];
			w->key = gr_jv_str(gr_jv_get(r, "key"), NULL);
			w->detail = gr_jv_str(gr_jv_get(r, "detail"), NULL);
			if (!w->key || !w->detail ||
			    !u64_of(r, "retained_bytes", &w->retained_bytes) ||
			    !u64_of(r, "members", &w->members) ||
			    !u64_of(r, "shallow_bytes", &w->shallow_bytes)) {
				err = missing(path, "a top row without key, "
						    "detail, retained_bytes, "
						    "members or shallow_bytes");
				break;
			}
			g->n++;
		}
	}
	const struct gr_jv *sus = gr_jv_get(doc, "suspects");
	size_t ns = gr_jv_len(sus);
	if (!err && gr_jv_type(sus) != GR_JV_ARRAY)
		err = missing(path, "no suspects array");
	if (!err && ns && !(d->suspects = calloc(ns, sizeof(*d->suspects))))
		err = gr_error_nomem();
	for (size_t i = 0; !err && i < ns; i++) {
		const struct gr_jv *x = gr_jv_at(sus, i);
		const char *kind = gr_jv_str(gr_jv_get(x, "kind"), NULL);
		const char *field = !kind			 ? NULL
				    : !strcmp(kind, "root")	 ? "root"
				    : !strcmp(kind, "shared") ? "object_type"
				    : !strcmp(kind, "site")	 ? "site"
							 : NULL;
		const char *what = field ? gr_jv_str(gr_jv_get(x, field), NULL)
					 : NULL;
		struct gr_diff_suspect *y = &d->suspects[d->nsuspects];
		if (!what || !u64_of(x, "retained_bytes", &y->retained_bytes) ||
		    !gr_jv_double(gr_jv_get(x, "share"), &y->share)) {
			err = missing(path, "a suspect without kind, its name, "
					    "retained_bytes or share");
			break;
		}
		if (!(y->key = suspect_key(kind, what)))
			err = gr_error_nomem();
		else
			d->nsuspects++;
	}
	if (err) {
		gr_diff_side_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

bool gr_diff_is_report(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	int c;
	do
		c = getc(f);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	fclose(f);
	return c == '{';
}

struct gr_error *gr_diff_report(const struct gr_diff_side *base,
				const struct gr_diff_side *later,
				const struct gr_diff_options *o, FILE *f,
				const char *path)
{
	struct gr_json j;
	uint64_t live[2] = {base->live_bytes, later->live_bytes};
	if (o->json) {
		gr_json_init(&j, f, true);
		gr_json_object_begin(&j);
		gr_json_kv_u64(&j, "base_live_bytes", live[0]);
		gr_json_kv_u64(&j, "later_live_bytes", live[1]);
		gr_json_kv_i64(&j, "delta_live_bytes",
			       (int64_t)live[1] - (int64_t)live[0]);
		gr_json_key(&j, "growth");
		gr_json_object_begin(&j);
	} else {
		char b[32], l[32], d[40];
		gr_human_bytes(b, sizeof(b), live[0]);
		gr_human_bytes(l, sizeof(l), live[1]);
		signed_bytes(d, sizeof(d), (int64_t)live[1] - (int64_t)live[0]);
		fprintf(f, "live heap %s -> %s (%s)\n", b, l, d);
	}
	struct gr_error *err = NULL;
	for (int by = 0; !err && by < GR_RETENTION_BY_COUNT; by++) {
		const struct grouping *g[2] = {&base->by[by], &later->by[by]};
		struct change *c = NULL;
		size_t n = 0;
		err = changes(g, &c, &n);
		if (!err && o->json) {
			gr_json_key(&j, gr_retention_by_name(
						(enum gr_retention_by)by));
			json_changes(&j, c, n, o->limit);
		} else if (!err) {
			text_changes(f, (enum gr_retention_by)by, c, n,
				     o->limit);
		}
		free(c);
	}
	if (o->json)
		gr_json_object_end(&j);
	if (!err)
		new_suspects(base, later, o->json ? &j : NULL, f);
	if (o->json) {
		gr_json_object_end(&j);
		return gr_json_finish_after(&j, path, err);
	}
	if (!err && (fflush(f) || ferror(f)))
		err = gr_error_output(errno ? errno : EIO, path, "write");
	return err;
}
