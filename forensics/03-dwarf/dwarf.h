/* SPDX-License-Identifier: MIT */
/*
 * gr_dwarf: the executable's DWARF, indexed once at open.
 *
 * gr_dwarf_open() walks every DIE of .debug_info (through libdwarf) and keeps
 * what goretain needs in compact arrays owned by the gr_dwarf: types (with
 * struct members, array counts and the Go attributes DW_AT_go_kind,
 * go_key, go_elem, go_embedded_field, go_runtime_type), package-level
 * variables, integer constants (Go keeps some runtime constants in DWARF
 * for core-file tools) and functions with their parameters and locals.
 * After open, libdwarf is closed: every query below is a lookup in memory.
 *
 * A binary without DWARF (-ldflags=-w, stripped) opens fine:
 * gr_dwarf_present() is false, every count is 0 and every lookup misses.
 * Malformed DWARF fails the open with BAD_DATA naming the DIE offset.
 *
 * Ids: types, globals, constants and functions are numbered densely from 0
 * in DIE order.  GR_DWARF_NO_TYPE stands for "no type".  All strings and
 * records returned are owned by the gr_dwarf and live until
 * gr_dwarf_destroy(); the gr_exe is only needed during gr_dwarf_open().
 *
 * Lookups by name return a gr_error (NOT_FOUND naming what is missing: they
 * feed the layout resolution, where the message matters).  Lookups by
 * address are hot-path queries and return NULL or false on a miss.
 *
 * Addresses are link-time addresses, as DWARF states them; the caller adds
 * the PIE load bias.
 *
 * Threads: an opened gr_dwarf is read-only and may be queried from any
 * number of threads.  gr_dwarf_open() itself must not run concurrently with
 * another open (or any other libdwarf use) in the process: libdwarf
 * 20210528 keeps process-wide state.
 */
#ifndef GR_DWARF_H
#define GR_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/exe.h"
#include "forensics/02-input/mem.h"

/* "No type" (and "none" for other ids).  A macro: enumerators must fit int. */
#define GR_DWARF_NO_TYPE UINT32_MAX

/* The DWARF shape of a type (from its tag). */
enum dwarfi_type_kind {
	GR_DWARF_TYPE_BASE,	   /* DW_TAG_base_type */
	GR_DWARF_TYPE_POINTER,	   /* pointer, reference, ptr_to_member */
	GR_DWARF_TYPE_STRUCT,	   /* structure, class */
	GR_DWARF_TYPE_UNION,	   /* union */
	GR_DWARF_TYPE_ARRAY,	   /* array (count in .count) */
	GR_DWARF_TYPE_TYPEDEF,	   /* typedef */
	GR_DWARF_TYPE_SUBROUTINE,  /* subroutine; params are its fields */
	GR_DWARF_TYPE_ENUM,	   /* enumeration */
	GR_DWARF_TYPE_QUALIFIER,   /* const, volatile, restrict, atomic */
	GR_DWARF_TYPE_UNSPECIFIED, /* unspecified_type ("<unspecified>") */
};

/*
 * DW_AT_go_kind: the Go kind (internal/abi.Kind, the same numbers as
 * reflect.Kind), stable from Go 1.19 to 1.27.
 */
enum gr_go_kind {
	GR_GO_KIND_NONE = 0, /* attribute absent */
	GR_GO_KIND_BOOL,
	GR_GO_KIND_INT,
	GR_GO_KIND_INT8,
	GR_GO_KIND_INT16,
	GR_GO_KIND_INT32,
	GR_GO_KIND_INT64,
	GR_GO_KIND_UINT,
	GR_GO_KIND_UINT8,
	GR_GO_KIND_UINT16,
	GR_GO_KIND_UINT32,
	GR_GO_KIND_UINT64,
	GR_GO_KIND_UINTPTR,
	GR_GO_KIND_FLOAT32,
	GR_GO_KIND_FLOAT64,
	GR_GO_KIND_COMPLEX64,
	GR_GO_KIND_COMPLEX128,
	GR_GO_KIND_ARRAY,
	GR_GO_KIND_CHAN,
	GR_GO_KIND_FUNC,
	GR_GO_KIND_INTERFACE,
	GR_GO_KIND_MAP,
	GR_GO_KIND_POINTER,
	GR_GO_KIND_SLICE,
	GR_GO_KIND_STRING,
	GR_GO_KIND_STRUCT,
	GR_GO_KIND_UNSAFE_POINTER,
};

struct gr_dwarf_type {
	/* DW_AT_name, "" when anonymous. */
	const char *name;
	/* Offset of the DIE in .debug_info. */
	uint64_t die;
	/*
	 * Byte size: DW_AT_byte_size, else 8 for a pointer, else (typedefs,
	 * qualifiers) the size of the type named.  Valid if has_size.
	 */
	uint64_t size;
	/* DW_AT_go_runtime_type: link-time address of the type descriptor, 0
	 * when absent. */
	uint64_t runtime_type;
	/*
	 * Arrays: number of elements (DW_AT_count, or upper bound + 1; for a
	 * C multi-dimensional array, its last DW_TAG_subrange_type's).
	 */
	uint64_t count;
	/*
	 * DW_AT_type: pointer target, array element, typedef target; for Go
	 * maps and chans the runtime representation (*hash<K,V>, *hchan<T>),
	 * for interfaces runtime.iface/eface.
	 */
	uint32_t type;
	/* DW_AT_go_elem (map value, chan and slice element), DW_AT_go_key. */
	uint32_t elem;
	uint32_t key;
	/* Members (struct/union) or parameters (subroutine): see
	 * gr_dwarf_type_field(). */
	uint32_t nfields;
	uint16_t tag;	   /* DW_TAG_* */
	uint8_t kind;	   /* enum dwarfi_type_kind */
	uint8_t go_kind;   /* enum gr_go_kind */
	uint8_t encoding;  /* DW_ATE_* of base types, else 0 */
	bool has_size;
	bool has_count;
	/*
	 * A typedef naming a type of the same name: Go emits one for each
	 * named struct, pointer, slice, array, func and interface type.
	 * Name lookups skip it in favour of the definition.
	 */
	bool go_alias;
	/* Internal: index of the first field. */
	uint32_t first_field_;
};

struct gr_dwarf_field {
	/* Member name (for subroutine parameters, Go writes the type name). */
	const char *name;
	/* DW_AT_data_member_location; 0 for parameters. */
	uint64_t offset;
	uint32_t type;
	/* DW_AT_go_embedded_field. */
	bool embedded;
};

struct gr_dwarf_global {
	const char *name; /* with package path: "runtime.mheap_" */
	uint64_t addr;	  /* link-time address (DW_OP_addr) */
	uint64_t size;	  /* size of its type; valid if has_size */
	uint32_t type;
	bool has_size;
};

struct gr_dwarf_constant {
	const char *name; /* "runtime._PageSize" */
	/*
	 * DW_AT_const_value as Go writes it (DW_FORM_sdata): a uintptr
	 * constant of 2^63 or more reads negative; cast it back.
	 */
	int64_t value;
	uint32_t type;
};

enum gr_dwarf_loc_kind {
	GR_DWARF_LOC_NONE,    /* optimised away / no location */
	GR_DWARF_LOC_FRAME,   /* stack slot at CFA + frame_offset */
	GR_DWARF_LOC_LOCLIST, /* location list at .debug_loc(lists) offset */
	GR_DWARF_LOC_EXPR,    /* another single expression: expr/expr_len */
};

enum gr_dwarf_var_flags {
	GR_DWARF_VAR_PARAM = 1 << 0,   /* DW_TAG_formal_parameter */
	GR_DWARF_VAR_RETURN = 1 << 1,  /* DW_AT_variable_parameter: result */
	GR_DWARF_VAR_INLINED = 1 << 2, /* inside a DW_TAG_inlined_subroutine */
};

/* A parameter or local of a function (also in lexical blocks). */
struct gr_dwarf_var {
	/* Own DW_AT_name, or that of its DW_AT_abstract_origin. */
	const char *name;
	union {
		/* FRAME: DW_OP_call_frame_cfa or DW_OP_fbreg N, the frame
		 * base being the CFA: the slot is at CFA + frame_offset. */
		int64_t frame_offset;
		/* LOCLIST: offset of the list in .debug_loc (DWARF 4) or
		 * .debug_loclists (DWARF 5). */
		uint64_t loclist;
		/* EXPR: the expression bytes (owned by the gr_dwarf). */
		const uint8_t *expr;
	};
	/* DW_AT_go_closure_offset (Go 1.23+, cmd/compile dwarfgen): a
	 * variable a closure captured, at this byte offset (> 0) of its
	 * closure struct.  The struct slot holds a value of the var's type:
	 * the value itself when captured by value, a pointer to it when
	 * captured by reference (the var is then "&x" of type *T).  Vars
	 * naming an abstract origin carry none (Go puts it only on the
	 * concrete, non-inlined DIE). */
	int64_t closure_offset;
	bool has_closure_offset;
	uint32_t expr_len;
	uint32_t type;
	uint8_t loc;   /* enum gr_dwarf_loc_kind */
	uint8_t flags; /* enum gr_dwarf_var_flags */
};

struct gr_dwarf_function {
	/* Own DW_AT_name, or that of its DW_AT_abstract_origin. */
	const char *name;
	uint64_t die;
	/* [low_pc, high_pc), link-time. */
	uint64_t low_pc, high_pc;
	uint32_t nvars;
	/* Internal: index of the first var. */
	uint32_t first_var_;
};

struct gr_dwarf;

/*
 * Index the DWARF of @exe.  The result does not refer to @exe afterwards.
 * No DWARF is not an error (see gr_dwarf_present()); BAD_DATA for
 * malformed DWARF, UNSUPPORTED for forms goretain does not read (.zdebug
 * sections, split DWARF).
 */
GR_MUST_USE
struct gr_error *gr_dwarf_open(struct gr_exe *exe, struct gr_dwarf **ret);
void gr_dwarf_destroy(struct gr_dwarf *d);

/* False when the executable has no .debug_info. */
bool gr_dwarf_present(const struct gr_dwarf *d);
/* Highest compile-unit version seen (4 or 5 from Go), 0 without DWARF. */
unsigned gr_dwarf_version(const struct gr_dwarf *d);

size_t gr_dwarf_type_count(const struct gr_dwarf *d);
size_t gr_dwarf_global_count(const struct gr_dwarf *d);
size_t gr_dwarf_constant_count(const struct gr_dwarf *d);
size_t gr_dwarf_function_count(const struct gr_dwarf *d);
/* All vars of all functions. */
size_t gr_dwarf_var_count(const struct gr_dwarf *d);

/* --- types --- */

/* Type @id, or NULL if @id is out of range (e.g. GR_DWARF_NO_TYPE). */
const struct gr_dwarf_type *gr_dwarf_type(const struct gr_dwarf *d,
					  uint32_t id);
/*
 * The type named @name ("runtime.mspan", "*runtime.g", "[]uint8").  When
 * several DIEs share the name, the first that is not a go_alias typedef.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_type_by_name(const struct gr_dwarf *d,
				       const char *name, uint32_t *ret);
/* The type whose DW_AT_go_runtime_type is @addr (link-time); false if none. */
bool gr_dwarf_type_by_runtime_type(const struct gr_dwarf *d, uint64_t addr,
				   uint32_t *ret);
/*
 * Follow typedefs and qualifiers without a Go kind (Go's go_alias typedefs,
 * C typedefs, const...) to the type they name.  Stops at a typedef that has
 * a Go kind: Go writes maps, chans and interfaces as typedefs whose
 * DW_AT_type is only their runtime representation.  Bounded (cycles).
 */
uint32_t gr_dwarf_type_strip(const struct gr_dwarf *d, uint32_t id);
/* The type pointer type @id (stripped) points at, itself stripped;
 * GR_DWARF_NO_TYPE if @id is no pointer. */
uint32_t gr_dwarf_pointee(const struct gr_dwarf *d, uint32_t id);

/* Field @i of type @id (no typedef following), or NULL. */
const struct gr_dwarf_field *gr_dwarf_type_field(const struct gr_dwarf *d,
						 uint32_t id, uint32_t i);
/*
 * The first member called @name of type @id, after following every typedef
 * and qualifier (so that an interface type finds runtime.eface's "data").
 * NOT_FOUND names the type and the field.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_field(const struct gr_dwarf *d, uint32_t id,
				const char *name,
				const struct gr_dwarf_field **ret);
/*
 * Offset of member @field of the type named @type ("runtime.mspan",
 * "nelems"); NOT_FOUND says "no field runtime.mspan.nelems" either way.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_field_offset(const struct gr_dwarf *d,
				       const char *type, const char *field,
				       uint64_t *ret);

/* --- runtime layouts: members by path, sizes (dwarf_member.c) --- */

/*
 * Every "where is member X of runtime type T" question goes through
 * gr_dwarf_member: one walk, one size check, one message when the
 * runtime's shape is not the one goretain reads.
 */
struct gr_dwarf_member {
	/* From the start of the outer type: the offsets along the path
	 * added up. */
	uint64_t off;
	/* Byte size of the member's type; 0 when DWARF gives none. */
	uint64_t size;
	/* The member's type (not stripped). */
	uint32_t type;
};

/* The sizes a member may have, for gr_dwarf_member: GR_DWARF_SIZES(2, 8). */
#define GR_DWARF_SIZES(...) ((const uint64_t[]){__VA_ARGS__, 0})

/*
 * The member at dotted @path ("sched.sp", "cleanupBlockHeader.n") of type
 * @id, each step found as gr_dwarf_field finds it (typedefs followed).
 * When @sizes (zero-terminated, see GR_DWARF_SIZES) is not NULL the
 * member's size must be one of them.  UNSUPPORTED naming the type and the
 * whole path ("DWARF: runtime.g.sched.sp is not described", "... is 4
 * bytes, expected 8") when a step is missing or the size is not one
 * accepted: the runtime is not shaped as the caller reads it.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_member(const struct gr_dwarf *d, uint32_t id,
				 const char *path, const uint64_t *sizes,
				 struct gr_dwarf_member *ret);
/* The same, from the type named @type ("runtime.mspan"); a missing type
 * is UNSUPPORTED naming it and the path. */
GR_MUST_USE
struct gr_error *gr_dwarf_member_of(const struct gr_dwarf *d,
				    const char *type, const char *path,
				    const uint64_t *sizes,
				    struct gr_dwarf_member *ret);
/*
 * The value of resolved member @m of the struct at @base in the dead
 * process: m->size bytes (1, 2, 4 or 8) at base + m->off, little-endian,
 * zero-extended, read through gr_mem.  No name is looked up: resolve once
 * (gr_dwarf_member with the sizes the caller reads), read many times.
 * FAULT as gr_mem gives it (also when base + off wraps); UNSUPPORTED when
 * the member has another size (the resolver was asked for none, or for
 * one no integer has).
 */
GR_MUST_USE
struct gr_error *gr_dwarf_member_read(struct gr_mem *mem, uint64_t base,
				      const struct gr_dwarf_member *m,
				      uint64_t *ret);
/* Whether @type (by name) has member @path; for shape tests. */
bool gr_dwarf_has_member(const struct gr_dwarf *d, const char *type,
			 const char *path);

/*
 * Byte size of type @id, typedefs and qualifiers followed.  False when
 * DWARF gives it none (unspecified, incomplete, no such id): there is no
 * default size, each caller says what an unknown one means to it.
 */
bool gr_dwarf_type_size(const struct gr_dwarf *d, uint32_t id, uint64_t *ret);
/* The size of the type named @type; UNSUPPORTED naming it when it is
 * absent or has no size. */
GR_MUST_USE
struct gr_error *gr_dwarf_type_size_of(const struct gr_dwarf *d,
				       const char *type, uint64_t *ret);

/* --- globals, constants --- */

/* Global @i in DIE order, or NULL. */
const struct gr_dwarf_global *gr_dwarf_global_at_index(const struct gr_dwarf *d,
						       size_t i);
/* By name ("runtime.mheap_"); the first in DIE order if repeated. */
GR_MUST_USE
struct gr_error *gr_dwarf_global(const struct gr_dwarf *d, const char *name,
				 const struct gr_dwarf_global **ret);
/*
 * The global whose [addr, addr + size) holds @addr (a zero-sized or
 * unsized global only at its own address); NULL if none.
 */
const struct gr_dwarf_global *gr_dwarf_global_at(const struct gr_dwarf *d,
						 uint64_t addr);

const struct gr_dwarf_constant *
gr_dwarf_constant_at_index(const struct gr_dwarf *d, size_t i);
/* By name ("runtime._PageSize"); the first in DIE order if repeated. */
GR_MUST_USE
struct gr_error *gr_dwarf_constant(const struct gr_dwarf *d, const char *name,
				   int64_t *ret);

/* --- functions --- */

const struct gr_dwarf_function *
gr_dwarf_function_at_index(const struct gr_dwarf *d, size_t i);
/* The function whose [low_pc, high_pc) holds @pc (link-time), or NULL. */
const struct gr_dwarf_function *gr_dwarf_function_at(const struct gr_dwarf *d,
						     uint64_t pc);
/* Var @i of @fn (in DIE order), or NULL. */
const struct gr_dwarf_var *gr_dwarf_function_var(const struct gr_dwarf *d,
						 const struct gr_dwarf_function *fn,
						 uint32_t i);

/* --- layout packs (dwarf_pack.c) --- */

/*
 * A layout pack is the part of a Go release's runtime DWARF that goretain's
 * analysis reads (the runtime, internal and sync types it looks up by name
 * with the types they contain, the constants and the runtime globals it
 * asks for), written as text from the DWARF of binaries built by that
 * release (tests/tools/mkpack.c, scripts/make-packs.sh) and compiled into
 * goretain (layouts/packs.h).  A stripped binary's index is built from its
 * release's pack: every layout query then answers as it would have with
 * DWARF.  Globals have no address in a pack (each binary places them
 * differently); the pack says how to find each one in the machine code
 * instead: the @ordinal-th address, among those with code fingerprint @fp,
 * that function @func refers to inside the binary's data and bss, minus
 * @delta.  Runtime code is the same in every
 * binary of a release, so that reference is too; gr_locate resolves it.
 */
struct gr_dwarf_locator {
	const char *func; /* "runtime.(*mheap).init"; NULL: none */
	uint32_t fp;	  /* code fingerprint (locate.h) */
	uint32_t ordinal; /* among the function's references with @fp */
	int64_t delta;
};
/*
 * A pack gives each global up to this many locators in different
 * functions: a function the linker left out of one program (a String
 * method nobody calls) does not lose the global.  Those that resolve must
 * agree, else the global is left unplaced.
 */
#define GR_DWARF_MAX_LOCATORS 3

/* Resolve @loc to a link-time address; false if it cannot be. */
typedef bool gr_dwarf_locate_fn(void *arg, const struct gr_dwarf_locator *loc,
				uint64_t *addr);

/*
 * Build an index from the pack text @text/@len, asking @locate for every
 * global's address; globals it cannot place are left out (counted by
 * gr_dwarf_pack_unlocated).  BAD_DATA names the line of a malformed pack.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_from_pack(const char *text, size_t len,
				    gr_dwarf_locate_fn *locate, void *arg,
				    struct gr_dwarf **ret);
/* The Go version of the pack the index was built from, NULL for DWARF. */
const char *gr_dwarf_pack_version(const struct gr_dwarf *d);
/* Globals of the pack that the binary's code did not place. */
size_t gr_dwarf_pack_unlocated(const struct gr_dwarf *d);

/*
 * Recording, for making packs: from this call on, every type, global and
 * constant a query hands out is marked (gr_dwarf_recorded).  NOMEM only.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_record(struct gr_dwarf *d);
enum gr_dwarf_rec_kind { GR_DWARF_REC_TYPE, GR_DWARF_REC_GLOBAL,
			 GR_DWARF_REC_CONSTANT };
/* Whether item @i of @kind was used (@named: found by name); false when
 * not recording. */
bool gr_dwarf_recorded(const struct gr_dwarf *d, enum gr_dwarf_rec_kind kind,
		       size_t i, bool named);

/* --- types made from runtime type descriptors (dwarf_synth.c) --- */

/*
 * A stripped binary's index (a layout pack) knows the runtime's types but
 * not the program's; gr_rtype_synth adds them from the binary's type
 * descriptors, shaped as Go's DWARF would have them, so that everything
 * built on DWARF types works.  New types start as placeholders (kind
 * UNSPECIFIED, no size) and are filled through gr_dwarf_synth_edit; the
 * fields of one type must be added one after another, with no other
 * type's in between.  Lookups by name and runtime type see the new types
 * after gr_dwarf_synth_done.
 */
GR_MUST_USE
struct gr_error *gr_dwarf_synth_type(struct gr_dwarf *d, const char *name,
				     uint32_t *id);
struct gr_dwarf_type *gr_dwarf_synth_edit(struct gr_dwarf *d, uint32_t id);
GR_MUST_USE
struct gr_error *gr_dwarf_synth_field(struct gr_dwarf *d, uint32_t owner,
				      const char *name, uint64_t offset,
				      uint32_t type);
GR_MUST_USE
struct gr_error *gr_dwarf_synth_done(struct gr_dwarf *d);

#endif /* GR_DWARF_H */
