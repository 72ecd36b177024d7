/* SPDX-License-Identifier: MIT */
#include "report/top_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/11-types/types.h"
#include "report/allocsites_report.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"

/* The sampled live instances of each of the first @n type rows: objects
 * keyed as the type grouping keys them (forensics/12-query/retention.c). */
struct members {
	uint32_t *ids;
	size_t n, cap;
};

static void members_free(struct members *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].ids);
	free(m);
}

GR_MUST_USE
static struct gr_error *type_members(struct gr_allocsites *as,
				     const struct gr_retention *r, size_t n,
				     struct members **ret)
{
	const struct gr_analysis *a = gr_allocsites_analysis(as);
	struct members *m = calloc(n ? n : 1, sizeof(*m));
	if (!m)
		return gr_error_nomem();
	uint32_t nobj = gr_heap_object_count(a->heap);
	for (uint32_t id = 0; a->types && n && id < nobj; id++) {
		if (gr_allocsites_object_record(as, id) == SIZE_MAX)
			continue;
		struct gr_type_object o = gr_types_object(a->types, id);
		char key[512];
		if (o.type == GR_TYPE_UNKNOWN)
			snprintf(key, sizeof(key), "unknown (%llu B)",
				 (unsigned long long)gr_heap_object_size(a->heap,
									 id));
		else
			snprintf(key, sizeof(key), "%s%s", o.count ? "[]" : "",
				 gr_types_info(a->types, o.type)->name);
		for (size_t k = 0; k < n; k++) {
			if (strcmp(gr_retention_row(r, k)->key, key))
				continue;
			struct members *x = &m[k];
			struct gr_error *err =
				gr_array_grow(&x->ids, &x->cap, x->n, 1);
			if (err) {
				members_free(m, n);
				return err;
			}
			x->ids[x->n++] = id;
			break;
		}
	}
	*ret = m;
	return NULL;
}

struct gr_error *gr_top_report_json_fields(struct gr_json *j,
					   const struct gr_retention *r,
					   enum gr_retention_by by,
					   size_t limit,
					   struct gr_allocsites *as)
{
	struct gr_error *err = NULL;
	size_t n = gr_retention_count(r);
	if (limit && limit < n)
		n = limit;
	struct members *tm = NULL;
	if (as && by == GR_RETENTION_BY_TYPE)
		err = type_members(as, r, n, &tm);
	gr_json_kv_string(j, "by", gr_retention_by_name(by));
	gr_json_kv_u64(j, "live_bytes", gr_retention_live_bytes(r));
	gr_json_kv_u64(j, "live_objects", gr_retention_live_objects(r));
	gr_json_kv_u64(j, "groups", gr_retention_count(r));
	gr_json_key(j, "rows");
	gr_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		gr_json_object_begin(j);
		gr_json_kv_string(j, "key", w->key);
		gr_json_kv_string(j, "detail", w->detail);
		gr_json_kv_u64(j, "members", w->members);
		gr_json_kv_u64(j, "shallow_bytes", w->shallow_bytes);
		gr_json_kv_u64(j, "shallow_objects", w->shallow_objects);
		gr_json_kv_u64(j, "retained_bytes", w->retained_bytes);
		gr_json_kv_u64(j, "retained_objects", w->retained_objects);
		gr_json_kv_u64_known(j, "reachable_bytes", w->reachable_known,
				     w->reachable_bytes);
		gr_json_kv_u64_known(j, "reachable_objects",
				     w->reachable_known, w->reachable_objects);
		if (as && by == GR_RETENTION_BY_ROOT && !err) {
			gr_json_key(j, "allocated_at");
			err = gr_allocsites_json_top(
				j, as,
				gr_dom_root_node(gr_allocsites_analysis(as)->dom,
						 w->index));
		}
		if (tm && !err) {
			gr_json_key(j, "allocated_at");
			err = gr_allocsites_json_top_of(j, as, tm[i].ids,
							tm[i].n);
		}
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	members_free(tm, n);
	return err;
}

GR_MUST_USE
static struct gr_error *write_json(const struct gr_retention *r,
				   enum gr_retention_by by, size_t limit,
				   struct gr_allocsites *as, FILE *out,
				   const char *path)
{
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	struct gr_error *err = gr_top_report_json_fields(&j, r, by, limit, as);
	gr_json_object_end(&j);
	return gr_json_finish_after(&j, path, err);
}

static const char *members_word(enum gr_retention_by by)
{
	switch (by) {
	case GR_RETENTION_BY_KIND:
		return "roots";
	case GR_RETENTION_BY_SITE:
		return "gorout.";
	case GR_RETENTION_BY_ROOT:
		return "kind";
	default:
		return "count";
	}
}

struct gr_error *gr_top_report(const struct gr_retention *r,
			       enum gr_retention_by by, bool json,
			       struct gr_allocsites *as, size_t limit,
			       FILE *out, const char *path)
{
	if (json)
		return write_json(r, by, limit, as, out, path);
	size_t n = gr_retention_count(r);
	size_t shown = limit && limit < n ? limit : n;
	uint64_t live = gr_retention_live_bytes(r);
	char lb[32];
	gr_human_bytes(lb, sizeof(lb), live);
	fprintf(out, "largest retainers by %s (live heap %s in %llu objects, "
		     "%zu groups)\n",
		gr_retention_by_name(by), lb,
		(unsigned long long)gr_retention_live_objects(r), n);
	fprintf(out, "  %10s %6s %10s %10s %8s  %s\n", "retained", "%live",
		"reachable", "shallow", members_word(by),
		gr_retention_by_name(by));
	for (size_t i = 0; i < shown; i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		char rb[32], xb[32], sb[32], mb[32];
		gr_human_bytes(rb, sizeof(rb), w->retained_bytes);
		if (w->reachable_known)
			gr_human_bytes(xb, sizeof(xb), w->reachable_bytes);
		else
			snprintf(xb, sizeof(xb), "?");
		gr_human_bytes(sb, sizeof(sb), w->shallow_bytes);
		if (by == GR_RETENTION_BY_ROOT)
			snprintf(mb, sizeof(mb), "%.8s", w->detail);
		else
			snprintf(mb, sizeof(mb), "%llu",
				 (unsigned long long)w->members);
		fprintf(out, "  %10s %5.1f%% %10s %10s %8s  ", rb,
			live ? 100.0 * (double)w->retained_bytes / (double)live
			     : 0.0,
			xb, sb, mb);
		/* 52 columns of figures; the key gets the rest of 100. */
		char key[1024];
		if (by == GR_RETENTION_BY_SITE && *w->detail)
			snprintf(key, sizeof(key), "%s (%s)", w->key, w->detail);
		else
			snprintf(key, sizeof(key), "%s", w->key);
		gr_escape_term_fit(out, key, strlen(key), 48);
		fputc('\n', out);
	}
	if (shown < n)
		fprintf(out, "  ... %zu more (-n 0 for all, or --json)\n",
			n - shown);
	fputs("  retained: freed if the group were gone; reachable: all it "
	      "reaches, shared or not\n",
	      out);
	if (fflush(out) || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
