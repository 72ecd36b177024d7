/* SPDX-License-Identifier: MIT */
/*
 * gr_codetypes: what the machine code stores into package-level
 * variables, for binaries whose globals have no declared types.
 *
 * A stripped binary says nothing of main.cache's type, but the code that
 * fills it does.  The compiler passes the type descriptor of what it
 * allocates in a register and stores the result with a RIP-relative MOV:
 *
 *	LEAQ type:main.Holder(SB), AX         LEAQ type:int64(SB), AX
 *	CALL runtime.newobject(SB)            CALL runtime.makeslice(SB)
 *	MOVQ AX, main.left(SB)                MOVQ AX, main.ids(SB)
 *
 * and passes a map's type with the map itself to every map operation:
 *
 *	MOVQ main.sessions(SB), BX
 *	LEAQ type:map[string]*main.Session(SB), AX
 *	CALL runtime.mapassign_faststr(SB)
 *
 * gr_codetypes_create() decodes every function once (gr_x86) and follows
 * the integer registers through each straight-line run of instructions:
 * a register holds a descriptor (LEAQ into [types, etypes)), another
 * address LEAQ loaded, a global's value (MOVQ from data or bss), or an
 * allocation's result (after runtime.newobject, the Go 1.26+
 * size-specialized runtime.mallocgc* with the type in BX,
 * runtime.makeslice, growslice, makemap, makechan).  Any instruction
 * that may write a register it does not understand forgets that
 * register; a call forgets them all but its result (the write barrier's
 * helpers keep them: they preserve the general registers), an
 * unconditional jump or return forgets everything.  What reaches a store
 * into data or bss, or a map operation on a global's value, becomes a
 * record for that word; a word given two different records is dropped
 * (ambiguous), never guessed.  amd64 only.
 *
 * This is evidence from the code, not from the core: gr_types uses it
 * only for words the binary gives no type, and calls what it types from
 * it inferred.
 *
 * The same pass keeps, for every word of data and bss that code refers
 * to (any RIP-relative operand), the function that does: a stripped
 * binary's global "bss+0x1a8" is then "used by main.main"
 * (gr_codetypes_user).
 */
#ifndef GR_CODETYPES_H
#define GR_CODETYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/moduledata.h"
#include "forensics/04-gobin/pclntab.h"

/* What the word at a record's address holds. */
enum gr_codetype_kind {
	/* A pointer to one value of type @type (runtime.newobject). */
	GR_CODETYPE_POINTER,
	/* A pointer to an array of @type (a slice's data word: makeslice,
	 * growslice). */
	GR_CODETYPE_ARRAY,
	/* A map of map type @type (makemap, or a map operation on it). */
	GR_CODETYPE_MAP,
	/* A channel of chan type @type (makechan). */
	GR_CODETYPE_CHAN,
	/* An interface's first word: @type is the address stored there, a
	 * type descriptor (empty interface) or an itab (the caller checks
	 * which); the data word follows. */
	GR_CODETYPE_IFACE,
};

struct gr_codetype {
	uint64_t addr; /* runtime address of the word */
	uint64_t type; /* runtime address of the descriptor (or itab) */
	enum gr_codetype_kind kind;
	/* From what a called function returns, not from the code that
	 * stores the word (weaker: a direct record of the word wins). */
	bool derived;
};

struct gr_codetypes;

/*
 * Scan the code of every function of @pcln through @mem.  @md gives the
 * module's type data [types, etypes) and its data and bss.  NOT_FOUND
 * when the pclntab has none of the allocation functions (not Go code as
 * this module knows it).  Functions whose code cannot be read are
 * skipped.  @pcln must outlive the result (names); @mem and @md are not
 * kept.  NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_codetypes_create(struct gr_mem *mem,
				     const struct gr_pcln *pcln,
				     const struct gr_moduledata *md,
				     struct gr_codetypes **ret);
void gr_codetypes_destroy(struct gr_codetypes *c);

/*
 * The scan of one function alone, its code [@entry, @entry + @len) read
 * through @mem, no runtime function known (every call an ordinary one)
 * and no names (gr_codetypes_user finds none): for the fuzz target
 * (tests/fuzz/fuzz_code.c).  LIMIT past the scan's largest function;
 * code @mem lacks is CONTENT; NOMEM.
 */
GR_MUST_USE
struct gr_error *gr_codetypes_scan_one(struct gr_mem *mem,
				       const struct gr_moduledata *md,
				       uint64_t entry, size_t len,
				       struct gr_codetypes **ret);

/* The records, sorted by address, one per word (ambiguous words gone). */
size_t gr_codetypes_count(const struct gr_codetypes *c);
const struct gr_codetype *gr_codetypes_get(const struct gr_codetypes *c,
					   size_t i);
/* The record of the word at @addr, or NULL. */
const struct gr_codetype *gr_codetypes_find(const struct gr_codetypes *c,
					    uint64_t addr);

/*
 * What lives at a package variable's address, from the methods the code
 * calls on it: LEAQ encoding/json.fieldCache(SB), AX; CALL
 * sync.(*Map).Load(SB) says a sync.Map is there (the variable, or the
 * field of it at that address).  Sorted by address, one per address
 * (two type names for one address: dropped).
 */
struct gr_codetype_value {
	uint64_t addr;
	const char *type; /* "sync.Map": package path, dot, type name */
};

size_t gr_codetypes_value_count(const struct gr_codetypes *c);
const struct gr_codetype_value *
gr_codetypes_value_get(const struct gr_codetypes *c, size_t i);

/*
 * The record of a goroutine frame's slot: the stack word @disp bytes
 * above the SP of a frame of the function at @entry, when every store
 * the function makes there (MOVQ reg, disp(SP)) stores the same thing.
 * The returned record's addr is @disp, not an address; NULL if none.
 */
const struct gr_codetype *gr_codetypes_frame(const struct gr_codetypes *c,
					     uint64_t entry, int64_t disp);

/*
 * The function that best names the words [@lo, @hi): of those referring
 * to a word there, the program's own before the runtime's, then the first
 * in address order.  *ret is its pclntab name (owned by the pclntab).
 * False when no code refers to the range.
 */
bool gr_codetypes_user(const struct gr_codetypes *c, uint64_t lo, uint64_t hi,
		       const char **ret);

#endif /* GR_CODETYPES_H */
