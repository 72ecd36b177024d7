/* SPDX-License-Identifier: MIT */
/*
 * The size classes of the Go allocator on linux/amd64.
 *
 * Source: class_to_size and class_to_allocnpages in runtime/sizeclasses.go
 * (Go 1.19-1.24), SizeClassToSize and SizeClassToNPages in
 * internal/runtime/gc/sizeclasses.go (Go 1.25-1.27; runtime keeps aliases).
 * The two tables are the same in every one of these versions: only the
 * generated comments and the divisor tables around them changed.  test_heap
 * checks them against the binary's own table in each cached core.
 */
#include "layouts/heapbits.h"

static const uint16_t class_size[GR_NUM_SIZE_CLASSES] = {
	0,     8,     16,    24,    32,    48,    64,    80,    96,    112,
	128,   144,   160,   176,   192,   208,   224,   240,   256,   288,
	320,   352,   384,   416,   448,   480,   512,   576,   640,   704,
	768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304,
	2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,  6528,  6784,
	6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384,
	18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
};

static const uint8_t class_npages[GR_NUM_SIZE_CLASSES] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2,  1, 3, 2, 3, 1, 3,
	2, 3, 4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5,  8, 3, 10, 7, 4,
};

uint32_t gr_sizeclass_size(unsigned cls)
{
	return cls < GR_NUM_SIZE_CLASSES ? class_size[cls] : 0;
}

unsigned gr_sizeclass_npages(unsigned cls)
{
	return cls < GR_NUM_SIZE_CLASSES ? class_npages[cls] : 0;
}
