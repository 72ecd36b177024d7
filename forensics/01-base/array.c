/* SPDX-License-Identifier: MIT */
#include "forensics/01-base/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The array pointer is read and written through memcpy: the caller's
 * pointer is a `T *`, not a `void *`, and memcpy is how C lets one
 * function update pointers of any object type.
 */
static void *load(const void *pv)
{
	void *p;
	memcpy(&p, pv, sizeof(p));
	return p;
}

static void store(void *pv, void *p)
{
	memcpy(pv, &p, sizeof(p));
}

GR_MUST_USE
static struct gr_error *too_big(size_t count, size_t size)
{
	return gr_error_create(GR_ERR_LIMIT,
			       "array of %zu elements of %zu bytes does not "
			       "fit in memory",
			       count, size);
}

struct gr_error *gr_array_realloc_(void *pv, size_t *pcap, size_t n,
				   size_t add, size_t size)
{
	size_t need;
	if (__builtin_add_overflow(n, add, &need))
		return too_big(SIZE_MAX, size);
	if (need <= *pcap)
		return NULL;
	size_t cap;
	if (__builtin_mul_overflow(*pcap, 2, &cap) || cap < need)
		cap = need;
	if (cap < GR_ARRAY_MIN_CAP)
		cap = GR_ARRAY_MIN_CAP;
	size_t bytes;
	/* Doubling may overflow where the request itself would not: then
	 * grow only to what was asked. */
	if (__builtin_mul_overflow(cap, size, &bytes)) {
		cap = need;
		if (__builtin_mul_overflow(cap, size, &bytes))
			return too_big(need, size);
	}
	void *p = realloc(load(pv), bytes ? bytes : 1);
	if (!p)
		return gr_error_nomem();
	store(pv, p);
	*pcap = cap;
	return NULL;
}
