// finalizer keeps objects alive through finalizers, the finalizer queue and
// (Go 1.24 and later) cleanups.
//
//	finalizer ORACLE.json     (or GR_ORACLE=ORACLE.json finalizer)
//
// runtime/mfinal.go and mgcmark.go (markrootSpans): a finalizer special
// keeps its closure and everything the object points to alive, but not the
// object itself; once the object is unreachable the next GC queues it on
// finq (scanned as a root through allfin) and the finalizer goroutine runs
// it.  At core time:
//   - fin_blocking is unreachable; its finalizer is running on the
//     finalizer goroutine and blocked forever, so the object is held by that
//     goroutine's frame (and its finq block entry, which is cleared only
//     when the call returns);
//   - fin_queued is unreachable; its finalizer is queued behind the blocked
//     one, so it, its child and its finalizer closure's captive are reachable
//     only from the finalizer queue;
//   - fin_global is reachable from main.finHeld and has a finalizer whose
//     closure is the only path to fin_global_captive;
//   - with Go 1.24+, cleanup_target is reachable from main.cleanupHeld and
//     has a cleanup whose argument cleanup_arg is otherwise unreachable.
package main

import (
	"runtime"
	"time"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

// FinObj carries finalizers.
type FinObj struct {
	Name  string
	Child *Child
	Pad   [6]uint64
}

// Child is pointed to by a FinObj.
type Child struct {
	Data []byte
	N    int
}

// Captive is captured by a finalizer (or cleanup) closure.
type Captive struct {
	Data []byte
	Tag  int
}

var (
	finHeld *FinObj
	started = make(chan uintptr, 1)
	forever = make(chan struct{})
	sizes   = []int{2000, 3000, 5000, 700} // non-constant sizes force heap allocation
	// queuedRan would be set if fin_queued's finalizer ran after all.
	queuedRan bool
)

const rootQueue = "finalizer-queue (finq, blocked behind fin_blocking)"

//go:noinline
func makeBlocking(o *oracle.Oracle) {
	f := &FinObj{Name: "blocking", Child: &Child{Data: make([]byte, sizes[3])}}
	o.Object("fin_blocking", "main.FinObj", unsafe.Pointer(f), unsafe.Sizeof(*f), true, "finalizer-goroutine (running finalizer of fin_blocking)")
	o.Object("fin_blocking.Child", "main.Child", unsafe.Pointer(f.Child), unsafe.Sizeof(*f.Child), true, "finalizer-goroutine (running finalizer of fin_blocking)")
	runtime.SetFinalizer(f, func(f *FinObj) {
		started <- uintptr(unsafe.Pointer(f))
		<-forever
		runtime.KeepAlive(f)
	})
}

//go:noinline
func makeQueued(o *oracle.Oracle) {
	f := &FinObj{Name: "queued", Child: &Child{Data: make([]byte, sizes[0]), N: 1}}
	captive := &Captive{Data: make([]byte, sizes[1]), Tag: 1}
	fn := func(f *FinObj) { captive.Tag += f.Child.N; queuedRan = true }
	o.Object("fin_queued", "main.FinObj", unsafe.Pointer(f), unsafe.Sizeof(*f), true, rootQueue)
	o.Object("fin_queued.Child", "main.Child", unsafe.Pointer(f.Child), unsafe.Sizeof(*f.Child), true, rootQueue)
	o.Object("fin_queued.Child.Data", "[2000]uint8", unsafe.Pointer(&f.Child.Data[0]), uintptr(sizes[0]), false, rootQueue)
	o.Object("fin_queued_closure", "closure funcval", *(*unsafe.Pointer)(unsafe.Pointer(&fn)), 16, true, rootQueue)
	o.Object("fin_queued_captive", "main.Captive", unsafe.Pointer(captive), unsafe.Sizeof(*captive), true, rootQueue)
	o.Object("fin_queued_captive.Data", "[3000]uint8", unsafe.Pointer(&captive.Data[0]), uintptr(sizes[1]), false, rootQueue)
	runtime.SetFinalizer(f, fn)
}

//go:noinline
func makeGlobal(o *oracle.Oracle) {
	finHeld = &FinObj{Name: "global", Child: &Child{Data: make([]byte, sizes[3]), N: 2}}
	captive := &Captive{Data: make([]byte, sizes[2]), Tag: 2}
	fn := func(f *FinObj) { captive.Tag += f.Child.N }
	root := "finalizer-special on fin_global (closure)"
	o.Object("fin_global", "main.FinObj", unsafe.Pointer(finHeld), unsafe.Sizeof(*finHeld), true, "global main.finHeld")
	o.Object("fin_global.Child", "main.Child", unsafe.Pointer(finHeld.Child), unsafe.Sizeof(*finHeld.Child), true, "global main.finHeld")
	o.Object("fin_global_closure", "closure funcval", *(*unsafe.Pointer)(unsafe.Pointer(&fn)), 16, true, root)
	o.Object("fin_global_captive", "main.Captive", unsafe.Pointer(captive), unsafe.Sizeof(*captive), true, root)
	o.Object("fin_global_captive.Data", "[5000]uint8", unsafe.Pointer(&captive.Data[0]), uintptr(sizes[2]), false, root)
	runtime.SetFinalizer(finHeld, fn)
}

func main() {
	o := oracle.Begin("finalizer")

	makeBlocking(o)
	var blockingAddr uintptr
	deadline := time.Now().Add(20 * time.Second)
	for blockingAddr == 0 {
		runtime.GC()
		select {
		case blockingAddr = <-started:
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				oracle.Fatalf("the blocking finalizer never ran")
			}
		}
	}
	makeQueued(o)
	runtime.GC()
	runtime.GC()
	makeGlobal(o)
	cleanup := setupCleanup(o)
	runtime.GC()
	runtime.GC()

	// The finalizer goroutine counts as a user goroutine while it runs a
	// finalizer, so the census lists it.
	var fing *oracle.Goroutine
	for _, g := range oracle.Census() {
		// The start function (runtime.runfinq, runtime.runFinalizers from
		// 1.24) is elided from tracebacks before Go 1.21, the top frame is not.
		if g.TopFunc == "main.makeBlocking.func1" {
			g := g
			fing = &g
		}
	}
	if fing == nil {
		oracle.Fatalf("finalizer goroutine not found in the census")
	}
	if queuedRan {
		oracle.Fatalf("fin_queued's finalizer ran: the finalizer goroutine was not blocked")
	}
	o.Fact("blocking_finalizer_arg", oracle.Hex(blockingAddr))
	o.Fact("finalizer_goroutine", fing)
	o.Fact("finalizers", map[string]interface{}{
		// Specials set by this program; os.Stdin/Stdout/Stderr add their own.
		"program_finalizer_specials": 1,
		"queued":                     1,
		"running":                    1,
		"running_wait_reason":        "chan receive",
	})
	o.Fact("cleanup", cleanup)
	o.Finish()
}
