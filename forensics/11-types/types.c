/* SPDX-License-Identifier: MIT */
#include "forensics/11-types/types.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/01-base/bigarray.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/06-rtype/rtype_synth.h"
#include "forensics/11-types/types_internal.h"

const char *gr_type_source_name(enum gr_type_source s)
{
	static const char *const names[] = {
#define GR_X(e, str) str,
		GR_TYPE_SOURCES(GR_X)
#undef GR_X
	};
	return (unsigned)s < GR_TYPE_SOURCE_COUNT ? names[s] : "?";
}

/* ---- the type table ---- */

struct gr_error *types_keep_string(struct gr_types *t, const char *s,
				   char **ret)
{
	struct gr_error *err =
		gr_array_grow(&t->strings, &t->strings_cap, t->nstrings, 1);
	if (err)
		return err;
	char *c = strdup(s);
	if (!c)
		return gr_error_nomem();
	t->strings[t->nstrings++] = c;
	*ret = c;
	return NULL;
}

struct gr_error *types_intern(struct gr_types *t, const char *name,
			      uint64_t size, uint32_t dwarf_type,
			      uint64_t rtype, uint32_t *ret)
{
	uint64_t hv = gr_hash_str(name);
	struct gr_hash_probe p;
	uint32_t k;
	for (gr_hash_probe_init(&t->name_index, hv, &p);
	     gr_hash_probe_next(&t->name_index, &p, &k);) {
		struct gr_type_info *e = &t->info[k];
		if (strcmp(e->name, name) != 0)
			continue;
		/* One name, several sources: keep what each knows. */
		if (e->dwarf_type == GR_DWARF_NO_TYPE)
			e->dwarf_type = dwarf_type;
		if (!e->rtype)
			e->rtype = rtype;
		if (!e->size)
			e->size = size;
		*ret = k;
		return NULL;
	}
	size_t cap = t->info_cap;
	struct gr_error *err = gr_array_grow(&t->info, &cap, t->ninfo, 1);
	if (err)
		return err;
	t->info_cap = (uint32_t)cap;
	char *n;
	const char *pkg;
	if ((err = types_keep_string(t, name, &n)) ||
	    (err = types_package(t, n, &pkg)))
		return err;
	t->info[t->ninfo] = (struct gr_type_info){
		.name = n,
		.package = pkg,
		.size = size,
		.dwarf_type = dwarf_type,
		.rtype = rtype,
	};
	if ((err = gr_hash_insert(&t->name_index, hv, t->ninfo)))
		return err;
	*ret = t->ninfo++;
	return NULL;
}

uint64_t types_dwarf_size(const struct gr_dwarf *d, uint32_t id)
{
	const struct gr_dwarf_type *dt = gr_dwarf_type(d, id);
	return dt && dt->has_size ? dt->size : 0;
}

/*
 * The linker names the types it synthesizes for maps and channels
 * "bucket<K,V>", "hash<K,V>", "hchan<T>" (cmd/link/internal/ld/dwarf.go
 * mkinternaltypename); the compiler and reflect say "map.bucket[K]V"
 * (cmd/compile/internal/types/fmt.go).  Use the compiler's form, so a
 * bucket array named by its malloc header and one named by DWARF agree.
 */
static void display_name(const char *name, char *buf, size_t len)
{
	const char *lt = strchr(name, '<');
	size_t n = strlen(name);
	const char *dot = strchr(name, '.');
	if (!lt || lt == name || name[n - 1] != '>' || (dot && dot < lt)) {
		snprintf(buf, len, "%s", name);
		return;
	}
	/* The comma between the two arguments at nesting depth 0. */
	const char *comma = NULL;
	int depth = 0;
	for (const char *p = lt + 1; p < name + n - 1; p++) {
		/* "chan<- T" and "<-chan T" hold no bracket. */
		if ((*p == '<' && p[1] != '-') || *p == '[' || *p == '(' ||
		    *p == '{')
			depth++;
		else if ((*p == '>' && p[-1] != '-') || *p == ']' ||
			 *p == ')' || *p == '}')
			depth--;
		else if (*p == ',' && depth == 0 && !comma)
			comma = p;
	}
	int base = (int)(lt - name);
	bool hdr = (base == 4 && !strncmp(name, "hash", 4)) ||
		   (base == 3 && !strncmp(name, "map", 3));
	if (comma)
		snprintf(buf, len, "map.%.*s[%.*s]%.*s", hdr ? 3 : base,
			 hdr ? "hdr" : name, (int)(comma - lt - 1), lt + 1,
			 (int)(name + n - 1 - comma - 1), comma + 1);
	else
		snprintf(buf, len, "runtime.%.*s[%.*s]", base, name,
			 (int)(name + n - 2 - lt), lt + 1);
}

struct gr_error *types_of_dwarf(struct gr_types *t, uint32_t id,
				uint32_t *ret)
{
	/* Asked for every pointer typed: the cache first. */
	if (id < t->ndwarf && t->dwarf_info[id]) {
		*ret = t->dwarf_info[id] - 1;
		return NULL;
	}
	const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, id);
	if (!dt) {
		*ret = GR_TYPE_UNKNOWN;
		return NULL;
	}
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, id);
	const struct gr_dwarf_type *st = gr_dwarf_type(t->dwarf, sid);
	const char *name = dt->name[0] ? dt->name : st ? st->name : "";
	char buf[512];
	if (!name[0])
		snprintf(buf, sizeof(buf), "<anonymous %#" PRIx64 ">", dt->die);
	else
		display_name(name, buf, sizeof(buf));
	uint64_t rt = st && st->runtime_type ? st->runtime_type + t->types_base
					      : 0;
	uint32_t i;
	struct gr_error *err = types_intern(
		t, buf, types_dwarf_size(t->dwarf, sid), sid, rt, &i);
	if (err)
		return err;
	t->dwarf_info[id] = i + 1;
	*ret = i;
	return NULL;
}

/*
 * DW_AT_go_runtime_type is an offset from moduledata.types (see
 * specials.c object_type); a link-time address is tried too.
 */
uint32_t types_dwarf_of_rtype(const struct gr_types *t, uint64_t rtype)
{
	uint32_t id;
	if ((rtype >= t->types_base &&
	     gr_dwarf_type_by_runtime_type(t->dwarf, rtype - t->types_base,
					   &id)) ||
	    (rtype >= t->bias &&
	     gr_dwarf_type_by_runtime_type(t->dwarf, rtype - t->bias, &id)))
		return id;
	return GR_DWARF_NO_TYPE;
}

struct gr_error *types_of_rtype(struct gr_types *t, uint64_t rtype,
				uint32_t *dwarf_ret, uint32_t *ret)
{
	*dwarf_ret = GR_DWARF_NO_TYPE;
	uint32_t info;
	if (!gr_u64map_get(&t->rt_info, rtype, &info)) {
		const struct gr_rtype *r;
		const char *name = NULL;
		struct gr_error *err = gr_rtype_get(t->rtypes, rtype, &r);
		if (!err)
			err = gr_rtype_name(t->rtypes, r, &name);
		bool read = !err;
		err = gr_damage_fault(&t->damage, err, "type descriptor");
		if (err && !gr_error_catch(&err, GR_ERR_CONTENT))
			return err;
		uint32_t d = types_dwarf_of_rtype(t, rtype);
		char buf[48];
		if (!name && d == GR_DWARF_NO_TYPE) {
			snprintf(buf, sizeof(buf), "<type %#" PRIx64 ">", rtype);
			name = buf;
		}
		if (name) {
			err = types_intern(t, name, read ? r->size : 0, d,
					   rtype, &info);
			if (!err && t->info[info].dwarf_type == GR_DWARF_NO_TYPE)
				t->info[info].dwarf_type = d;
		} else {
			err = types_of_dwarf(t, d, &info);
		}
		if (err)
			return err;
		if (info == GR_TYPE_UNKNOWN) {
			*ret = info;
			return NULL;
		}
		if ((err = gr_u64map_put(&t->rt_info, rtype, info)))
			return err;
	}
	*dwarf_ret = t->info[info].dwarf_type;
	*ret = info;
	return NULL;
}

/* ---- objects ---- */

uint64_t types_data_off(const struct gr_types *t, uint32_t id)
{
	if (!t->headers || id >= t->nobjects)
		return 0;
	return types_data_off_span(
		t, &t->sizes.spans[t->sizes.obj_span[id]]);
}

/*
 * A struct type the binary's DWARF leaves out (Go 1.27's runtime.mPadded,
 * an m and its padding) is still laid out by its first field when that
 * field sits at offset 0: the type descriptor lists the fields
 * (internal/abi.StructType, runtime.structtype before 1.21).  The
 * layout into *@ret, GR_DWARF_NO_TYPE if none.
 */
GR_MUST_USE
static struct gr_error *prefix_layout(struct gr_types *t, uint64_t rtype,
				      uint64_t size, uint32_t *ret)
{
	const struct gr_rtype *r;
	uint64_t fields, n, typ, off;
	*ret = GR_DWARF_NO_TYPE;
	struct gr_error *err = gr_rtype_get(t->rtypes, rtype, &r);
	if (!err && (r->kind != GR_GO_KIND_STRUCT || !t->rt.have_struct))
		return NULL;
	if (!err)
		err = gr_mem_u64(t->mem, rtype + t->rt.struct_fields, &fields);
	if (!err)
		err = gr_mem_u64(t->mem, rtype + t->rt.struct_fields + 8, &n);
	if (!err && n)
		err = gr_mem_u64(t->mem, fields + t->rt.sfield_typ, &typ);
	if (!err && n)
		err = gr_mem_u64(t->mem, fields + t->rt.sfield_off, &off);
	if (err) {
		err = gr_damage_fault(&t->damage, err, "struct type fields");
		gr_error_catch(&err, GR_ERR_CONTENT);
		return err;
	}
	if (!n || off != 0)
		return NULL;
	uint32_t d = types_dwarf_of_rtype(t, typ);
	uint64_t ds = types_dwarf_size(t->dwarf, d);
	if (ds && ds <= size)
		*ret = gr_dwarf_type_strip(t->dwarf, d);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/*
 * A stripped binary's index has no program types: make them from the
 * descriptors in the malloc headers (rtype_synth.h), before anything is
 * sized by the number of types.  Only a descriptor limit is tolerated.
 */
GR_MUST_USE
static struct gr_error *synth_header_types(struct gr_types *t)
{
	if (!gr_dwarf_pack_version(t->dwarf))
		return NULL;
	size_t n = 0, cap = 0;
	uint64_t *v = NULL;
	for (uint32_t id = 0; id < t->nobjects; id++) {
		uint64_t rt = gr_heap_object_rtype(t->heap, id);
		if (!rt || !gr_mark_is_live(t->mark, id))
			continue;
		struct gr_error *err = gr_array_grow(&v, &cap, n, 1);
		if (err) {
			free(v);
			return err;
		}
		v[n++] = rt;
	}
	/* The types the code stores into globals, for inference. */
	struct gr_error *ierr = types_infer_prepare(t, &v, &n, &cap);
	if (ierr) {
		free(v);
		return ierr;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || v[u - 1] != v[i])
			v[u++] = v[i];
	struct gr_error *err = gr_rtype_synth(t->s, t->rtypes, v, u, &t->damage,
					       NULL);
	free(v);
	gr_error_catch(&err, GR_ERR_BIT(LIMIT));
	return err;
}

/* Header types for every allocated object: the strongest source. */
GR_MUST_USE
static struct gr_error *type_headers(struct gr_types *t)
{
	for (uint32_t id = 0; id < t->nobjects; id++) {
		uint64_t rt = gr_heap_object_rtype(t->heap, id);
		if (!rt)
			continue;
		uint32_t d, info;
		bool typed;
		struct gr_error *err = types_of_rtype(t, rt, &d, &info);
		if (err)
			return err;
		if (info == GR_TYPE_UNKNOWN)
			continue;
		uint64_t size = t->info[info].size;
		uint64_t data = gr_heap_object_size(t->heap, id) -
				types_data_off(t, id);
		/* mallocgc(n * size, typ): the header holds the element
		 * type; several fit only if it was an array. */
		uint64_t count = size && data / size >= 2 ? data / size : 0;
		if (d != GR_DWARF_NO_TYPE &&
		    types_dwarf_size(t->dwarf, d) != size)
			d = GR_DWARF_NO_TYPE;
		if (d == GR_DWARF_NO_TYPE && (t->objs[id] & GR_TYPES_LIVE)) {
			if ((err = prefix_layout(t, rt, size, &d)))
				return err;
			if (d != GR_DWARF_NO_TYPE) {
				if ((err = types_assign_prefix(t, id, info, d,
							       count)))
					return err;
				continue;
			}
		}
		if ((err = types_assign(t, id, info, d, count,
					GR_TYPE_SOURCE_HEADER, &typed)))
			return err;
	}
	return NULL;
}

static int cmp_storage(const void *a, const void *b)
{
	const struct gr_types_storage *x = a, *y = b;
	return (x->object > y->object) - (x->object < y->object);
}

static int cmp_map(const void *a, const void *b)
{
	const struct gr_types_map *x = a, *y = b;
	return (x->info.header > y->info.header) -
	       (x->info.header < y->info.header);
}

static void count_stats(struct gr_types *t)
{
	struct gr_types_stats *st = &t->stats;
	for (uint32_t id = 0; id < t->nobjects; id++) {
		if (!(t->objs[id] & GR_TYPES_LIVE))
			continue;
		uint64_t size = gr_heap_size_of(&t->sizes, id);
		const struct types_kind *o = types_kind_of(t, id);
		if (o->type == GR_TYPE_UNKNOWN) {
			st->unknown_objects++;
			st->unknown_bytes += size;
		} else {
			st->typed_objects++;
			st->typed_bytes += size;
			if (t->info[o->type].inferred) {
				st->inferred_objects++;
				st->inferred_bytes += size;
			}
		}
		st->source_objects[o->source]++;
		st->source_bytes[o->source] += size;
	}
	st->maps = t->nmaps;
	st->inference = t->codetypes != NULL;
}

struct gr_error *gr_types_build(struct gr_session *s, struct gr_heap *heap,
				const struct gr_graph *graph,
				const struct gr_roots *roots,
				const struct gr_mark *mark,
				struct gr_types **ret)
{
	struct gr_types *t = calloc(1, sizeof(*t));
	if (!t)
		return gr_error_nomem();
	t->s = s;
	t->heap = heap;
	t->graph = graph;
	t->roots = roots;
	t->mark = mark;
	t->dwarf = gr_session_dwarf(s);
	t->mem = gr_session_mem(s);
	t->rtypes = gr_heap_rtypes(heap);
	t->pcln = gr_session_pcln(s);
	t->bias = gr_session_load_bias(s);
	t->types_base = gr_session_moduledata(s)->types;
	t->nobjects = gr_heap_object_count(heap);
	t->headers = gr_heap_regime(heap) == GR_HEAPBITS_HEADERS;
	gr_heap_sizes(heap, &t->sizes);
	struct gr_error *serr = synth_header_types(t);
	if (serr) {
		gr_types_destroy(t);
		return serr;
	}
	size_t nd = gr_dwarf_type_count(t->dwarf), no = t->nobjects;
	t->ndwarf = (uint32_t)nd;
	/* All zero: every object of kind 0, untyped, count 0, no flags
	 * but LIVE, set below. */
	t->objs = gr_bigarray_alloc(no, sizeof(*t->objs), true);
	t->kinds = malloc(16 * sizeof(*t->kinds));
	t->kinds_cap = 16;
	t->dwarf_info = calloc(nd ? nd : 1, sizeof(*t->dwarf_info));
	t->layout_of = calloc(nd ? nd : 1, sizeof(*t->layout_of));
	if (!t->objs || !t->kinds || !t->dwarf_info || !t->layout_of) {
		gr_types_destroy(t);
		return gr_error_nomem();
	}
	for (uint32_t id = 0; id < t->nobjects; id++)
		if (gr_mark_is_live(mark, id))
			t->objs[id] = GR_TYPES_LIVE;
	t->kinds[0] = (struct types_kind){.type = GR_TYPE_UNKNOWN,
					     .layout = GR_TYPES_NO_LAYOUT,
					     .source = GR_TYPE_SOURCE_NONE};
	t->nkinds = 1;
	if (gr_dwarf_present(t->dwarf)) {
		struct gr_error *err = types_rt_resolve(t);
		if (err) {
			gr_types_destroy(t);
			return err;
		}
		/* Without a map layout the maps stay unknown, nothing else;
		 * out of memory is not that. */
		err = gr_maps_create(s, heap, &t->maps);
		if (!gr_error_catch(&err, GR_ERR_BIT(UNSUPPORTED)) && err) {
			gr_types_destroy(t);
			return err;
		}
	}
	struct gr_error *err = type_headers(t);
	if (!err)
		err = types_propagate(t);
	if (!err)
		err = types_chan_buffers(t);
	if (!err)
		err = types_infer(t);
	if (err) {
		gr_types_destroy(t);
		return err;
	}
	/* The worklist has done its job: up to 4 B an object until the end
	 * of the report otherwise. */
	free(t->work);
	t->work = NULL;
	t->work_cap = 0;
	/* qsort's array may not be NULL even when empty (a stripped binary
	 * has no map layouts, so no maps). */
	if (t->nstorage)
		qsort(t->storage, t->nstorage, sizeof(*t->storage),
		      cmp_storage);
	/* Maps in address order; storage records follow their map. */
	if (t->nmaps)
		qsort(t->mapv, t->nmaps, sizeof(*t->mapv), cmp_map);
	uint32_t *newpos = malloc((t->nmaps ? t->nmaps : 1) * sizeof(*newpos));
	if (!newpos) {
		gr_types_destroy(t);
		return gr_error_nomem();
	}
	for (size_t i = 0; i < t->nmaps; i++)
		newpos[t->mapv[i].order] = (uint32_t)i;
	for (size_t i = 0; i < t->nstorage; i++)
		t->storage[i].map = newpos[t->storage[i].map];
	free(newpos);
	if ((err = gr_damage_list_close(&t->damage))) {
		gr_types_destroy(t);
		return err;
	}
	count_stats(t);
	*ret = t;
	return NULL;
}

void gr_types_destroy(struct gr_types *t)
{
	if (!t)
		return;
	gr_maps_destroy(t->maps);
	gr_closures_destroy(t->closures);
	for (size_t i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	free(t->strings);
	free(t->pkg);
	gr_hash_deinit(&t->pkg_index);
	free(t->objs);
	free(t->kinds);
	gr_hash_deinit(&t->kind_index);
	free(t->wide);
	free(t->info);
	gr_hash_deinit(&t->name_index);
	free(t->dwarf_info);
	gr_u64map_free(&t->rt_info);
	gr_u64map_free(&t->iface_of);
	free(t->iface_rt);
	free(t->layout_of);
	free(t->layouts);
	free(t->slots);
	free(t->work);
	free(t->mapv);
	free(t->storage);
	gr_damage_list_deinit(&t->damage);
	free(t);
}

const struct gr_damage_list *gr_types_damage_list(const struct gr_types *t)
{
	return &t->damage;
}

uint32_t gr_types_count(const struct gr_types *t)
{
	return t->ninfo;
}

const struct gr_type_info *gr_types_info(const struct gr_types *t,
					 uint32_t type)
{
	return type < t->ninfo ? &t->info[type] : NULL;
}

size_t gr_types_map_count(const struct gr_types *t)
{
	return t->nmaps;
}

const struct gr_map_info *gr_types_map(const struct gr_types *t, size_t i)
{
	return i < t->nmaps ? &t->mapv[i].info : NULL;
}

const struct gr_types_stats *gr_types_stats(const struct gr_types *t)
{
	return &t->stats;
}
