/* SPDX-License-Identifier: MIT */
#include "report/suspects_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/12-query/paths.h"
#include "report/allocsites_report.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"
#include "report/names.h"
#include "report/why_report.h"

static const char *const kinds[] = {"root", "shared", "site"};

static void term(FILE *f, const char *s)
{
	gr_escape_term(f, s, strlen(s));
}

/* The allocation stacks of what suspect @s retains: its dominator
 * subtree.  A goroutine site's suspects retain what the group retains
 * together, which is no subtree of the tree: they get none. */
GR_MUST_USE
static struct gr_error *sites_of(const struct gr_analysis *a,
				 struct gr_allocsites *as,
				 const struct gr_suspect *s,
				 struct gr_allocsite **ret, size_t *n,
				 struct gr_allocsite *all)
{
	*ret = NULL;
	*n = 0;
	*all = (struct gr_allocsite){SIZE_MAX, 0, 0, 0, 0};
	if (s->kind == GR_SUSPECT_SITE)
		return NULL;
	uint32_t node = s->kind == GR_SUSPECT_ROOT
				? gr_dom_root_node(a->dom, s->root)
				: gr_dom_object_node(a->dom, s->object);
	struct gr_error *err =
		gr_allocsites_under(as, node, SIZE_MAX, ret, n, all);
	if (!err)
		err = gr_allocsites_merge(as, *ret, *n, n);
	if (*n > GR_ALLOCSITES_SHOWN)
		*n = GR_ALLOCSITES_SHOWN;
	return err;
}

GR_MUST_USE
static struct gr_error *json_suspect(const struct gr_analysis *a,
				     struct gr_json *j,
				     struct gr_allocsites *as,
				     const struct gr_suspect *s,
				     const struct gr_path *p, size_t np)
{
	char name[512];
	gr_json_object_begin(j);
	gr_json_kv_string(j, "kind", kinds[s->kind]);
	if (s->kind == GR_SUSPECT_ROOT) {
		const struct gr_root *r = gr_roots_get(a->roots, s->root);
		gr_json_kv_string(j, "root", r->name);
		gr_json_kv_string(j, "root_kind", gr_root_kind_name(r->kind));
		gr_json_kv_string(j, "root_type", gr_name_root_type(a, s->root));
	} else if (s->kind == GR_SUSPECT_SHARED) {
		gr_name_object(a, s->object, name, sizeof(name));
		gr_json_kv_hex(j, "object",
			       gr_heap_object_addr(a->heap, s->object));
		gr_json_kv_string(j, "object_type", name);
	} else {
		gr_json_kv_string(j, "site", s->site);
	}
	gr_json_kv_u64(j, "retained_bytes", s->retained_bytes);
	gr_json_kv_u64(j, "retained_objects", s->retained_objects);
	gr_json_kv_double(j, "share", s->share);
	if (s->accumulation != GR_HEAP_NO_OBJECT) {
		gr_json_key(j, "accumulation");
		gr_json_object_begin(j);
		gr_name_object(a, s->accumulation, name, sizeof(name));
		gr_json_kv_hex(j, "addr",
			       gr_heap_object_addr(a->heap, s->accumulation));
		gr_json_kv_string(j, "type", name);
		gr_json_kv_u64(j, "retained_bytes", s->accumulation_bytes);
		gr_json_kv_u64(j, "retained_objects", s->accumulation_objects);
		gr_json_object_end(j);
	}
	gr_json_kv_string(j, "member_type",
			  s->member_type ? s->member_type : "");
	gr_json_kv_u64(j, "members", s->members);
	gr_json_kv_u64(j, "member_bytes", s->member_bytes);
	gr_json_key(j, "paths");
	gr_json_array_begin(j);
	for (size_t i = 0; i < np; i++) {
		gr_json_object_begin(j);
		gr_json_kv_string(j, "root",
				  gr_roots_get(a->roots, p[i].root)->name);
		gr_json_key(j, "steps");
		gr_json_array_begin(j);
		for (size_t k = 0; k < p[i].len; k++) {
			gr_json_object_begin(j);
			gr_name_step(a, p[i].root,
				     k ? p[i].objects[k - 1] : GR_HEAP_NO_OBJECT,
				     p[i].slots[k], name, sizeof(name));
			gr_json_kv_string(j, "edge", name);
			gr_name_object(a, p[i].objects[k], name, sizeof(name));
			gr_json_kv_string(j, "type", name);
			gr_json_kv_hex(j, "addr", gr_heap_object_addr(
							  a->heap,
							  p[i].objects[k]));
			gr_json_object_end(j);
		}
		gr_json_array_end(j);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	struct gr_allocsite *sites, all;
	size_t ns;
	struct gr_error *err = sites_of(a, as, s, &sites, &ns, &all);
	if (!err) {
		gr_json_key(j, "allocated_at");
		err = gr_allocsites_json(j, as, sites, ns, &all);
	}
	free(sites);
	gr_json_object_end(j);
	return err;
}

GR_MUST_USE
static struct gr_error *text_suspect(const struct gr_analysis *a, FILE *f,
				     struct gr_allocsites *as, size_t i,
				     const struct gr_suspect *s,
				     const struct gr_path *p, size_t np)
{
	char b[32], name[512];
	fprintf(f, "%zu) ", i + 1);
	if (s->kind == GR_SUSPECT_ROOT) {
		const struct gr_root *r = gr_roots_get(a->roots, s->root);
		term(f, r->name);
		fprintf(f, " (%s", gr_root_kind_name(r->kind));
		const char *t = gr_name_root_type(a, s->root);
		if (*t) {
			fputc(' ', f);
			term(f, t);
		}
		fputc(')', f);
	} else if (s->kind == GR_SUSPECT_SHARED) {
		gr_name_object(a, s->object, name, sizeof(name));
		term(f, name);
		fprintf(f, " at %#" PRIx64 ", held by several roots, none alone",
			gr_heap_object_addr(a->heap, s->object));
	} else {
		fprintf(f, "%" PRIu64 " goroutines created at ", s->members);
		term(f, s->site);
	}
	gr_human_bytes(b, sizeof(b), s->retained_bytes);
	fprintf(f, "\n   retains %s (%.1f%% of the live heap) in %" PRIu64
		   " objects\n",
		b, 100 * s->share, s->retained_objects);
	if (s->accumulation != GR_HEAP_NO_OBJECT) {
		gr_name_object(a, s->accumulation, name, sizeof(name));
		gr_human_bytes(b, sizeof(b), s->accumulation_bytes);
		fputs("   accumulated in ", f);
		gr_escape_term_fit(f, name, strlen(name), 50);
		fprintf(f, " at %#" PRIx64 " (retains %s)\n",
			gr_heap_object_addr(a->heap, s->accumulation), b);
	}
	if (s->kind != GR_SUSPECT_SITE && s->member_type && s->members) {
		gr_human_bytes(b, sizeof(b), s->member_bytes);
		fprintf(f, "   %" PRIu64 " ", s->members);
		term(f, s->member_type);
		fprintf(f, " retaining %s\n", b);
	}
	for (size_t k = 0; k < np; k++) {
		fputs("   path: ", f);
		gr_why_path_line(a, &p[k], f, 9);
	}
	struct gr_allocsite *sites, all;
	size_t ns;
	struct gr_error *err = sites_of(a, as, s, &sites, &ns, &all);
	if (!err)
		err = gr_allocsites_text(f, as, sites, ns, &all, 3);
	free(sites);
	return err;
}

/* Suspects with their paths, to JSON or text. */
GR_MUST_USE
static struct gr_error *each(const struct gr_analysis *a,
			     const struct gr_suspect_options *o,
			     struct gr_json *j, FILE *f)
{
	struct gr_suspect *s = NULL;
	size_t n = 0;
	struct gr_paths *ps = NULL;
	struct gr_allocsites *as = NULL;
	struct gr_error *err = gr_suspects_find(a, o, &s, &n);
	if (!err)
		err = gr_allocsites_create(a, &as);
	if (!err && f && !n)
		fputs("none\n", f);
	for (size_t i = 0; !err && i < n; i++) {
		struct gr_path *p = NULL;
		size_t np = 0;
		uint32_t target = s[i].accumulation;
		if (target == GR_HEAP_NO_OBJECT && s[i].kind == GR_SUSPECT_SHARED)
			target = s[i].object;
		/* The reversed graph only when a suspect wants paths (a
		 * third of the heap's size in memory). */
		if (target != GR_HEAP_NO_OBJECT && !ps)
			err = gr_paths_create(a, &ps);
		if (!err && target != GR_HEAP_NO_OBJECT)
			err = gr_paths_find(ps, &target, 1,
					    s[i].kind == GR_SUSPECT_SHARED ? 2
									   : 1,
					    false, &p, &np);
		if (!err)
			err = j ? json_suspect(a, j, as, &s[i], p, np)
				: text_suspect(a, f, as, i, &s[i], p, np);
		gr_paths_free(p, np);
	}
	/* Say once why no suspect shows where it was allocated. */
	const char *why = as && n ? gr_allocsites_missing(as) : NULL;
	if (!err && f && why) {
		fputs("no allocation stacks: ", f);
		gr_escape_term_fit(f, why, strlen(why), 78);
		fputc('\n', f);
	}
	gr_allocsites_destroy(as);
	gr_paths_destroy(ps);
	gr_suspects_free(s, n);
	return err;
}

struct gr_error *gr_suspects_json_array(struct gr_json *j,
					const struct gr_analysis *a,
					const struct gr_suspect_options *o)
{
	gr_json_array_begin(j);
	struct gr_error *err = each(a, o, j, NULL);
	gr_json_array_end(j);
	return err;
}

void gr_suspects_text(const struct gr_analysis *a,
		      const struct gr_suspect_options *o, FILE *f,
		      struct gr_error **err)
{
	char b[32];
	gr_human_bytes(b, sizeof(b), gr_dom_totals(a->dom)->live_bytes);
	fprintf(f, "leak suspects: what alone keeps %.0f%% or more of the %s "
		   "live heap alive\n",
		100 * o->min_share, b);
	*err = each(a, o, NULL, f);
}

struct gr_error *gr_suspects_report(const struct gr_analysis *a,
				    const struct gr_suspect_options *o,
				    bool json, FILE *f, const char *path)
{
	struct gr_error *err;
	if (json) {
		struct gr_json j;
		gr_json_init(&j, f, true);
		gr_json_object_begin(&j);
		gr_json_kv_u64(&j, "live_bytes",
			       gr_dom_totals(a->dom)->live_bytes);
		gr_json_kv_double(&j, "min_share", o->min_share);
		gr_json_key(&j, "suspects");
		err = gr_suspects_json_array(&j, a, o);
		gr_json_object_end(&j);
		return gr_json_finish_after(&j, path, err);
	}
	gr_suspects_text(a, o, f, &err);
	if (!err && (fflush(f) || ferror(f)))
		err = gr_error_output(errno ? errno : EIO, path, "write");
	return err;
}
