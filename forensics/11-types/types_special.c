/* SPDX-License-Identifier: MIT */
/*
 * What a slot's declared type does not lay out by itself: the funcval
 * behind a func value (closures' captured variables, method values'
 * receivers, cleanup arguments), map values through gr_maps, channel
 * buffers, internal/sync.HashTrieMap nodes and the dynamic type of an
 * interface's data word.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forensics/01-base/array.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/06-rtype/rtype.h"
#include "forensics/11-types/types_internal.h"
#include "layouts/typedesc.h"

/* ---- closures ---- */

/*
 * "main.main.func1" -> "func literal in main.main"; "main.(*T).M-fm" ->
 * "method value main.(*T).M".  The compiler names closures after their
 * enclosing function with ".funcN" (nested: ".funcN.M"), go and defer
 * wrappers ".gowrapN" / ".deferwrapN" (cmd/compile/internal/ir/func.go
 * closureName).
 */
void types_closure_name(const char *fn, char *buf, size_t len)
{
	size_t n = strlen(fn);
	if (n > 3 && !strcmp(fn + n - 3, "-fm")) {
		snprintf(buf, len, "method value %.*s", (int)(n - 3), fn);
		return;
	}
	size_t end = n;
	for (;;) {
		size_t d = end;
		while (d > 0 && fn[d - 1] >= '0' && fn[d - 1] <= '9')
			d--;
		if (d == end || d == 0)
			break;
		size_t dot = d;
		static const char *const words[] = {"func", "gowrap",
						    "deferwrap", ""};
		bool matched = false;
		for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++) {
			size_t wl = strlen(words[w]);
			if (dot > wl && fn[dot - wl - 1] == '.' &&
			    !strncmp(fn + dot - wl, words[w], wl)) {
				end = dot - wl - 1;
				matched = true;
				break;
			}
		}
		if (!matched)
			break;
	}
	if (end < n && end > 0)
		snprintf(buf, len, "func literal in %.*s", (int)end, fn);
	else
		snprintf(buf, len, "funcval %s", fn);
}

/* Shape types of generic code ("go.shape.*uint8") stand for any type of
 * their shape: a value typed by one would be typed wrongly. */
static bool shaped(const struct gr_types *t, uint32_t type)
{
	const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, type);
	return !dt || !dt->name || strstr(dt->name, "go.shape.") != NULL;
}

/* The DWARF function whose code starts at run-time @pc, or NULL. */
static const struct gr_dwarf_function *dwarf_func(const struct gr_types *t,
						  uint64_t pc)
{
	const struct gr_dwarf_function *fn =
		pc >= t->bias ? gr_dwarf_function_at(t->dwarf, pc - t->bias)
			      : NULL;
	return fn && fn->low_pc == pc - t->bias ? fn : NULL;
}

/*
 * Whether captured variable @v of @fn types its closure slot.  The
 * compiler gives a by-reference capture's offset to both the variable
 * and its address "&x" (cmd/compile/internal/dwarfgen closureVars):
 * only "&x", of type *T, says what the slot holds.  Inlined copies
 * belong to other closures.
 */
static bool capture_types_slot(const struct gr_types *t,
			       const struct gr_dwarf_function *fn,
			       const struct gr_dwarf_var *v)
{
	if (!v->has_closure_offset || v->type == GR_DWARF_NO_TYPE ||
	    (v->flags & GR_DWARF_VAR_INLINED) || !v->name)
		return false;
	const struct gr_dwarf_type *dt =
		gr_dwarf_type(t->dwarf, gr_dwarf_type_strip(t->dwarf, v->type));
	if (!dt || (dt->go_kind != GR_GO_KIND_FUNC && shaped(t, v->type)))
		return false;
	if (v->name[0] == '&')
		return true;
	for (uint32_t i = 0; i < fn->nvars; i++) {
		const struct gr_dwarf_var *w =
			gr_dwarf_function_var(t->dwarf, fn, i);
		if (w != v && w->has_closure_offset &&
		    w->closure_offset == v->closure_offset)
			return false;
	}
	return true;
}

/* The first parameter of the function at funcval @fv, or NO_TYPE (also
 * when @fv cannot be read: recorded as damage). */
GR_MUST_USE
static struct gr_error *first_param(struct gr_types *t, uint64_t fv,
				    uint32_t *ret)
{
	uint64_t pc;
	*ret = GR_DWARF_NO_TYPE;
	struct gr_error *err = gr_mem_u64(t->mem, fv, &pc);
	if (err)
		return gr_damage_fault(&t->damage, err, "cleanup funcval");
	const struct gr_dwarf_function *fn = dwarf_func(t, pc);
	for (uint32_t i = 0; fn && i < fn->nvars; i++) {
		const struct gr_dwarf_var *v =
			gr_dwarf_function_var(t->dwarf, fn, i);
		if ((v->flags & GR_DWARF_VAR_PARAM) &&
		    !(v->flags &
		      (GR_DWARF_VAR_RETURN | GR_DWARF_VAR_INLINED))) {
			if (!shaped(t, v->type))
				*ret = v->type;
			break;
		}
	}
	return NULL;
}

/*
 * runtime/mcleanup.go AddCleanup[T, S](ptr, cleanup func(S), arg S):
 * the argument is stored in a box of type S (Go 1.26+: argv = new(S);
 * 1.24-1.25: the variable arg, which the closure fn := func()
 * { cleanup(arg) } captures by reference), and S is the parameter type
 * of the cleanup function.
 */
struct gr_error *types_cleanup_arg(struct gr_types *t, uint64_t fn,
				   uint64_t arg)
{
	uint32_t p = GR_DWARF_NO_TYPE;
	struct gr_error *err = fn && arg ? first_param(t, fn, &p) : NULL;
	if (err)
		return err;
	if (p != GR_DWARF_NO_TYPE)
		return types_type_value(t, arg, p, GR_TYPE_SOURCE_DWARF, 0);
	return NULL;
}

/* The closure struct of @fn at @r: {F uintptr; captured...}. */
GR_MUST_USE
static struct gr_error *captures(struct gr_types *t,
				 const struct gr_types_reader *r,
				 const struct gr_dwarf_function *fn)
{
	uint64_t cleanup = 0, arg = 0;
	bool add_cleanup = !strncmp(fn->name, "runtime.AddCleanup[", 19);
	for (uint32_t i = 0; i < fn->nvars; i++) {
		const struct gr_dwarf_var *v =
			gr_dwarf_function_var(t->dwarf, fn, i);
		if (!v->has_closure_offset)
			continue;
		uint64_t off = (uint64_t)v->closure_offset;
		uint64_t size = types_dwarf_size(t->dwarf, v->type);
		struct gr_error *err = NULL;
		bool ok;
		/* 1.24 captures cleanup by value, 1.25 by reference. */
		if (add_cleanup && !strcmp(v->name, "cleanup")) {
			err = types_word(r, off, &cleanup, &ok);
		} else if (add_cleanup && !strcmp(v->name, "&cleanup")) {
			err = types_word(r, off, &cleanup, &ok);
			if (!err && ok) {
				err = gr_mem_u64(t->mem, cleanup, &cleanup);
				if (err) {
					cleanup = 0;
					err = gr_damage_fault(&t->damage, err,
							      "cleanup func");
				}
			}
		} else if (add_cleanup && !strcmp(v->name, "&arg")) {
			err = types_word(r, off, &arg, &ok);
		}
		if (err)
			return err;
		if (!capture_types_slot(t, fn, v) || !size || off > r->len ||
		    size > r->len - off)
			continue;
		if ((err = types_visit_value(t, r, v->type, off, 1)))
			return err;
	}
	if (add_cleanup)
		return types_cleanup_arg(t, cleanup, arg);
	return NULL;
}

/*
 * A method value x.M is a funcval {F: T.M-fm; R: x}, the receiver x of
 * the method's receiver type at offset 8 (cmd/compile/internal/walk
 * methodValueWrapper; "struct { F uintptr; R *main.T }"): *P.T for
 * "P.(*T).M-fm", P.T for "P.T.M-fm" (an interface type for interface
 * methods).  Generic receivers ("P.T[...]") are not looked up.
 */
GR_MUST_USE
static struct gr_error *method_receiver(struct gr_types *t,
					const struct gr_types_reader *r,
					const char *fn)
{
	size_t n = strlen(fn);
	char ty[512];
	if (n < 4 || strcmp(fn + n - 3, "-fm") != 0 || strchr(fn, '[') ||
	    n - 3 >= sizeof(ty))
		return NULL;
	const char *paren = strstr(fn, ".(*");
	const char *close = paren ? strchr(paren, ')') : NULL;
	if (paren && close && close < fn + n - 3) {
		snprintf(ty, sizeof(ty), "*%.*s.%.*s", (int)(paren - fn), fn,
			 (int)(close - paren - 3), paren + 3);
	} else {
		const char *dot = fn + n - 3;
		while (dot > fn && *dot != '.')
			dot--;
		if (dot == fn)
			return NULL;
		snprintf(ty, sizeof(ty), "%.*s", (int)(dot - fn), fn);
	}
	uint32_t type;
	struct gr_error *err = gr_dwarf_type_by_name(t->dwarf, ty, &type);
	if (err) {
		gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND));
		return err;
	}
	if (shaped(t, type))
		return NULL;
	uint64_t size = types_dwarf_size(t->dwarf, type);
	if (size && r->len >= GR_METHOD_VALUE_RECV &&
	    size <= r->len - GR_METHOD_VALUE_RECV)
		return types_visit_value(t, r, type, GR_METHOD_VALUE_RECV, 1);
	return NULL;
}

/* Whether @fn's DWARF places any captured variable (Go 1.23+). */
static bool has_capture_offsets(const struct gr_types *t,
				const struct gr_dwarf_function *fn)
{
	for (uint32_t i = 0; fn && i < fn->nvars; i++)
		if (gr_dwarf_function_var(t->dwarf, fn, i)->has_closure_offset)
			return true;
	return false;
}

/*
 * The closure struct of func literal @entry as the allocating code names
 * it (forensics/04-gobin/closures.h): each field after F typed by the DWARF type of
 * its runtime descriptor.  Built once, on the first closure that needs it.
 */
GR_MUST_USE
static struct gr_error *code_captures(struct gr_types *t,
				      const struct gr_types_reader *r,
				      uint64_t entry)
{
	if (!t->closures_tried) {
		t->closures_tried = true;
		const struct gr_moduledata *md = gr_session_moduledata(t->s);
		/* The allocating code is read as amd64's (gr_x86): an arm64
		 * binary's closures stay named by their code only. */
		bool amd64 = gr_exe_arch(gr_session_exe(t->s)) == GR_ARCH_AMD64;
		struct gr_error *err =
			md && amd64 && t->rt.have_struct && t->rt.sfield_size
				? gr_closures_create(t->mem, t->pcln, md->types,
						     md->etypes, &t->damage,
						     &t->closures)
				: NULL;
		/* Without the table, closures stay named by code only. */
		gr_error_catch(&err, GR_ERR_CONTENT);
		if (err)
			return err;
	}
	uint64_t st = gr_closures_type(t->closures, entry);
	const struct gr_rtype *rt;
	uint64_t fields, n;
	struct gr_error *err = st ? gr_rtype_get(t->rtypes, st, &rt) : NULL;
	if (!st || err || rt->kind != GR_GO_KIND_STRUCT || rt->size > r->len ||
	    (err = gr_mem_u64(t->mem, st + t->rt.struct_fields, &fields)) ||
	    (err = gr_mem_u64(t->mem, st + t->rt.struct_fields + 8, &n)) ||
	    n > rt->size / 8 + 1) {
		err = gr_damage_fault(&t->damage, err, "closure type");
		gr_error_catch(&err, GR_ERR_CONTENT);
		return err;
	}
	/* Field 0 is F, the code pointer, at offset 0. */
	for (uint64_t i = 1; i < n; i++) {
		uint64_t at = fields + i * t->rt.sfield_size, typ, off;
		err = gr_mem_u64(t->mem, at + t->rt.sfield_typ, &typ);
		if (!err)
			err = gr_mem_u64(t->mem, at + t->rt.sfield_off, &off);
		if (err)
			return gr_damage_fault(&t->damage, err,
					       "closure type field");
		uint32_t d = types_dwarf_of_rtype(t, typ);
		uint64_t size = types_dwarf_size(t->dwarf, d);
		if (d == GR_DWARF_NO_TYPE || shaped(t, d) || !size ||
		    off < 8 || off > rt->size || size > rt->size - off)
			continue;
		if ((err = types_visit_value(t, r, d, off, 1)))
			return err;
	}
	return NULL;
}

/*
 * This runs when a report names a slot, after the build, on a const table
 * shared by the writers' threads: a read that fails is not recorded
 * (there is no list to write to safely) and the slot is shown by its
 * offset instead, which says as much.
 */
bool types_closure_slot(const struct gr_types *t, uint32_t id,
			   uint64_t rel, char *buf, size_t len)
{
	uint64_t v = gr_heap_object_addr(t->heap, id) + types_data_off(t, id);
	uint64_t pc;
	struct gr_error *err = gr_mem_u64(t->mem, v, &pc);
	if (err) {
		/* After the build (see above): nothing to record into; not damage. */
		gr_error_destroy(err);
		return false;
	}
	const struct gr_dwarf_function *df = dwarf_func(t, pc);
	for (uint32_t i = 0; df && i < df->nvars; i++) {
		const struct gr_dwarf_var *w = gr_dwarf_function_var(t->dwarf, df, i);
		if (w->has_closure_offset && (uint64_t)w->closure_offset == rel &&
		    w->name && !(w->flags & GR_DWARF_VAR_INLINED)) {
			snprintf(buf, len, ".%s", w->name + (w->name[0] == '&'));
			return true;
		}
	}
	uint64_t st = gr_closures_type(t->closures, pc), fields, n;
	if (!st || !t->rt.sfield_size)
		return false;
	if ((err = gr_mem_u64(t->mem, st + t->rt.struct_fields, &fields)) ||
	    (err = gr_mem_u64(t->mem, st + t->rt.struct_fields + 8, &n))) {
		/* After the build (see above): nothing to record into; not damage. */
		gr_error_destroy(err);
		return false;
	}
	for (uint64_t i = 1; i < n && i < 4096; i++) {
		uint64_t at = fields + i * t->rt.sfield_size, off, name;
		if ((err = gr_mem_u64(t->mem, at + t->rt.sfield_off, &off)) ||
		    (err = gr_mem_u64(t->mem, at + t->rt.sfield_name, &name))) {
			/* After the build (see above): nothing to record into; not damage. */
			gr_error_destroy(err);
			return false;
		}
		if (off != rel)
			continue;
		char *raw = NULL;
		size_t nlen = 0;
		err = gr_rtype_read_name(t->rtypes, name, &raw, &nlen);
		/* A captured variable's name is short: past 255 bytes (or
		 * empty) it is not believed. */
		bool ok = !err && nlen && nlen < 256;
		gr_error_destroy(err);
		if (ok) {
			/* "main.captive": the compiler qualifies captured
			 * names. */
			const char *dot = strrchr(raw, '.');
			snprintf(buf, len, ".%s", dot ? dot + 1 : raw);
		}
		free(raw);
		return ok;
	}
	return false;
}

struct gr_error *types_closure(struct gr_types *t, uint64_t v)
{
	uint64_t dlen, pc;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || (t->objs[id] & GR_TYPES_WALKED) ||
	    !t->pcln)
		return NULL;
	struct gr_pcln_func fn;
	struct gr_error *err = gr_mem_u64(t->mem, v, &pc);
	if (!err)
		err = gr_pcln_find_func(t->pcln, pc, &fn);
	if (err) {
		err = gr_damage_fault(&t->damage, err, "funcval");
		gr_error_catch(&err, GR_ERR_CONTENT);
		return err;
	}
	if (fn.entry != pc)
		return NULL;
	/* Once per funcval, typed or not by its malloc header. */
	t->objs[id] |= GR_TYPES_WALKED;
	char name[512];
	types_closure_name(fn.name, name, sizeof(name));
	uint32_t info;
	bool typed;
	if ((err = types_intern(t, name, 0, GR_DWARF_NO_TYPE, 0, &info)) ||
	    (!types_typed(t, id) &&
	     (err = types_assign(t, id, info, GR_TYPES_NO_LAYOUT, 0,
				 GR_TYPE_SOURCE_CLOSURE, &typed))))
		return err;
	if (!gr_dwarf_present(t->dwarf))
		return NULL;
	struct gr_types_reader r = {.t = t, .base = v, .len = dlen};
	const struct gr_dwarf_function *df = dwarf_func(t, pc);
	if ((df && (err = captures(t, &r, df))) ||
	    (!has_capture_offsets(t, df) && dlen > 8 &&
	     (err = code_captures(t, &r, pc))))
		return err;
	return method_receiver(t, &r, fn.name);
}

/* ---- maps and channels ---- */

struct walk_ctx {
	struct gr_types *t;
	uint32_t map; /* index in t->mapv */
	/* The first error of map_part, which gr_maps_walk cannot return:
	 * the parts after it are skipped. */
	struct gr_error *err;
};

static void map_part(void *arg, uint64_t addr, uint32_t dwarf_type,
		     uint64_t count, enum gr_map_part part)
{
	struct walk_ctx *c = arg;
	struct gr_types *t = c->t;
	if (c->err)
		return;
	/* @addr is the object's start, malloc header included. */
	uint32_t id = gr_heap_find(t->heap, addr);
	if (id == GR_HEAP_NO_OBJECT || dwarf_type == GR_DWARF_NO_TYPE ||
	    addr != gr_heap_object_addr(t->heap, id))
		return;
	uint64_t dlen = gr_heap_object_size(t->heap, id) -
			types_data_off(t, id);
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, dwarf_type);
	uint64_t esize = types_dwarf_size(t->dwarf, sid);
	if (!esize || (count ? count : 1) > dlen / esize)
		return;
	/* Bucket and group arrays fill their allocation (makeBucketArray
	 * rounds up to the size class; the runtime zeroes the rest). */
	bool array = part == GR_MAP_PART_BUCKETS ||
		     part == GR_MAP_PART_OLDBUCKETS ||
		     part == GR_MAP_PART_GROUPS;
	if (!count && array && dlen / esize >= 2)
		count = dlen / esize;
	uint32_t info;
	bool typed;
	if ((c->err = types_of_dwarf(t, dwarf_type, &info)) ||
	    (c->err = types_assign(t, id, info, sid, count,
				   GR_TYPE_SOURCE_MAP, &typed)) ||
	    (c->err = gr_array_grow(&t->storage, &t->storage_cap, t->nstorage,
				    1)))
		return;
	t->storage[t->nstorage++] = (struct gr_types_storage){id, c->map};
}

/* A map value: the header is typed as the map, its storage by gr_maps. */
struct gr_error *types_map_value(struct gr_types *t, uint64_t v,
				 uint32_t map_type)
{
	uint64_t dlen;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || (t->objs[id] & GR_TYPES_WALKED))
		return NULL;
	t->objs[id] |= GR_TYPES_WALKED;
	const struct gr_dwarf_type *mt = gr_dwarf_type(t->dwarf, map_type);
	const struct gr_dwarf_type *pt =
		mt ? gr_dwarf_type(t->dwarf,
				   gr_dwarf_type_strip(t->dwarf, mt->type))
		   : NULL;
	uint32_t hdr = pt && pt->kind == GR_DWARF_TYPE_POINTER
			       ? gr_dwarf_type_strip(t->dwarf, pt->type)
			       : GR_TYPES_NO_LAYOUT;
	uint64_t hsize = types_dwarf_size(t->dwarf, hdr);
	if (hsize > dlen)
		return NULL;
	/* Named "map.hdr[K]V" (the header struct), not "map[K]V": a
	 * []map[K]V backing array holds values of the map type itself. */
	uint32_t tinfo;
	bool typed;
	struct gr_error *err;
	if ((err = types_of_dwarf(t, hsize ? hdr : map_type, &tinfo)) ||
	    (err = types_assign(t, id, tinfo,
				hsize ? hdr : GR_TYPES_NO_LAYOUT, 0,
				GR_TYPE_SOURCE_DWARF, &typed)))
		return err;
	if (!t->maps)
		return NULL;
	if ((err = gr_array_grow(&t->mapv, &t->maps_cap, t->nmaps, 1)))
		return err;
	struct gr_types_map *m = &t->mapv[t->nmaps];
	*m = (struct gr_types_map){.map_type = map_type,
				   .order = (uint32_t)t->nmaps};
	struct walk_ctx c = {t, (uint32_t)t->nmaps, NULL};
	t->nmaps++;
	struct gr_map_info info = {0};
	/* A map that does not hold together keeps what was found before
	 * the fault; its storage stays as typed so far. */
	err = gr_maps_walk(t->maps, v, map_type, map_part, &c, &info);
	if (c.err) {
		gr_error_destroy(err);
		return c.err;
	}
	err = gr_damage_fault(&t->damage, err, "map");
	gr_error_catch(&err, GR_ERR_CONTENT);
	if (err)
		return err;
	info.header = v;
	t->mapv[c.map].info = info;
	return NULL;
}

/*
 * runtime/chan.go makechan: a buffer of pointerless elements shares the
 * hchan's allocation (c.buf = add(c, hchanSize)); otherwise it is its own
 * allocation of dataqsiz elements.
 */
struct gr_error *types_chan(struct gr_types *t, uint64_t v,
			    uint32_t chan_type)
{
	const struct gr_dwarf_type *ct = gr_dwarf_type(t->dwarf, chan_type);
	const struct gr_dwarf_type *pt =
		ct ? gr_dwarf_type(t->dwarf,
				   gr_dwarf_type_strip(t->dwarf, ct->type))
		   : NULL;
	uint64_t dlen, buf, n;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !pt ||
	    pt->kind != GR_DWARF_TYPE_POINTER)
		return NULL;
	uint32_t hchan = gr_dwarf_type_strip(t->dwarf, pt->type);
	uint64_t hsize = types_dwarf_size(t->dwarf, hchan);
	if (!hsize || hsize > dlen)
		return NULL;
	uint32_t info;
	bool typed;
	struct gr_error *err;
	if ((err = types_of_dwarf(t, hchan, &info)) ||
	    (err = types_assign(t, id, info, hchan, 0, GR_TYPE_SOURCE_DWARF,
				&typed)))
		return err;
	/* A channel typed before, as the runtime's hchan (a waiter's
	 * sudog.c) or as this one reached again, has its buffer typed from
	 * here: only a chan type knows the element. */
	if (!typed) {
		const struct gr_type_info *cur =
			&t->info[types_kind_of(t, id)->type];
		typed = cur->size == hsize && cur->name &&
			strstr(cur->name, "hchan");
	}
	if (!typed || !t->rt.have_hchan)
		return NULL;
	err = gr_mem_u64(t->mem, v + t->rt.hchan_buf, &buf);
	if (!err)
		err = gr_mem_u64(t->mem, v + t->rt.hchan_dataqsiz, &n);
	if (err)
		return gr_damage_fault(&t->damage, err, "channel");
	uint32_t bid = buf ? gr_heap_find(t->heap, buf) : GR_HEAP_NO_OBJECT;
	if (bid != GR_HEAP_NO_OBJECT && bid != id)
		return types_type_array(t, buf, ct->elem, n);
	return NULL;
}

/* One channel's buffer (types_chan_buffers); *@typed when this typed it. */
GR_MUST_USE
static struct gr_error *chan_buffer(struct gr_types *t, uint32_t id,
				    bool *typed)
{
	uint64_t v = gr_heap_object_addr(t->heap, id) + types_data_off(t, id);
	uint64_t buf, n, elem;
	*typed = false;
	struct gr_error *err = gr_mem_u64(t->mem, v + t->rt.hchan_buf, &buf);
	if (!err)
		err = gr_mem_u64(t->mem, v + t->rt.hchan_dataqsiz, &n);
	if (!err)
		err = gr_mem_u64(t->mem, v + t->rt.hchan_elemtype, &elem);
	if (err)
		return gr_damage_fault(&t->damage, err, "channel");
	uint64_t dlen;
	uint32_t bid = buf && n && elem ? types_object_at(t, buf, &dlen)
					: GR_HEAP_NO_OBJECT;
	/* An unbuffered channel's buf points at the hchan itself. */
	if (bid == GR_HEAP_NO_OBJECT || bid == id || types_typed(t, bid))
		return NULL;
	uint32_t d, info;
	if ((err = types_of_rtype(t, elem, &d, &info)) ||
	    info == GR_TYPE_UNKNOWN)
		return err;
	uint64_t size = t->info[info].size;
	if (!size || n > dlen / size)
		return NULL;
	if (d != GR_DWARF_NO_TYPE && types_dwarf_size(t->dwarf, d) != size)
		d = GR_DWARF_NO_TYPE;
	/* Propagated from the hchan, as a chan type's buffer is. */
	return types_assign(t, bid, info, d, n, GR_TYPE_SOURCE_DWARF, typed);
}

struct gr_error *types_chan_buffers(struct gr_types *t)
{
	if (!t->rt.have_hchan || !t->rt.have_hchan_elemtype)
		return NULL;
	/* A buffer holding channels: another round reaches theirs. */
	for (int round = 0; round < 4; round++) {
		bool any = false;
		for (uint32_t id = 0; id < t->nobjects; id++) {
			if (!types_typed(t, id) ||
			    !(t->objs[id] & GR_TYPES_LIVE))
				continue;
			const char *name =
				t->info[types_kind_of(t, id)->type].name;
			bool typed = false;
			struct gr_error *err =
				name && !strcmp(name, "runtime.hchan")
					? chan_buffer(t, id, &typed)
					: NULL;
			if (err)
				return err;
			any |= typed;
		}
		struct gr_error *err = any ? types_drain(t) : NULL;
		if (err || !any)
			return err;
	}
	return NULL;
}

/* The DWARF types named by "[K,V]" (split at the top-level comma); *@ret
 * false when DWARF lacks one (a lookup by name, not a read of the core:
 * no damage). */
GR_MUST_USE
static struct gr_error *trie_args(const struct gr_dwarf *d, const char *args,
				  uint32_t *k, uint32_t *v, bool *ret)
{
	size_t n = strlen(args);
	int depth = 0;
	*ret = false;
	if (n < 3 || args[0] != '[' || args[n - 1] != ']')
		return NULL;
	for (size_t i = 1; i + 1 < n; i++) {
		if (args[i] == '[' || args[i] == '{' || args[i] == '(')
			depth++;
		else if (args[i] == ']' || args[i] == '}' || args[i] == ')')
			depth--;
		else if (args[i] == ',' && depth == 0) {
			char buf[256];
			snprintf(buf, sizeof(buf), "%.*s", (int)(i - 1), args + 1);
			struct gr_error *err = gr_dwarf_type_by_name(d, buf, k);
			if (!err) {
				snprintf(buf, sizeof(buf), "%.*s",
					 (int)(n - i - 2), args + i + 1);
				err = gr_dwarf_type_by_name(d, buf, v);
			}
			*ret = !err;
			gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND));
			return err;
		}
	}
	return NULL;
}

/*
 * entry[K,V]{node; overflow atomic.Pointer[entry[K,V]]; key K; value V},
 * which the linker may leave out of DWARF: named, and its key and value
 * visited in place, along the overflow chain.
 */
GR_MUST_USE
static struct gr_error *trie_entries(struct gr_types *t, uint64_t v,
				     const char *args)
{
	uint32_t k, val;
	bool have;
	struct gr_error *aerr = trie_args(t->dwarf, args, &k, &val, &have);
	if (aerr || !have)
		return aerr;
	uint64_t ks = types_dwarf_size(t->dwarf, k);
	uint64_t vs = types_dwarf_size(t->dwarf, val);
	/* Go aligns a field to its type's alignment; for the word-sized
	 * and bigger key and value types of maps, 8. */
	uint64_t va = vs >= 8 ? 8 : vs >= 4 ? 4 : vs >= 2 ? 2 : 1;
	uint64_t voff = (GR_TRIE_ENTRY_KEY + ks + va - 1) / va * va;
	char name[512];
	snprintf(name, sizeof(name), "internal/sync.entry%s", args);
	uint32_t info;
	struct gr_error *err =
		types_intern(t, name, voff + vs, GR_DWARF_NO_TYPE, 0, &info);
	if (err)
		return err;
	for (unsigned hops = 0; v && hops < 1024; hops++) {
		uint64_t dlen;
		bool typed;
		uint32_t id = types_object_at(t, v, &dlen);
		if (id == GR_HEAP_NO_OBJECT || dlen < voff + vs)
			return NULL;
		if ((err = types_assign(t, id, info, GR_TYPES_NO_LAYOUT, 0,
					GR_TYPE_SOURCE_DWARF, &typed)) ||
		    !typed)
			return err;
		struct gr_types_reader r = {.t = t, .base = v,
					     .len = voff + vs};
		if ((err = types_visit_value(t, &r, k, GR_TRIE_ENTRY_KEY, 1)) ||
		    (err = types_visit_value(t, &r, val, voff, 1)))
			return err;
		err = gr_mem_u64(t->mem, v + GR_TRIE_ENTRY_OVERFLOW, &v);
		if (err)
			return gr_damage_fault(&t->damage, err,
					       "HashTrieMap entry");
	}
	return NULL;
}

const char *types_trie_node_args(const char *name)
{
	/* DWARF names the package by its path, a stripped binary's
	 * descriptor by its last element (rtype_synth.h). */
	if (!strncmp(name, "internal/sync.node[", 19))
		return name + 18;
	if (!strncmp(name, "sync.node[", 10))
		return name + 9;
	return NULL;
}

/*
 * internal/sync.HashTrieMap (sync.Map from Go 1.24): a node[K,V] is the
 * first field of both entry[K,V] and indirect[K,V]; isEntry, its only
 * field, says which (internal/sync/hashtriemap.go).
 */
struct gr_error *types_trie_node(struct gr_types *t, uint64_t v,
				 uint32_t node)
{
	const struct gr_dwarf_type *nt = gr_dwarf_type(t->dwarf, node);
	const char *args = nt ? types_trie_node_args(nt->name) : NULL;
	uint64_t dlen;
	uint8_t is_entry;
	uint32_t id = types_object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !args)
		return NULL;
	struct gr_error *err = gr_mem_u8(t->mem, v, &is_entry);
	if (err)
		return gr_damage_fault(&t->damage, err, "HashTrieMap node");
	char name[512];
	uint32_t type;
	snprintf(name, sizeof(name), "%.*s%s%s", (int)(args - nt->name - 4),
		 nt->name, is_entry ? "entry" : "indirect", args);
	err = gr_dwarf_type_by_name(t->dwarf, name, &type);
	if (!err)
		return types_type_value(t, v, type, GR_TYPE_SOURCE_DWARF, 0);
	if (!gr_error_catch(&err, GR_ERR_BIT(NOT_FOUND)))
		return err;
	if (is_entry)
		return trie_entries(t, v, args);
	return NULL;
}

/* ---- interfaces ---- */

/*
 * The data word of an interface whose dynamic type is @rtype.  A
 * pointer-shaped type (one word, a pointer: reflect's isDirectIface) is
 * stored in the data word itself; anything else is boxed.
 */
/* The facts of dynamic type @rtype, from iface_rt or looked up (and
 * kept) the first time; *@ok false if the descriptor cannot be read.
 * Only a named type is kept: naming is what the first lookup does for
 * good. */
GR_MUST_USE
static struct gr_error *iface_rt(struct gr_types *t, uint64_t rtype,
				 bool *ok, struct gr_types_iface_rt *ret)
{
	uint32_t i;
	if (gr_u64map_get(&t->iface_of, rtype, &i)) {
		*ret = t->iface_rt[i];
		*ok = true;
		return NULL;
	}
	const struct gr_rtype *rt;
	struct gr_error *err = gr_rtype_get(t->rtypes, rtype, &rt);
	if (err) {
		*ok = false;
		err = gr_damage_fault(&t->damage, err, "type descriptor");
		gr_error_catch(&err, GR_ERR_CONTENT);
		return err;
	}
	uint64_t size = rt->size;
	bool direct = rt->size == 8 && rt->ptrbytes == 8;
	uint32_t d, info;
	if ((err = types_of_rtype(t, rtype, &d, &info)))
		return err;
	*ret = (struct gr_types_iface_rt){
		.size = size,
		.info = info,
		.direct = direct,
	};
	*ok = true;
	if (info == GR_TYPE_UNKNOWN)
		return NULL;
	if ((err = gr_array_grow(&t->iface_rt, &t->iface_rt_cap,
				 t->niface_rt, 1)) ||
	    (err = gr_u64map_put(&t->iface_of, rtype,
				 (uint32_t)t->niface_rt)))
		return err;
	t->iface_rt[t->niface_rt++] = *ret;
	return NULL;
}

struct gr_error *types_iface_data(struct gr_types *t, uint64_t rtype,
				  uint64_t data, unsigned depth)
{
	struct gr_types_iface_rt f;
	bool ok;
	if (!rtype || !data)
		return NULL;
	struct gr_error *err = iface_rt(t, rtype, &ok, &f);
	if (err || !ok)
		return err;
	const struct gr_types_iface_rt *rt = &f;
	uint32_t info = f.info;
	/* What types_of_rtype gives: the table entry's DWARF type, which
	 * a later interning under the same name may still fill in. */
	uint32_t d = info == GR_TYPE_UNKNOWN ? GR_DWARF_NO_TYPE
					     : t->info[info].dwarf_type;
	if (rt->direct) {
		if (d == GR_DWARF_NO_TYPE)
			return NULL;
		struct gr_types_reader one = {
			.t = t, .len = 8, .view = (const uint8_t *)&data};
		return types_visit_value(t, &one, d, 0, depth + 1);
	}
	uint64_t dlen;
	bool typed;
	uint32_t id = types_object_at(t, data, &dlen);
	if (id == GR_HEAP_NO_OBJECT || rt->size > dlen)
		return NULL;
	if (d != GR_DWARF_NO_TYPE && types_dwarf_size(t->dwarf, d) != rt->size)
		d = GR_DWARF_NO_TYPE;
	return types_assign(t, id, info, d, 0, GR_TYPE_SOURCE_INTERFACE,
			    &typed);
}

struct gr_error *types_iface(struct gr_types *t,
			     const struct gr_types_reader *r, uint64_t off,
			     bool empty, unsigned depth)
{
	uint64_t tw, data, rtype = 0;
	bool ok;
	struct gr_error *err = types_word(r, off, &tw, &ok);
	if (err || !ok || (err = types_word(r, off + 8, &data, &ok)) || !ok ||
	    !tw || !data)
		return err;
	if (empty) {
		rtype = tw;
	} else {
		err = gr_mem_u64(t->mem, tw + t->rt.itab_type, &rtype);
		if (err)
			return gr_damage_fault(&t->damage, err, "itab");
	}
	return types_iface_data(t, rtype, data, depth);
}

