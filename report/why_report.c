/* SPDX-License-Identifier: MIT */
#include "report/why_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/12-query/retention.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/json.h"
#include "report/names.h"

static const char *const target_kinds[] = {"object", "root", "type"};

/* One writer for text and JSON: each fact is emitted once, through these. */
struct out {
	const struct gr_analysis *a;
	FILE *f;
	struct gr_json j;
	bool json;
};

static void term(struct out *o, const char *s)
{
	gr_escape_term(o->f, s, strlen(s));
}

static void text_bytes(struct out *o, uint64_t n)
{
	char b[32];
	gr_human_bytes(b, sizeof(b), n);
	fputs(b, o->f);
}

static void json_object(struct out *o, uint32_t id)
{
	char name[512];
	struct gr_dom_retained rt = gr_dom_object_retained(o->a->dom, id);
	gr_name_object(o->a, id, name, sizeof(name));
	gr_json_kv_hex(&o->j, "addr", gr_heap_object_addr(o->a->heap, id));
	gr_json_kv_string(&o->j, "type", name);
	gr_json_kv_u64(&o->j, "size", gr_heap_object_size(o->a->heap, id));
	gr_json_kv_u64(&o->j, "retained_bytes", rt.bytes);
	gr_json_kv_u64(&o->j, "retained_objects", rt.objects);
}

static void json_root(struct out *o, uint32_t r)
{
	const struct gr_root *root = gr_roots_get(o->a->roots, r);
	gr_json_kv_string(&o->j, "name", root->name);
	gr_json_kv_string(&o->j, "kind", gr_root_kind_name(root->kind));
	gr_json_kv_string(&o->j, "type", gr_name_root_type(o->a, r));
	struct gr_dom_retained rt = gr_dom_root_retained(o->a->dom, r);
	gr_json_kv_u64(&o->j, "retained_bytes", rt.bytes);
	gr_json_kv_u64(&o->j, "retained_objects", rt.objects);
}

static void text_object(struct out *o, uint32_t id)
{
	char name[512];
	gr_name_object(o->a, id, name, sizeof(name));
	term(o, name);
	fprintf(o->f, " at %#" PRIx64 " (",
		gr_heap_object_addr(o->a->heap, id));
	text_bytes(o, gr_heap_object_size(o->a->heap, id));
	fputs(", retains ", o->f);
	text_bytes(o, gr_dom_object_retained(o->a->dom, id).bytes);
	fputc(')', o->f);
}

static void text_root(struct out *o, uint32_t r)
{
	const struct gr_root *root = gr_roots_get(o->a->roots, r);
	term(o, root->name);
	fprintf(o->f, " [%s", gr_root_kind_name(root->kind));
	const char *t = gr_name_root_type(o->a, r);
	if (*t) {
		fputc(' ', o->f);
		term(o, t);
	}
	fputs(", retains ", o->f);
	text_bytes(o, gr_dom_root_retained(o->a->dom, r).bytes);
	fputc(']', o->f);
}

static void summary(struct out *o, const struct gr_target *t,
		    const struct gr_why_options *opt,
		    const struct gr_dom_retained *set)
{
	uint64_t shallow = 0;
	for (size_t i = 0; i < t->nobjects; i++)
		shallow += gr_heap_object_size(o->a->heap, t->objects[i]);
	if (o->json) {
		gr_json_key(&o->j, "target");
		gr_json_object_begin(&o->j);
		gr_json_kv_string(&o->j, "text", opt->text);
		gr_json_kv_string(&o->j, "kind", target_kinds[t->kind]);
		if (t->kind == GR_TARGET_ROOT) {
			gr_json_key(&o->j, "root");
			gr_json_object_begin(&o->j);
			json_root(o, t->root);
			gr_json_object_end(&o->j);
			gr_json_kv_u64(&o->j, "roots_named", t->nroots);
		}
		gr_json_kv_u64(&o->j, "objects", t->nobjects);
		gr_json_kv_u64(&o->j, "shallow_bytes", shallow);
		gr_json_kv_u64(&o->j, "retained_bytes", set->bytes);
		gr_json_kv_u64(&o->j, "retained_objects", set->objects);
		gr_json_object_end(&o->j);
		return;
	}
	fputs("why ", o->f);
	term(o, opt->text);
	fputs(": ", o->f);
	if (t->kind == GR_TARGET_OBJECT) {
		text_object(o, t->objects[0]);
		fputc('\n', o->f);
		return;
	}
	if (t->kind == GR_TARGET_ROOT) {
		fputs("root ", o->f);
		text_root(o, t->root);
		if (t->nroots > 1)
			fprintf(o->f, " (and %u more so named)", t->nroots - 1);
		fprintf(o->f, "\n  points at %zu object%s of ", t->nobjects,
			t->nobjects == 1 ? "" : "s");
	} else {
		fprintf(o->f, "%zu live object%s, ", t->nobjects,
			t->nobjects == 1 ? "" : "s");
	}
	text_bytes(o, shallow);
	fputs("; together they retain ", o->f);
	text_bytes(o, set->bytes);
	fprintf(o->f, " in %" PRIu64 " objects\n", set->objects);
}

static void path_step(struct out *o, uint32_t root, uint32_t from,
		      uint64_t slot, uint32_t id)
{
	char step[512];
	gr_name_step(o->a, root, from, slot, step, sizeof(step));
	if (o->json) {
		gr_json_object_begin(&o->j);
		gr_json_kv_string(&o->j, "edge", step);
		json_object(o, id);
		gr_json_object_end(&o->j);
		return;
	}
	fputs("      -> ", o->f);
	if (*step) {
		term(o, step);
		fputc(' ', o->f);
	}
	text_object(o, id);
	fputc('\n', o->f);
}

/* Print @tok after " -> ", on a new line indented by @indent when it
 * would pass column 100. */
static void path_token(FILE *f, const char *tok, bool first, size_t indent,
		       size_t *col)
{
	enum { WIDTH = 100 };
	size_t len = strlen(tok);
	if (!first) {
		if (*col + 4 + len > WIDTH && *col > indent) {
			fprintf(f, "\n%*s", (int)indent, "");
			*col = indent;
			fputs("-> ", f);
			*col += 3;
		} else {
			fputs(" -> ", f);
			*col += 4;
		}
	}
	*col += gr_escape_term_fit(f, tok, len, WIDTH > *col ? WIDTH - *col : 8);
}

void gr_why_path_line(const struct gr_analysis *a, const struct gr_path *p,
		      FILE *f, size_t col)
{
	char buf[512];
	size_t indent = col + 2;
	path_token(f, gr_roots_get(a->roots, p->root)->name, true, indent, &col);
	for (size_t i = 0; i < p->len; i++) {
		uint32_t from = i ? p->objects[i - 1] : GR_HEAP_NO_OBJECT;
		gr_name_step(a, p->root, from, p->slots[i], buf, sizeof(buf));
		if (*buf)
			path_token(f, buf, false, indent, &col);
		if (i + 1 == p->len || !*buf) {
			gr_name_object(a, p->objects[i], buf, sizeof(buf));
			path_token(f, buf, false, indent, &col);
		}
	}
	fputc('\n', f);
}

static void paths_out(struct out *o, const struct gr_path *paths, size_t n,
		      const struct gr_why_options *opt)
{
	if (o->json) {
		gr_json_key(&o->j, "paths");
		gr_json_array_begin(&o->j);
	} else if (!n) {
		fputs("  no root reaches it\n", o->f);
	} else {
		fprintf(o->f, "  %s%zu shortest path%s from %s:\n",
			paths[0].fallback ? "only weak, pool-victim or "
					    "finalizer roots reach it; "
					  : "",
			n, n == 1 ? "" : "s",
			n == 1 ? "a root" : "distinct roots");
	}
	for (size_t i = 0; i < n; i++) {
		const struct gr_path *p = &paths[i];
		if (o->json) {
			gr_json_object_begin(&o->j);
			gr_json_key(&o->j, "root");
			gr_json_object_begin(&o->j);
			json_root(o, p->root);
			gr_json_object_end(&o->j);
			gr_json_kv_bool(&o->j, "fallback", p->fallback);
			gr_json_key(&o->j, "steps");
			gr_json_array_begin(&o->j);
		} else {
			int w = fprintf(o->f, "  %zu) ", i + 1);
			gr_why_path_line(o->a, p, o->f, w > 0 ? (size_t)w : 0);
			fputs("      ", o->f);
			text_root(o, p->root);
			fputc('\n', o->f);
		}
		for (size_t k = 0; k < p->len; k++)
			path_step(o, p->root,
				  k ? p->objects[k - 1] : GR_HEAP_NO_OBJECT,
				  p->slots[k], p->objects[k]);
		if (o->json) {
			gr_json_array_end(&o->j);
			gr_json_object_end(&o->j);
		}
	}
	if (o->json)
		gr_json_array_end(&o->j);
	else if (n && !opt->via_all)
		fputs("  (pool victims, weak and finalizer roots avoided; "
		      "--via all to allow them)\n",
		      o->f);
}

/* The dominator chain of @node, nearest first, P left out. */
GR_MUST_USE
static struct gr_error *chain_out(struct out *o, uint32_t node)
{
	uint32_t *chain;
	size_t len;
	struct gr_error *err = gr_dom_chain(o->a->dom, node, &chain, &len);
	if (err)
		return err;
	if (o->json) {
		gr_json_key(&o->j, "dominators");
		gr_json_array_begin(&o->j);
	} else {
		fputs("  dominators (each, if gone, would free it), nearest "
		      "first:\n",
		      o->f);
	}
	for (size_t i = 0; i + 1 < len; i++) {
		struct gr_dom_ref ref = gr_dom_ref(o->a->dom, chain[i]);
		if (o->json) {
			gr_json_object_begin(&o->j);
			gr_json_kv_string(&o->j, "kind",
					  ref.kind == GR_DOM_KIND_ROOT
						  ? "root"
						  : "object");
			if (ref.kind == GR_DOM_KIND_ROOT)
				json_root(o, ref.index);
			else
				json_object(o, ref.index);
			gr_json_object_end(&o->j);
			continue;
		}
		fputs("    ", o->f);
		if (ref.kind == GR_DOM_KIND_ROOT)
			text_root(o, ref.index);
		else
			text_object(o, ref.index);
		fputc('\n', o->f);
	}
	if (len == 2 && !o->json)
		fputs("    (none but the roots together: it is shared, "
		      "retained by no single root)\n",
		      o->f);
	if (o->json)
		gr_json_array_end(&o->j);
	free(chain);
	return NULL;
}

struct gr_error *gr_why_report(const struct gr_analysis *a,
			       const struct gr_target *t,
			       const struct gr_why_options *opt, FILE *f,
			       const char *path)
{
	struct out o = {.a = a, .f = f, .json = opt->json};
	struct gr_dom_retained set = {0};
	struct gr_paths *ps = NULL;
	struct gr_path *paths = NULL;
	size_t n = 0;
	struct gr_error *err =
		gr_retention_of_set(a, t->objects, t->nobjects, &set);
	if (!err)
		err = gr_paths_create(a, &ps);
	if (!err)
		err = gr_paths_find(ps, t->objects, t->nobjects,
				    opt->max_paths, opt->via_all, &paths, &n);
	if (err)
		goto out;
	if (o.json) {
		gr_json_init(&o.j, f, true);
		gr_json_object_begin(&o.j);
	}
	summary(&o, t, opt, &set);
	paths_out(&o, paths, n, opt);
	/* The chain of what the first path ends at (the target itself for
	 * an address); for a root, its own retention is the answer. */
	if (t->kind == GR_TARGET_ROOT)
		err = NULL;
	else if (n)
		err = chain_out(&o, gr_dom_object_node(
					    a->dom, paths[0].objects[paths[0].len - 1]));
	else if (t->nobjects)
		err = chain_out(&o, gr_dom_object_node(a->dom, t->objects[0]));
	if (o.json) {
		gr_json_object_end(&o.j);
		err = gr_json_finish_after(&o.j, path, err);
	} else if (!err && (fflush(f) || ferror(f))) {
		err = gr_error_output(errno ? errno : EIO, path, "write");
	}
out:
	gr_paths_free(paths, n);
	gr_paths_destroy(ps);
	return err;
}
