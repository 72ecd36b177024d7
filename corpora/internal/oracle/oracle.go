// Package oracle lets a corpus program describe, in its own words, the state
// it built, so that goretain's analysis of a core of that program can be
// checked against the program's own knowledge rather than numbers typed by
// hand.  See corpora/README.md for the file format.
//
// Usage, in a corpus program's main:
//
//	o := oracle.Begin("leakymap")
//	... build the state, o.Fact(...), o.Object(...) ...
//	o.Finish() // writes the oracle, never returns
//
// Finish writes the oracle in two parts.  The body (everything known before
// the final collection) is encoded with encoding/json, which allocates.  The
// tail (memstats, thread and goroutine counts, the allocation check) is
// produced after a final collection by code that allocates nothing, so the
// heap described by the tail is exactly the heap a core taken afterwards
// holds.  The file is valid JSON only once the tail's closing brace is
// written: a reader waits for `.alloc_check` to appear.
package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"unsafe"
)

// FormatVersion is written as "oracle_format"; bump it on incompatible changes.
const FormatVersion = 1

// Object is one heap object the program knows the address of.
type Object struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Addr      string `json:"addr"`
	Size      uint64 `json:"size"`
	AllocSize uint64 `json:"alloc_size"`
	Alloc     string `json:"alloc"`
	Pointers  bool   `json:"pointers"`
	Root      string `json:"root"`
}

type field struct {
	key string
	val json.RawMessage
}

// Oracle collects the facts of one program run.  It holds addresses only as
// integers, never as pointers, so it keeps nothing it describes alive.
type Oracle struct {
	program string
	path    string
	facts   []field
	objects []Object
}

// stop is the channel main blocks on after the oracle is written; SIGUSR1
// makes the program exit cleanly.  Registering it starts os/signal's relay
// goroutine, which also keeps the runtime's deadlock detector quiet while
// every user goroutine is blocked.
var stop = make(chan os.Signal, 1)

// Begin starts an oracle for program.  The output path is the first command
// line argument, or $GR_ORACLE.
func Begin(program string) *Oracle {
	path := os.Getenv("GR_ORACLE")
	if len(os.Args) > 1 && os.Args[1] != "" {
		path = os.Args[1]
	}
	if path == "" {
		Fatalf("usage: %s ORACLE.json (or set GR_ORACLE)", program)
	}
	checkSizeClasses()
	signal.Notify(stop, syscall.SIGUSR1)
	return &Oracle{program: program, path: path}
}

// Fatalf reports a corpus program failure and exits 1 without writing an
// oracle, so that make-cores.sh notices.
func Fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "corpora: "+format+"\n", args...)
	os.Exit(1)
}

// Fact records a program-specific fact; keys keep the order of the calls.
func (o *Oracle) Fact(key string, v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		Fatalf("fact %s: %v", key, err)
	}
	for i := range o.facts {
		if o.facts[i].key == key {
			o.facts[i].val = b
			return
		}
	}
	o.facts = append(o.facts, field{key, b})
}

// Object records a heap object at p of size requested bytes.  hasPointers
// says whether its type contains pointers (it decides the size class
// rounding and malloc headers, see sizeclass.go).  root names what keeps it
// alive, in the vocabulary of corpora/README.md.
func (o *Oracle) Object(name, typ string, p unsafe.Pointer, size uintptr, hasPointers bool, root string) {
	o.ObjectAt(name, typ, uintptr(p), size, hasPointers, root)
}

// ObjectAt is Object for an address already held as an integer.
func (o *Oracle) ObjectAt(name, typ string, addr uintptr, size uintptr, hasPointers bool, root string) {
	slot, how := AllocSize(size, hasPointers)
	o.objects = append(o.objects, Object{
		Name: name, Type: typ, Addr: Hex(addr),
		Size: uint64(size), AllocSize: uint64(slot), Alloc: how,
		Pointers: hasPointers, Root: root,
	})
}

// Hex formats an address the way the oracle does: "0x" and lower-case hex.
func Hex(a uintptr) string { return "0x" + strconv.FormatUint(uint64(a), 16) }

// Here returns "file:line" of its caller, as the runtime prints it.
func Here() string {
	_, file, line, ok := runtime.Caller(1)
	if !ok {
		Fatalf("runtime.Caller failed")
	}
	return file + ":" + strconv.Itoa(line)
}

// NextLine returns the "file:line" of the line after a "file:line" site.
func NextLine(site string) string {
	i := bytes.LastIndexByte([]byte(site), ':')
	n, err := strconv.Atoi(site[i+1:])
	if i < 0 || err != nil {
		Fatalf("bad site %q", site)
	}
	return site[:i+1] + strconv.Itoa(n+1)
}

// Finish collects twice, takes a goroutine census, writes the oracle body,
// collects again, writes the allocation-free tail and blocks forever (until
// SIGUSR1).  It never returns.
func (o *Oracle) Finish() {
	runtime.GC()
	runtime.GC()
	gs := Census()
	body := o.body(gs)
	o = nil
	gs = nil

	fd, err := syscall.Open(tailPath(), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		Fatalf("%s: %v", tailPath(), err)
	}
	tailFD = fd
	if !writeAll(tailFD, body) {
		Fatalf("%s: write failed", tailPath())
	}
	bodyLen := int64(len(body))
	body = nil
	writeTail(bodyLen)
	<-stop
	os.Exit(0)
}

var oraclePath string

func tailPath() string { return oraclePath }

func (o *Oracle) body(gs []Goroutine) []byte {
	oraclePath = o.path
	var b bytes.Buffer
	first := true
	put := func(key string, v interface{}) {
		raw, ok := v.(json.RawMessage)
		if !ok {
			var err error
			raw, err = json.Marshal(v)
			if err != nil {
				Fatalf("oracle %s: %v", key, err)
			}
		}
		if first {
			b.WriteString("{\n")
			first = false
		} else {
			b.WriteString(",\n")
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(raw)
	}
	exe, _ := os.Executable()
	put("oracle_format", FormatVersion)
	put("program", o.program)
	put("go_version", runtime.Version())
	put("goos", runtime.GOOS)
	put("goarch", runtime.GOARCH)
	put("pid", os.Getpid())
	put("exe", exe)
	put("gomaxprocs", runtime.GOMAXPROCS(0))
	put("num_cpu", runtime.NumCPU())
	put("gotraceback", os.Getenv("GOTRACEBACK"))
	put("build", buildInfo())
	put("malloc_headers", mallocHeaders)
	for _, f := range o.facts {
		put(f.key, f.val)
	}
	if o.objects == nil {
		o.objects = []Object{}
	}
	put("objects", o.objects)
	main := mainGoroutine(gs)
	put("main_goroutine", main)
	put("goroutines", gs)
	put("goroutine_sites", Sites(gs))
	// The tail continues the object with ",\n" and closes it.
	return b.Bytes()
}

type buildSummary struct {
	Path     string            `json:"path"`
	Main     string            `json:"main_module"`
	Settings map[string]string `json:"settings"`
}

func buildInfo() *buildSummary {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	s := &buildSummary{Path: bi.Path, Main: bi.Main.Path, Settings: map[string]string{}}
	for _, kv := range bi.Settings {
		s.Settings[kv.Key] = kv.Value
	}
	return s
}

type mainInfo struct {
	ID        int64  `json:"id"`
	State     string `json:"state_at_core"`
	BlockedIn string `json:"blocked_in"`
}

// mainGoroutine describes the goroutine calling Finish as it will be at core
// time: blocked receiving from the stop channel inside Finish.
func mainGoroutine(gs []Goroutine) mainInfo {
	for _, g := range gs {
		if g.State == "running" {
			return mainInfo{ID: g.ID, State: "chan receive",
				BlockedIn: "goretain/corpora/internal/oracle.(*Oracle).Finish"}
		}
	}
	Fatalf("census: calling goroutine not found")
	return mainInfo{}
}

func writeAll(fd int, b []byte) bool {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return false
		}
		b = b[n:]
	}
	return true
}
