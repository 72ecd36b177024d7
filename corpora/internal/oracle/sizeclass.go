package oracle

// Where the allocator puts an object of a given size: the size class slot
// (runtime/sizeclasses.go, internal/runtime/gc/sizeclasses.go from 1.25;
// the table is identical in Go 1.19 through 1.27), the 8-byte malloc header
// in front of pointerful objects larger than 512 bytes from Go 1.22
// (runtime/malloc.go, mallocgc; heapBitsInSpan in mbitmap.go), the tiny
// allocator for pointer-free objects under 16 bytes, and whole pages for
// large objects.

import "runtime"

const (
	maxSmallSize     = 32768
	maxTinySize      = 16
	pageSize         = 8192
	mallocHeaderSize = 8
	// minSizeForMallocHeader: objects up to this size keep their pointer
	// bitmap in the span and have no header (goarch.PtrSize * ptrBits).
	minSizeForMallocHeader = 8 * 64
)

var classToSize = [...]uint32{0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// AllocSize returns the bytes the allocator reserves for an object of size
// bytes (the slot, malloc header included) and how it is allocated:
// "tiny" (shares a 16-byte block; the slot returned is the block),
// "small", "small+header" or "large".
func AllocSize(size uintptr, hasPointers bool) (uintptr, string) {
	limit := uintptr(maxSmallSize)
	if mallocHeaders {
		limit -= mallocHeaderSize
	}
	if size > limit {
		return (size + pageSize - 1) / pageSize * pageSize, "large"
	}
	if !hasPointers && size < maxTinySize && size > 0 {
		return maxTinySize, "tiny"
	}
	how := "small"
	if mallocHeaders && hasPointers && size > minSizeForMallocHeader {
		size += mallocHeaderSize
		how = "small+header"
	}
	for _, c := range classToSize[1:] {
		if uintptr(c) >= size {
			return uintptr(c), how
		}
	}
	return (size + pageSize - 1) / pageSize * pageSize, "large"
}

// checkSizeClasses compares the table with the runtime's own class sizes
// (MemStats.BySize covers the first 61 classes) and fails the program if
// they differ, rather than write a wrong oracle.
func checkSizeClasses() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	for i, c := range ms.BySize {
		if i < len(classToSize) && c.Size != classToSize[i] {
			Fatalf("size class %d: runtime says %d bytes, oracle table %d", i, c.Size, classToSize[i])
		}
	}
}
