/* SPDX-License-Identifier: MIT */
/*
 * Propagation of types over the live heap: an explicit stack of object
 * ids, each object visited once with the pointer-slot layout of its DWARF
 * type (types_layout.c).  Every word comes from gr_mem; a word that
 * cannot be read types nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "moduledata.h"
#include "pclntab.h"
#include "rtype.h"
#include "types_internal.h"

enum {
	QUEUED = 1, /* pushed on the worklist */
	WALKED = 2, /* a map header handed to gr_maps_walk */
	PREFIX = 4, /* laid out by its header type's first field only */
	MAX_NEST = 24,
};

/* The bytes of one value being visited: a zero-copy view of the core
 * when it has one, else word reads through gr_mem. */
struct reader {
	struct gr_types *t;
	/* Bytes [lo, len) from base are readable (lo: a stack variable's
	 * pieces in registers are not in memory). */
	uint64_t base, lo, len;
	const uint8_t *view;
	/* Root slots only: the word addresses the GC scans (sorted); a
	 * word of the declared type not among them is not followed. */
	const uint64_t *allowed;
	size_t nallowed;
};

static bool word(const struct reader *r, uint64_t off, uint64_t *v)
{
	if (off < r->lo || off > r->len || r->len - off < 8)
		return false;
	if (r->view) {
		memcpy(v, r->view + off, 8);
		return true;
	}
	struct gr_error *err = gr_mem_u64(r->t->mem, r->base + off, v);
	gr_error_destroy(err);
	return !err;
}

static bool allowed(const struct reader *r, uint64_t off)
{
	if (!r->allowed)
		return true;
	uint64_t a = r->base + off;
	size_t lo = 0, hi = r->nallowed;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->allowed[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nallowed && r->allowed[lo] == a;
}

static void push_work(struct gr_types *t, uint32_t id)
{
	if ((t->queued[id] & QUEUED) || !gr_mark_is_live(t->mark, id))
		return;
	if (!gr_types_grow((void **)&t->work, &t->work_cap, t->nwork + 1,
			   sizeof(*t->work))) {
		t->nomem = true;
		return;
	}
	t->queued[id] |= QUEUED;
	t->work[t->nwork++] = id;
}

void gr_types_assign_prefix(struct gr_types *t, uint32_t id, uint32_t info,
			    uint32_t layout, uint64_t count)
{
	if (gr_types_assign(t, id, info, layout, count, GR_TYPE_SOURCE_HEADER))
		t->queued[id] |= PREFIX;
}

bool gr_types_assign(struct gr_types *t, uint32_t id, uint32_t info,
		     uint32_t layout, uint64_t count,
		     enum gr_type_source source)
{
	struct gr_type_object *o = &t->obj[id];
	if (info == GR_TYPE_UNKNOWN)
		return false;
	if (o->type == GR_TYPE_UNKNOWN) {
		*o = (struct gr_type_object){info, (uint8_t)source, count};
		t->layout_type[id] = layout;
		if (layout != GR_TYPES_NO_LAYOUT)
			push_work(t, id);
		return true;
	}
	/* The header names the object; DWARF may still lay it out, when it
	 * describes a value of the same size. */
	if (o->source == GR_TYPE_SOURCE_HEADER &&
	    (t->layout_type[id] == GR_TYPES_NO_LAYOUT ||
	     (t->queued[id] & PREFIX)) &&
	    layout != GR_TYPES_NO_LAYOUT &&
	    gr_types_dwarf_size(t->dwarf, layout) == t->info[o->type].size) {
		t->layout_type[id] = layout;
		/* A whole-value layout is visited again after a prefix. */
		t->queued[id] &= (uint8_t)~(PREFIX | QUEUED);
		push_work(t, id);
	}
	return false;
}

/*
 * The object whose value starts at @v (after its malloc header), or
 * GR_HEAP_NO_OBJECT: an interior pointer says nothing of the object's
 * type.  *dlen_ret gets the bytes after the header.
 */
static uint32_t object_at(const struct gr_types *t, uint64_t v,
			  uint64_t *dlen_ret)
{
	uint32_t id = v ? gr_heap_find(t->heap, v) : GR_HEAP_NO_OBJECT;
	if (id == GR_HEAP_NO_OBJECT)
		return id;
	uint64_t doff = gr_types_data_off(t, id);
	if (v != gr_heap_object_addr(t->heap, id) + doff)
		return GR_HEAP_NO_OBJECT;
	*dlen_ret = gr_heap_object_size(t->heap, id) - doff;
	return id;
}

static void visit_value(struct gr_types *t, const struct reader *r,
			uint32_t type, uint64_t base, unsigned depth);

/*
 * A pointer out of the heap into the binary's data (a composite literal
 * the compiler laid out statically, "var config = &struct{...}{...}"):
 * its pointers are followed in place, a few levels deep.
 */
static void static_value(struct gr_types *t, uint64_t v, uint32_t type,
			 uint64_t size, unsigned depth)
{
	const struct gr_moduledata *md = gr_session_moduledata(t->s);
	if (depth >= 4 || !size || v < md->data || v >= md->enoptrbss ||
	    size > md->enoptrbss - v)
		return;
	struct reader r = {.t = t, .base = v, .len = size};
	visit_value(t, &r, type, 0, depth + 1);
}

/* Type the object at @v as one value of DWARF type @type. */
static bool type_value(struct gr_types *t, uint64_t v, uint32_t type,
		       enum gr_type_source source, unsigned depth)
{
	uint64_t dlen;
	uint32_t id = object_at(t, v, &dlen);
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, type);
	const struct gr_dwarf_type *dt = gr_dwarf_type(t->dwarf, sid);
	uint64_t size = gr_types_dwarf_size(t->dwarf, sid);
	if (id == GR_HEAP_NO_OBJECT && v &&
	    gr_heap_find(t->heap, v) == GR_HEAP_NO_OBJECT) {
		static_value(t, v, sid, size, depth);
		return false;
	}
	/* A value bigger than the object is not what the object holds. */
	if (id == GR_HEAP_NO_OBJECT || size > dlen)
		return false;
	/* A scalar alone fills its size class (8, 16 B) or shares a 16-byte
	 * tiny block; at the start of a bigger pointerless object it is the
	 * first element of an array (&buf[0], unsafe.SliceData). */
	const struct gr_span *sp = gr_heap_object_span(t->heap, id);
	if (dt && dt->kind == GR_DWARF_TYPE_BASE && size && sp && sp->noscan &&
	    dlen > 16 && dlen / size >= 2)
		return gr_types_assign(t, id, gr_types_of_dwarf(t, type), sid,
				       dlen / size, source);
	return gr_types_assign(t, id, gr_types_of_dwarf(t, type),
			       size ? sid : GR_TYPES_NO_LAYOUT, 0, source);
}

/* Type the object at @v as an array of at most @n values of @elem. */
static void type_array(struct gr_types *t, uint64_t v, uint32_t elem,
		       uint64_t n)
{
	uint64_t dlen;
	uint32_t id = object_at(t, v, &dlen);
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, elem);
	uint64_t esize = gr_types_dwarf_size(t->dwarf, sid);
	if (id == GR_HEAP_NO_OBJECT || !esize || !n)
		return;
	/* A cap or a channel size read from the core is checked against
	 * what the object can hold. */
	if (n > dlen / esize)
		n = dlen / esize;
	if (n)
		gr_types_assign(t, id, gr_types_of_dwarf(t, elem), sid, n,
				GR_TYPE_SOURCE_DWARF);
}

static void string_data(struct gr_types *t, uint64_t v)
{
	uint32_t id = v ? gr_heap_find(t->heap, v) : GR_HEAP_NO_OBJECT;
	if (id == GR_HEAP_NO_OBJECT)
		return;
	/* Substrings point inside their bytes, and several short strings
	 * share a tiny block: a pointerless object with string bytes
	 * anywhere in it holds string data. */
	const struct gr_span *sp = gr_heap_object_span(t->heap, id);
	if (v == gr_heap_object_addr(t->heap, id) + gr_types_data_off(t, id) ||
	    (sp && sp->noscan))
		gr_types_assign(t, id, t->string_info, GR_TYPES_NO_LAYOUT, 0,
				GR_TYPE_SOURCE_DWARF);
}

/*
 * "main.main.func1" -> "func literal in main.main"; "main.(*T).M-fm" ->
 * "method value main.(*T).M".  The compiler names closures after their
 * enclosing function with ".funcN" (nested: ".funcN.M"), go and defer
 * wrappers ".gowrapN" / ".deferwrapN" (cmd/compile/internal/ir/func.go
 * closureName).
 */
static void closure_name(const char *fn, char *buf, size_t len)
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

static void type_closure(struct gr_types *t, uint64_t v)
{
	uint64_t dlen, pc;
	uint32_t id = object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || t->obj[id].type != GR_TYPE_UNKNOWN ||
	    !t->pcln)
		return;
	struct gr_pcln_func fn;
	struct gr_error *err = gr_mem_u64(t->mem, v, &pc);
	if (!err)
		err = gr_pcln_find_func(t->pcln, pc, &fn);
	if (err || fn.entry != pc) {
		gr_error_destroy(err);
		return;
	}
	char name[512];
	closure_name(fn.name, name, sizeof(name));
	gr_types_assign(t, id, gr_types_intern(t, name, 0, GR_DWARF_NO_TYPE, 0),
			GR_TYPES_NO_LAYOUT, 0, GR_TYPE_SOURCE_CLOSURE);
}

/* ---- maps and channels ---- */

struct walk_ctx {
	struct gr_types *t;
	uint32_t map; /* index in t->mapv */
};

static void map_part(void *arg, uint64_t addr, uint32_t dwarf_type,
		     uint64_t count, enum gr_map_part part)
{
	struct walk_ctx *c = arg;
	struct gr_types *t = c->t;
	/* @addr is the object's start, malloc header included. */
	uint32_t id = gr_heap_find(t->heap, addr);
	if (id == GR_HEAP_NO_OBJECT || dwarf_type == GR_DWARF_NO_TYPE ||
	    addr != gr_heap_object_addr(t->heap, id))
		return;
	uint64_t dlen = gr_heap_object_size(t->heap, id) -
			gr_types_data_off(t, id);
	uint32_t sid = gr_dwarf_type_strip(t->dwarf, dwarf_type);
	uint64_t esize = gr_types_dwarf_size(t->dwarf, sid);
	if (!esize || (count ? count : 1) > dlen / esize)
		return;
	/* Bucket and group arrays fill their allocation (makeBucketArray
	 * rounds up to the size class; the runtime zeroes the rest). */
	bool array = part == GR_MAP_PART_BUCKETS ||
		     part == GR_MAP_PART_OLDBUCKETS ||
		     part == GR_MAP_PART_GROUPS;
	if (!count && array && dlen / esize >= 2)
		count = dlen / esize;
	gr_types_assign(t, id, gr_types_of_dwarf(t, dwarf_type), sid, count,
			GR_TYPE_SOURCE_MAP);
	if (!gr_types_grow((void **)&t->storage, &t->storage_cap,
			   t->nstorage + 1, sizeof(*t->storage))) {
		t->nomem = true;
		return;
	}
	t->storage[t->nstorage++] = (struct gr_types_storage){id, c->map};
}

/* A map value: the header is typed as the map, its storage by gr_maps. */
static void type_map(struct gr_types *t, uint64_t v, uint32_t map_type)
{
	uint64_t dlen;
	uint32_t id = object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || (t->queued[id] & WALKED))
		return;
	t->queued[id] |= WALKED;
	const struct gr_dwarf_type *mt = gr_dwarf_type(t->dwarf, map_type);
	const struct gr_dwarf_type *pt =
		mt ? gr_dwarf_type(t->dwarf,
				   gr_dwarf_type_strip(t->dwarf, mt->type))
		   : NULL;
	uint32_t hdr = pt && pt->kind == GR_DWARF_TYPE_POINTER
			       ? gr_dwarf_type_strip(t->dwarf, pt->type)
			       : GR_TYPES_NO_LAYOUT;
	uint64_t hsize = gr_types_dwarf_size(t->dwarf, hdr);
	if (hsize > dlen)
		return;
	/* Named "map.hdr[K]V" (the header struct), not "map[K]V": a
	 * []map[K]V backing array holds values of the map type itself. */
	gr_types_assign(t, id,
			gr_types_of_dwarf(t, hsize ? hdr : map_type),
			hsize ? hdr : GR_TYPES_NO_LAYOUT, 0,
			GR_TYPE_SOURCE_DWARF);
	if (!t->maps)
		return;
	if (!gr_types_grow((void **)&t->mapv, &t->maps_cap, t->nmaps + 1,
			   sizeof(*t->mapv))) {
		t->nomem = true;
		return;
	}
	struct gr_types_map *m = &t->mapv[t->nmaps];
	*m = (struct gr_types_map){.map_type = map_type,
				   .order = (uint32_t)t->nmaps};
	struct walk_ctx c = {t, (uint32_t)t->nmaps};
	t->nmaps++;
	struct gr_map_info info = {0};
	/* A map that does not hold together keeps what was found before
	 * the fault; its storage stays as typed so far. */
	gr_error_destroy(gr_maps_walk(t->maps, v, map_type, map_part, &c,
				      &info));
	info.header = v;
	t->mapv[c.map].info = info;
}

/*
 * runtime/chan.go makechan: a buffer of pointerless elements shares the
 * hchan's allocation (c.buf = add(c, hchanSize)); otherwise it is its own
 * allocation of dataqsiz elements.
 */
static void type_chan(struct gr_types *t, uint64_t v, uint32_t chan_type)
{
	const struct gr_dwarf_type *ct = gr_dwarf_type(t->dwarf, chan_type);
	const struct gr_dwarf_type *pt =
		ct ? gr_dwarf_type(t->dwarf,
				   gr_dwarf_type_strip(t->dwarf, ct->type))
		   : NULL;
	uint64_t dlen, buf, n;
	uint32_t id = object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !pt ||
	    pt->kind != GR_DWARF_TYPE_POINTER)
		return;
	uint32_t hchan = gr_dwarf_type_strip(t->dwarf, pt->type);
	uint64_t hsize = gr_types_dwarf_size(t->dwarf, hchan);
	if (!hsize || hsize > dlen ||
	    !gr_types_assign(t, id, gr_types_of_dwarf(t, hchan), hchan, 0,
			     GR_TYPE_SOURCE_DWARF) ||
	    !t->rt.have_hchan)
		return;
	struct gr_error *err = gr_mem_u64(t->mem, v + t->rt.hchan_buf, &buf);
	if (!err)
		err = gr_mem_u64(t->mem, v + t->rt.hchan_dataqsiz, &n);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	uint32_t bid = buf ? gr_heap_find(t->heap, buf) : GR_HEAP_NO_OBJECT;
	if (bid != GR_HEAP_NO_OBJECT && bid != id)
		type_array(t, buf, ct->elem, n);
}

/* The DWARF types named by "[K,V]" (split at the top-level comma). */
static bool trie_args(const struct gr_dwarf *d, const char *args, uint32_t *k,
		      uint32_t *v)
{
	size_t n = strlen(args);
	int depth = 0;
	if (n < 3 || args[0] != '[' || args[n - 1] != ']')
		return false;
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
			gr_error_destroy(err);
			return !err;
		}
	}
	return false;
}

/*
 * entry[K,V]{node; overflow atomic.Pointer[entry[K,V]]; key K; value V},
 * which the linker may leave out of DWARF: named, and its key and value
 * visited in place, along the overflow chain.
 */
static void trie_entries(struct gr_types *t, uint64_t v, const char *args)
{
	uint32_t k, val;
	if (!trie_args(t->dwarf, args, &k, &val))
		return;
	uint64_t ks = gr_types_dwarf_size(t->dwarf, k);
	uint64_t vs = gr_types_dwarf_size(t->dwarf, val);
	/* Go aligns a field to its type's alignment; for the word-sized
	 * and bigger key and value types of maps, 8. */
	uint64_t va = vs >= 8 ? 8 : vs >= 4 ? 4 : vs >= 2 ? 2 : 1;
	uint64_t voff = (16 + ks + va - 1) / va * va;
	char name[512];
	snprintf(name, sizeof(name), "internal/sync.entry%s", args);
	uint32_t info = gr_types_intern(t, name, voff + vs, GR_DWARF_NO_TYPE, 0);
	for (unsigned hops = 0; v && hops < 1024; hops++) {
		uint64_t dlen;
		uint32_t id = object_at(t, v, &dlen);
		if (id == GR_HEAP_NO_OBJECT || dlen < voff + vs ||
		    !gr_types_assign(t, id, info, GR_TYPES_NO_LAYOUT, 0,
				     GR_TYPE_SOURCE_DWARF))
			return;
		struct reader r = {.t = t, .base = v, .len = voff + vs};
		visit_value(t, &r, k, 16, 1);
		visit_value(t, &r, val, voff, 1);
		struct gr_error *err = gr_mem_u64(t->mem, v + 8, &v);
		if (err) {
			gr_error_destroy(err);
			return;
		}
	}
}

/*
 * internal/sync.HashTrieMap (sync.Map from Go 1.24): a node[K,V] is the
 * first field of both entry[K,V] and indirect[K,V]; isEntry, its only
 * field, says which (internal/sync/hashtriemap.go).
 */
static void type_trie_node(struct gr_types *t, uint64_t v, uint32_t node)
{
	const struct gr_dwarf_type *nt = gr_dwarf_type(t->dwarf, node);
	uint64_t dlen;
	uint8_t is_entry;
	uint32_t id = object_at(t, v, &dlen);
	if (id == GR_HEAP_NO_OBJECT || !nt ||
	    strncmp(nt->name, "internal/sync.node[", 19) != 0)
		return;
	struct gr_error *err = gr_mem_u8(t->mem, v, &is_entry);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	char name[512];
	uint32_t type;
	snprintf(name, sizeof(name), "internal/sync.%s%s",
		 is_entry ? "entry" : "indirect", nt->name + 18);
	err = gr_dwarf_type_by_name(t->dwarf, name, &type);
	if (!err)
		type_value(t, v, type, GR_TYPE_SOURCE_DWARF, 0);
	else if (is_entry)
		trie_entries(t, v, nt->name + 18);
	gr_error_destroy(err);
}

/* ---- interfaces ---- */

/*
 * The data word of an interface whose dynamic type is @rtype.  A
 * pointer-shaped type (one word, a pointer: reflect's isDirectIface) is
 * stored in the data word itself; anything else is boxed.
 */
static void type_iface_data(struct gr_types *t, uint64_t rtype, uint64_t data,
			    unsigned depth)
{
	const struct gr_rtype *rt;
	if (!rtype || !data)
		return;
	struct gr_error *err = gr_rtype_get(t->rtypes, rtype, &rt);
	if (err) {
		gr_error_destroy(err);
		return;
	}
	uint32_t d;
	uint32_t info = gr_types_of_rtype(t, rtype, &d);
	if (rt->size == 8 && rt->ptrbytes == 8) {
		if (d == GR_DWARF_NO_TYPE)
			return;
		struct reader one = {.t = t, .len = 8,
				     .view = (const uint8_t *)&data};
		visit_value(t, &one, d, 0, depth + 1);
		return;
	}
	uint64_t dlen;
	uint32_t id = object_at(t, data, &dlen);
	if (id == GR_HEAP_NO_OBJECT || rt->size > dlen)
		return;
	if (d != GR_DWARF_NO_TYPE && gr_types_dwarf_size(t->dwarf, d) != rt->size)
		d = GR_DWARF_NO_TYPE;
	gr_types_assign(t, id, info, d, 0, GR_TYPE_SOURCE_INTERFACE);
}

static void iface(struct gr_types *t, const struct reader *r, uint64_t off,
		  bool empty, unsigned depth)
{
	uint64_t tw, data, rtype = 0;
	if (!word(r, off, &tw) || !word(r, off + 8, &data) || !tw || !data)
		return;
	if (empty) {
		rtype = tw;
	} else {
		struct gr_error *err =
			gr_mem_u64(t->mem, tw + t->rt.itab_type, &rtype);
		gr_error_destroy(err);
	}
	type_iface_data(t, rtype, data, depth);
}

/* ---- slots ---- */

static void pool_local(struct gr_types *t, const struct reader *r,
		       const struct gr_tslot *s, uint64_t off)
{
	uint64_t p, n;
	if (word(r, off, &p) && word(r, off + s->stride, &n))
		type_array(t, p, s->type, n);
}

static void visit_slot(struct gr_types *t, const struct reader *r,
		       const struct gr_tslot *s, uint64_t off, unsigned depth)
{
	uint64_t v, n;
	/* The interface pairs' pointer is their second word. */
	bool two = s->kind == GR_TSLOT_EFACE || s->kind == GR_TSLOT_IFACE;
	if (!allowed(r, two ? off + 8 : off))
		return;
	if (two) {
		iface(t, r, off, s->kind == GR_TSLOT_EFACE, depth);
		return;
	}
	if (s->kind == GR_TSLOT_POOL_LOCAL) {
		pool_local(t, r, s, off);
		return;
	}
	if (!word(r, off, &v) || !v)
		return;
	switch ((enum gr_tslot_kind)s->kind) {
	case GR_TSLOT_PTR:
		type_value(t, v, s->type, GR_TYPE_SOURCE_DWARF, depth);
		break;
	case GR_TSLOT_SLICE:
		/* A cap kept in a register (the stack word is stale) or 0
		 * for a pointer to a heap object's start: the backing array
		 * is as big as its object. */
		if (!word(r, off + 16, &n) || !n)
			n = UINT64_MAX;
		type_array(t, v, s->type, n);
		break;
	case GR_TSLOT_STRING:
		if (!word(r, off + 8, &n) || n)
			string_data(t, v);
		break;
	case GR_TSLOT_MAP:
		type_map(t, v, s->type);
		break;
	case GR_TSLOT_CHAN:
		type_chan(t, v, s->type);
		break;
	case GR_TSLOT_FUNC:
		type_closure(t, v);
		break;
	case GR_TSLOT_TRIE_NODE:
		type_trie_node(t, v, s->type);
		break;
	default:
		break;
	}
}

/* The slots of one value of @type at @base of @r. */
static void visit_value(struct gr_types *t, const struct reader *r,
			uint32_t type, uint64_t base, unsigned depth)
{
	uint32_t n;
	const struct gr_tslot *sl = gr_types_layout(t, type, &n);
	if (!n || depth > MAX_NEST)
		return;
	/* Indices, not pointers: nested layouts built below may move
	 * t->slots. */
	uint32_t first = (uint32_t)(sl - t->slots);
	for (uint32_t k = 0; k < n && !t->nomem; k++) {
		struct gr_tslot s = t->slots[first + k];
		for (uint64_t j = 0; j < s.count; j++) {
			uint64_t off = base + s.off + j * s.stride;
			if (off >= r->len)
				break;
			if (s.kind == GR_TSLOT_NESTED)
				visit_value(t, r, s.type, off, depth + 1);
			else
				visit_slot(t, r, &s, off, depth);
		}
	}
}

static void visit_object(struct gr_types *t, uint32_t id)
{
	uint32_t type = t->layout_type[id];
	const struct gr_type_object *o = &t->obj[id];
	uint64_t esize = gr_types_dwarf_size(t->dwarf, type);
	uint64_t doff = gr_types_data_off(t, id);
	uint64_t dlen = gr_heap_object_size(t->heap, id) - doff;
	if (!esize)
		return;
	uint64_t n = o->count ? o->count : 1;
	if (n > dlen / esize)
		n = dlen / esize;
	struct reader r = {.t = t,
			   .base = gr_heap_object_addr(t->heap, id) + doff,
			   .len = n * esize};
	struct gr_error *err = gr_mem_view(t->mem, r.base, r.len, &r.view);
	gr_error_destroy(err);
	if (err)
		r.view = NULL;
	for (uint64_t i = 0; i < n && !t->nomem; i++)
		visit_value(t, &r, type, i * esize, 0);
}

/* ---- roots ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/*
 * runtime/mfinal.go finalizer{fn, arg, nret, fint, ot}: the queue's root
 * has the slots fn, arg, fint, ot (rtroots_queue.c); ot is the *T type of
 * arg.
 */
static void finq_root(struct gr_types *t, const struct gr_root_slot *sl,
		      size_t n)
{
	if (n < 4)
		return;
	type_closure(t, sl[0].value);
	uint32_t d = gr_types_dwarf_of_rtype(t, sl[3].value);
	const struct gr_dwarf_type *pt =
		gr_dwarf_type(t->dwarf, gr_dwarf_type_strip(t->dwarf, d));
	if (pt && pt->go_kind == GR_GO_KIND_POINTER)
		type_value(t, sl[1].value, pt->type, GR_TYPE_SOURCE_DWARF, 0);
}

static bool typed_root(struct gr_types *t, const struct gr_root *r,
		       const struct gr_root_slot *sl, size_t n)
{
	uint32_t type = r->dwarf_type;
	uint64_t size = gr_types_dwarf_size(t->dwarf, type);
	uint64_t var_off = gr_types_root_var_off(r);
	if (!size || var_off > r->addr || var_off >= size)
		return true;
	uint64_t *addrs = malloc(n * sizeof(*addrs));
	if (!addrs)
		return false;
	size_t na = 0;
	for (size_t i = 0; i < n; i++) {
		if (sl[i].slot)
			addrs[na++] = sl[i].slot;
		/* A finalizer's object is its own root's slot 0. */
		else if (sl[i].value == r->addr)
			type_value(t, r->addr, type, GR_TYPE_SOURCE_DWARF, 0);
	}
	qsort(addrs, na, sizeof(*addrs), cmp_u64);
	/* A stack root covers the piece of its variable in memory. */
	uint64_t end = r->size && r->size < size - var_off ? var_off + r->size
							    : size;
	struct reader rd = {.t = t, .base = r->addr - var_off, .lo = var_off,
			    .len = end, .allowed = addrs, .nallowed = na};
	if (na && r->kind != GR_ROOT_FINALIZER_OBJECT)
		visit_value(t, &rd, type, 0, 0);
	free(addrs);
	return true;
}

static bool type_roots(struct gr_types *t)
{
	size_t nr = gr_roots_count(t->roots);
	for (size_t i = 0; i < nr && !t->nomem; i++) {
		const struct gr_root *r = gr_roots_get(t->roots, i);
		const struct gr_root_slot *sl = gr_roots_slots(t->roots, i);
		size_t n = gr_roots_slot_count(t->roots, i);
		switch (r->kind) {
		case GR_ROOT_POOL:
		case GR_ROOT_POOL_VICTIM:
			/* Slots are the val words of sync/pool.go's
			 * eface{typ, val} pairs. */
			for (size_t k = 0; k < n; k++) {
				uint64_t tw;
				struct gr_error *err =
					gr_mem_u64(t->mem, sl[k].slot - 8, &tw);
				if (!err)
					type_iface_data(t, tw, sl[k].value, 0);
				gr_error_destroy(err);
			}
			continue;
		case GR_ROOT_FINQ:
			finq_root(t, sl, n);
			continue;
		case GR_ROOT_FINALIZER:
		case GR_ROOT_CLEANUP:
		case GR_ROOT_CLEANUP_QUEUE:
			for (size_t k = 0; k < n; k++)
				type_closure(t, sl[k].value);
			break;
		default:
			break;
		}
		if (r->dwarf_type != GR_ROOT_NO_TYPE && !typed_root(t, r, sl, n))
			return false;
	}
	return true;
}

bool gr_types_propagate(struct gr_types *t)
{
	t->string_info = gr_types_intern(t, "string data", 1, GR_DWARF_NO_TYPE,
					 0);
	if (t->string_info == GR_TYPE_UNKNOWN)
		return false;
	if (gr_dwarf_present(t->dwarf) && !type_roots(t))
		return false;
	while (t->nwork && !t->nomem)
		visit_object(t, t->work[--t->nwork]);
	return !t->nomem;
}
