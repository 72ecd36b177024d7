/* SPDX-License-Identifier: MIT */
/*
 * gr_closures: which struct type a func literal's closures have, read from
 * the machine code that allocates them.
 *
 * A closure that escapes is a heap object "struct { F uintptr; captured
 * ... }" (cmd/compile/internal/typecheck ClosureType: by-value captures as
 * themselves, by-reference ones as pointers).  Go 1.23+ records each
 * captured variable's offset in DWARF (DW_AT_go_closure_offset); before
 * that, the only record of the layout is the struct's runtime type
 * descriptor, which the creating function passes to runtime.newobject just
 * before it stores the func literal's PC in the new object:
 *
 *	LEAQ type:noalg.struct { F uintptr; main.x *T }(SB), AX
 *	CALL runtime.newobject(SB)
 *	LEAQ main.f.func1(SB), CX
 *	MOVQ CX, (AX)
 *
 * (Go 1.26+ may call the size-specialized runtime.mallocgc* functions
 * directly, the type then in BX.)  gr_closures_create() decodes every
 * function once (forensics/04-gobin/x86.c) and
 * keeps, for each func literal entry seen in that pattern, the descriptor.
 * Method values ("T.M-fm", struct { F uintptr; R T }) follow the same
 * pattern and are found too.  A func literal allocated with two different
 * descriptors is dropped (ambiguous), never guessed.  amd64 only.
 */
#ifndef GR_CLOSURES_H
#define GR_CLOSURES_H

#include <stddef.h>
#include <stdint.h>

#include "forensics/01-base/error.h"
#include "forensics/01-base/damage.h"
#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/pclntab.h"

struct gr_closures;

/*
 * Scan the code of every function in @pcln, read through @mem; descriptors
 * must lie in [types, etypes) (the module's type data).  NOT_FOUND if the
 * binary has no runtime.newobject.  Functions whose code cannot be read
 * are skipped and recorded in @damage (the caller's walk's list).  @mem
 * and @pcln are not kept.
 */
GR_MUST_USE
struct gr_error *gr_closures_create(struct gr_mem *mem,
				    const struct gr_pcln *pcln, uint64_t types,
				    uint64_t etypes,
				    struct gr_damage_list *damage,
				    struct gr_closures **ret);
void gr_closures_destroy(struct gr_closures *c);

/* The closure struct descriptor of the func literal at @entry, or 0. */
uint64_t gr_closures_type(const struct gr_closures *c, uint64_t entry);
/* Func literals with a known descriptor. */
size_t gr_closures_count(const struct gr_closures *c);

#endif /* GR_CLOSURES_H */
