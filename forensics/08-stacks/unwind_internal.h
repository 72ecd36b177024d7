/* SPDX-License-Identifier: MIT */
/* Internals of gr_unwind shared by unwind.c and unwind_inline.c. */
#ifndef GR_UNWIND_INTERNAL_H
#define GR_UNWIND_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "forensics/02-input/mem.h"
#include "forensics/04-gobin/pclntab.h"
#include "forensics/08-stacks/unwind.h"

struct gr_unwind {
	struct gr_pcln *pcln;
	struct gr_mem *mem;
	/* An LR machine (arm64): a call leaves the return address in the
	 * link register, which a function with a frame saves at 0(SP);
	 * runtime/traceback.go usesLR. */
	bool uses_lr;
	uint64_t special[GR_SPECIAL_COUNT];
	/* moduledata.gofunc and funcnametab (runtime addresses). */
	uint64_t gofunc, funcnametab, funcnametab_len;
	/* Go 1.19's inlinedCall layout (see unwind.c). */
	bool inl_old;
	/* The FuncIDWrapper number of this binary. */
	uint8_t wrapper_id;
	bool have_wrapper_id;
};

#endif /* GR_UNWIND_INTERNAL_H */
