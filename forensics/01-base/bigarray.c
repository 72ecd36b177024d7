/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/bigarray.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { BIG = 4u << 20, PAGE = 4096 };

/* Advise the whole pages inside [p, p + bytes). */
static void advise(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	if (bytes < BIG)
		return;
	uintptr_t lo = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(PAGE - 1);
	if (hi > lo)
		/* A refusal (THP off, old kernel) leaves ordinary pages. */
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

void *gr_bigarray_alloc(size_t count, size_t size, bool zero)
{
	size_t bytes;
	if (__builtin_mul_overflow(count ? count : 1, size ? size : 1, &bytes))
		return NULL;
	/* calloc of a big block maps fresh (zero) pages without touching
	 * them, so the advice still comes before the first touch. */
	void *p = zero ? calloc(1, bytes) : malloc(bytes);
	if (p)
		advise(p, bytes);
	return p;
}

void *gr_bigarray_realloc(void *p, size_t count, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(count ? count : 1, size ? size : 1, &bytes))
		return NULL;
	void *q = realloc(p, bytes);
	if (q)
		advise(q, bytes);
	return q;
}
