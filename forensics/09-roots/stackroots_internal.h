/* SPDX-License-Identifier: MIT */
/*
 * Internals of gr_stackroots shared by stackroots*.c: naming stack slots
 * after the DWARF variables that occupy them, and the per-goroutine scan
 * state.
 */
#ifndef GR_STACKROOTS_INTERNAL_H
#define GR_STACKROOTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/02-input/mem.h"
#include "forensics/03-dwarf/dwarf.h"
#include "forensics/08-stacks/goroutines.h"
#include "forensics/09-roots/roots.h"
#include "forensics/09-roots/stackroots.h"

struct gr_session;
struct gr_heap;
struct gr_pcln;

/* One stack-resident piece of a variable at a given pc. */
struct gr_sr_piece {
	int64_t cfa_off;  /* the piece starts at CFA + cfa_off */
	uint64_t size;	  /* bytes */
	uint64_t var_off; /* where the piece sits in the variable */
	const char *name; /* owned by the gr_dwarf */
	uint32_t type;	  /* DWARF type of the whole variable */
	/*
	 * Go's compiler writes a piece kept at CFA+0 as a bare
	 * DW_OP_call_frame_cfa (cmd/compile/internal/ssa/debug.go), and
	 * emits it for pieces of multi-piece variables that are not really
	 * there; such a piece loses against any other claim to the slot.
	 */
	bool weak;
};

struct gr_sr_vars {
	struct gr_sr_piece *p;
	size_t n, cap;
};

struct gr_sr_names;

/* Never fails for missing DWARF: lookups then find nothing. */
GR_MUST_USE
struct gr_error *stackroots_names_create(struct gr_session *s,
				    struct gr_sr_names **ret);
void stackroots_names_destroy(struct gr_sr_names *nm);

/*
 * The stack-resident pieces of the variables of the function containing
 * runtime pc @pc, as located at @pc, into @out (emptied first).  A variable
 * whose location cannot be decoded is left out.
 */
GR_MUST_USE
struct gr_error *stackroots_frame_vars(struct gr_sr_names *nm, uint64_t pc,
				  struct gr_sr_vars *out);
/* The best piece covering stack address @addr of a frame whose CFA is
 * @cfa, with the offset of @addr in its variable; NULL if none. */
const struct gr_sr_piece *stackroots_lookup(const struct gr_sr_vars *v,
				       uint64_t cfa, uint64_t addr,
				       uint64_t *var_off);
void stackroots_vars_free(struct gr_sr_vars *v);

/* A stack object (mgcstack.go stackObject) of the goroutine being scanned. */
struct gr_sr_obj {
	uint64_t addr, size;
	/* Bytes that may hold pointers; for Go <= 1.23 records whose type
	 * uses a GC program, the runtime stores -ptrdata. */
	int64_t ptrdata;
	uint64_t gcdata; /* runtime address of the pointer mask */
	uint32_t frame;	 /* index of the frame declaring it */
	bool scanned;
};

/* Pointers into the stack waiting to be resolved to stack objects. */
struct gr_sr_ptrs {
	uint64_t *v;
	size_t n, cap;
};

/* No frame: a root of the goroutine itself (ctxt, defers, registers). */
enum { GR_SR_NO_FRAME = UINT32_MAX };

struct gr_sr_scan {
	struct gr_session *s;
	struct gr_mem *mem;
	struct gr_pcln *pcln;
	const struct gr_goroutines *gs;
	const struct gr_unwind *unwind;
	const struct gr_heap *heap;
	struct gr_roots *roots;
	struct gr_sr_names *names;
	struct gr_stackroots_stats st;
	uint64_t gofunc, rodata;
	/* runtime.methodValueCallFrameObjs, 0 if absent. */
	uint64_t method_value_objs;
	/* _defer and sudog members (goroutines_layout.c resolves the same). */
	/* _defer.fn and .link words, .heap bool; sudog.elem and .waitlink
	 * words (waitlink.size 0: absent). */
	struct gr_dwarf_member defer_fn, defer_link, defer_heap;
	struct gr_dwarf_member sudog_elem, sudog_waitlink;

	/* The goroutine being scanned. */
	size_t gi;
	const struct gr_goroutine *g;
	const struct gr_frame *frames;
	struct gr_sr_obj *objs;
	size_t nobjs, objs_cap;
	/* mgcstack.go stackScanState: precise pointers are resolved before
	 * conservative ones, so an object reached both ways is scanned
	 * precisely. */
	struct gr_sr_ptrs precise, conservative;

	/* Slot addresses reported for the goroutine being scanned (a word
	 * can be both in a frame's pointer map and in a stack object, and
	 * is reported once): open addressing, entries of older goroutines
	 * told apart by their generation. */
	struct gr_sr_seen {
		uint64_t slot;
		uint64_t gen;
	} *seen;
	size_t seen_cap, seen_n;
	uint64_t gen;

	/* The root slots go to: kind and name of the root added last. */
	bool have_root;
	enum gr_root_kind root_kind;
	char root_name[512];

	/* DWARF variables at a pc and how roots call a frame at that pc
	 * ("main.holder (inlined in main.main.gowrap4)"): direct-mapped by
	 * pc, since thousands of goroutines often wait at the same pcs. */
	struct gr_sr_frame_info {
		uint64_t pc; /* 0: empty */
		struct gr_sr_vars vars;
		char label[256];
	} frame_cache[64];
};

/* Report word @slot holding @value: follow it into the stack, or add it to
 * the root named after @frame and the variable at @slot (or @what). */
GR_MUST_USE
struct gr_error *stackroots_word(struct gr_sr_scan *sc, uint32_t frame,
			    const char *what, enum gr_root_kind kind,
			    uint64_t slot, uint64_t value);
/* Queue a pointer into the stack (mgcstack.go putPtr). */
GR_MUST_USE
struct gr_error *stackroots_put_ptr(struct gr_sr_scan *sc, uint64_t v,
			       bool conservative);
/* Scan [addr, addr + 8*nbits) with the bitmap at runtime address @mask
 * (NULL mask address 0: every word). */
GR_MUST_USE
struct gr_error *stackroots_block(struct gr_sr_scan *sc, uint32_t frame,
			     const char *what, bool conservative,
			     uint64_t addr, uint64_t nbits, uint64_t mask);
/* Record a stack object declared by frame @frame. */
GR_MUST_USE
struct gr_error *stackroots_add_object(struct gr_sr_scan *sc, uint32_t frame,
				  uint64_t addr, int64_t size,
				  int64_t ptrdata, uint64_t gcdata);
/* Follow the pointers into the stack found so far (stackroots_objects.c). */
GR_MUST_USE
struct gr_error *stackroots_drain(struct gr_sr_scan *sc);
/* Defer records, panics, sudogs of the goroutine (stackroots_objects.c). */
GR_MUST_USE
struct gr_error *stackroots_goroutine_extras(struct gr_sr_scan *sc);

#endif /* GR_STACKROOTS_INTERNAL_H */
