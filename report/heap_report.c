/* SPDX-License-Identifier: MIT */
#include "report/heap_report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "forensics/05-session/gcstate.h"
#include "forensics/08-stacks/goroutines.h"
#include "report/format.h"
#include "report/json.h"
#include "report/version.h"

enum { MAX_CLASSES = 256 };

/* Per size class counters, class 0 = large objects. */
struct class_stats {
	uint64_t elemsize; /* for class 0: 0 */
	uint64_t spans, slots, used, live, live_bytes, used_bytes, free_bytes,
		tail_bytes;
};

static void collect_classes(const struct gr_analysis *a,
			    struct class_stats *cs)
{
	memset(cs, 0, MAX_CLASSES * sizeof(*cs));
	const struct gr_heap *h = a->heap;
	for (size_t i = 0; i < gr_heap_span_count(h); i++) {
		const struct gr_span *sp = gr_heap_span(h, i);
		if (sp->state != GR_SPAN_IN_USE)
			continue;
		struct class_stats *c = &cs[sp->sizeclass];
		if (sp->sizeclass)
			c->elemsize = sp->elemsize;
		c->spans++;
		c->slots += sp->nelems;
		c->used += sp->alloc_count;
		c->used_bytes += (uint64_t)sp->alloc_count * sp->elemsize;
		c->free_bytes += (uint64_t)(sp->nelems - sp->alloc_count) *
				 sp->elemsize;
		uint64_t span_bytes = sp->npages * 8192;
		uint64_t slots_bytes = (uint64_t)sp->nelems * sp->elemsize;
		if (span_bytes > slots_bytes)
			c->tail_bytes += span_bytes - slots_bytes;
		for (uint32_t k = 0; k < sp->alloc_count; k++) {
			uint32_t id = sp->first_object + k;
			if (gr_mark_is_live(a->mark, id)) {
				c->live++;
				c->live_bytes += gr_heap_object_size(h, id);
			}
		}
	}
}

/* Bytes of file mappings other than the executable's (shared libraries,
 * mmapped files): memory the Go heap does not account for. */
static uint64_t other_file_mappings(const struct gr_analysis *a)
{
	const struct gr_core *core = gr_session_core(a->session);
	const struct gr_core_file_map *self =
		gr_core_file_map_at(core, gr_session_image_base(a->session));
	uint64_t sum = 0;
	for (size_t i = 0; i < gr_core_file_map_count(core); i++) {
		const struct gr_core_file_map *f = gr_core_file_map(core, i);
		if (!self || strcmp(f->path, self->path) != 0)
			sum += f->end - f->start;
	}
	return sum;
}

/* Bytes of the process's memory the core holds (its resident part). */
static uint64_t core_resident(const struct gr_analysis *a)
{
	struct gr_mem *mem = gr_session_mem(a->session);
	uint64_t sum = 0;
	for (size_t i = 0; i < gr_mem_segment_count(mem); i++) {
		const struct gr_mem_segment *seg = gr_mem_segment_at(mem, i);
		if (seg->source == GR_MEM_CORE)
			sum += seg->end - seg->start;
	}
	return sum;
}

static void json_breakdown(struct gr_json *j, const struct gr_heap_breakdown *b,
			   const struct gr_gcstate *st,
			   const struct gr_analysis *a)
{
	gr_json_key(j, "breakdown");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "object_bytes", b->object_bytes);
	gr_json_kv_u64(j, "objects", b->objects);
	gr_json_kv_u64(j, "span_inuse_bytes", b->span_inuse_bytes);
	gr_json_kv_u64(j, "free_slot_bytes", b->free_slot_bytes);
	gr_json_kv_u64(j, "tail_waste_bytes", b->tail_waste_bytes);
	gr_json_kv_u64(j, "stack_span_bytes", b->stack_span_bytes);
	gr_json_kv_u64(j, "manual_other_bytes", b->manual_other_bytes);
	gr_json_kv_u64(j, "heap_idle_bytes", b->heap_idle_bytes);
	gr_json_kv_u64(j, "heap_released_bytes", b->heap_released_bytes);
	gr_json_kv_u64(j, "arena_bytes", b->arena_bytes);
	gr_json_kv_u64(j, "runtime_metadata_bytes", gr_gcstate_metadata_bytes(st));
	/* What runtime/metrics' heap figures lag by (gcstate.h). */
	gr_json_kv_u64_known(j, "mcache_unflushed_bytes", st->have_unflushed,
			     st->unflushed_bytes);
	gr_json_kv_u64(j, "other_file_mapping_bytes", other_file_mappings(a));
	gr_json_kv_u64(j, "core_resident_bytes", core_resident(a));
	gr_json_object_end(j);
}

static void json_damage(struct gr_json *j, const struct gr_analysis *a)
{
	const struct gr_graph_stats *gs = gr_graph_stats(a->graph);
	gr_json_key(j, "damage");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "heap_problems", gr_heap_damage_count(a->heap));
	gr_json_kv_u64(j, "unscannable_objects", gs->unscannable);
	gr_json_kv_u64(j, "unscannable_bytes", gs->unscannable_bytes);
	gr_json_kv_u64(j, "dangling_pointers", gs->dangling);
	gr_json_key(j, "problems");
	gr_json_array_begin(j);
	for (size_t i = 0; i < gr_heap_damage_count(a->heap) && i < 100; i++) {
		const struct gr_damage *d = gr_heap_damage(a->heap, i);
		gr_json_object_begin(j);
		gr_json_kv_hex(j, "addr", d->addr);
		gr_json_kv_u64(j, "bytes", d->bytes);
		gr_json_kv_string(j, "what", d->what);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	gr_json_object_end(j);
}

/* Nanoseconds from the last GC to the newest nanotime in the core, or -1. */
static int64_t since_last_gc(const struct gr_analysis *a,
			     const struct gr_gcstate *st)
{
	int64_t now = gr_goroutines_newest_nanotime(a->goroutines);
	if (!now || !st->have[GR_GCSTATE_last_gc_nanotime])
		return -1;
	int64_t last = st->value[GR_GCSTATE_last_gc_nanotime];
	return now >= last ? now - last : -1;
}

static void json_collector(struct gr_json *j, const struct gr_analysis *a,
			   const struct gr_gcstate *st)
{
	gr_json_key(j, "collector");
	gr_json_object_begin(j);
	for (int f = 0; f < GR_GCSTATE_COUNT; f++) {
		if (f == GR_GCSTATE_gc_cpu_fraction_bits)
			continue;
		gr_json_key(j, gr_gcstate_name(f));
		if (st->have[f])
			gr_json_i64(j, st->value[f]);
		else
			gr_json_null(j);
	}
	gr_json_key(j, "gc_cpu_fraction");
	if (st->have[GR_GCSTATE_gc_cpu_fraction_bits])
		gr_json_double(j, gr_gcstate_cpu_fraction(st));
	else
		gr_json_null(j);
	gr_json_key(j, "gc_in_progress");
	if (st->have[GR_GCSTATE_gc_phase])
		gr_json_bool(j, st->value[GR_GCSTATE_gc_phase] != 0);
	else
		gr_json_null(j);
	gr_json_kv_i64(j, "ns_since_last_gc", since_last_gc(a, st));
	gr_json_object_end(j);
}

static void text_collector(FILE *out, const struct gr_analysis *a,
			   const struct gr_gcstate *st)
{
	char x[32], y[32];
	fputs("\ncollector at the time of death:\n", out);
	if (st->have[GR_GCSTATE_gc_percent]) {
		if (st->value[GR_GCSTATE_gc_percent] < 0)
			fputs("  GOGC                 off\n", out);
		else
			fprintf(out, "  GOGC                 %" PRId64 "\n",
				st->value[GR_GCSTATE_gc_percent]);
	}
	if (st->have[GR_GCSTATE_memory_limit]) {
		int64_t l = st->value[GR_GCSTATE_memory_limit];
		if (l == INT64_MAX)
			fputs("  GOMEMLIMIT           none\n", out);
		else {
			gr_human_bytes(x, sizeof(x), (uint64_t)l);
			fprintf(out, "  GOMEMLIMIT           %s\n", x);
		}
	}
	if (st->have[GR_GCSTATE_heap_goal] && st->have[GR_GCSTATE_heap_marked]) {
		gr_human_bytes(x, sizeof(x), (uint64_t)st->value[GR_GCSTATE_heap_goal]);
		gr_human_bytes(y, sizeof(y),
			       (uint64_t)st->value[GR_GCSTATE_heap_marked]);
		fprintf(out, "  heap goal            %s (marked live at the last "
			     "GC: %s)\n", x, y);
	}
	if (st->have[GR_GCSTATE_num_gc])
		fprintf(out, "  GCs completed        %" PRId64 " (%" PRId64
			     " forced)\n",
			st->value[GR_GCSTATE_num_gc],
			st->have[GR_GCSTATE_num_forced_gc]
				? st->value[GR_GCSTATE_num_forced_gc] : 0);
	int64_t since = since_last_gc(a, st);
	if (since >= 0)
		fprintf(out, "  since the last GC    %.3f s\n", (double)since / 1e9);
	double cpu = gr_gcstate_cpu_fraction(st);
	if (cpu >= 0)
		fprintf(out, "  GC CPU fraction      %.4f\n", cpu);
	if (st->have[GR_GCSTATE_gc_phase])
		fprintf(out, "  GC in progress       %s\n",
			st->value[GR_GCSTATE_gc_phase] ? "yes" : "no");
}

struct gr_error *gr_heap_report_json_fields(struct gr_json *j,
					    const struct gr_analysis *a)
{
	/* 18 KiB on the stack: no state survives the call. */
	struct class_stats cs[MAX_CLASSES];
	struct gr_gcstate st;
	struct gr_error *err = gr_gcstate_read(a->session, &st);
	if (err)
		return err;
	const struct gr_mark_totals *t = gr_mark_totals(a->mark);
	struct gr_heap_breakdown b;
	gr_heap_breakdown(a->heap, &b);
	collect_classes(a, cs);
	gr_json_kv_string(j, "goretain_version", GORETAIN_VERSION);
	gr_json_kv_string(j, "go_version", gr_session_go_version(a->session));
	gr_json_key(j, "live");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "bytes", t->live_bytes);
	gr_json_kv_u64(j, "objects", t->live_objects);
	gr_json_object_end(j);
	gr_json_key(j, "garbage");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "bytes", t->garbage_bytes);
	gr_json_kv_u64(j, "objects", t->garbage_objects);
	gr_json_object_end(j);
	gr_json_key(j, "by_root_kind");
	gr_json_object_begin(j);
	for (int k = 0; k < GR_ROOT_KIND_COUNT; k++) {
		if (!t->kind_objects[k])
			continue;
		gr_json_key(j, gr_root_kind_name(k));
		gr_json_object_begin(j);
		gr_json_kv_u64(j, "bytes", t->kind_bytes[k]);
		gr_json_kv_u64(j, "objects", t->kind_objects[k]);
		gr_json_object_end(j);
	}
	gr_json_object_end(j);
	json_breakdown(j, &b, &st, a);
	gr_json_key(j, "size_classes");
	gr_json_array_begin(j);
	for (int c = 0; c < MAX_CLASSES; c++) {
		if (!cs[c].spans)
			continue;
		gr_json_object_begin(j);
		gr_json_kv_u64(j, "class", (uint64_t)c);
		gr_json_kv_u64(j, "elem_size", cs[c].elemsize);
		gr_json_kv_u64(j, "spans", cs[c].spans);
		gr_json_kv_u64(j, "slots", cs[c].slots);
		gr_json_kv_u64(j, "used", cs[c].used);
		gr_json_kv_u64(j, "free", cs[c].slots - cs[c].used);
		gr_json_kv_u64(j, "live", cs[c].live);
		gr_json_kv_u64(j, "used_bytes", cs[c].used_bytes);
		gr_json_kv_u64(j, "live_bytes", cs[c].live_bytes);
		gr_json_kv_u64(j, "free_bytes", cs[c].free_bytes);
		gr_json_kv_u64(j, "tail_waste_bytes", cs[c].tail_bytes);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	json_collector(j, a, &st);
	json_damage(j, a);
	gr_json_kv_double(j, "analysis_seconds", a->seconds);
	return NULL;
}

struct gr_error *gr_heap_report_json(const struct gr_analysis *a, FILE *out,
				     const char *path)
{
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	struct gr_error *err = gr_heap_report_json_fields(&j, a);
	gr_json_object_end(&j);
	return gr_json_finish_after(&j, path, err);
}

static void row(FILE *out, const char *label, uint64_t bytes, const char *note)
{
	char b[32];
	gr_human_bytes(b, sizeof(b), bytes);
	fprintf(out, "  %-28s %12s  %s\n", label, b, note);
}

struct gr_error *gr_heap_report_text(const struct gr_analysis *a, FILE *out,
				     const char *path)
{
	/* 18 KiB on the stack: no state survives the call. */
	struct class_stats cs[MAX_CLASSES];
	struct gr_gcstate st;
	struct gr_error *err = gr_gcstate_read(a->session, &st);
	if (err)
		return err;
	const struct gr_mark_totals *t = gr_mark_totals(a->mark);
	struct gr_heap_breakdown b;
	gr_heap_breakdown(a->heap, &b);
	collect_classes(a, cs);
	char x[32], y[32];
	gr_human_bytes(x, sizeof(x), t->live_bytes);
	gr_human_bytes(y, sizeof(y), t->garbage_bytes);
	fprintf(out, "live heap:   %s in %" PRIu64 " objects\n", x,
		t->live_objects);
	fprintf(out, "garbage:     %s in %" PRIu64 " objects (allocated, "
		     "unreachable, not yet swept)\n", y, t->garbage_objects);
	fputs("\nwhere the memory went:\n", out);
	row(out, "allocated objects", b.object_bytes, "live + garbage");
	row(out, "free slots in used spans", b.free_slot_bytes,
	    "fragmentation");
	row(out, "span tails", b.tail_waste_bytes, "size-class rounding");
	row(out, "goroutine stacks", b.stack_span_bytes, "manual spans");
	row(out, "other manual spans", b.manual_other_bytes, "");
	row(out, "idle heap", b.heap_idle_bytes, "free pages, released included");
	row(out, "  of which released", b.heap_released_bytes,
	    "returned to the OS");
	row(out, "heap arenas", b.arena_bytes, "address space reserved");
	row(out, "runtime metadata", gr_gcstate_metadata_bytes(&st),
	    "spans, mcaches, GC and profiling metadata (memstats)");
	row(out, "other file mappings", other_file_mappings(a),
	    "shared libraries, mmapped files");
	row(out, "in the core", core_resident(a), "bytes the core holds");
	fputs("\nlive bytes by root kind:\n", out);
	for (int k = 0; k < GR_ROOT_KIND_COUNT; k++) {
		if (!t->kind_objects[k])
			continue;
		gr_human_bytes(x, sizeof(x), t->kind_bytes[k]);
		fprintf(out, "  %-20s %12s in %" PRIu64 " objects\n",
			gr_root_kind_name(k), x, t->kind_objects[k]);
	}
	fputs("\nsize classes:\n  class   size   spans     slots      used      live"
	      "       wasted\n", out);
	for (int c = 0; c < MAX_CLASSES; c++) {
		if (!cs[c].spans)
			continue;
		gr_human_bytes(x, sizeof(x), cs[c].free_bytes + cs[c].tail_bytes);
		if (c == 0)
			fprintf(out, "  large %6s", "-");
		else
			fprintf(out, "  %5d %6" PRIu64, c, cs[c].elemsize);
		fprintf(out, " %7" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
			     " %12s\n",
			cs[c].spans, cs[c].slots, cs[c].used, cs[c].live, x);
	}
	text_collector(out, a, &st);
	const struct gr_graph_stats *gs = gr_graph_stats(a->graph);
	size_t nd = gr_heap_damage_count(a->heap);
	if (nd || gs->unscannable)
		fprintf(out, "\nPARTIAL: %zu heap problems, %" PRIu64
			     " objects whose pointers could not be read\n",
			nd, gs->unscannable);
	if (fflush(out) || ferror(out))
		return gr_error_output(errno ? errno : EIO, path, "write");
	return NULL;
}
