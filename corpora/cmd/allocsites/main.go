// allocsites leaks objects through three allocation sites, with every
// allocation sampled by the runtime's memory profile, so that goretain can
// tie live objects to the stacks that allocated them.
//
//	allocsites ORACLE.json     (or GR_ORACLE=ORACLE.json allocsites)
//
// The linker sets runtime.disableMemoryProfiling (and the runtime then
// turns profiling off at start, runtime/mprof.go) unless runtime.MemProfile
// is reachable: checkProfile below calls it, which also checks what this
// program claims against the runtime's own profile.  main sets
// runtime.MemProfileRate = 1 first, so every later allocation carries a
// profile special (runtime/mheap.go setprofilebucket) and the counts are
// exact rather than estimates.
//
// At core time:
//   - main.registry (map[int]*Record) holds nRecords Records allocated in
//     main.newRecord, each with a payload allocated in main.newPayload;
//   - main.cache ([]*Entry) holds nEntries Entries allocated in
//     main.newEntry.
package main

import (
	"runtime"
	"strings"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

const (
	nRecords    = 3000
	nEntries    = 2000
	payloadSize = 256
)

// Record is what main.registry leaks (40 bytes, pointerful: never tiny).
type Record struct {
	ID      int
	Payload []byte
	Next    *Record
}

// Entry is what main.cache leaks (176 bytes).
type Entry struct {
	ID   int
	Next *Entry
	Data [20]uint64
}

var (
	registry map[int]*Record
	cache    []*Entry
	sizes    = []int{payloadSize} // non-constant size: heap allocation
)

//go:noinline
func newRecord(id int) *Record { return &Record{ID: id} }

//go:noinline
func newPayload() []byte { return make([]byte, sizes[0]) }

//go:noinline
func newEntry(id int) *Entry { return &Entry{ID: id} }

//go:noinline
func fillRegistry() {
	registry = make(map[int]*Record, nRecords)
	for i := 0; i < nRecords; i++ {
		r := newRecord(i)
		r.Payload = newPayload()
		registry[i] = r
	}
}

//go:noinline
func fillCache() {
	cache = make([]*Entry, 0, nEntries)
	for i := 0; i < nEntries; i++ {
		cache = append(cache, newEntry(i))
	}
}

// Site is one allocation site as the program knows it.
type Site struct {
	Func  string `json:"func"`
	Count int    `json:"count"` // live objects it allocated at core time
	Size  int    `json:"size"`  // requested bytes of each
	Root  string `json:"root"`
}

// checkProfile compares the sites with runtime.MemProfile's in-use counts
// (by the first frame outside package runtime) and fails the program if
// they differ: the oracle then states what the runtime itself recorded.
func checkProfile(sites []Site) {
	recs := make([]runtime.MemProfileRecord, 4096)
	n, ok := runtime.MemProfile(recs, true)
	if !ok {
		oracle.Fatalf("runtime.MemProfile needs %d records", n)
	}
	got := map[string]int64{}
	for _, r := range recs[:n] {
		for _, pc := range r.Stack() {
			f := runtime.FuncForPC(pc - 1)
			if f == nil || strings.HasPrefix(f.Name(), "runtime.") {
				continue
			}
			got[f.Name()] += r.InUseObjects()
			break
		}
	}
	for _, s := range sites {
		if got[s.Func] != int64(s.Count) {
			oracle.Fatalf("runtime.MemProfile: %s has %d objects in use, want %d", s.Func, got[s.Func], s.Count)
		}
	}
}

func main() {
	runtime.MemProfileRate = 1
	o := oracle.Begin("allocsites")
	fillRegistry()
	fillCache()
	sites := []Site{
		{"main.newRecord", nRecords, int(unsafe.Sizeof(Record{})), "global main.registry"},
		{"main.newPayload", nRecords, payloadSize, "global main.registry"},
		{"main.newEntry", nEntries, int(unsafe.Sizeof(Entry{})), "global main.cache"},
	}
	runtime.GC()
	runtime.GC()
	checkProfile(sites)
	o.Fact("memprofile_rate", runtime.MemProfileRate)
	o.Fact("alloc_sites", sites)
	o.Finish()
}
