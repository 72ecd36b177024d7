// shared builds a subgraph that two globals share, for retained (dominator)
// sizes, and a set of globals each of which is the only path to a value of
// a known type, for typing.
//
//	shared ORACLE.json     (or GR_ORACLE=ORACLE.json shared)
//
// At core time:
//   - main.left and main.right each point to a Holder with private data of
//     its own (a different size each, so the two are told apart), and both
//     Holders point to one Shared: a struct, its []*Record backing array
//     and nRecords Records with payloads.  Nothing else points into Shared,
//     so its immediate dominator is the pseudo-root: each global's
//     reachable size covers it, neither global's retained size does, and
//     the pseudo-root's does;
//   - the typing globals (main.shape, main.boxed, main.anyMap, main.hook,
//     main.describe, main.queue, main.registry, main.current) each are the
//     only path to their heap objects; the "typed" fact gives each one's
//     static type and the dynamic type as reflect prints it (%T).
package main

import (
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

const nRecords = 500

// Holder is what main.left and main.right point to.
type Holder struct {
	Name    string
	Private []byte
	Shared  *Shared
}

// Shared is the top of the subgraph both Holders point to.
type Shared struct {
	Name    string
	Records []*Record
}

// Record is one pointerful element of the shared subgraph.
type Record struct {
	ID      int64
	Tag     string
	Payload []byte
}

// Shape is the interface main.shape holds a *Circle in.
type Shape interface{ Area() float64 }

// Circle is held through an interface (main.shape) and, another one,
// through a method value (main.describe).
type Circle struct {
	R    float64
	Name string
	Pad  [3]uint64
}

func (c *Circle) Area() float64 { return 3 * c.R * c.R }

func (c *Circle) Describe() string { return c.Name }

// Point is boxed into main.boxed by value.
type Point struct {
	X, Y  int64
	Label string
}

// HookState is captured by the closure in main.hook.
type HookState struct {
	Calls int
	Last  string
	Pad   [4]uint64
}

// Job is queued in main.queue's buffer.
type Job struct {
	Seq  int
	Body []byte
}

// Entry is a value in main.registry.
type Entry struct {
	Key  string
	Data []byte
}

// Config is what main.current points to.
type Config struct {
	Version int
	Name    string
	Limits  [6]int64
}

var (
	left, right *Holder

	shape    Shape
	boxed    interface{}
	anyMap   any
	hook     func() int
	describe func() string
	queue    chan *Job
	registry *sync.Map
	current  atomic.Pointer[Config]

	// Sizes are not constants, so allocations cannot be folded or moved
	// to the stack; the private sizes differ so left and right differ.
	sizes = []int{3000, 7000, 200, 640, 1200, 900}
	ms    runtime.MemStats
)

func fill(b []byte, seed int) {
	for i := range b {
		b[i] = byte('a' + (seed+i)%26)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// part sums the allocator slots and object count of a part of the subgraph.
type part struct {
	Slots   uint64 `json:"slots"`
	Objects int    `json:"objects"`
}

func (p *part) add(size uintptr, ptrs bool) {
	slot, _ := oracle.AllocSize(size, ptrs)
	p.Slots += uint64(slot)
	p.Objects++
}

// buildShared sets main.left and main.right.  Record tags and names are
// string literals (read-only data, not heap), so every heap object below is
// counted.
//
//go:noinline
func buildShared() {
	s := &Shared{Name: "shared", Records: make([]*Record, nRecords)}
	for i := range s.Records {
		r := &Record{ID: int64(i), Tag: "record", Payload: make([]byte, sizes[2])}
		fill(r.Payload, i)
		s.Records[i] = r
	}
	left = &Holder{Name: "left", Private: make([]byte, sizes[0]), Shared: s}
	right = &Holder{Name: "right", Private: make([]byte, sizes[1]), Shared: s}
	fill(left.Private, 1)
	fill(right.Private, 2)
}

func holderPart(h *Holder) part {
	var p part
	p.add(unsafe.Sizeof(*h), true)
	p.add(uintptr(cap(h.Private)), false)
	return p
}

// typed is one typing global: its static type, the type of the value it
// holds as reflect prints it (fmt's %T: the dynamic type for an interface,
// the static type otherwise), and the heap object the test looks up.
type typed struct {
	Global      string `json:"global"`
	GlobalAddr  string `json:"global_addr"`
	StaticType  string `json:"static_type"`
	DynamicType string `json:"type"`
	Object      string `json:"object"`
	ObjectType  string `json:"object_type"`
	Addr        string `json:"addr"`
	Func        string `json:"func,omitempty"`
}

// dataWord is the data word of an interface value (eface or iface: the
// second word either way).
func dataWord(p unsafe.Pointer) uintptr { return (*[2]uintptr)(p)[1] }

// word is the first word at p: a map, channel, func or pointer variable.
func word(p unsafe.Pointer) uintptr { return *(*uintptr)(p) }

// funcName names the code of the func variable at p: a func value points
// to a funcval whose first word is the code pointer.
func funcName(p unsafe.Pointer) string {
	return runtime.FuncForPC(**(**uintptr)(p)).Name()
}

func add(ts []typed, global string, gaddr unsafe.Pointer, static, dynamic, object, objType string, addr uintptr) []typed {
	return append(ts, typed{Global: global, GlobalAddr: oracle.Hex(uintptr(gaddr)), StaticType: static,
		DynamicType: dynamic, Object: object, ObjectType: objType, Addr: oracle.Hex(addr)})
}

func typeName(ptrToVar interface{}) string { return reflect.TypeOf(ptrToVar).Elem().String() }

func main() {
	o := oracle.Begin("shared")

	// The subgraph, measured as a HeapAlloc delta too (nothing else is
	// allocated in between that stays live).
	before := heapAlloc()
	buildShared()
	delta := heapAlloc() - before

	lp, rp := holderPart(left), holderPart(right)
	var sp part
	s := left.Shared
	sp.add(unsafe.Sizeof(*s), true)
	sp.add(uintptr(cap(s.Records))*unsafe.Sizeof(s.Records[0]), true)
	for _, r := range s.Records {
		sp.add(unsafe.Sizeof(*r), true)
		sp.add(uintptr(cap(r.Payload)), false)
	}
	o.Fact("shared_subgraph", map[string]interface{}{
		"left": map[string]interface{}{"global": "main.left", "global_addr": oracle.Hex(uintptr(unsafe.Pointer(&left))),
			"holder_addr": oracle.Hex(uintptr(unsafe.Pointer(left))), "private": lp},
		"right": map[string]interface{}{"global": "main.right", "global_addr": oracle.Hex(uintptr(unsafe.Pointer(&right))),
			"holder_addr": oracle.Hex(uintptr(unsafe.Pointer(right))), "private": rp},
		"shared": map[string]interface{}{"top_addr": oracle.Hex(uintptr(unsafe.Pointer(s))), "top_type": "main.Shared",
			"records_array_addr": oracle.Hex(uintptr(unsafe.Pointer(&s.Records[0]))), "records": nRecords, "part": sp},
		"reachable_slots": map[string]uint64{"main.left": lp.Slots + sp.Slots, "main.right": rp.Slots + sp.Slots},
		"retained_slots":  map[string]uint64{"main.left": lp.Slots, "main.right": rp.Slots},
		"total_slots":     lp.Slots + rp.Slots + sp.Slots,
		"total_objects":   lp.Objects + rp.Objects + sp.Objects,
		"heap_delta":      delta,
	})
	const sroot = "global main.left, global main.right"
	o.Object("left", "main.Holder", unsafe.Pointer(left), unsafe.Sizeof(*left), true, "global main.left")
	o.Object("left.Private", "["+strconv.Itoa(sizes[0])+"]uint8", unsafe.Pointer(&left.Private[0]), uintptr(sizes[0]), false, "global main.left")
	o.Object("right", "main.Holder", unsafe.Pointer(right), unsafe.Sizeof(*right), true, "global main.right")
	o.Object("right.Private", "["+strconv.Itoa(sizes[1])+"]uint8", unsafe.Pointer(&right.Private[0]), uintptr(sizes[1]), false, "global main.right")
	o.Object("shared", "main.Shared", unsafe.Pointer(s), unsafe.Sizeof(*s), true, sroot)
	o.Object("shared.Records", "["+strconv.Itoa(nRecords)+"]*main.Record", unsafe.Pointer(&s.Records[0]), uintptr(nRecords)*unsafe.Sizeof(s.Records[0]), true, sroot)
	o.Object("shared.Records[0]", "main.Record", unsafe.Pointer(s.Records[0]), unsafe.Sizeof(*s.Records[0]), true, sroot)
	o.Object("shared.Records[0].Payload", "["+strconv.Itoa(sizes[2])+"]uint8", unsafe.Pointer(&s.Records[0].Payload[0]), uintptr(sizes[2]), false, sroot)

	// The typing globals.  add is a plain function, not a closure, so the
	// closure stored in main.hook is the first func literal in main
	// (main.main.func1).
	var ts []typed

	// An interface holding a pointer: the data word is the *Circle.
	c := &Circle{R: float64(sizes[3]), Name: "shape"}
	shape = c
	ts = add(ts, "main.shape", unsafe.Pointer(&shape), typeName(&shape), fmt.Sprintf("%T", shape), "pointee", "main.Circle", dataWord(unsafe.Pointer(&shape)))
	o.Object("shape", "main.Circle", unsafe.Pointer(c), unsafe.Sizeof(*c), true, "global main.shape")

	// An interface holding a struct by value: converting a non-constant
	// Point boxes a copy on the heap (runtime.convT); the data word points
	// to the copy.
	boxed = Point{X: int64(sizes[4]), Y: int64(sizes[5]), Label: "boxed"}
	bp := dataWord(unsafe.Pointer(&boxed))
	ts = add(ts, "main.boxed", unsafe.Pointer(&boxed), typeName(&boxed), fmt.Sprintf("%T", boxed), "boxed value", "main.Point", bp)
	o.ObjectAt("boxed", "main.Point", bp, unsafe.Sizeof(Point{}), true, "global main.boxed")

	// An any holding a map: a map is pointer-shaped, so the data word is
	// the map header itself (runtime.hmap, or internal/runtime/maps.Map
	// with Swiss tables); its keys are heap strings.
	m := make(map[string]int)
	for i := 0; i < 20; i++ {
		m["key-"+strconv.Itoa(1000+i)] = i
	}
	anyMap = m
	ts = add(ts, "main.anyMap", unsafe.Pointer(&anyMap), typeName(&anyMap), fmt.Sprintf("%T", anyMap), "map header", mapHeaderType, dataWord(unsafe.Pointer(&anyMap)))

	// A closure defined here (main.main.func1) capturing a pointer and a
	// slice, stored in a global func variable: the func value points to a
	// heap funcval {code pointer, st, buf}.
	st := &HookState{Last: "hook"}
	buf := make([]byte, sizes[5])
	hook = func() int { st.Calls++; return len(buf) + st.Calls }
	ts = add(ts, "main.hook", unsafe.Pointer(&hook), typeName(&hook), fmt.Sprintf("%T", hook), "closure funcval", "closure funcval", word(unsafe.Pointer(&hook)))
	ts[len(ts)-1].Func = funcName(unsafe.Pointer(&hook))
	o.ObjectAt("hook closure", "closure funcval", word(unsafe.Pointer(&hook)), unsafe.Sizeof(uintptr(0))+unsafe.Sizeof(st)+unsafe.Sizeof(buf), true, "global main.hook")
	o.Object("hook captured st", "main.HookState", unsafe.Pointer(st), unsafe.Sizeof(*st), true, "global main.hook")
	o.Object("hook captured buf", "["+strconv.Itoa(sizes[5])+"]uint8", unsafe.Pointer(&buf[0]), uintptr(sizes[5]), false, "global main.hook")

	// A method value: a funcval {main.(*Circle).Describe-fm, receiver}.
	rc := &Circle{R: 2, Name: "receiver"}
	describe = rc.Describe
	ts = add(ts, "main.describe", unsafe.Pointer(&describe), typeName(&describe), fmt.Sprintf("%T", describe), "method value funcval", "closure funcval", word(unsafe.Pointer(&describe)))
	ts[len(ts)-1].Func = funcName(unsafe.Pointer(&describe))
	o.ObjectAt("describe closure", "closure funcval", word(unsafe.Pointer(&describe)), 2*unsafe.Sizeof(uintptr(0)), true, "global main.describe")
	o.Object("describe receiver", "main.Circle", unsafe.Pointer(rc), unsafe.Sizeof(*rc), true, "global main.describe")

	// A buffered channel of pointers: makechan allocates the hchan and,
	// for a pointerful element type, the buffer separately (runtime/chan.go);
	// hchan's third word is the buffer pointer in every supported release.
	queue = make(chan *Job, 8)
	for i := 0; i < 5; i++ {
		j := &Job{Seq: i, Body: make([]byte, sizes[3])}
		fill(j.Body, i)
		queue <- j
		o.Object("queue job "+strconv.Itoa(i), "main.Job", unsafe.Pointer(j), unsafe.Sizeof(*j), true, "chan-buffer main.queue")
	}
	hc := *(*unsafe.Pointer)(unsafe.Pointer(&queue))
	ts = add(ts, "main.queue", unsafe.Pointer(&queue), typeName(&queue), fmt.Sprintf("%T", queue), "channel", "runtime.hchan", uintptr(hc))
	qbuf := *(*uintptr)(unsafe.Pointer(uintptr(hc) + 2*unsafe.Sizeof(uintptr(0))))
	o.ObjectAt("queue buffer", "[8]*main.Job", qbuf, 8*unsafe.Sizeof((*Job)(nil)), true, "global main.queue")

	// A sync.Map on the heap with a few entries (its internals differ by
	// release: read/dirty maps before 1.24, a hash-trie from 1.24).
	registry = new(sync.Map)
	for i := 0; i < 4; i++ {
		e := &Entry{Key: "entry-" + strconv.Itoa(i), Data: make([]byte, sizes[5])}
		registry.Store(e.Key, e)
		o.Object("registry entry "+strconv.Itoa(i), "main.Entry", unsafe.Pointer(e), unsafe.Sizeof(*e), true, "global main.registry")
	}
	registry.Load("entry-0") // a read, as a real program would
	ts = add(ts, "main.registry", unsafe.Pointer(&registry), typeName(&registry), fmt.Sprintf("%T", registry), "pointee", "sync.Map", uintptr(unsafe.Pointer(registry)))
	o.Object("registry", "sync.Map", unsafe.Pointer(registry), unsafe.Sizeof(*registry), true, "global main.registry")

	// An atomic.Pointer[Config] in .bss; its pointee is on the heap.
	cfg := &Config{Version: sizes[4], Name: "current"}
	current.Store(cfg)
	ts = add(ts, "main.current", unsafe.Pointer(&current), typeName(&current), typeName(&current), "pointee", "main.Config", uintptr(unsafe.Pointer(cfg)))
	o.Object("current", "main.Config", unsafe.Pointer(cfg), unsafe.Sizeof(*cfg), true, "global main.current")

	o.Fact("swiss_maps", swissMaps)
	o.Fact("typed", ts)
	o.Finish()
}
