/* SPDX-License-Identifier: MIT */
/*
 * Special records (runtime/mheap.go `special` and its kinds): goretain's
 * own numbering of the kinds, and the runtime's kind byte for each, per Go
 * version.
 *
 * The kind bytes are Go constants (_KindSpecialFinalizer ...).  The linker
 * keeps them in DWARF in every version 1.19-1.27 (DW_TAG_constant
 * "runtime._KindSpecialFinalizer"), and forensics/09-roots/specials.c reads them
 * from there first; the table here is the fallback for binaries without
 * DWARF and the cross-check of tests/unit/test_specials.c.  They are not
 * stable: 1.23 inserted WeakHandle at 2, 1.25 inserted TinyBlock at 1
 * ("so that it always appears first in the specials list").
 *
 * Checklist for a new Go version 1.NN: read the const block above
 * `type special struct` in /usr/lib/go-1.NN/src/runtime/mheap.go; add a
 * row to layouts/special_kinds.c or widen the last one; run `make unit`
 * (test_specials compares the table with the DWARF constants of the cached
 * cores of every version).
 */
#ifndef GR_LAYOUTS_SPECIALS_H
#define GR_LAYOUTS_SPECIALS_H

#include <stdint.h>

#include "forensics/01-base/error.h"

/* X(ENUM, "json name", "runtime constant") */
#define GR_SPECIAL_KINDS(X)                                                    \
	X(TINY_BLOCK, "tiny-block", "runtime._KindSpecialTinyBlock")           \
	X(FINALIZER, "finalizer", "runtime._KindSpecialFinalizer")             \
	X(WEAK_HANDLE, "weak-handle", "runtime._KindSpecialWeakHandle")        \
	X(PROFILE, "profile", "runtime._KindSpecialProfile")                   \
	X(REACHABLE, "reachable", "runtime._KindSpecialReachable")             \
	X(PIN_COUNTER, "pin-counter", "runtime._KindSpecialPinCounter")        \
	X(CLEANUP, "cleanup", "runtime._KindSpecialCleanup")                   \
	X(CHECK_FINALIZER, "check-finalizer",                                  \
	  "runtime._KindSpecialCheckFinalizer")                                \
	X(BUBBLE, "bubble", "runtime._KindSpecialBubble")                      \
	X(SECRET, "secret", "runtime._KindSpecialSecret")

enum gr_special_kind {
#define GR_X(e, json, cname) GR_SPECIAL_##e,
	GR_SPECIAL_KINDS(GR_X)
#undef GR_X
	GR_SPECIAL_KIND_COUNT,
	/* A kind byte the binary's table does not list. */
	GR_SPECIAL_UNKNOWN = GR_SPECIAL_KIND_COUNT,
};

/* The runtime's kind byte of each kind in one binary; 0 = no such kind
 * (the runtime never uses 0: every list starts at 1). */
struct gr_special_kinds {
	uint8_t value[GR_SPECIAL_KIND_COUNT];
	const char *source; /* static: "DWARF", "go1.22 table" */
};

const char *gr_special_kind_name(enum gr_special_kind k); /* "finalizer" */
/* "runtime._KindSpecialFinalizer" */
const char *gr_special_kind_constant(enum gr_special_kind k);

/*
 * The table row of Go 1.@minor (major must be 1).  UNSUPPORTED for a
 * version without a verified row (1.20, before 1.19, after 1.27).
 */
GR_MUST_USE
struct gr_error *gr_layout_special_kinds(unsigned major, unsigned minor,
					 struct gr_special_kinds *ret);

/* The kind whose byte is @raw, or GR_SPECIAL_UNKNOWN. */
enum gr_special_kind gr_special_kind_decode(const struct gr_special_kinds *k,
					    uint8_t raw);

#endif /* GR_LAYOUTS_SPECIALS_H */
