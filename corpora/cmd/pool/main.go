// pool keeps objects that nothing but a sync.Pool holds.
//
//	pool ORACLE.json     (or GR_ORACLE=ORACLE.json pool)
//
// sync/pool.go: a Pool's contents live in a per-P array of poolLocal
// (private slot + shared poolChain, sync/poolqueue.go) reached through
// Pool.local; every GC starts with poolCleanup (run from clearpools in
// runtime/mgc.go gcStart), which drops the victim caches and moves each
// primary cache to the victim.  An object Put before oracle.Finish would be
// gone by the time the core is taken: Finish collects twice, and the tail
// at least once more (debug.FreeOSMemory), more if it is retaken.
//
// So the two objects are Put by a finalizer that runs right after Finish's
// second collection: its sentinel sits in another pool (main.trigger), so
// it survives the first collection in that pool's victim cache and is
// found unreachable by the second, which queues the finalizer; the
// finalizer goroutine runs it when the census stops the world (startTheWorld
// wakes an idle P, and findRunnable wakes the finalizer goroutine).  It Puts
// only if runtime.MemStats.NumGC is still put_after_num_gc, so that a Put
// can never land after the third collection, inside or after the tail:
//
//   - usually: Put before the third collection, which moves the objects to
//     main.bufPool's victim cache: pool_private in the victim's private slot
//     of the P the finalizer ran on, pool_shared in that P's shared chain;
//   - if the finalizer ran during the third collection's mark phase, the
//     objects are in the primary cache;
//   - if it ran after the third collection, it does not Put: the objects
//     stay in main.pending (a global);
//   - if the tail was retaken (memstats.num_gc > put_after_num_gc + 1) after
//     a Put, the extra collection dropped the victim cache: the objects are
//     freed.
//
// Because the last case frees them, the pooled objects are not in the
// oracle's "objects" list (which promises what is alive) but in the "pool"
// fact, with what decides where they are.  What the Put itself allocates
// (the [P]poolLocal array, the allPools slice, the first poolChainElt and
// its ring of 8 efaces) is runtime-internal and listed nowhere.  Packages
// the oracle uses (encoding/json, regexp) have pools of their own, holding
// their buffers in the victim cache at core time.
package main

import (
	"runtime"
	"strconv"
	"sync"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

// Buf is what the program pools.
type Buf struct {
	Name string
	Data []byte
	Pad  [4]uint64
}

// sentinel carries the finalizer: 16 bytes or more so it is never a
// tiny-allocator object (a finalizer on a tiny object may never run,
// runtime/mfinal.go SetFinalizer), and without pointers (a finalizer
// object's referents are kept by markrootSpans: a pointer to itself would
// keep it forever).
type sentinel struct {
	pad [4]uint64
}

var (
	// bufPool is the pool the tests name: a zero sync.Pool in .bss.
	bufPool sync.Pool
	// trigger holds the sentinel for one collection (see above).
	trigger sync.Pool
	// pending holds the objects until the finalizer Puts them.
	pending [2]*Buf
	// putAfter is the NumGC at which the finalizer Puts.
	putAfter uint32
	gcms     runtime.MemStats
	sizes    = []int{1500, 2600} // non-constant sizes force heap allocation
)

// onGC runs on the finalizer goroutine.  It allocates nothing unless it
// Puts.
func onGC(s *sentinel) {
	runtime.ReadMemStats(&gcms)
	if gcms.NumGC != putAfter {
		return
	}
	bufPool.Put(pending[0]) // the P's private slot
	bufPool.Put(pending[1]) // private is taken: the shared poolChain
	pending[0], pending[1] = nil, nil
}

//go:noinline
func newBuf(name string, size int) *Buf {
	b := &Buf{Name: name, Data: make([]byte, size)}
	for i := range b.Data {
		b.Data[i] = byte('p' + i%7)
	}
	return b
}

//go:noinline
func arm() {
	s := &sentinel{}
	runtime.SetFinalizer(s, onGC)
	trigger.Put(s)
}

type pooled struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Addr      string `json:"addr"`
	Size      uint64 `json:"size"`
	AllocSize uint64 `json:"alloc_size"`
	Pointers  bool   `json:"pointers"`
}

func record(name, typ string, p unsafe.Pointer, size uintptr, ptrs bool) pooled {
	slot, _ := oracle.AllocSize(size, ptrs)
	return pooled{Name: name, Type: typ, Addr: oracle.Hex(uintptr(p)),
		Size: uint64(size), AllocSize: uint64(slot), Pointers: ptrs}
}

func main() {
	o := oracle.Begin("pool")

	var objs []pooled
	for i, name := range []string{"pool_private", "pool_shared"} {
		b := newBuf(name, sizes[i])
		objs = append(objs,
			record(name, "main.Buf", unsafe.Pointer(b), unsafe.Sizeof(*b), true),
			record(name+".Data", "["+strconv.Itoa(sizes[i])+"]uint8",
				unsafe.Pointer(&b.Data[0]), uintptr(sizes[i]), false))
		pending[i] = b
	}

	runtime.ReadMemStats(&gcms)
	// Finish collects twice before writing the oracle body.
	putAfter = gcms.NumGC + 2
	o.Fact("pool", map[string]interface{}{
		"var":              "main.bufPool",
		"var_addr":         oracle.Hex(uintptr(unsafe.Pointer(&bufPool))),
		"pending_var":      "main.pending",
		"put_after_num_gc": putAfter,
		"objects":          objs,
		"where_at_core": "main.bufPool's victim cache (or primary cache) if memstats.num_gc == " +
			"put_after_num_gc+1 and main.pending is nil; main.pending if the finalizer ran " +
			"too late; freed if memstats.num_gc > put_after_num_gc+1",
	})
	arm()
	o.Finish()
}
