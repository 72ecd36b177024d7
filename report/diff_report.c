/* SPDX-License-Identifier: MIT */
#include "diff_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "format.h"
#include "json.h"
#include "names.h"
#include "retention.h"

struct entry {
	const char *key, *detail;
	int side; /* 0 base, 1 later */
	uint64_t retained, members, shallow;
};

struct change {
	const char *key, *detail;
	uint64_t retained[2], members[2], shallow[2];
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
	if (a->delta != b->delta)
		return a->delta < b->delta ? 1 : -1;
	int c = strcmp(a->key, b->key);
	return c ? c : strcmp(a->detail, b->detail);
}

/* Both dumps' groups matched by key, biggest growth first. */
static struct gr_error *changes(const struct gr_retention *r[2],
				struct change **ret, size_t *count)
{
	size_t n = gr_retention_count(r[0]) + gr_retention_count(r[1]);
	struct entry *e = malloc((n ? n : 1) * sizeof(*e));
	struct change *c = calloc(n ? n : 1, sizeof(*c));
	if (!e || !c) {
		free(e);
		free(c);
		return gr_error_nomem();
	}
	size_t k = 0;
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < gr_retention_count(r[side]); i++) {
			const struct gr_retention_row *w =
				gr_retention_row(r[side], i);
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
	}
	for (size_t i = 0; i < m; i++)
		c[i].delta = (int64_t)c[i].retained[1] - (int64_t)c[i].retained[0];
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
		gr_json_object_begin(j);
		gr_json_kv_string(j, "key", c[i].key);
		gr_json_kv_string(j, "detail", c[i].detail);
		gr_json_kv_u64(j, "base_retained_bytes", c[i].retained[0]);
		gr_json_kv_u64(j, "later_retained_bytes", c[i].retained[1]);
		gr_json_kv_i64(j, "delta_retained_bytes", c[i].delta);
		gr_json_kv_u64(j, "base_members", c[i].members[0]);
		gr_json_kv_u64(j, "later_members", c[i].members[1]);
		gr_json_kv_i64(j, "delta_members",
			       (int64_t)c[i].members[1] -
				       (int64_t)c[i].members[0]);
		gr_json_kv_i64(j, "delta_shallow_bytes",
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
	size_t shown = 0;
	for (size_t i = 0; i < n && (!limit || shown < limit); i++) {
		if (!c[i].delta && c[i].members[0] == c[i].members[1])
			continue;
		char d[40], b[32], l[32], m[40];
		signed_bytes(d, sizeof(d), c[i].delta);
		gr_human_bytes(b, sizeof(b), c[i].retained[0]);
		gr_human_bytes(l, sizeof(l), c[i].retained[1]);
		snprintf(m, sizeof(m), "%+" PRId64,
			 (int64_t)c[i].members[1] - (int64_t)c[i].members[0]);
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
}

/* A suspect's identity across dumps. */
static void suspect_key(const struct gr_analysis *a, const struct gr_suspect *s,
			char *buf, size_t n)
{
	char name[512];
	switch (s->kind) {
	case GR_SUSPECT_ROOT:
		snprintf(buf, n, "root %s", gr_roots_get(a->roots, s->root)->name);
		break;
	case GR_SUSPECT_SHARED:
		gr_name_object(a, s->object, name, sizeof(name));
		snprintf(buf, n, "shared %s", name);
		break;
	default:
		snprintf(buf, n, "site %s", s->site);
	}
}

static struct gr_error *new_suspects(const struct gr_analysis *base,
				     const struct gr_analysis *later,
				     const struct gr_diff_options *o,
				     struct gr_json *j, FILE *f)
{
	struct gr_suspect *s[2] = {NULL, NULL};
	size_t n[2] = {0, 0};
	struct gr_error *err = gr_suspects_find(base, &o->suspects, &s[0], &n[0]);
	if (!err)
		err = gr_suspects_find(later, &o->suspects, &s[1], &n[1]);
	if (j) {
		gr_json_key(j, "new_suspects");
		gr_json_array_begin(j);
	} else {
		fputs("\nnew leak suspects (not suspects in the base dump)\n", f);
	}
	size_t shown = 0;
	for (size_t i = 0; !err && i < n[1]; i++) {
		char k1[600], k0[600];
		suspect_key(later, &s[1][i], k1, sizeof(k1));
		bool old = false;
		for (size_t b = 0; b < n[0] && !old; b++) {
			suspect_key(base, &s[0][b], k0, sizeof(k0));
			old = strcmp(k0, k1) == 0;
		}
		if (old)
			continue;
		shown++;
		if (j) {
			gr_json_object_begin(j);
			gr_json_kv_string(j, "suspect", k1);
			gr_json_kv_u64(j, "retained_bytes",
				       s[1][i].retained_bytes);
			gr_json_kv_double(j, "share", s[1][i].share);
			gr_json_object_end(j);
		} else {
			char b[32];
			gr_human_bytes(b, sizeof(b), s[1][i].retained_bytes);
			fputs("  ", f);
			gr_escape_term(f, k1, strlen(k1));
			fprintf(f, " retains %s (%.1f%%)\n", b,
				100 * s[1][i].share);
		}
	}
	if (j)
		gr_json_array_end(j);
	else if (!shown)
		fputs("  none\n", f);
	gr_suspects_free(s[0], n[0]);
	gr_suspects_free(s[1], n[1]);
	return err;
}

struct gr_error *gr_diff_report(const struct gr_analysis *base,
				const struct gr_analysis *later,
				const struct gr_diff_options *o, FILE *f,
				const char *path)
{
	struct gr_json j;
	uint64_t live[2] = {gr_dom_totals(base->dom)->live_bytes,
			    gr_dom_totals(later->dom)->live_bytes};
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
		const struct gr_retention *r[2] = {NULL, NULL};
		struct gr_retention *rr[2] = {NULL, NULL};
		struct change *c = NULL;
		size_t n = 0;
		if (!(err = gr_retention_build(base, (enum gr_retention_by)by, 0,
					       &rr[0])) &&
		    !(err = gr_retention_build(later, (enum gr_retention_by)by,
					       0, &rr[1]))) {
			r[0] = rr[0];
			r[1] = rr[1];
			err = changes(r, &c, &n);
		}
		if (!err && o->json) {
			gr_json_key(&j, gr_retention_by_name(
						(enum gr_retention_by)by));
			json_changes(&j, c, n, o->limit);
		} else if (!err) {
			text_changes(f, (enum gr_retention_by)by, c, n,
				     o->limit);
		}
		free(c);
		gr_retention_destroy(rr[0]);
		gr_retention_destroy(rr[1]);
	}
	if (o->json)
		gr_json_object_end(&j);
	if (!err)
		err = new_suspects(base, later, o, o->json ? &j : NULL, f);
	if (o->json) {
		gr_json_object_end(&j);
		struct gr_error *e2 = gr_json_finish(&j, path);
		if (!err)
			return e2;
		gr_error_destroy(e2);
		return err;
	}
	if (!err && (fflush(f) || ferror(f)))
		err = gr_error_output(errno ? errno : EIO, path, "write");
	return err;
}
