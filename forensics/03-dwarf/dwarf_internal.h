/* SPDX-License-Identifier: MIT */
/*
 * Internals of gr_dwarf shared by its files (dwarf_*.c); nothing outside
 * the module includes this.
 *
 *   dwarf_load.c     libdwarf session over the exe's sections, open/destroy
 *   dwarf_attrs.c    one DIE's attributes, form by form
 *   dwarf_index.c    the walk over every DIE
 *   dwarf_records.c  appending records during the walk
 *   dwarf_resolve.c  after the walk: references, sizes, lookup tables
 *   dwarf_util.c     arena, name table, vector growth
 *   dwarf_types.c    type queries
 *   dwarf_symbols.c  globals, constants, functions
 */
#ifndef GR_DWARF_INTERNAL_H
#define GR_DWARF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libdwarf/libdwarf.h>

#include "forensics/01-base/error.h"
#include "forensics/01-base/hash.h"
#include "forensics/03-dwarf/dwarf.h"

/* A layout pack's first line: the magic and the format version
 * (dwarf_pack.c reads packs, tests/tools/pack_write.c writes them). */
#define GR_DWARF_PACK_MAGIC "goretain-layout-pack"
enum { GR_DWARF_PACK_FORMAT = 1 };

/* --- dwarf_util.c --- */

/* Bump allocator for names and expression bytes; freed all at once. */
struct gr_dwarf_arena {
	struct gr_dwarf_arena_chunk *head;
	size_t used, cap;
};

void *dwarfi_arena_alloc(struct gr_dwarf_arena *a, size_t size);
/* Copy of @s[0..len) plus a NUL; NULL when out of memory. */
char *dwarfi_arena_strdup(struct gr_dwarf_arena *a, const char *s,
			    size_t len);
void dwarfi_arena_deinit(struct gr_dwarf_arena *a);

/*
 * Name -> dense index, a gr_hash over the names in the order added.  Sized
 * once for the number of names it will hold; the first index added for a
 * name wins.  Names are not copied: they must outlive the table.
 */
struct gr_dwarf_names {
	struct gr_hash index; /* name -> entry */
	const char **names;   /* per entry */
	uint32_t *idx;	      /* per entry: the index added */
	size_t n, cap, idx_cap;
};

GR_MUST_USE
struct gr_error *dwarfi_names_init(struct gr_dwarf_names *t, size_t n);
void dwarfi_names_add(struct gr_dwarf_names *t, const char *name,
			uint32_t idx);
/* The index added for @name, or GR_DWARF_NO_TYPE. */
uint32_t dwarfi_names_find(const struct gr_dwarf_names *t, const char *name);
void dwarfi_names_deinit(struct gr_dwarf_names *t);

/*
 * Copies of strings in an arena, one per distinct string (a big binary
 * names 150k variables with 12k names).  Only needed while building.
 */
struct dwarfi_intern {
	struct gr_hash index; /* string -> entry */
	const char **strs;    /* per entry, in the arena */
	size_t count, cap;
};

GR_MUST_USE
struct gr_error *dwarfi_intern(struct dwarfi_intern *t,
				 struct gr_dwarf_arena *a, const char *s,
				 const char **ret);
void dwarfi_intern_deinit(struct dwarfi_intern *t);

/* --- the index itself --- */

struct gr_dwarf_addr_entry {
	uint64_t addr;
	uint32_t id;
};

struct gr_dwarf {
	bool present;
	unsigned version;

	struct gr_dwarf_type *types;
	size_t ntypes, types_cap;
	struct gr_dwarf_field *fields;
	size_t nfields, fields_cap;
	struct gr_dwarf_global *globals;
	size_t nglobals, globals_cap;
	struct gr_dwarf_constant *constants;
	size_t nconstants, constants_cap;
	struct gr_dwarf_function *functions;
	size_t nfunctions, functions_cap;
	struct gr_dwarf_var *vars;
	size_t nvars, vars_cap;

	/* Sorted by address; see dwarf_resolve.c. */
	struct gr_dwarf_addr_entry *by_runtime_type;
	size_t nby_runtime_type;
	uint32_t *globals_by_addr;
	uint32_t *functions_by_pc;

	struct gr_dwarf_names type_names, global_names, constant_names;
	struct gr_dwarf_arena arena;

	/*
	 * Recording (gr_dwarf_record): one byte per type, global and constant,
	 * set when a query hands it out.  NULL unless recording.  The index is
	 * otherwise read-only; the marks are bookkeeping, not state.
	 */
	uint8_t *rec_types, *rec_globals, *rec_constants;

	/* Built from a layout pack (dwarf_pack.c), not from .debug_info. */
	const char *pack_go_version;
	size_t pack_unlocated;
};

/* Marks of a recording index (see rec_types). */
enum {
	GR_DWARF_REC_USED = 1,	/* handed out by any query */
	GR_DWARF_REC_NAMED = 2, /* found by name */
};

/* dwarf_resolve.c: the name and address tables of a filled index. */
GR_MUST_USE
struct gr_error *dwarfi_build_tables(struct gr_dwarf *d);

/* --- dwarf_attrs.c --- */

enum gr_dwarf_attr_loc {
	GR_DWARF_ATTR_LOC_NONE,
	GR_DWARF_ATTR_LOC_BLOCK,   /* loc/loc_len */
	GR_DWARF_ATTR_LOC_LOCLIST, /* loclist */
};

/*
 * The attributes of one DIE that the index uses.  References are global
 * .debug_info offsets, 0 when absent (offset 0 is a unit header, never a
 * DIE).  String and block pointers point into section bytes owned by the
 * gr_exe and are copied before the walk ends.
 */
struct gr_dwarf_attrs {
	const char *name;
	const uint8_t *loc;
	size_t loc_len;
	uint64_t byte_size, count, upper_bound, member_offset;
	uint64_t low_pc, high_pc, runtime_type, loclist;
	int64_t const_value;
	uint64_t closure_offset;
	uint64_t type, elem, key, origin;
	uint8_t go_kind, encoding, loc_kind;
	bool has_byte_size : 1, has_count : 1, has_upper_bound : 1,
		has_member_offset : 1, has_low_pc : 1, has_high_pc : 1,
		high_pc_is_offset : 1, has_const_value : 1, embedded : 1,
		variable_parameter : 1, has_closure_offset : 1;
};

/*
 * Read the attributes of @die.  A libdwarf failure is returned as
 * BAD_DATA naming @path and the DIE offset @off.
 */
GR_MUST_USE
struct gr_error *dwarfi_read_attrs(Dwarf_Debug dbg, Dwarf_Die die,
				     uint64_t off, const char *path,
				     struct gr_dwarf_attrs *ret);
/* Translate a libdwarf error (freeing it) into BAD_DATA. */
GR_MUST_USE
struct gr_error *dwarfi_lib_error(Dwarf_Debug dbg, Dwarf_Error e,
				    const char *path, uint64_t off,
				    const char *what);

/* --- dwarf_index.c, dwarf_resolve.c --- */

/* What a function or var refers to by DIE offset until the walk ends. */
struct gr_dwarf_abstract {
	uint64_t die;
	uint64_t type;
	const char *name;
};

/*
 * Per-open builder: the reference offsets parallel to the record arrays
 * (resolved into ids by dwarfi_resolve) and the abstract subprograms and
 * vars that concrete ones name through DW_AT_abstract_origin.
 */
struct gr_dwarf_build {
	struct gr_dwarf *d;
	Dwarf_Debug dbg;
	const char *path;
	uint64_t info_size;
	struct gr_dwarf_type_refs {
		uint64_t type, elem, key; /* DW_AT_type, go_elem, go_key */
	} *type_refs;
	size_t type_refs_cap;
	uint64_t *field_refs, *global_refs, *const_refs, *var_refs;
	size_t field_refs_cap, global_refs_cap, const_refs_cap, var_refs_cap;
	uint64_t *var_origins, *func_origins;
	size_t var_origins_cap, func_origins_cap;
	/* The type / function each field / var belongs to. */
	uint32_t *field_owner, *var_owner;
	size_t field_owner_cap, var_owner_cap;
	struct gr_dwarf_abstract *abstracts;
	size_t nabstracts, abstracts_cap;
	struct dwarfi_intern names;
};

/* dwarf_records.c: append one record; ids and owners as in dwarf.h. */
/* enum dwarfi_type_kind of a type tag, -1 for other tags. */
int dwarfi_type_kind(Dwarf_Half tag);
/* True if the location is exactly DW_OP_addr ADDR (a global's). */
bool dwarfi_addr_expr(const struct gr_dwarf_attrs *a, uint64_t *addr);
GR_MUST_USE
struct gr_error *dwarfi_add_type(struct gr_dwarf_build *b, Dwarf_Half tag,
				   uint64_t off, const struct gr_dwarf_attrs *a,
				   uint32_t *ret);
GR_MUST_USE
struct gr_error *dwarfi_add_field(struct gr_dwarf_build *b, uint32_t owner,
				    const struct gr_dwarf_attrs *a);
GR_MUST_USE
struct gr_error *dwarfi_add_global(struct gr_dwarf_build *b, uint64_t addr,
				     const struct gr_dwarf_attrs *a);
GR_MUST_USE
struct gr_error *dwarfi_add_constant(struct gr_dwarf_build *b,
				       const struct gr_dwarf_attrs *a);
GR_MUST_USE
struct gr_error *dwarfi_add_function(struct gr_dwarf_build *b, uint64_t off,
				       const struct gr_dwarf_attrs *a,
				       uint32_t *ret);
/* @flags: GR_DWARF_VAR_PARAM / _INLINED; _RETURN comes from @a. */
GR_MUST_USE
struct gr_error *dwarfi_add_var(struct gr_dwarf_build *b, uint32_t fn,
				  uint8_t flags, const struct gr_dwarf_attrs *a);
/* A DIE that concrete ones name through DW_AT_abstract_origin. */
GR_MUST_USE
struct gr_error *dwarfi_add_abstract(struct gr_dwarf_build *b, uint64_t off,
				       const struct gr_dwarf_attrs *a);

/* Walk every compile unit of b->dbg into b->d. */
GR_MUST_USE
struct gr_error *dwarfi_index(struct gr_dwarf_build *b);
/* Turn offsets into ids and build the lookup tables. */
GR_MUST_USE
struct gr_error *dwarfi_resolve(struct gr_dwarf_build *b);

#endif /* GR_DWARF_INTERNAL_H */
