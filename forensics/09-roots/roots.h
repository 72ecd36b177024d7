/* SPDX-License-Identifier: MIT */
/*
 * gr_roots: every place the garbage collector starts marking from, each
 * with a kind, a name people can read, and its pointer slots.
 *
 * A root is a named holder (a global, a goroutine frame's variable, a
 * finalizer, a sync.Pool...).  Its pointer slots are (slot address, value)
 * pairs stored contiguously per root (CSR), so a root with a million slots
 * costs 16 bytes a slot and nothing per slot elsewhere.  Producers (globals,
 * goroutine stacks, specials, pools, runtime internals) append roots with
 * gr_roots_add() then their slots with gr_roots_add_slot(), which always
 * go to the root added last.
 *
 * Names and type names are copied into the gr_roots' own storage.
 */
#ifndef GR_ROOTS_H
#define GR_ROOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"

/* X(ENUM, "json name", "human description") */
#define GR_ROOT_KINDS(X)                                                       \
	X(DATA, "data", "global in .data")                                     \
	X(BSS, "bss", "global in .bss")                                        \
	X(STACK, "stack", "goroutine stack slot")                              \
	X(STACK_CONSERVATIVE, "stack-conservative",                            \
	  "conservatively scanned frame (async preemption)")                  \
	X(FINALIZER, "finalizer", "finalizer function or closure")             \
	X(FINALIZER_OBJECT, "finalizer-object",                                \
	  "object kept alive by its own finalizer")                           \
	X(CLEANUP, "cleanup", "runtime.AddCleanup function or argument")       \
	X(FINQ, "finq", "finalizer queued to run")                             \
	X(CLEANUP_QUEUE, "cleanup-queue", "cleanup queued to run")             \
	X(POOL, "pool", "sync.Pool contents")                                  \
	X(POOL_VICTIM, "pool-victim", "sync.Pool victim cache")                \
	X(TINY, "tiny", "mcache tiny allocator block")                         \
	X(CHANNEL_WAIT, "channel-wait", "element of a goroutine blocked on a " \
					"channel (sudog)")                    \
	X(DEFER, "defer", "defer or panic record")                             \
	X(TIMER, "timer", "runtime timer")                                     \
	X(RUNTIME, "runtime", "runtime-internal root")                         \
	X(OTHER, "other", "other root")

enum gr_root_kind {
#define GR_X(e, json, desc) GR_ROOT_##e,
	GR_ROOT_KINDS(GR_X)
#undef GR_X
	GR_ROOT_KIND_COUNT
};

const char *gr_root_kind_name(enum gr_root_kind kind);	   /* "data" */
const char *gr_root_kind_describe(enum gr_root_kind kind); /* sentence */

enum { GR_ROOT_NO_GOROUTINE = UINT32_MAX, GR_ROOT_NO_TYPE = UINT32_MAX };

struct gr_root {
	enum gr_root_kind kind;
	/* "main.sessions", "goroutine 7 main.worker frame 2 var buf",
	 * "data+0x1a8", "finalizer for 0xc000123450". */
	const char *name;
	/* Where the root lives (global or stack slot address), 0 if none. */
	uint64_t addr;
	/* Bytes the root occupies (global size, slot size); 0 if unknown. */
	uint64_t size;
	/* DWARF type id of the root's declared type, or GR_ROOT_NO_TYPE. */
	uint32_t dwarf_type;
	/* Index of the goroutine for stack roots, else GR_ROOT_NO_GOROUTINE. */
	uint32_t goroutine;
	/* Weak roots (Pool victim cache, finalizer-only links) are followed
	 * for reachability but avoided in "why" paths unless asked. */
	bool weak;
	/* A goroutine frame's root: the frame's SP and its function's
	 * entry PC (gr_roots_set_frame), so that a slot's offset in the
	 * frame is known; 0 for other roots. */
	uint64_t frame_sp, frame_entry;
	/* Internal: CSR range of slots. */
	uint64_t first_slot_, nslots_;
};

struct gr_root_slot {
	uint64_t slot;	/* address of the word (0 if synthetic) */
	uint64_t value; /* the pointer */
};

struct gr_roots;

GR_MUST_USE
struct gr_error *gr_roots_create(struct gr_roots **ret);
void gr_roots_destroy(struct gr_roots *r);

/*
 * Append a root; @name is copied.  Returns its index through *ret (may be
 * NULL).  Slots added next belong to it.
 */
GR_MUST_USE
struct gr_error *gr_roots_add(struct gr_roots *r, enum gr_root_kind kind,
			      const char *name, uint64_t addr, uint64_t size,
			      uint32_t dwarf_type, uint32_t goroutine,
			      bool weak, uint32_t *ret);
/* Root @i is a slot (or slots) of the frame at @sp of the function at
 * @entry. */
void gr_roots_set_frame(struct gr_roots *r, size_t i, uint64_t sp,
			uint64_t entry);

/* Give root @i the name @name (copied).  NOMEM, and then the old name
 * stays. */
GR_MUST_USE
struct gr_error *gr_roots_rename(struct gr_roots *r, size_t i,
				 const char *name);
/* Append a pointer slot to the root added last. */
GR_MUST_USE
struct gr_error *gr_roots_add_slot(struct gr_roots *r, uint64_t slot,
				   uint64_t value);

size_t gr_roots_count(const struct gr_roots *r);
const struct gr_root *gr_roots_get(const struct gr_roots *r, size_t i);
size_t gr_roots_slot_count(const struct gr_roots *r, size_t i);
const struct gr_root_slot *gr_roots_slots(const struct gr_roots *r, size_t i);

#endif /* GR_ROOTS_H */
