/* SPDX-License-Identifier: MIT */
#include "report/report.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "forensics/03-dwarf/dwarf.h"
#include "forensics/05-session/session.h"
#include "forensics/08-stacks/memprofile.h"
#include "forensics/11-types/types.h"
#include "forensics/12-query/allocsites.h"
#include "forensics/12-query/channels.h"
#include "forensics/12-query/retention.h"
#include "report/allocsites_report.h"
#include "report/escape.h"
#include "report/format.h"
#include "report/goroutines_report.h"
#include "report/heap_report.h"
#include "report/info.h"
#include "report/json.h"
#include "report/names.h"
#include "report/suspects_report.h"
#include "report/top_report.h"
#include "report/version.h"

/* Everything both writers need, computed once. */
struct facts {
	const struct gr_analysis *a;
	const struct gr_report_options *o;
	struct gr_retention *by[GR_RETENTION_BY_COUNT];
	/* Maps by bytes, descending (indices into gr_types_map). */
	size_t *maps, nmaps;
	uint64_t damage_objects, damage_bytes;
	/* What each stage could not read (channels and the allocation
	 * profile: the report's own walks), and the trust note that sums
	 * those outside the heap ("" when there are none). */
	uint64_t damage[GR_ANALYSIS_STAGE_COUNT], damage_channels;
	uint64_t damage_profile;
	uint64_t damage_outside_heap;
	char damage_note[320];
	char taken_at[32];
	/* Busy channels; NULL when the binary lacks the runtime's channel
	 * DWARF (chan_why says so). */
	struct gr_channels *chans;
	char *chan_why;
	/* The runtime's memory profile joined to the heap (its records
	 * name the top lists' allocation sites); read here so its damage
	 * is counted with the rest. */
	struct gr_allocsites *as;
};

/* qsort_r comparator: maps by bytes, then address; @arg is the types. */
static int map_by_bytes(const void *x, const void *y, void *arg)
{
	const struct gr_types *t = arg;
	const struct gr_map_info *a = gr_types_map(t, *(const size_t *)x);
	const struct gr_map_info *b = gr_types_map(t, *(const size_t *)y);
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return a->header < b->header ? -1 : a->header > b->header;
}

static void facts_free(struct facts *f);

/* The per-stage damage counts and, when any stage but the heap (which
 * has a note of its own) lost something, the note that says so. */
static void damage_note(struct facts *f)
{
	uint64_t outside = 0;
	for (int st = 0; st < GR_ANALYSIS_STAGE_COUNT; st++) {
		f->damage[st] = gr_analysis_damage(f->a, st);
		if (st != GR_ANALYSIS_HEAP)
			outside += f->damage[st];
	}
	f->damage_channels =
		f->chans ? gr_damage_total(gr_channels_damage_list(f->chans))
			 : 0;
	outside += f->damage_channels;
	const struct gr_memprof *mp = gr_allocsites_profile(f->as);
	f->damage_profile =
		mp ? gr_damage_total(gr_memprof_damage_list(mp)) : 0;
	outside += f->damage_profile;
	f->damage_outside_heap = outside;
	f->damage_note[0] = '\0';
	if (!outside)
		return;
	/* Six stages of at most 20 digits each fit in the buffer. */
	char *p = f->damage_note, *end = p + sizeof(f->damage_note);
	p += snprintf(p, (size_t)(end - p),
		      "%" PRIu64 " read%s of the core failed outside the heap (",
		      outside, outside == 1 ? "" : "s");
	const char *sep = "";
	/* The analysis's stages, then the report's own walks. */
	for (int st = 0; st < GR_ANALYSIS_STAGE_COUNT + 2; st++) {
		bool chans = st == GR_ANALYSIS_STAGE_COUNT;
		bool prof = st == GR_ANALYSIS_STAGE_COUNT + 1;
		uint64_t k = chans  ? f->damage_channels
			     : prof ? f->damage_profile
				    : f->damage[st];
		if (st == GR_ANALYSIS_HEAP || !k)
			continue;
		p += snprintf(p, (size_t)(end - p), "%s%s %" PRIu64, sep,
			      chans  ? "channels"
			      : prof ? "profile"
				     : gr_analysis_stage_name(st),
			      k);
		sep = ", ";
	}
	snprintf(p, (size_t)(end - p), "): what they lead to may be missing");
}

/*
 * The groupings, on up to the session's thread count: each reads the
 * finished analysis only and writes its own slot, so the result is the
 * one of a serial build.  The heaviest (by type, by package: a walk of
 * every object) are taken first.
 */
struct groupings {
	const struct gr_analysis *a;
	size_t top;
	atomic_int next;
	struct gr_retention *by[GR_RETENTION_BY_COUNT];
	struct gr_error *err[GR_RETENTION_BY_COUNT];
};

static const enum gr_retention_by heavy_first[GR_RETENTION_BY_COUNT] = {
	GR_RETENTION_BY_TYPE, GR_RETENTION_BY_PACKAGE, GR_RETENTION_BY_SITE,
	GR_RETENTION_BY_KIND, GR_RETENTION_BY_ROOT,
};

static void *groupings_worker(void *arg)
{
	struct groupings *g = arg;
	int k;
	while ((k = atomic_fetch_add(&g->next, 1)) < GR_RETENTION_BY_COUNT) {
		enum gr_retention_by by = heavy_first[k];
		/* Reachable sizes for the rows the writers show. */
		g->err[by] = gr_retention_build(g->a, by, 0, g->top, &g->by[by]);
	}
	return NULL;
}

GR_MUST_USE
static struct gr_error *groupings_build(const struct gr_analysis *a,
					size_t top, struct facts *f)
{
	struct groupings g = {.a = a, .top = top};
	unsigned threads = gr_session_threads(a->session);
	if (threads > GR_RETENTION_BY_COUNT)
		threads = GR_RETENTION_BY_COUNT;
	pthread_t tid[GR_RETENTION_BY_COUNT];
	bool started[GR_RETENTION_BY_COUNT] = {false};
	for (unsigned i = 1; i < threads; i++)
		started[i] = pthread_create(&tid[i], NULL, groupings_worker,
					    &g) == 0;
	groupings_worker(&g);
	for (unsigned i = 1; i < threads; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	struct gr_error *err = NULL;
	for (int by = 0; by < GR_RETENTION_BY_COUNT; by++) {
		f->by[by] = g.by[by];
		if (!err)
			err = g.err[by];
		else
			gr_error_destroy(g.err[by]);
	}
	return err;
}

GR_MUST_USE
static struct gr_error *facts_build(const struct gr_analysis *a,
				    const struct gr_report_options *o,
				    struct facts *f)
{
	memset(f, 0, sizeof(*f));
	f->a = a;
	f->o = o;
	struct gr_error *err = groupings_build(a, o->top, f);
	f->nmaps = a->types ? gr_types_map_count(a->types) : 0;
	f->maps = err ? NULL
		      : malloc((f->nmaps ? f->nmaps : 1) * sizeof(*f->maps));
	if (!err && !f->maps)
		err = gr_error_nomem();
	if (err) {
		/* Nothing half-built reaches the writers. */
		facts_free(f);
		return err;
	}
	for (size_t i = 0; i < f->nmaps; i++)
		f->maps[i] = i;
	err = gr_channels_collect(a, &f->chans);
	if (err && err->code != GR_ERR_NOMEM) {
		f->chan_why = strdup(err->message);
		gr_error_destroy(err);
		err = NULL;
	}
	if (!err)
		err = gr_allocsites_create(a, &f->as);
	if (err) {
		facts_free(f);
		return err;
	}
	qsort_r(f->maps, f->nmaps, sizeof(*f->maps), map_by_bytes,
		(void *)a->types);
	const struct gr_graph_stats *gs = gr_graph_stats(a->graph);
	f->damage_objects = gs->unscannable;
	f->damage_bytes = gs->unscannable_bytes;
	damage_note(f);
	/* When the core was written: the file's mtime is all an ELF core
	 * carries (a copy loses it; the report says "file modified"). */
	struct stat st;
	const char *core = gr_input_path(gr_session_input(a->session));
	struct tm tm;
	if (core && stat(core, &st) == 0 && gmtime_r(&st.st_mtime, &tm))
		strftime(f->taken_at, sizeof(f->taken_at), "%Y-%m-%dT%H:%M:%SZ",
			 &tm);
	return NULL;
}

static void facts_free(struct facts *f)
{
	for (int by = 0; by < GR_RETENTION_BY_COUNT; by++)
		gr_retention_destroy(f->by[by]);
	free(f->maps);
	gr_channels_destroy(f->chans);
	free(f->chan_why);
	gr_allocsites_destroy(f->as);
}

/* The root a map hangs under: the root at the top of its dominator
 * chain, or "" when several roots share it. */
static const char *held_by(const struct gr_analysis *a, uint64_t header)
{
	uint32_t id = gr_heap_find(a->heap, header);
	if (id == GR_HEAP_NO_OBJECT || !gr_mark_is_live(a->mark, id))
		return "";
	uint32_t *chain;
	size_t len;
	if (gr_dom_chain(a->dom, gr_dom_object_node(a->dom, id), &chain,
			 &len)) /* cannot fail for a live object but NOMEM */
		return "";
	const char *name = "";
	if (len >= 2) {
		struct gr_dom_ref r = gr_dom_ref(a->dom, chain[len - 2]);
		if (r.kind == GR_DOM_KIND_ROOT)
			name = gr_roots_get(a->roots, r.index)->name;
	}
	free(chain);
	return name;
}

static const char *map_type(const struct gr_analysis *a,
			    const struct gr_map_info *m)
{
	const struct gr_dwarf_type *t =
		m->dwarf_type == UINT32_MAX
			? NULL
			: gr_dwarf_type(gr_session_dwarf(a->session),
					m->dwarf_type);
	return t ? t->name : "map";
}

static bool is_holder_kind(enum gr_root_kind k, bool pools)
{
	switch (k) {
	case GR_ROOT_POOL:
	case GR_ROOT_POOL_VICTIM:
		return pools;
	case GR_ROOT_FINALIZER:
	case GR_ROOT_FINALIZER_OBJECT:
	case GR_ROOT_CLEANUP:
	case GR_ROOT_FINQ:
	case GR_ROOT_CLEANUP_QUEUE:
		return !pools;
	default:
		return false;
	}
}

static uint64_t unknown_bytes(const struct gr_analysis *a)
{
	return a->types ? gr_types_stats(a->types)->unknown_bytes
			: gr_dom_totals(a->dom)->live_bytes;
}

/* Why a number may be off, for the "trust" section of both writers. */
static size_t trust_notes(const struct facts *f, const char **notes,
			  size_t max)
{
	const struct gr_analysis *a = f->a;
	size_t n = 0;
	uint64_t live = gr_dom_totals(a->dom)->live_bytes;
	if (gr_core_truncated(gr_session_core(a->session)) && n < max)
		notes[n++] = "the core is truncated: memory past its end is "
			     "missing";
	if (gr_heap_damage_count(a->heap) && n < max)
		notes[n++] = "some heap spans could not be read: their objects "
			     "are missing from every figure";
	if (f->damage_objects && n < max)
		notes[n++] = "some objects' pointer maps could not be read: "
			     "what they point to may be missing";
	if (f->damage_outside_heap && n < max)
		notes[n++] = f->damage_note;
	if (live && unknown_bytes(a) * 20 > live && n < max)
		notes[n++] = "more than 5% of live bytes have no known type";
	const struct gr_dwarf *d = gr_session_dwarf(a->session);
	if (gr_dwarf_pack_version(d) && n < max)
		notes[n++] = "stripped executable: runtime layout from "
			     "goretain's pack for its Go release; variables "
			     "unnamed";
	else if (!gr_dwarf_present(d) && n < max)
		notes[n++] = "the executable has no DWARF: globals and stack "
			     "variables are unnamed";
	const char *pack = gr_dwarf_pack_version(d);
	if (pack && strcmp(pack, gr_session_go_version(a->session)) != 0 &&
	    n < max)
		notes[n++] = "layout pack from another patch release of this "
			     "Go version: layouts seldom change, but may";
	if (a->types && gr_types_stats(a->types)->inferred_bytes && n < max)
		notes[n++] = "some types are inferred from the code, not read "
			     "from the core: named \"T (inferred)\"";
	if (gr_dwarf_pack_unlocated(d) && n < max)
		notes[n++] = "some runtime globals were not found in the "
			     "stripped code: what they hold may be missing";
	return n;
}

/* ---- JSON ---- */

static void json_summary(struct gr_json *j, const struct facts *f)
{
	const struct gr_session *s = f->a->session;
	struct gr_input *in = gr_session_input(s);
	struct gr_exe *exe = gr_session_exe(s);
	const struct gr_core_process *p =
		gr_core_process(gr_session_core(s));
	struct gr_info info;
	gr_info_collect(s, &info);
	gr_json_key(j, "summary");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "go_version", gr_session_go_version(s));
	gr_json_key(j, "exe");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "path", gr_exe_path(exe));
	gr_json_kv_bool(j, "pie", gr_exe_is_pie(exe));
	gr_json_kv_string(j, "build_id", gr_exe_build_ids(exe)->gnu);
	gr_json_object_end(j);
	gr_json_key(j, "core");
	gr_json_object_begin(j);
	gr_json_kv_string(j, "path", gr_input_path(in));
	gr_json_kv_u64(j, "size", gr_input_file_size(in));
	gr_json_kv_string(j, "format",
			  gr_input_format_name(gr_input_format(in)));
	gr_json_key(j, "taken_at");
	if (*f->taken_at)
		gr_json_string(j, f->taken_at);
	else
		gr_json_null(j);
	gr_json_object_end(j);
	gr_json_key(j, "process");
	gr_json_object_begin(j);
	gr_json_kv_i64(j, "pid", p->pid);
	gr_json_kv_u64(j, "threads", info.threads);
	gr_json_kv_string(j, "command_line", p->psargs);
	gr_json_object_end(j);
	gr_json_key(j, "info");
	gr_json_object_begin(j);
	gr_info_json_fields(j, &info);
	gr_json_object_end(j);
	gr_json_object_end(j);
}

static void json_maps(struct gr_json *j, const struct facts *f)
{
	gr_json_key(j, "maps");
	gr_json_array_begin(j);
	for (size_t i = 0; i < f->nmaps && i < f->o->maps; i++) {
		const struct gr_map_info *m =
			gr_types_map(f->a->types, f->maps[i]);
		gr_json_object_begin(j);
		gr_json_kv_hex(j, "addr", m->header);
		gr_json_kv_string(j, "type", map_type(f->a, m));
		gr_json_kv_string(j, "impl", m->swiss ? "swiss" : "classic");
		gr_json_kv_u64(j, "entries", m->entries);
		gr_json_kv_u64(j, "capacity", m->capacity);
		gr_json_kv_u64(j, "bytes", m->bytes);
		gr_json_kv_u64(j, "wasted_bytes", m->wasted_bytes);
		gr_json_kv_string(j, "held_by", held_by(f->a, m->header));
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
}

static void json_channels(struct gr_json *j, const struct facts *f)
{
	size_t n = f->chans ? gr_channels_count(f->chans) : 0;
	gr_json_key(j, "channels");
	gr_json_object_begin(j);
	gr_json_key(j, "unavailable");
	if (f->chan_why)
		gr_json_string(j, f->chan_why);
	else
		gr_json_null(j);
	gr_json_kv_u64(j, "live", f->chans ? gr_channels_total(f->chans) : 0);
	gr_json_kv_u64(j, "busy", n);
	gr_json_key(j, "list");
	gr_json_array_begin(j);
	for (size_t i = 0; i < n && i < f->o->maps; i++) {
		const struct gr_channel *c = gr_channels_get(f->chans, i);
		gr_json_object_begin(j);
		gr_json_kv_hex(j, "addr", c->addr);
		gr_json_kv_string(j, "elem_type", c->elem_type);
		gr_json_kv_u64(j, "elem_size", c->elem_size);
		gr_json_kv_u64(j, "cap", c->cap);
		gr_json_kv_u64(j, "len", c->len);
		gr_json_kv_u64(j, "queued_bytes", c->len * c->elem_size);
		gr_json_kv_u64(j, "buffer_bytes", c->cap * c->elem_size);
		gr_json_kv_bool(j, "closed", c->closed);
		gr_json_kv_u64(j, "blocked_senders", c->senders);
		gr_json_kv_u64(j, "blocked_receivers", c->receivers);
		gr_json_kv_bool(j, "queue_cut", c->queue_cut);
		gr_json_kv_u64(j, "retained_bytes", c->retained_bytes);
		gr_json_kv_u64(j, "retained_objects", c->retained_objects);
		gr_json_kv_string(j, "held_by", held_by(f->a, c->addr));
		gr_json_kv_string(j, "global", c->global);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	gr_json_object_end(j);
}

static void json_holders(struct gr_json *j, const struct facts *f,
			 const char *key, bool pools)
{
	const struct gr_retention *r = f->by[GR_RETENTION_BY_ROOT];
	gr_json_key(j, key);
	gr_json_array_begin(j);
	for (size_t i = 0; i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		const struct gr_root *root = gr_roots_get(f->a->roots, w->index);
		if (!is_holder_kind(root->kind, pools))
			continue;
		gr_json_object_begin(j);
		gr_json_kv_string(j, "name", root->name);
		gr_json_kv_string(j, "kind", gr_root_kind_name(root->kind));
		gr_json_kv_string(j, "type", gr_name_root_type(f->a, w->index));
		gr_json_kv_u64(j, "retained_bytes", w->retained_bytes);
		gr_json_kv_u64(j, "retained_objects", w->retained_objects);
		gr_json_key(j, "reachable_bytes");
		if (w->reachable_known)
			gr_json_u64(j, w->reachable_bytes);
		else
			gr_json_null(j);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
}

struct kid {
	uint64_t bytes;
	uint32_t node;
};

static int kid_cmp(const void *x, const void *y)
{
	const struct kid *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return a->node < b->node ? -1 : a->node > b->node;
}

/*
 * The top of the dominator tree for the HTML icicle: breadth-first from
 * the pseudo-root, children by retained size, keeping nodes that retain
 * at least tree_min_share of the heap, at most tree_nodes of them.
 */
GR_MUST_USE
static struct gr_error *json_tree(struct gr_json *j, const struct facts *f)
{
	const struct gr_analysis *a = f->a;
	uint64_t live = gr_dom_totals(a->dom)->live_bytes;
	uint64_t min = (uint64_t)(f->o->tree_min_share * (double)live);
	size_t cap = f->o->tree_nodes ? f->o->tree_nodes : 1;
	uint32_t *node = malloc(cap * sizeof(*node));
	uint32_t *parent = malloc(cap * sizeof(*parent));
	/* Children above the floor: at most live / min of them, and never
	 * more than the node count. */
	size_t kcap = min ? (size_t)(live / min) + 1 : gr_dom_node_count(a->dom);
	if (kcap > gr_dom_node_count(a->dom))
		kcap = gr_dom_node_count(a->dom);
	struct kid *kids = malloc((kcap ? kcap : 1) * sizeof(*kids));
	if (!node || !parent || !kids) {
		free(node);
		free(parent);
		free(kids);
		return gr_error_nomem();
	}
	size_t n = 0, head = 0;
	node[n] = GR_DOM_PSEUDO_ROOT;
	parent[n++] = UINT32_MAX;
	while (head < n && n < cap) {
		uint32_t x = node[head++];
		const uint32_t *ch;
		uint32_t nc;
		gr_dom_children(a->dom, x, &ch, &nc);
		/* The biggest children first, those above the floor. */
		size_t m = 0;
		for (uint32_t k = 0; k < nc; k++) {
			uint64_t bytes = gr_dom_retained(a->dom, ch[k]).bytes;
			if (bytes && bytes >= min)
				kids[m++] = (struct kid){bytes, ch[k]};
		}
		qsort(kids, m, sizeof(*kids), kid_cmp);
		for (size_t k = 0; k < m && n < cap; k++) {
			node[n] = kids[k].node;
			parent[n++] = (uint32_t)(head - 1);
		}
	}
	free(kids);
	gr_json_key(j, "dominator_tree");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "min_bytes", min);
	gr_json_key(j, "nodes");
	gr_json_array_begin(j);
	char name[512];
	for (size_t i = 0; i < n; i++) {
		struct gr_dom_ref r = gr_dom_ref(a->dom, node[i]);
		struct gr_dom_retained rt = gr_dom_retained(a->dom, node[i]);
		gr_json_object_begin(j);
		gr_json_kv_u64(j, "id", i);
		gr_json_key(j, "parent");
		if (parent[i] == UINT32_MAX)
			gr_json_null(j);
		else
			gr_json_u64(j, parent[i]);
		if (r.kind == GR_DOM_KIND_PSEUDO) {
			gr_json_kv_string(j, "kind", "pseudo");
			gr_json_kv_string(j, "name", "all roots");
			gr_json_kv_string(j, "type", "");
			gr_json_kv_u64(j, "shallow_bytes", 0);
		} else if (r.kind == GR_DOM_KIND_ROOT) {
			const struct gr_root *root =
				gr_roots_get(a->roots, r.index);
			gr_json_kv_string(j, "kind", "root");
			gr_json_kv_string(j, "name", root->name);
			gr_json_kv_string(j, "type",
					  gr_name_root_type(a, r.index));
			gr_json_kv_string(j, "root_kind",
					  gr_root_kind_name(root->kind));
			gr_json_kv_u64(j, "shallow_bytes", root->size);
		} else {
			gr_name_object(a, r.index, name, sizeof(name));
			gr_json_kv_string(j, "kind", "object");
			gr_json_kv_string(j, "name", name);
			gr_json_kv_string(j, "type", name);
			gr_json_kv_hex(j, "addr",
				       gr_heap_object_addr(a->heap, r.index));
			gr_json_kv_u64(j, "shallow_bytes",
				       gr_heap_object_size(a->heap, r.index));
		}
		gr_json_kv_u64(j, "retained_bytes", rt.bytes);
		gr_json_kv_u64(j, "retained_objects", rt.objects);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	gr_json_object_end(j);
	free(node);
	free(parent);
	return NULL;
}

static void json_types(struct gr_json *j, const struct facts *f)
{
	uint64_t live = gr_dom_totals(f->a->dom)->live_bytes;
	uint64_t unk = unknown_bytes(f->a);
	gr_json_key(j, "types");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "typed_bytes", live - unk);
	gr_json_kv_u64(j, "unknown_bytes", unk);
	gr_json_kv_u64(j, "unknown_objects",
		       f->a->types ? gr_types_stats(f->a->types)->unknown_objects
				   : gr_dom_totals(f->a->dom)->live_objects);
	gr_json_kv_double(j, "unknown_share",
			  live ? (double)unk / (double)live : 0);
	const struct gr_types_stats *st =
		f->a->types ? gr_types_stats(f->a->types) : NULL;
	if (st && st->inference) {
		gr_json_kv_u64(j, "inferred_bytes", st->inferred_bytes);
		gr_json_kv_u64(j, "inferred_objects", st->inferred_objects);
	}
	gr_json_object_end(j);
}

static void json_trust(struct gr_json *j, const struct facts *f)
{
	const char *notes[8];
	size_t n = trust_notes(f, notes, 8);
	gr_json_key(j, "trust");
	gr_json_object_begin(j);
	gr_json_kv_bool(j, "partial", n > 0);
	gr_json_key(j, "notes");
	gr_json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		gr_json_string(j, notes[i]);
	gr_json_array_end(j);
	/* Only when there is some, so a core without keeps its report. */
	if (f->damage_outside_heap) {
		gr_json_key(j, "damage");
		gr_json_object_begin(j);
		for (int st = 0; st < GR_ANALYSIS_STAGE_COUNT; st++)
			gr_json_kv_u64(j, gr_analysis_stage_name(st),
				       f->damage[st]);
		gr_json_kv_u64(j, "channels", f->damage_channels);
		gr_json_kv_u64(j, "profile", f->damage_profile);
		gr_json_object_end(j);
	}
	gr_json_object_end(j);
}

struct gr_error *gr_report_json(const struct gr_analysis *a,
				const struct gr_report_options *o, FILE *out,
				const char *path)
{
	struct facts f;
	struct gr_error *err = facts_build(a, o, &f);
	if (err)
		return err;
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	gr_json_kv_string(&j, "schema", GR_REPORT_SCHEMA);
	gr_json_kv_string(&j, "goretain_version", GORETAIN_VERSION);
	json_summary(&j, &f);
	gr_json_key(&j, "heap");
	gr_json_object_begin(&j);
	err = gr_heap_report_json_fields(&j, a);
	gr_json_object_end(&j);
	gr_json_key(&j, "suspects");
	struct gr_suspect_options so = o->suspects;
	so.sites = f.by[GR_RETENTION_BY_SITE];
	if (!err)
		err = gr_suspects_json_array(&j, a, &so);
	struct gr_allocsites *as = f.as;
	if (!err) {
		gr_json_key(&j, "allocation_profile");
		gr_allocsites_json_info(&j, as);
	}
	gr_json_key(&j, "top");
	gr_json_object_begin(&j);
	for (int by = 0; by < GR_RETENTION_BY_COUNT; by++) {
		gr_json_key(&j, gr_retention_by_name((enum gr_retention_by)by));
		gr_json_object_begin(&j);
		if (!err)
			err = gr_top_report_json_fields(
				&j, f.by[by], (enum gr_retention_by)by, o->top,
				as);
		gr_json_object_end(&j);
	}
	gr_json_object_end(&j);
	struct gr_g_report_opts go = {.frames = 5};
	gr_json_key(&j, "goroutines");
	gr_json_object_begin(&j);
	gr_goroutines_report_json_fields(&j, a->goroutines, &go);
	gr_json_object_end(&j);
	json_maps(&j, &f);
	json_channels(&j, &f);
	json_holders(&j, &f, "finalizers", false);
	json_holders(&j, &f, "pools", true);
	if (!err)
		err = json_tree(&j, &f);
	json_types(&j, &f);
	json_trust(&j, &f);
	gr_json_kv_double(&j, "analysis_seconds", a->seconds);
	gr_json_object_end(&j);
	facts_free(&f);
	return gr_json_finish_after(&j, path, err);
}

/* ---- text ---- */

static void heading(FILE *out, const struct facts *f, const char *title)
{
	if (f->o->color)
		fprintf(out, "\n\033[1m%s\033[0m\n", title);
	else
		fprintf(out, "\n%s\n", title);
}

static void hb(char *buf, size_t n, uint64_t bytes)
{
	gr_human_bytes(buf, n, bytes);
}

static void text_summary(FILE *out, const struct facts *f)
{
	const struct gr_analysis *a = f->a;
	const struct gr_session *s = a->session;
	const struct gr_core_process *p = gr_core_process(gr_session_core(s));
	struct gr_heap_breakdown b;
	gr_heap_breakdown(a->heap, &b);
	const struct gr_dom_totals *t = gr_dom_totals(a->dom);
	const struct gr_mark_totals *mt = gr_mark_totals(a->mark);
	char x[32], y[32], z[32], w[32];
	fputs("goretain report: ", out);
	gr_escape_term_fit(out, p->fname, strlen(p->fname), 16);
	fprintf(out, " (%s), pid %d", gr_session_go_version(s), (int)p->pid);
	if (*f->taken_at)
		fprintf(out, ", core written %s", f->taken_at);
	fputc('\n', out);
	hb(x, sizeof(x), t->live_bytes);
	hb(y, sizeof(y), mt->garbage_bytes);
	hb(z, sizeof(z), b.span_inuse_bytes);
	fprintf(out, "live heap %s in %" PRIu64 " objects; garbage %s; heap "
		     "spans in use %s\n",
		x, t->live_objects, y, z);
	hb(x, sizeof(x), b.free_slot_bytes + b.tail_waste_bytes);
	hb(y, sizeof(y), b.heap_idle_bytes - b.heap_released_bytes);
	hb(z, sizeof(z), b.heap_released_bytes);
	hb(w, sizeof(w), b.stack_span_bytes);
	fprintf(out, "fragmentation %s, idle %s, released to the OS %s, "
		     "stacks %s\n",
		x, y, z, w);
	uint64_t unk = unknown_bytes(a);
	hb(x, sizeof(x), unk);
	uint64_t inf = a->types ? gr_types_stats(a->types)->inferred_bytes : 0;
	char infs[64] = "";
	if (inf && t->live_bytes)
		snprintf(infs, sizeof(infs), ", %.1f%% inferred",
			 100.0 * (double)inf / (double)t->live_bytes);
	fprintf(out,
		"%zu goroutines; %.1f%% of live bytes typed (%s unknown%s)\n",
		gr_goroutines_count(a->goroutines) ? gr_goroutines_count(
							     a->goroutines)
						   : 0,
		t->live_bytes ? 100.0 * (double)(t->live_bytes - unk) /
					(double)t->live_bytes
			      : 100.0,
		x, infs);
}

static void text_maps(FILE *out, const struct facts *f)
{
	if (!f->nmaps)
		return;
	heading(out, f, "MAPS by bytes");
	fprintf(out, "  %10s %10s %9s %9s  %s\n", "bytes", "wasted", "entries",
		"capacity", "map (held by)");
	for (size_t i = 0; i < f->nmaps && i < f->o->maps; i++) {
		const struct gr_map_info *m =
			gr_types_map(f->a->types, f->maps[i]);
		char x[32], y[32];
		hb(x, sizeof(x), m->bytes);
		hb(y, sizeof(y), m->wasted_bytes);
		fprintf(out, "  %10s %10s %9" PRIu64 " %9" PRIu64 "  ", x, y,
			m->entries, m->capacity);
		char line[1024];
		const char *h = held_by(f->a, m->header);
		snprintf(line, sizeof(line), *h ? "%s (%s)" : "%s%s",
			 map_type(f->a, m), h);
		gr_escape_term_fit(out, line, strlen(line), 55);
		fputc('\n', out);
	}
}

static void text_channels(FILE *out, const struct facts *f)
{
	size_t n = f->chans ? gr_channels_count(f->chans) : 0;
	if (!n && !f->chan_why)
		return;
	heading(out, f, "CHANNELS with queued items or blocked goroutines");
	if (f->chan_why) {
		fputs("  ", out);
		gr_escape_term_fit(out, f->chan_why, strlen(f->chan_why), 96);
		fputc('\n', out);
		return;
	}
	fprintf(out, "  %10s %9s %9s %6s %6s  %s\n", "retained", "queued",
		"len/cap", "send", "recv", "chan (held by)");
	for (size_t i = 0; i < n && i < f->o->maps; i++) {
		const struct gr_channel *c = gr_channels_get(f->chans, i);
		char x[32], y[32], lc[48];
		hb(x, sizeof(x), c->retained_bytes);
		hb(y, sizeof(y), c->len * c->elem_size);
		snprintf(lc, sizeof(lc), "%" PRIu64 "/%" PRIu64, c->len, c->cap);
		fprintf(out, "  %10s %9s %9s %6" PRIu64 " %6" PRIu64 "  ", x, y,
			lc, c->senders, c->receivers);
		char line[1024];
		/* The global naming it, else the root that alone holds it. */
		const char *h = *c->global ? c->global : held_by(f->a, c->addr);
		snprintf(line, sizeof(line), "chan %s%s%s%s%s", c->elem_type,
			 c->closed ? " (closed)" : "", *h ? " (" : "", h,
			 *h ? ")" : "");
		gr_escape_term_fit(out, line, strlen(line), 52);
		fputc('\n', out);
	}
	if (n > f->o->maps)
		fprintf(out, "  ... %zu more\n", n - f->o->maps);
}

static void text_holders(FILE *out, const struct facts *f, bool pools)
{
	const struct gr_retention *r = f->by[GR_RETENTION_BY_ROOT];
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < gr_retention_count(r); i++) {
		const struct gr_retention_row *w = gr_retention_row(r, i);
		const struct gr_root *root = gr_roots_get(f->a->roots, w->index);
		if (!is_holder_kind(root->kind, pools))
			continue;
		if (!total++)
			heading(out, f,
				pools ? "SYNC.POOLS (retained, reachable)"
				      : "FINALIZERS AND CLEANUPS (retained, "
					"reachable)");
		if (shown++ >= 10)
			continue;
		char x[32], y[32];
		hb(x, sizeof(x), w->retained_bytes);
		if (w->reachable_known)
			hb(y, sizeof(y), w->reachable_bytes);
		else
			snprintf(y, sizeof(y), "?");
		fprintf(out, "  %10s %10s  %-16s ", x, y,
			gr_root_kind_name(root->kind));
		gr_escape_term_fit(out, root->name, strlen(root->name), 58);
		fputc('\n', out);
	}
	if (total > 10)
		fprintf(out, "  ... %zu more\n", total - 10);
}

static void text_trust(FILE *out, const struct facts *f)
{
	const char *notes[8];
	size_t n = trust_notes(f, notes, 8);
	heading(out, f, "HOW FAR TO TRUST THIS");
	if (!n)
		fputs("  everything goretain needed was readable\n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  - %s\n", notes[i]);
}

struct gr_error *gr_report_text(const struct gr_analysis *a,
				const struct gr_report_options *o, FILE *out,
				const char *path)
{
	struct facts f;
	struct gr_error *err = facts_build(a, o, &f);
	if (err)
		return err;
	text_summary(out, &f);
	heading(out, &f, "LEAK SUSPECTS");
	struct gr_suspect_options so = o->suspects;
	so.sites = f.by[GR_RETENTION_BY_SITE];
	gr_suspects_text(a, &so, out, &err);
	static const char *const titles[] = {
		"TOP RETAINERS BY ROOT", "BY ROOT KIND",
		"BY GOROUTINE CREATION SITE", "BY TYPE", "BY PACKAGE"};
	for (int by = 0; !err && by < GR_RETENTION_BY_COUNT; by++) {
		heading(out, &f, titles[by]);
		err = gr_top_report(f.by[by], (enum gr_retention_by)by, false,
				    NULL,
				    o->top < 10 || by == GR_RETENTION_BY_ROOT
					    ? o->top
					    : 10,
				    out, path);
	}
	if (!err) {
		heading(out, &f, "GOROUTINES by creation site and wait reason");
		struct gr_g_report_opts go = {.frames = 3};
		err = gr_goroutines_report(a->goroutines, &go, false, out, path);
	}
	if (!err) {
		text_maps(out, &f);
		text_channels(out, &f);
		text_holders(out, &f, false);
		text_holders(out, &f, true);
		text_trust(out, &f);
	}
	facts_free(&f);
	if (!err && (fflush(out) || ferror(out)))
		err = gr_error_output(errno ? errno : EIO, path, "write");
	return err;
}
