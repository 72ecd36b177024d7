/* SPDX-License-Identifier: MIT */
/*
 * gr_bigarray: the allocation of the analysis' per-object and per-edge
 * arrays (hundreds of MB on a multi-GB heap), released with free().
 *
 * Why not plain malloc: such arrays are touched page by page, and each
 * first touch of a 4 KiB page is a fault (on a 2 GB heap about a million
 * of them, 11 s of system time in a VM guest: the bench's "sys" column),
 * and their random accesses (an object id per edge) miss the TLB on
 * every 4 KiB page.  An array of 4 MiB or more is advised to the kernel
 * as transparent-huge-page memory (madvise MADV_HUGEPAGE, effective when
 * /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always"),
 * before its first touch: 2 MiB pages, 512 times fewer faults and TLB
 * entries.  Where the kernel says no, the array is ordinary memory.
 */
#ifndef GR_BIGARRAY_H
#define GR_BIGARRAY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * @count elements of @size bytes, zeroed if @zero; NULL when out of
 * memory or when count * size overflows.  A zero count gives one
 * element, so NULL always means failure.  Release with free().
 */
void *gr_bigarray_alloc(size_t count, size_t size, bool zero);

/* realloc() for an array from gr_bigarray_alloc that grows (a vector
 * of edges); the new part is advised like a new array.  NULL (the old
 * array intact) on overflow or out of memory. */
void *gr_bigarray_realloc(void *p, size_t count, size_t size);

#endif
