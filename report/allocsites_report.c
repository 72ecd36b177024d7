/* SPDX-License-Identifier: MIT */
#include "report/allocsites_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/escape.h"
#include "report/format.h"

static void counts(struct gr_json *j, const struct gr_allocsite *s)
{
	gr_json_kv_u64(j, "sampled_objects", s->objects);
	gr_json_kv_u64(j, "sampled_bytes", s->bytes);
	gr_json_kv_i64(j, "estimated_objects", s->est_objects);
	gr_json_kv_i64(j, "estimated_bytes", s->est_bytes);
}

struct gr_error *gr_allocsites_json(struct gr_json *j, struct gr_allocsites *as,
				    const struct gr_allocsite *s, size_t n,
				    const struct gr_allocsite *all)
{
	struct gr_error *err = NULL;
	gr_json_object_begin(j);
	counts(j, all);
	gr_json_key(j, "stacks");
	gr_json_array_begin(j);
	for (size_t i = 0; !err && i < n; i++) {
		const struct gr_memprof_frame *fr;
		size_t nf = 0;
		err = gr_memprof_frames(gr_allocsites_profile(as), s[i].record,
					&fr, &nf);
		if (err)
			break;
		gr_json_object_begin(j);
		gr_json_kv_string(j, "function", nf ? fr[0].func : "?");
		gr_json_kv_string(j, "file", nf ? fr[0].file : "");
		gr_json_kv_i64(j, "line", nf ? fr[0].line : 0);
		gr_json_key(j, "frames");
		gr_json_array_begin(j);
		for (size_t k = 0; k < nf; k++) {
			gr_json_object_begin(j);
			gr_json_kv_string(j, "function", fr[k].func);
			gr_json_kv_string(j, "file", fr[k].file);
			gr_json_kv_i64(j, "line", fr[k].line);
			gr_json_object_end(j);
		}
		gr_json_array_end(j);
		counts(j, &s[i]);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	gr_json_object_end(j);
	return err;
}

void gr_allocsites_json_info(struct gr_json *j, const struct gr_allocsites *as)
{
	const struct gr_allocsites_info *in = gr_allocsites_info(as);
	const char *why = gr_allocsites_missing(as);
	gr_json_object_begin(j);
	gr_json_kv_bool(j, "available", in->available);
	gr_json_key(j, "reason");
	if (!in->available)
		gr_json_string(j, in->unavailable);
	else if (why)
		gr_json_string(j, why);
	else
		gr_json_null(j);
	gr_json_kv_i64(j, "rate", in->rate);
	gr_json_kv_bool(j, "disabled", in->disabled);
	gr_json_kv_u64(j, "sampled_live_objects", in->sampled_objects);
	gr_json_kv_u64(j, "unknown_bucket_objects", in->unknown_bucket);
	gr_json_object_end(j);
}

const char *gr_allocsites_missing(const struct gr_allocsites *as)
{
	const struct gr_allocsites_info *in = gr_allocsites_info(as);
	if (!in->available)
		return "the runtime's memory profile could not be read";
	if (in->disabled)
		return "profiling off: runtime.MemProfile is unreferenced, so "
		       "the linker disabled it";
	if (in->rate == 0)
		return "profiling off: runtime.MemProfileRate was 0";
	if (!in->sampled_objects)
		return "no live object was sampled by the memory profile";
	return NULL;
}

/* "main.newRecord (main.go:58) < main.fill < main.main" */
static void stack_line(FILE *f, const struct gr_memprof_frame *fr, size_t nf,
		       size_t width)
{
	char line[1024];
	size_t len = 0;
	/* runtime.main and the like below main.main say nothing here. */
	while (nf > 1 && strncmp(fr[nf - 1].func, "runtime.", 8) == 0)
		nf--;
	for (size_t k = 0; k < nf && len + 1 < sizeof(line); k++) {
		const char *file = strrchr(fr[k].file, '/');
		file = file ? file + 1 : fr[k].file;
		int w;
		if (k == 0 && *file)
			w = snprintf(line + len, sizeof(line) - len,
				     "%s (%s:%d)", fr[k].func, file,
				     (int)fr[k].line);
		else
			w = snprintf(line + len, sizeof(line) - len, "%s%s",
				     k ? " < " : "", fr[k].func);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	if (!nf)
		len = (size_t)snprintf(line, sizeof(line), "?");
	gr_escape_term_fit(f, line, len, width);
}

struct gr_error *gr_allocsites_text(FILE *f, struct gr_allocsites *as,
				    const struct gr_allocsite *s, size_t n,
				    const struct gr_allocsite *all,
				    int indent)
{
	if (!n)
		return NULL;
	if (indent > 8)
		indent = 8;
	const struct gr_allocsites_info *in = gr_allocsites_info(as);
	char b[32];
	gr_human_bytes(b, sizeof(b), (uint64_t)all->est_bytes);
	fprintf(f, "%*sallocated at: %" PRIu64 " live objects sampled", indent,
		"", all->objects);
	if (in->rate > 1)
		fprintf(f, " (1 per %" PRId64 " B), about %" PRId64
			   " objects, %s\n",
			in->rate, all->est_objects, b);
	else
		fprintf(f, " (every allocation), %s\n", b);
	for (size_t i = 0; i < n; i++) {
		const struct gr_memprof_frame *fr;
		size_t nf = 0;
		struct gr_error *err = gr_memprof_frames(
			gr_allocsites_profile(as), s[i].record, &fr, &nf);
		if (err)
			return err;
		gr_human_bytes(b, sizeof(b), (uint64_t)s[i].est_bytes);
		fprintf(f, "%*s%8" PRIu64 " %10s  ", indent + 2, "",
			s[i].objects, b);
		stack_line(f, fr, nf, (size_t)(100 - indent - 2 - 8 - 1 - 10 - 2));
		fputc('\n', f);
	}
	if (all->objects > 0) {
		uint64_t shown = 0;
		for (size_t i = 0; i < n; i++)
			shown += s[i].objects;
		if (shown < all->objects)
			fprintf(f, "%*s%8" PRIu64 " more, from other stacks\n",
				indent + 2, "", all->objects - shown);
	}
	return NULL;
}

struct keyed {
	char *key;
	size_t i;
};

static int by_key(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->i < b->i ? -1 : a->i > b->i);
}

/* The frames of @rec as one string, the merge key. */
GR_MUST_USE
static struct gr_error *stack_key(struct gr_allocsites *as, size_t rec,
				  char **ret)
{
	const struct gr_memprof_frame *fr;
	size_t nf = 0;
	struct gr_error *err =
		gr_memprof_frames(gr_allocsites_profile(as), rec, &fr, &nf);
	if (err)
		return err;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return gr_error_nomem();
	for (size_t k = 0; k < nf; k++)
		fprintf(m, "%s\t%s\t%d\n", fr[k].func, fr[k].file,
			(int)fr[k].line);
	if (fclose(m) || !buf) {
		free(buf);
		return gr_error_nomem();
	}
	*ret = buf;
	return NULL;
}

struct gr_error *gr_allocsites_merge(struct gr_allocsites *as,
				     struct gr_allocsite *s, size_t n,
				     size_t *n_ret)
{
	*n_ret = n;
	if (n < 2)
		return NULL;
	struct keyed *k = calloc(n, sizeof(*k));
	if (!k)
		return gr_error_nomem();
	struct gr_error *err = NULL;
	for (size_t i = 0; !err && i < n; i++) {
		k[i].i = i;
		err = stack_key(as, s[i].record, &k[i].key);
	}
	if (!err) {
		qsort(k, n, sizeof(*k), by_key);
		/* Fold each run of equal keys into its first member (the
		 * lowest index: the biggest), zeroing the others. */
		for (size_t a = 0, b; a < n; a = b) {
			struct gr_allocsite *first = &s[k[a].i];
			for (b = a + 1; b < n && !strcmp(k[a].key, k[b].key);
			     b++) {
				struct gr_allocsite *o = &s[k[b].i];
				first->objects += o->objects;
				first->bytes += o->bytes;
				first->est_objects += o->est_objects;
				first->est_bytes += o->est_bytes;
				o->objects = 0;
			}
		}
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (s[i].objects)
				s[m++] = s[i];
		qsort(s, m, sizeof(*s), gr_allocsite_cmp);
		*n_ret = m;
	}
	for (size_t i = 0; i < n; i++)
		free(k[i].key);
	free(k);
	return err;
}

/* The largest of @n sites (merged, freed here) as JSON, or null. */
GR_MUST_USE
static struct gr_error *json_top(struct gr_json *j, struct gr_allocsites *as,
				 struct gr_allocsite *s, size_t n,
				 struct gr_error *err)
{
	if (!err)
		err = gr_allocsites_merge(as, s, n, &n);
	const struct gr_memprof_frame *fr = NULL;
	size_t nf = 0;
	if (!err && n)
		err = gr_memprof_frames(gr_allocsites_profile(as), s[0].record,
					&fr, &nf);
	if (err || !n) {
		free(s);
		if (!err)
			gr_json_null(j);
		return err;
	}
	gr_json_object_begin(j);
	gr_json_kv_string(j, "function", nf ? fr[0].func : "?");
	gr_json_kv_string(j, "file", nf ? fr[0].file : "");
	gr_json_kv_i64(j, "line", nf ? fr[0].line : 0);
	gr_json_kv_u64(j, "sampled_objects", s[0].objects);
	gr_json_kv_i64(j, "estimated_objects", s[0].est_objects);
	gr_json_kv_i64(j, "estimated_bytes", s[0].est_bytes);
	gr_json_object_end(j);
	free(s);
	return NULL;
}

struct gr_error *gr_allocsites_json_top(struct gr_json *j,
					struct gr_allocsites *as,
					uint32_t node)
{
	struct gr_allocsite *s = NULL, all;
	size_t n = 0;
	struct gr_error *err =
		gr_allocsites_under(as, node, SIZE_MAX, &s, &n, &all);
	return json_top(j, as, s, n, err);
}

struct gr_error *gr_allocsites_json_top_of(struct gr_json *j,
					   struct gr_allocsites *as,
					   const uint32_t *ids, size_t n)
{
	struct gr_allocsite *s = NULL, all;
	size_t ns = 0;
	struct gr_error *err =
		gr_allocsites_of_objects(as, ids, n, SIZE_MAX, &s, &ns, &all);
	return json_top(j, as, s, ns, err);
}
