/* SPDX-License-Identifier: MIT */
/* The heap profile of runtime/pprof protomem.go writeHeapProto. */
#include "report/memprof_report.h"

#include <stdlib.h>

#include "forensics/01-base/array.h"
#include "report/json.h"

/* runtime/pprof: what MemProfileRecord.InUseObjects/InUseBytes return. */
static void values(const struct gr_memprof_record *r, int64_t rate,
		   int64_t v[4])
{
	gr_memprof_scale((int64_t)r->allocs, (int64_t)r->alloc_bytes, rate,
			 &v[0], &v[1]);
	gr_memprof_scale((int64_t)(r->allocs - r->frees),
			 (int64_t)(r->alloc_bytes - r->free_bytes), rate, &v[2],
			 &v[3]);
}

/*
 * The "bytes" label: Go 1.27 writes the bucket's object size always;
 * earlier versions AllocBytes / AllocObjects when there are allocations.
 */
static bool block_size(const struct gr_memprof_info *info,
		       const struct gr_memprof_record *r, int64_t *ret)
{
	if (!info->has_byte_counts) {
		*ret = (int64_t)r->size;
		return true;
	}
	if (r->allocs == 0)
		return false;
	*ret = (int64_t)(r->alloc_bytes / r->allocs);
	return *ret != 0;
}

GR_MUST_USE
static struct gr_error *add_record(struct gr_memprof *mp, struct gr_pprof *p,
				   size_t i, uint64_t **locs, size_t *cap)
{
	const struct gr_memprof_info *info = gr_memprof_info(mp);
	const struct gr_memprof_record *r = gr_memprof_record(mp, i);
	const struct gr_memprof_frame *f;
	size_t n;
	struct gr_error *err = gr_memprof_frames(mp, i, &f, &n);
	if (err)
		return err;
	if ((err = gr_array_grow(locs, cap, 0, n)))
		return err;
	for (size_t k = 0; k < n; k++) {
		err = gr_pprof_location(p, f[k].func, f[k].file, f[k].line,
					&(*locs)[k]);
		if (err)
			return err;
	}
	int64_t v[4];
	values(r, info->rate, v);
	struct gr_pprof_label label = {.key = "bytes"};
	bool labelled = block_size(info, r, &label.num);
	return gr_pprof_add_sample(p, v, 4, *locs, n, &label, labelled);
}

struct gr_error *gr_memprof_report_pprof(struct gr_memprof *mp,
					 int64_t time_nanos,
					 const char *comment,
					 struct gr_pprof **ret)
{
	static const char *const types[4][2] = {
		{"alloc_objects", "count"},
		{"alloc_space", "bytes"},
		{"inuse_objects", "count"},
		{"inuse_space", "bytes"},
	};
	struct gr_pprof *p;
	struct gr_error *err = gr_pprof_create(&p);
	if (err)
		return err;
	err = gr_pprof_set_period(p, "space", "bytes",
				  gr_memprof_info(mp)->rate);
	for (int i = 0; i < 4 && !err; i++)
		err = gr_pprof_add_sample_type(p, types[i][0], types[i][1]);
	if (!err && comment)
		err = gr_pprof_add_comment(p, comment);
	gr_pprof_set_time(p, time_nanos, 0);
	uint64_t *locs = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < gr_memprof_count(mp) && !err; i++)
		err = add_record(mp, p, i, &locs, &cap);
	free(locs);
	if (err) {
		gr_pprof_destroy(p);
		return err;
	}
	*ret = p;
	return NULL;
}

void gr_memprof_report_totals(const struct gr_memprof *mp,
			      struct gr_memprof_totals *t)
{
	int64_t rate = gr_memprof_info(mp)->rate;
	*t = (struct gr_memprof_totals){0};
	for (size_t i = 0; i < gr_memprof_count(mp); i++) {
		const struct gr_memprof_record *r = gr_memprof_record(mp, i);
		int64_t v[4];
		values(r, rate, v);
		t->records++;
		t->alloc_objects += (int64_t)r->allocs;
		t->alloc_bytes += (int64_t)r->alloc_bytes;
		t->inuse_objects += (int64_t)(r->allocs - r->frees);
		t->inuse_bytes += (int64_t)(r->alloc_bytes - r->free_bytes);
		t->scaled_alloc_objects += v[0];
		t->scaled_alloc_bytes += v[1];
		t->scaled_inuse_objects += v[2];
		t->scaled_inuse_bytes += v[3];
	}
}

static void json_totals(struct gr_json *j, const struct gr_memprof *mp)
{
	struct gr_memprof_totals t;
	gr_memprof_report_totals(mp, &t);
	gr_json_key(j, "totals");
	gr_json_object_begin(j);
	gr_json_kv_u64(j, "records", t.records);
	gr_json_kv_i64(j, "alloc_objects", t.alloc_objects);
	gr_json_kv_i64(j, "alloc_bytes", t.alloc_bytes);
	gr_json_kv_i64(j, "inuse_objects", t.inuse_objects);
	gr_json_kv_i64(j, "inuse_bytes", t.inuse_bytes);
	gr_json_kv_i64(j, "scaled_alloc_objects", t.scaled_alloc_objects);
	gr_json_kv_i64(j, "scaled_alloc_bytes", t.scaled_alloc_bytes);
	gr_json_kv_i64(j, "scaled_inuse_objects", t.scaled_inuse_objects);
	gr_json_kv_i64(j, "scaled_inuse_bytes", t.scaled_inuse_bytes);
	gr_json_object_end(j);
}

static void json_info(struct gr_json *j, const struct gr_memprof_info *info)
{
	gr_json_kv_i64(j, "mem_profile_rate", info->rate);
	gr_json_kv_bool(j, "disabled_by_linker", info->disabled);
	gr_json_kv_u64(j, "cycle", info->cycle);
	gr_json_kv_bool(j, "cycle_flushed", info->flushed);
	gr_json_kv_bool(j, "accumulated_future_cycles", info->accumulated);
	gr_json_kv_u64(j, "max_stack", info->max_stack);
	if (info->stopped) {
		gr_json_key(j, "walk_stopped");
		gr_json_object_begin(j);
		gr_json_kv_string(j, "reason", info->stopped);
		gr_json_kv_hex(j, "bucket", info->stop_addr);
		gr_json_object_end(j);
	}
}

GR_MUST_USE
static struct gr_error *json_record(struct gr_json *j, struct gr_memprof *mp,
				    size_t i)
{
	const struct gr_memprof_record *r = gr_memprof_record(mp, i);
	const struct gr_memprof_frame *f;
	size_t n;
	struct gr_error *err = gr_memprof_frames(mp, i, &f, &n);
	if (err)
		return err;
	int64_t v[4];
	values(r, gr_memprof_info(mp)->rate, v);
	gr_json_object_begin(j);
	gr_json_kv_hex(j, "bucket", r->bucket);
	gr_json_kv_u64(j, "size", r->size);
	gr_json_kv_u64(j, "alloc_objects", r->allocs);
	gr_json_kv_u64(j, "alloc_bytes", r->alloc_bytes);
	gr_json_kv_u64(j, "free_objects", r->frees);
	gr_json_kv_u64(j, "free_bytes", r->free_bytes);
	gr_json_kv_i64(j, "scaled_alloc_objects", v[0]);
	gr_json_kv_i64(j, "scaled_alloc_bytes", v[1]);
	gr_json_kv_i64(j, "scaled_inuse_objects", v[2]);
	gr_json_kv_i64(j, "scaled_inuse_bytes", v[3]);
	gr_json_key(j, "pcs");
	gr_json_array_begin(j);
	for (uint32_t k = 0; k < r->nstk; k++)
		gr_json_hex(j, r->stk[k]);
	gr_json_array_end(j);
	gr_json_key(j, "stack");
	gr_json_array_begin(j);
	for (size_t k = 0; k < n; k++) {
		gr_json_object_begin(j);
		gr_json_kv_string(j, "func", f[k].func);
		gr_json_kv_string(j, "file", f[k].file);
		gr_json_kv_i64(j, "line", f[k].line);
		if (f[k].inlined)
			gr_json_kv_bool(j, "inlined", true);
		gr_json_object_end(j);
	}
	gr_json_array_end(j);
	gr_json_object_end(j);
	return NULL;
}

struct gr_error *gr_memprof_report_json(struct gr_memprof *mp, FILE *out,
					const char *path)
{
	struct gr_json j;
	gr_json_init(&j, out, true);
	gr_json_object_begin(&j);
	json_info(&j, gr_memprof_info(mp));
	json_totals(&j, mp);
	gr_json_key(&j, "records");
	gr_json_array_begin(&j);
	struct gr_error *err = NULL;
	for (size_t i = 0; i < gr_memprof_count(mp) && !err; i++)
		err = json_record(&j, mp, i);
	gr_json_array_end(&j);
	gr_json_object_end(&j);
	return gr_json_finish_after(&j, path, err);
}
