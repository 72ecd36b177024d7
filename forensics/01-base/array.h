/* SPDX-License-Identifier: MIT */
/*
 * gr_array: the one way an array grows.
 *
 * An array is any `T *v` with a `size_t cap` beside it (how many elements
 * fit); the element count is the caller's.  gr_array_grow() makes room for
 * @add more elements after the first @n, doubling the capacity so that
 * pushing one at a time costs amortised O(1).  Every product and sum is
 * checked: a request that does not fit in size_t is GR_ERR_LIMIT, a failed
 * allocation GR_ERR_NOMEM; on either the array is left as it was.  The
 * result is the one error type and must be used.
 *
 *	if ((err = gr_array_grow(&l->v, &l->cap, l->n, 1)))
 *		return err;
 *	l->v[l->n++] = x;
 *
 * A null array with capacity 0 is the empty start; free() releases it.
 * Modelled on git's ALLOC_GROW and drgn's vector.h, as a function with a
 * type-generic macro in front rather than generated code.
 */
#ifndef GR_ARRAY_H
#define GR_ARRAY_H

#include <stddef.h>

#include "forensics/01-base/error.h"

/* Capacity of an array's first allocation, in elements (fewer would
 * reallocate several times for the small lists most of ours are). */
#define GR_ARRAY_MIN_CAP 8

/*
 * Make *@pv hold at least @n + @add elements, keeping its first @n.
 * @pv is the address of the array pointer (any object pointer type),
 * @pcap the address of its capacity.
 */
#define gr_array_grow(pv, pcap, n, add)                                        \
	gr_array_grow_((pv), (pcap), (n), (add), sizeof(**(pv)))

/*
 * The functions behind the macro: @pv is a `T **` passed as void * (a
 * table of arrays of several element types may call them directly).
 * The common case, room already there, is inline: pushes sit in hot loops.
 */
GR_MUST_USE
struct gr_error *
gr_array_realloc_(void *pv, size_t *pcap, size_t n, size_t add, size_t size);

GR_MUST_USE
static inline struct gr_error *
gr_array_grow_(void *pv, size_t *pcap, size_t n, size_t add, size_t size)
{
	if (n <= *pcap && add <= *pcap - n)
		return NULL;
	return gr_array_realloc_(pv, pcap, n, add, size);
}

#endif /* GR_ARRAY_H */
