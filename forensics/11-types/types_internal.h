/* SPDX-License-Identifier: MIT */
/*
 * Shared by the gr_types files; not part of the API.
 *   types.c           build, the type table, statistics
 *   types_records.c   per-object words and kinds, gr_types_object
 *   types_layout.c    pointer-slot layouts per DWARF type (cached)
 *   types_prop.c      the worklist: roots, values, slots
 *   types_special.c   what a slot's declared type does not lay out:
 *                     interfaces, closures and method values, maps,
 *                     channels, internal/sync trie nodes
 *   types_describe.c  path steps for an offset, package names
 *   types_infer.c     inference for stripped binaries: the code's
 *                     stores into globals, inferred twins
 */
#ifndef GR_TYPES_INTERNAL_H
#define GR_TYPES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "forensics/01-base/damage.h"
#include "forensics/01-base/hash.h"
#include "forensics/01-base/u64map.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/04-gobin/closures.h"
#include "forensics/04-gobin/codetypes.h"
#include "forensics/11-types/types.h"

/* What a pointer-holding word (or words) of a value is. */
enum gr_tslot_kind {
	GR_TSLOT_PTR,	 /* *T: the target is a T (type = T) */
	GR_TSLOT_SLICE,	 /* {ptr, len, cap} of elem type */
	GR_TSLOT_STRING, /* {ptr, len} */
	GR_TSLOT_EFACE,	 /* {*_type, data} */
	GR_TSLOT_IFACE,	 /* {*itab, data} */
	GR_TSLOT_MAP,	 /* a map value (type = the Go map type) */
	GR_TSLOT_CHAN,	 /* a chan value (type = the Go chan type) */
	GR_TSLOT_FUNC,	 /* a func value: *funcval */
	/* atomic.Pointer[node[K,V]] of internal/sync.HashTrieMap: the
	 * target is an entry[K,V] or an indirect[K,V] (type = node). */
	GR_TSLOT_TRIE_NODE,
	/* sync.Pool.local / victim: *[size]poolLocal, the size in the
	 * word at off + stride (type = poolLocal). */
	GR_TSLOT_POOL_LOCAL,
	/* count elements of a type with a layout of its own (type). */
	GR_TSLOT_NESTED,
};

struct gr_tslot {
	uint64_t off;
	uint64_t stride; /* between repetitions (NESTED: element size) */
	uint64_t count;	 /* repetitions, >= 1 */
	uint32_t type;
	uint8_t kind;	 /* enum gr_tslot_kind */
	/* PTR and SLICE: what typing a target needs of @type, resolved
	 * when the layout is built rather than for every pointer: @type
	 * stripped of typedefs and qualifiers (sid), its size (0 if
	 * unknown) and whether it is a DWARF base type.  Otherwise sid =
	 * type, size 0. */
	bool base;
	uint32_t sid;
	/* The types_kind a target gets, once the first one was typed
	 * (naming @type interns it: that stays where it was); 0 before. */
	uint32_t tkind;
	uint64_t size;
};

/* The slots of one DWARF type: slots[first, first + n). */
struct gr_tlayout {
	uint32_t first, n;
};

enum { GR_TYPES_NO_LAYOUT = UINT32_MAX };

/*
 * What types objects share: one entry per distinct (type, source,
 * layout), so an object's word holds an index (kinds are few, objects
 * many).  Entry 0 is the untyped object's.
 */
struct types_kind {
	/* type and source first, laid out as in struct gr_type_object:
	 * gr_types_object copies these 8 bytes whole (pad_ stays 0). */
	uint32_t type;	/* index into the table, or GR_TYPE_UNKNOWN */
	uint8_t source; /* enum gr_type_source */
	uint8_t pad_[3];
	uint32_t layout; /* DWARF type giving the layout, or NO_LAYOUT */
	uint64_t esize;	 /* size of @layout, 0 if none or unknown */
	/* The layout's slots t->slots[lfirst, lfirst + ln), once
	 * lresolved (on the first visit of an object of this kind). */
	uint32_t lfirst, ln;
	bool lresolved;
};

/*
 * One object's typing is one 32-bit word (t->objs[id]): four flags on
 * top, then its kind and element count (0: one value).  Kinds are few
 * (about a hundred on the bench cores) and a count is at most the
 * object's size over its element's, so both nearly always fit 11 and 16
 * bits: kind << 16 | count.  Otherwise (WIDE) the rest of the word
 * indexes t->wide, which holds them whole.  0 below the flags: untyped.
 */
#define GR_TYPES_QUEUED 0x80000000u /* pushed on the worklist */
#define GR_TYPES_WALKED 0x40000000u /* a map header or funcval handled */
/* Laid out by its header type's first field: a later whole-value layout
 * replaces it. */
#define GR_TYPES_PREFIX 0x20000000u
/* Live (gr_mark_is_live), copied in so that queueing an object reads the
 * word it writes, not the marking's array as well. */
#define GR_TYPES_LIVE 0x10000000u
#define GR_TYPES_FLAGS 0xf0000000u
#define GR_TYPES_WIDE 0x08000000u
#define GR_TYPES_WIDE_MAX 0x07ffffffu /* indices into t->wide */
#define GR_TYPES_KIND_SHIFT 16
#define GR_TYPES_NARROW_KINDS 0x800u   /* kinds below this fit the word */
#define GR_TYPES_NARROW_COUNT 0x10000u /* and counts below this */

/* The kind and count of an object whose word cannot hold them. */
struct gr_types_wide {
	uint64_t count;
	uint32_t kind;
};

struct gr_types_map {
	struct gr_map_info info;
	uint32_t map_type; /* as passed to gr_maps_walk */
	uint32_t order;	   /* index before sorting by address */
};

/* Storage object -> its map (sorted by object id after the build). */
struct gr_types_storage {
	uint32_t object;
	uint32_t map; /* index into maps */
};

/* Offsets of runtime structures propagation reads; 0 size = unknown. */
struct gr_types_rt {
	uint64_t itab_type;		 /* itab._type / ITab.Type */
	uint64_t hchan_buf, hchan_qcount, hchan_dataqsiz, hchan_elemtype;
	bool have_hchan, have_hchan_elemtype;
	/* structtype.fields and structfield.{typ, offset} (1.19-1.27). */
	uint64_t struct_fields, sfield_typ, sfield_off;
	uint64_t sfield_name; /* Name: a pointer to the encoded name */
	uint64_t sfield_size; /* sizeof a StructField */
	bool have_struct;
};

/* A dynamic type met in an interface (types_iface_data). */
struct gr_types_iface_rt {
	uint64_t size; /* of a value */
	uint32_t info; /* the type's table entry */
	bool direct;   /* pointer-shaped: stored in the data word itself */
};

struct gr_types {
	struct gr_session *s;
	struct gr_heap *heap;
	const struct gr_graph *graph;
	const struct gr_roots *roots;
	const struct gr_mark *mark;
	const struct gr_dwarf *dwarf;
	struct gr_mem *mem;
	struct gr_rtypes *rtypes;
	struct gr_pcln *pcln;
	struct gr_maps *maps; /* NULL without DWARF (or maps unsupported) */
	/* Closure layouts from the code, built on first need (Go <= 1.22
	 * records them nowhere else); NULL if that failed. */
	struct gr_closures *closures;
	bool closures_tried;
	/* What the code stores into globals (stripped binaries only: the
	 * inference pass, types_infer.c; the session's); NULL otherwise. */
	const struct gr_codetypes *codetypes;
	/* Set during the inference pass: what is typed now is inferred,
	 * and what was typed before stays as it is. */
	bool inferring;
	uint64_t bias, types_base;
	struct gr_types_rt rt;

	/* The 1.22+ malloc header regime (types_data_off_span). */
	bool headers;
	struct gr_heap_sizes sizes;

	uint32_t nobjects;
	uint32_t *objs; /* one word per object, see GR_TYPES_WIDE */
	struct gr_types_wide *wide;
	size_t nwide, wide_cap;
	struct types_kind *kinds;
	uint32_t nkinds, kinds_cap;
	struct gr_hash kind_index; /* kinds 1.. (kind 0 is never looked up) */
	uint32_t last_kind; /* the kind interned last: runs of one kind */

	/* The type table, deduplicated by name (name_index). */
	struct gr_type_info *info;
	uint32_t ninfo, info_cap;
	struct gr_hash name_index; /* name -> info index */
	uint32_t *dwarf_info; /* DWARF id -> info index + 1 */
	uint32_t ndwarf;      /* DWARF types */
	/* rtype address -> info index */
	struct gr_u64map rt_info;
	/* rtype address -> index into iface_rt: what an interface's data
	 * word needs of its dynamic type, looked up once per type. */
	struct gr_u64map iface_of;
	struct gr_types_iface_rt *iface_rt;
	size_t niface_rt, iface_rt_cap;

	/* Layout cache: DWARF id -> index into layouts + 1. */
	uint32_t *layout_of;
	struct gr_tlayout *layouts;
	uint32_t nlayouts, layouts_cap;
	struct gr_tslot *slots;
	uint32_t nslots, slots_cap;

	/* Worklist of object ids. */
	uint32_t *work;
	size_t nwork, work_cap;

	struct gr_types_map *mapv;
	size_t nmaps, maps_cap;
	struct gr_types_storage *storage;
	size_t nstorage, storage_cap;

	/* Names and other strings owned by the table. */
	char **strings;
	size_t nstrings, strings_cap;
	const char **pkg; /* package names, one copy of each */
	size_t npkg, pkg_cap;
	struct gr_hash pkg_index;

	uint32_t string_info; /* "string data" */

	struct gr_types_stats stats;
	/* Reads that failed while typing (capped, see damage.h).  Only
	 * gr_types_build writes it: the queries after it read a const
	 * table from several threads. */
	struct gr_damage_list damage;
};

/*
 * Typing goes on without what it cannot read: every function of the
 * visitor returns the errors it does not catch (NOMEM always), and the
 * first one ends gr_types_build.
 */

/* ---- types_infer.c ---- */

/* Before typing: make @t->codetypes for a stripped binary, and add the
 * descriptors it names to @v (the types rtype_synth makes). */
GR_MUST_USE
struct gr_error *types_infer_prepare(struct gr_types *t, uint64_t **v,
				     size_t *n, size_t *cap);
/* After exact typing: type what the code's stores reach, propagate, and
 * mark all this pass typed as inferred. */
GR_MUST_USE
struct gr_error *types_infer(struct gr_types *t);

/* ---- types.c ---- */

/* A copy of @s owned by @t. */
GR_MUST_USE
struct gr_error *types_keep_string(struct gr_types *t, const char *s,
				   char **ret);
/* Intern a type by display name: its table entry into *@ret. */
GR_MUST_USE
struct gr_error *types_intern(struct gr_types *t, const char *name,
			      uint64_t size, uint32_t dwarf_type,
			      uint64_t rtype, uint32_t *ret);
/* The table entry for DWARF type @id (named as a person reads Go), or
 * GR_TYPE_UNKNOWN. */
GR_MUST_USE
struct gr_error *types_of_dwarf(struct gr_types *t, uint32_t id,
				uint32_t *ret);
/* The table entry (or GR_TYPE_UNKNOWN) and DWARF layout for runtime
 * type @rtype. */
GR_MUST_USE
struct gr_error *types_of_rtype(struct gr_types *t, uint64_t rtype,
				uint32_t *dwarf_ret, uint32_t *ret);
/* DWARF type whose go_runtime_type is @rtype (a runtime address). */
uint32_t types_dwarf_of_rtype(const struct gr_types *t, uint64_t rtype);
/* Bytes before the value in object @id (the 1.22+ malloc header). */
uint64_t types_data_off(const struct gr_types *t, uint32_t id);
/* The same for an object of span @sp (NULL: 0); inline, as typing asks
 * it for every pointer it follows. */
static inline uint64_t types_data_off_span(const struct gr_types *t,
					      const struct gr_span *sp)
{
	/* runtime/malloc.go (1.22+): pointerful small objects above
	 * minSizeForMallocHeader (one pointer-bitmap word: 512 B) start with
	 * the 8-byte *_type header; large objects use mspan.largeType. */
	return t->headers && sp && sp->sizeclass != 0 && !sp->noscan &&
		       sp->elemsize > 512
		       ? 8
		       : 0;
}
/* Size of DWARF type @id, 0 if unknown. */
uint64_t types_dwarf_size(const struct gr_dwarf *d, uint32_t id);

/* ---- types_records.c ---- */

/* The kind of (@type, @layout, @source), interned (never 0). */
GR_MUST_USE
struct gr_error *types_kind(struct gr_types *t, uint32_t type,
			    uint32_t layout, uint8_t source, uint32_t *ret);
/* Whether object @id has a type. */
static inline bool types_typed(const struct gr_types *t, uint32_t id)
{
	return (t->objs[id] & ~GR_TYPES_FLAGS) != 0;
}

/* The kind of object @id (0: untyped). */
static inline uint32_t types_kind_index(const struct gr_types *t,
					   uint32_t id)
{
	uint32_t w = t->objs[id];
	return w & GR_TYPES_WIDE ? t->wide[w & GR_TYPES_WIDE_MAX].kind
				 : (w & ~GR_TYPES_FLAGS) >> GR_TYPES_KIND_SHIFT;
}

static inline const struct types_kind *
types_kind_of(const struct gr_types *t, uint32_t id)
{
	return &t->kinds[types_kind_index(t, id)];
}

/* The element count of object @id. */
static inline uint64_t types_count_of(const struct gr_types *t,
					 uint32_t id)
{
	uint32_t w = t->objs[id];
	return w & GR_TYPES_WIDE ? t->wide[w & GR_TYPES_WIDE_MAX].count
				 : w & (GR_TYPES_NARROW_COUNT - 1);
}

/* types_set_object into t->wide. */
GR_MUST_USE
struct gr_error *types_set_wide(struct gr_types *t, uint32_t id,
				uint32_t kind, uint64_t count);

/* Type the untyped object @id as @kind (not 0) with @count; its flags
 * stay. */
GR_MUST_USE
static inline struct gr_error *types_set_object(struct gr_types *t,
						uint32_t id, uint32_t kind,
						uint64_t count)
{
	if (kind >= GR_TYPES_NARROW_KINDS || count >= GR_TYPES_NARROW_COUNT)
		return types_set_wide(t, id, kind, count);
	t->objs[id] |= kind << GR_TYPES_KIND_SHIFT | (uint32_t)count;
	return NULL;
}

/* Give the typed object @id kind @kind, its count and flags unchanged. */
GR_MUST_USE
struct gr_error *types_set_kind(struct gr_types *t, uint32_t id,
				uint32_t kind);

/* Give the typed object @id element count @count, its kind and flags
 * unchanged. */
GR_MUST_USE
struct gr_error *types_set_count(struct gr_types *t, uint32_t id,
				 uint64_t count);

/* ---- types_layout.c ---- */

/* The slots of DWARF type @id (cached): *@n of them from *@ret, NULL
 * with *@n 0 if none. */
GR_MUST_USE
struct gr_error *types_layout(struct gr_types *t, uint32_t id, uint32_t *n,
			      const struct gr_tslot **ret);
/* Resolve t->rt from DWARF (missing pieces stay 0). */
GR_MUST_USE
struct gr_error *types_rt_resolve(struct gr_types *t);
/* Map-internal structs whose pointers only gr_maps can follow. */
bool types_is_map_internal(const char *name);

/* ---- types_prop.c ---- */

/* A value of DWARF type @type at @addr in data or bss: what its words
 * point to is typed as they say (nothing outside data and bss). */
GR_MUST_USE
struct gr_error *types_type_static(struct gr_types *t, uint64_t addr,
				   uint32_t type);

/* Visit the worklist until it is empty. */
GR_MUST_USE
struct gr_error *types_drain(struct gr_types *t);

/* Type the live heap from the roots and header types. */
GR_MUST_USE
struct gr_error *types_propagate(struct gr_types *t);
/*
 * Give object @id type @info (layout @layout, @count values) from
 * @source, unless it already has a stronger one; queue it for
 * propagation.  *@ret: whether the object was untyped before.
 */
GR_MUST_USE
struct gr_error *types_assign(struct gr_types *t, uint32_t id, uint32_t info,
			      uint32_t layout, uint64_t count,
			      enum gr_type_source source, bool *ret);

/* A header type laid out by @layout, a type covering only its first
 * field: a later whole-value layout replaces it. */
GR_MUST_USE
struct gr_error *types_assign_prefix(struct gr_types *t, uint32_t id,
				     uint32_t info, uint32_t layout,
				     uint64_t count);

/* The bytes of one value being visited: a zero-copy view of the core
 * when it has one, else word reads through gr_mem. */
struct gr_types_reader {
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

/* types_word without a view: through gr_mem. */
GR_MUST_USE
struct gr_error *types_word_mem(const struct gr_types_reader *r,
				uint64_t off, uint64_t *v, bool *ret);
/* The word at @off of @r into *@v; *@ret false if outside [lo, len) or
 * unreadable.  Inline: propagation reads every pointer word of the live
 * heap. */
GR_MUST_USE
static inline struct gr_error *types_word(const struct gr_types_reader *r,
					  uint64_t off, uint64_t *v,
					  bool *ret)
{
	if (off < r->lo || off > r->len || r->len - off < 8) {
		*ret = false;
		return NULL;
	}
	if (r->view) {
		memcpy(v, r->view + off, 8);
		*ret = true;
		return NULL;
	}
	return types_word_mem(r, off, v, ret);
}
/*
 * The object whose value starts at @v (after its malloc header), or
 * GR_HEAP_NO_OBJECT: an interior pointer says nothing of the object's
 * type.  *dlen_ret gets the bytes after the header.
 */
uint32_t types_object_at(const struct gr_types *t, uint64_t v,
			    uint64_t *dlen_ret);
/* The same, also giving what the heap found at @v (hit->id is
 * GR_HEAP_NO_OBJECT when @v is in no object at all). */
uint32_t types_object_hit(const struct gr_types *t, uint64_t v,
			     uint64_t *dlen_ret, struct gr_heap_hit *hit);
/* Follow the pointers of one value of DWARF type @type at @base of @r. */
GR_MUST_USE
struct gr_error *types_visit_value(struct gr_types *t,
				   const struct gr_types_reader *r,
				   uint32_t type, uint64_t base,
				   unsigned depth);
/* Type the object at @v as one value of DWARF type @type. */
GR_MUST_USE
struct gr_error *types_type_value(struct gr_types *t, uint64_t v,
				  uint32_t type, enum gr_type_source source,
				  unsigned depth);
/* Type the object at @v as an array of at most @n values of @elem. */
GR_MUST_USE
struct gr_error *types_type_array(struct gr_types *t, uint64_t v,
				  uint32_t elem, uint64_t n);

/* ---- types_special.c ---- */

/*
 * The funcval at @v: named after its function ("func literal in
 * main.worker", "method value main.(*T).M"), its captured variables
 * (DW_AT_go_closure_offset, Go 1.23+) and a method value's receiver
 * typed and followed.
 */
GR_MUST_USE
struct gr_error *types_closure(struct gr_types *t, uint64_t v);
/* The "[K,V]" of an internal/sync.node[K,V] type name (DWARF's, or a
 * descriptor's "sync.node[K,V]"), or NULL for any other name. */
const char *types_trie_node_args(const char *name);
/* "func literal in main.main" for "main.main.func1" into @buf. */
void types_closure_name(const char *fn, char *buf, size_t len);
/* The captured variable at @rel bytes into closure object @id (".x"), from
 * DWARF or the closure's struct type; false if unknown. */
bool types_closure_slot(const struct gr_types *t, uint32_t id,
			   uint64_t rel, char *buf, size_t len);
/* A cleanup special's {call, fn, arg} (Go 1.26+): @arg points at the
 * box holding the argument of the cleanup function at funcval @fn. */
GR_MUST_USE
struct gr_error *types_cleanup_arg(struct gr_types *t, uint64_t fn,
				   uint64_t arg);
/* A map value (Go map type @map_type): header, then storage by gr_maps. */
GR_MUST_USE
struct gr_error *types_map_value(struct gr_types *t, uint64_t v,
				 uint32_t map_type);
/* The buffers of channels typed by the runtime's own hchan (not an
 * instance's): typed by hchan.elemtype, the element's descriptor the
 * core records (exact); then drained. */
GR_MUST_USE
struct gr_error *types_chan_buffers(struct gr_types *t);
/* A channel (Go chan type @chan_type): the hchan and its buffer. */
GR_MUST_USE
struct gr_error *types_chan(struct gr_types *t, uint64_t v,
			    uint32_t chan_type);
/* An internal/sync.HashTrieMap node[K,V] (@node) at @v. */
GR_MUST_USE
struct gr_error *types_trie_node(struct gr_types *t, uint64_t v,
				 uint32_t node);
/* The data word @data of an interface of dynamic type @rtype. */
GR_MUST_USE
struct gr_error *types_iface_data(struct gr_types *t, uint64_t rtype,
				  uint64_t data, unsigned depth);
/* The interface pair at @off of @r (eface if @empty, else iface). */
GR_MUST_USE
struct gr_error *types_iface(struct gr_types *t,
			     const struct gr_types_reader *r, uint64_t off,
			     bool empty, unsigned depth);

/* ---- types_describe.c ---- */

/* "main" for "*main.Session", "" for "[]uint8" (into the table). */
GR_MUST_USE
struct gr_error *types_package(struct gr_types *t, const char *name,
			       const char **ret);
/* Offset of a stack root's first slot inside its variable (from the
 * " var NAME+0xOFF" of its name), 0 otherwise. */
uint64_t types_root_var_off(const struct gr_root *r);

#endif /* GR_TYPES_INTERNAL_H */
