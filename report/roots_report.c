/* SPDX-License-Identifier: MIT */
#include "report/roots_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"
#include "report/names.h"


/* Roots by reachable bytes, then owned bytes, descending; stable by index. */
static int by_reach(const void *x, const void *y, void *arg)
{
	const struct gr_mark *mark = arg;
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	const struct gr_mark_root *ra = gr_mark_root(mark, a);
	const struct gr_mark_root *rb = gr_mark_root(mark, b);
	if (ra->reachable_bytes != rb->reachable_bytes)
		return ra->reachable_bytes < rb->reachable_bytes ? 1 : -1;
	if (ra->owned_bytes != rb->owned_bytes)
		return ra->owned_bytes < rb->owned_bytes ? 1 : -1;
	return a < b ? -1 : a > b;
}

GR_MUST_USE
static struct gr_error *write_json(const struct gr_analysis *a, FILE *out,
				   const char *path)
{
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	gr_json_kv_u64(&j, "count", gr_roots_count(a->roots));
	gr_json_key(&j, "roots");
	gr_json_array_begin(&j);
	for (size_t i = 0; i < gr_roots_count(a->roots); i++) {
		const struct gr_root *r = gr_roots_get(a->roots, i);
		const struct gr_mark_root *m = gr_mark_root(a->mark, (uint32_t)i);
		gr_json_object_begin(&j);
		gr_json_kv_string(&j, "kind", gr_root_kind_name(r->kind));
		gr_json_kv_string(&j, "name", r->name);
		gr_json_kv_hex(&j, "addr", r->addr);
		gr_json_kv_u64(&j, "size", r->size);
		gr_json_kv_string(&j, "type", gr_name_root_type(a, (uint32_t)i));
		gr_json_kv_bool(&j, "weak", r->weak);
		gr_json_kv_u64(&j, "slots", gr_roots_slot_count(a->roots, i));
		gr_json_kv_u64(&j, "owned_bytes", m->owned_bytes);
		gr_json_kv_u64(&j, "owned_objects", m->owned_objects);
		gr_json_key(&j, "reachable_bytes");
		if (m->reachable_known)
			gr_json_u64(&j, m->reachable_bytes);
		else
			gr_json_null(&j);
		gr_json_key(&j, "reachable_objects");
		if (m->reachable_known)
			gr_json_u64(&j, m->reachable_objects);
		else
			gr_json_null(&j);
		gr_json_object_end(&j);
	}
	gr_json_array_end(&j);
	gr_json_object_end(&j);
	return gr_json_finish(&j, path);
}

struct gr_error *gr_roots_report(const struct gr_analysis *a, bool json,
				 size_t limit, FILE *out, const char *path)
{
	if (json)
		return write_json(a, out, path);
	size_t n = gr_roots_count(a->roots);
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return gr_error_nomem();
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, n, sizeof(*order), by_reach, (void *)a->mark);
	fprintf(out, "%zu roots; by bytes reachable:\n", n);
	fprintf(out, "  %10s %10s  %-18s %s\n", "reachable", "owned", "kind",
		"name");
	size_t shown = limit && limit < n ? limit : n;
	for (size_t k = 0; k < shown; k++) {
		const struct gr_root *r = gr_roots_get(a->roots, order[k]);
		const struct gr_mark_root *m = gr_mark_root(a->mark, order[k]);
		char x[32], y[32];
		if (m->reachable_known)
			gr_human_bytes(x, sizeof(x), m->reachable_bytes);
		else
			snprintf(x, sizeof(x), "?");
		gr_human_bytes(y, sizeof(y), m->owned_bytes);
		fprintf(out, "  %10s %10s  %-18s ", x, y,
			gr_root_kind_name(r->kind));
		gr_escape_term(out, r->name, strlen(r->name));
		const char *t = gr_name_root_type(a, order[k]);
		if (*t) {
			fputs(" (", out);
			gr_escape_term(out, t, strlen(t));
			fputc(')', out);
		}
		fputc('\n', out);
	}
	if (shown < n)
		fprintf(out, "  ... %zu more (use -n 0 for all, or --json)\n",
			n - shown);
	free(order);
	if (fflush(out) || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
