/* SPDX-License-Identifier: MIT */
#include "report/goroutines_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"

struct group {
	char *key;
	size_t first; /* goroutine index shown as the example */
	uint64_t count;
	int64_t wait_min, wait_max; /* -1 unknown */
	bool system;
};

/* The creation site as "func at file:line", or the start function for
 * goroutines no go statement created (main, runtime-internal). */
static char *site_of(const struct gr_goroutine *g)
{
	char *s = NULL;
	int rc;
	if (g->creator_func[0])
		rc = asprintf(&s, "created by %s at %s:%d", g->creator_func,
			      g->creator_file, g->creator_line);
	else
		rc = asprintf(&s, "%s",
			      g->start_func[0] ? g->start_func : "(unknown)");
	return rc < 0 ? NULL : s;
}

static const char *wait_of(const struct gr_goroutine *g)
{
	return g->wait_reason[0] ? g->wait_reason : g->status_name;
}

static char *key_of(const struct gr_goroutines *gs, size_t i,
		    enum gr_g_group by)
{
	const struct gr_goroutine *g = gr_goroutines_get(gs, i);
	char *site = site_of(g), *key = NULL;
	if (!site)
		return NULL;
	switch (by) {
	case GR_G_GROUP_SITE_WAIT:
		if (asprintf(&key, "%s [%s]", site, wait_of(g)) < 0)
			key = NULL;
		break;
	case GR_G_GROUP_SITE:
		key = strdup(site);
		break;
	case GR_G_GROUP_WAIT:
		key = strdup(wait_of(g));
		break;
	case GR_G_GROUP_FUNC:
		key = strdup(g->top_func[0] ? g->top_func
			     : g->start_func[0] ? g->start_func : "(unknown)");
		break;
	}
	free(site);
	return key;
}

static int group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Groups of the live goroutines; returns the count, or -1 on NOMEM. */
static ssize_t make_groups(const struct gr_goroutines *gs,
			   const struct gr_g_report_opts *o,
			   struct group **ret)
{
	size_t n = gr_goroutines_count(gs), ng = 0;
	struct group *gr = calloc(n ? n : 1, sizeof(*gr));
	if (!gr)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (gr_g_is_dead(g) || (g->is_system && !o->system))
			continue;
		char *key = key_of(gs, i, o->group);
		if (!key)
			goto nomem;
		size_t k;
		for (k = 0; k < ng && strcmp(gr[k].key, key); k++)
			;
		if (k == ng) {
			gr[ng++] = (struct group){.key = key, .first = i,
						  .wait_min = -1, .wait_max = -1,
						  .system = g->is_system};
		} else {
			free(key);
		}
		gr[k].count++;
		if (g->wait_ns >= 0) {
			if (gr[k].wait_min < 0 || g->wait_ns < gr[k].wait_min)
				gr[k].wait_min = g->wait_ns;
			if (g->wait_ns > gr[k].wait_max)
				gr[k].wait_max = g->wait_ns;
		}
	}
	qsort(gr, ng, sizeof(*gr), group_cmp);
	*ret = gr;
	return (ssize_t)ng;
nomem:
	for (size_t k = 0; k < ng; k++)
		free(gr[k].key);
	free(gr);
	return -1;
}

static void json_frames(struct gr_json *j, const struct gr_goroutines *gs,
			size_t i, unsigned max)
{
	const struct gr_goroutine *g = gr_goroutines_get(gs, i);
	const struct gr_frame *f = gr_goroutines_frames(gs, i);
	gr_json_key(j, "frames");
	gr_json_array_begin(j);
	for (uint32_t k = 0; k < g->nframes && k < max; k++) {
		gr_json_object_begin(j);
		gr_json_kv_string(j, "func", f[k].func);
		gr_json_kv_string(j, "file", f[k].file);
		gr_json_kv_i64(j, "line", f[k].line);
		gr_json_kv_hex(j, "pc", f[k].pc);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
}

static void json_goroutine(struct gr_json *j, const struct gr_goroutines *gs,
			   size_t i, unsigned max_frames)
{
	const struct gr_goroutine *g = gr_goroutines_get(gs, i);
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "id", g->id);
	gr_json_kv_string(j, "status", g->status_name);
	gr_json_kv_string(j, "wait_reason", g->wait_reason);
	gr_json_kv_i64(j, "wait_ns", g->wait_ns);
	gr_json_kv_string(j, "created_by", g->creator_func);
	gr_json_kv_string(j, "created_file", g->creator_file);
	gr_json_kv_i64(j, "created_line", g->creator_line);
	gr_json_kv_string(j, "start_func", g->start_func);
	gr_json_kv_string(j, "go_func", g->go_func);
	gr_json_kv_bool(j, "system", g->is_system);
	gr_json_kv_i64(j, "thread", g->tid);
	gr_json_key(j, "labels");
	gr_json_object_begin(j);
	const struct gr_g_label *l = gr_goroutines_labels(gs, i);
	for (uint32_t k = 0; k < g->nlabels; k++)
		gr_json_kv_string(j, l[k].key, l[k].value);
	gr_json_object_end(j);
	gr_json_kv_bool(j, "unwind_complete", g->unwind_complete);
	json_frames(j, gs, i, max_frames);
	gr_json_object_end(j);
}

static void text_frames(FILE *out, const struct gr_goroutines *gs, size_t i,
			unsigned max)
{
	const struct gr_goroutine *g = gr_goroutines_get(gs, i);
	const struct gr_frame *f = gr_goroutines_frames(gs, i);
	for (uint32_t k = 0; k < g->nframes && k < max; k++) {
		fputs("      ", out);
		gr_escape_term_fit(out, f[k].func, strlen(f[k].func), 94);
		fputs("\n        ", out);
		gr_escape_term_fit(out, f[k].file, strlen(f[k].file), 84);
		fprintf(out, ":%d\n", f[k].line);
	}
	if (g->nframes > max)
		fprintf(out, "      ... %u more frames\n", g->nframes - max);
}

/* ", waiting >= 1.5 s" into @buf, "" when the runtime recorded no time. */
static void text_wait(char *buf, size_t n, int64_t lo, int64_t hi)
{
	if (hi < 0)
		*buf = 0;
	else if (lo == hi)
		snprintf(buf, n, ", waiting >= %.1f s", (double)hi / 1e9);
	else
		snprintf(buf, n, ", waiting %.1f-%.1f s", (double)lo / 1e9,
			 (double)hi / 1e9);
}

/* Live goroutines, and how many of them the runtime counts as its own. */
static size_t count_live(const struct gr_goroutines *gs, size_t *sys)
{
	size_t live = 0;
	*sys = 0;
	for (size_t i = 0; i < gr_goroutines_count(gs); i++) {
		const struct gr_goroutine *g = gr_goroutines_get(gs, i);
		if (gr_g_is_dead(g))
			continue;
		live++;
		*sys += g->is_system;
	}
	return live;
}

void gr_goroutines_report_json_fields(struct gr_json *j,
				      const struct gr_goroutines *gs,
				      const struct gr_g_report_opts *o)
{
	struct group *gr = NULL;
	ssize_t ng = make_groups(gs, o, &gr);
	size_t n = gr_goroutines_count(gs), sys, live = count_live(gs, &sys);
	unsigned frames = o->frames ? o->frames : 5;
	gr_json_kv_u64(j, "goroutines", live);
	gr_json_kv_u64(j, "user", live - sys);
	gr_json_kv_u64(j, "system", sys);
	gr_json_key(j, "groups");
	gr_json_array_begin(j);
	for (ssize_t k = 0; k < ng; k++) {
		gr_json_object_begin(j);
		gr_json_kv_string(j, "key", gr[k].key);
		gr_json_kv_u64(j, "count", gr[k].count);
		gr_json_kv_bool(j, "system", gr[k].system);
		gr_json_kv_i64(j, "wait_ns_min", gr[k].wait_min);
		gr_json_kv_i64(j, "wait_ns_max", gr[k].wait_max);
		gr_json_key(j, "example");
		json_goroutine(j, gs, gr[k].first, frames);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	if (o->all) {
		gr_json_key(j, "all");
		gr_json_array_begin(j);
		for (size_t i = 0; i < n; i++)
			if (!gr_g_is_dead(gr_goroutines_get(gs, i)))
				json_goroutine(j, gs, i, UINT32_MAX);
		gr_json_array_end(j);
	}
	for (ssize_t k = 0; k < ng; k++)
		free(gr[k].key);
	free(gr);
}

struct gr_error *gr_goroutines_report(const struct gr_goroutines *gs,
				      const struct gr_g_report_opts *o,
				      bool json, FILE *out, const char *path)
{
	struct group *gr = NULL;
	ssize_t ng = make_groups(gs, o, &gr);
	if (ng < 0)
		return gr_error_nomem();
	size_t n = gr_goroutines_count(gs), sys, live = count_live(gs, &sys);
	unsigned frames = o->frames ? o->frames : 5;
	if (json) {
		for (ssize_t k = 0; k < ng; k++)
			free(gr[k].key);
		free(gr);
		struct gr_json j;
		gr_json_init(&j, out, true);
		gr_json_object_begin(&j);
		gr_goroutines_report_json_fields(&j, gs, o);
		gr_json_object_end(&j);
		return gr_json_finish(&j, path);
	}
	fprintf(out, "%zu goroutines (%zu user, %zu runtime system)\n\n", live,
		live - sys, sys);
	for (ssize_t k = 0; k < ng; k++) {
		char wait[64];
		text_wait(wait, sizeof(wait), gr[k].wait_min, gr[k].wait_max);
		fprintf(out, "%6" PRIu64 "  ", gr[k].count);
		/* 100 columns: the wait time goes on its own line when the
		 * site and wait reason leave no room for it. */
		size_t cols = 8 + gr_escape_term_fit(out, gr[k].key,
						     strlen(gr[k].key), 92);
		if (*wait && cols + strlen(wait) > 100)
			fprintf(out, "\n        %s", wait + 2);
		else
			fputs(wait, out);
		fputc('\n', out);
		text_frames(out, gs, gr[k].first, frames);
		free(gr[k].key);
	}
	free(gr);
	if (o->all) {
		fputs("\nall goroutines:\n", out);
		for (size_t i = 0; i < n; i++) {
			const struct gr_goroutine *g = gr_goroutines_get(gs, i);
			if (gr_g_is_dead(g))
				continue;
			fprintf(out, "\ngoroutine %" PRIu64 " [%s]%s\n", g->id,
				wait_of(g), g->is_system ? " (system)" : "");
			text_frames(out, gs, i, UINT32_MAX);
		}
	}
	if (fflush(out) || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
