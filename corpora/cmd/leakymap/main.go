// leakymap is goretain's bundled demo and the corpus' simplest leak: a
// global session map that is never pruned.  Every Session and its payload
// is reachable only through the map variable main.sessions.
//
//	leakymap ORACLE.json     (or GR_ORACLE=ORACLE.json leakymap)
//
// GR_LEAK_SESSIONS sets the number of leaked sessions (default 20000) and
// GR_LEAK_PAYLOAD the payload size in bytes (default 1024).
package main

import (
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

// Session is what a naive server keeps per client.
type Session struct {
	ID       string
	User     string
	Created  int64
	LastSeen int64
	Hits     int
	Payload  []byte
}

// sessions is the leak: entries are added on login and never removed.
var sessions = map[string]*Session{}

// config is a small, legitimately long-lived global, so the leak has
// something to stand out against.
var config = &struct {
	Name    string
	Limits  []int
	Banner  []byte
	Servers []string
}{Name: "leakymap", Limits: []int{10, 100, 1000}, Servers: []string{"a", "b", "c"}}

var users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}

// ms is a global so that reading MemStats allocates nothing.
var ms runtime.MemStats

// cgoLinked is set by cgo.go when the program is built with -tags grcgo.
var cgoLinked bool

func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			oracle.Fatalf("%s=%q: not a count", name, s)
		}
		return n
	}
	return def
}

func sessionKey(i int) string { return "session-" + strconv.FormatInt(int64(100000000+i), 10) }

// newSession fills the payload so compressed cores stay small but the bytes
// are not all zero.
func newSession(i, payload int) *Session {
	key := sessionKey(i)
	p := make([]byte, payload)
	for j := range p {
		p[j] = byte('a' + (i+j)%26)
	}
	return &Session{ID: key, User: users[i%len(users)], Created: 1700000000 + int64(i), Hits: i % 7, Payload: p}
}

//go:noinline
func login(i, payload int) { s := newSession(i, payload); sessions[s.ID] = s }

// churn allocates sessions that die at once, so the heap has free slots
// between live objects like a real server's.
//
//go:noinline
func churn(n, payload int) int {
	total := 0
	for i := 0; i < n; i++ {
		total += len(newSession(1<<30+i, payload).Payload)
	}
	return total
}

// stringData is unsafe.StringData, which Go 1.19 lacks.
func stringData(s string) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&s)) }

func main() {
	o := oracle.Begin("leakymap")
	n := envInt("GR_LEAK_SESSIONS", 20000)
	payload := envInt("GR_LEAK_PAYLOAD", 1024)
	if payload < 1 {
		oracle.Fatalf("GR_LEAK_PAYLOAD must be at least 1")
	}
	config.Banner = make([]byte, 4096)

	// The bytes under the map, measured independently of what the program
	// counts below: HeapAlloc after collecting, before and after the logins
	// (churn garbage dies in between and is collected; nothing else that
	// stays live is allocated).  The map header was made at init, before
	// the first reading, so the delta leaves it out.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapBefore := ms.HeapAlloc
	for i := 0; i < n; i++ {
		login(i, payload)
		if i%10 == 0 {
			churn(3, payload)
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heapDelta := ms.HeapAlloc - heapBefore

	sessSize := unsafe.Sizeof(Session{})
	sessSlot, _ := oracle.AllocSize(sessSize, true)
	paySlot, _ := oracle.AllocSize(uintptr(payload), false)
	keyLen := uintptr(len(sessionKey(0)))
	keySlot, _ := oracle.AllocSize(keyLen, false)
	var payCaps, keyBytes uint64
	for k, s := range sessions {
		payCaps += uint64(cap(s.Payload))
		keyBytes += uint64(len(k))
	}

	o.Fact("cgo", cgoLinked)
	o.Fact("map_var", "main.sessions")
	o.Fact("map_var_addr", oracle.Hex(uintptr(unsafe.Pointer(&sessions))))
	o.Fact("map_header_addr", oracle.Hex(*(*uintptr)(unsafe.Pointer(&sessions))))
	o.Fact("leaked_entries", len(sessions))
	o.Fact("payload_size", payload)
	o.Fact("session_struct_size", sessSize)
	// What the program itself put under the map: Session structs, payload
	// capacities and key strings (the key string is shared with Session.ID),
	// requested and as allocator slots.  The map's own storage (buckets or
	// Swiss-table groups) comes on top and depends on the runtime.
	// heap_delta is the measured HeapAlloc growth across the logins: all of
	// the above plus the map's storage, without the map header.
	o.Fact("bytes_under_map", map[string]uint64{
		"heap_delta":     heapDelta,
		"sessions":       uint64(len(sessions)) * uint64(sessSize),
		"payload_caps":   payCaps,
		"keys":           keyBytes,
		"total":          uint64(len(sessions))*uint64(sessSize) + payCaps + keyBytes,
		"sessions_slots": uint64(len(sessions)) * uint64(sessSlot),
		"payload_slots":  uint64(len(sessions)) * uint64(paySlot),
		"keys_slots":     uint64(len(sessions)) * uint64(keySlot),
		"total_slots":    uint64(len(sessions)) * uint64(sessSlot+paySlot+keySlot),
	})

	root := "global main.sessions"
	for _, i := range []int{0, 1, n / 2, n - 1} {
		if i < 0 || i >= n {
			continue
		}
		k := sessionKey(i)
		s := sessions[k]
		tag := "session[" + k + "]"
		o.Object(tag, "main.Session", unsafe.Pointer(s), sessSize, true, root)
		o.Object(tag+".Payload", "["+strconv.Itoa(payload)+"]uint8", unsafe.Pointer(&s.Payload[0]), uintptr(cap(s.Payload)), false, root)
		o.Object(tag+".ID", "string data", stringData(s.ID), uintptr(len(s.ID)), false, root)
	}
	o.Object("config", "struct", unsafe.Pointer(config), unsafe.Sizeof(*config), true, "global main.config")
	o.Object("config.Banner", "[4096]uint8", unsafe.Pointer(&config.Banner[0]), 4096, false, "global main.config")
	o.Finish()
}
