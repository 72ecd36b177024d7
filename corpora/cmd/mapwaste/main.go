// mapwaste keeps a map that was grown large and then emptied: Go maps never
// shrink, so it still holds all the storage of its peak size with no
// entries in it.
//
//	mapwaste ORACLE.json     (or GR_ORACLE=ORACLE.json mapwaste)
//
// At core time:
//   - main.grown (map[int64]int64) had nGrown entries and every one was
//     deleted: classic maps (runtime/map.go) keep their 2^B buckets and
//     overflow buckets, Swiss maps (internal/runtime/maps, Go 1.24+) keep
//     their directory and tables (deleted slots become tombstones or empty
//     control bytes; tables are never merged or shrunk);
//   - main.control (map[int64]int64) is a small map that is full:
//     nControl entries, 6.5 per bucket of 2^7 buckets for a classic map,
//     the most it holds before growing.
//
// The "maps" fact gives, per map, its entries now, the entries it peaked
// at, and the bytes it holds measured as HeapAlloc deltas after collecting
// (nothing else that stays live is allocated in between): the storage of
// an int64-to-int64 map has no pointers out of it, so the delta is exactly
// the map's own storage.  make-cores.sh builds it twice on Go 1.24 and
// 1.25 (the only releases with both implementations): Swiss maps, and
// classic maps with GOEXPERIMENT=noswissmap; "swiss_maps" says which.
package main

import (
	"runtime"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

const (
	nGrown   = 1000000
	nControl = 832 // 6.5 * 2^7: a full classic map of 128 buckets
)

var (
	grown   map[int64]int64
	control map[int64]int64

	// counts is read at run time so the compiler cannot size the maps
	// from a constant hint (there is none: both start empty and grow).
	counts = []int{nGrown, nControl}
	ms     runtime.MemStats
)

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// key spreads keys over the int64 range (an odd multiplier is a bijection
// modulo 2^64, so keys are distinct); any distinct keys would do.
func key(i int) int64 { return int64(uint64(i) * 0x9E3779B97F4A7C15) }

//go:noinline
func fill(m map[int64]int64, n int) {
	for i := 0; i < n; i++ {
		m[key(i)] = int64(i)
	}
}

//go:noinline
func empty(m map[int64]int64) {
	for k := range m {
		delete(m, k)
	}
}

type mapFact struct {
	Var        string `json:"var"`
	VarAddr    string `json:"var_addr"`
	HeaderAddr string `json:"header_addr"`
	KeyType    string `json:"key_type"`
	ElemType   string `json:"elem_type"`
	Entries    int    `json:"entries"`
	Peak       int    `json:"peak_entries"`
	// HeapDeltaFull is what the map held at its peak, HeapDelta what it
	// holds now (header included: the map is made inside the measurement).
	HeapDeltaFull uint64 `json:"heap_delta_full"`
	HeapDelta     uint64 `json:"heap_delta"`
}

func header(p *map[int64]int64) string { return oracle.Hex(*(*uintptr)(unsafe.Pointer(p))) }

func main() {
	o := oracle.Begin("mapwaste")

	b0 := heapAlloc()
	grown = make(map[int64]int64)
	fill(grown, counts[0])
	peak := len(grown)
	b1 := heapAlloc()
	empty(grown)
	b2 := heapAlloc()
	if len(grown) != 0 {
		oracle.Fatalf("main.grown still has %d entries", len(grown))
	}

	c0 := heapAlloc()
	control = make(map[int64]int64)
	fill(control, counts[1])
	c1 := heapAlloc()

	o.Fact("swiss_maps", swissMaps)
	o.Fact("maps", []mapFact{
		{Var: "main.grown", VarAddr: oracle.Hex(uintptr(unsafe.Pointer(&grown))), HeaderAddr: header(&grown),
			KeyType: "int64", ElemType: "int64", Entries: len(grown), Peak: peak,
			HeapDeltaFull: b1 - b0, HeapDelta: b2 - b0},
		{Var: "main.control", VarAddr: oracle.Hex(uintptr(unsafe.Pointer(&control))), HeaderAddr: header(&control),
			KeyType: "int64", ElemType: "int64", Entries: len(control), Peak: len(control),
			HeapDeltaFull: c1 - c0, HeapDelta: c1 - c0},
	})
	o.Finish()
}
