// scale builds a live heap of a requested size in a realistic mix, measures
// how much CPU time the Go runtime's own collector spends marking it, writes
// that down and blocks so a core can be taken: the scale corpus of
// `make bench` (scripts/make-bench-cores.sh).  It is not part of the
// correctness corpora (corpora/cmd): its oracle is a measurement, not a
// list of objects.
//
//	GR_SCALE_MB=512 [GR_SCALE_GOROUTINES=100000] scale ORACLE.json
//
// The heap: a little over half a dozen kinds of data, reached from
// package-level variables, allocated in rounds until MemStats.HeapAlloc
// reaches GR_SCALE_MB megabytes:
//   - main.records, a map[string]*Record: structs with a name, a slice of
//     tag strings, a parent pointer to an earlier record (a DAG, not a
//     tree: the dominator tree is not the graph) and an interface field;
//   - main.items, a map[int64]Item: structs stored inline in the map, each
//     pointing to a Leaf;
//   - main.trees, binary search trees of Node whose values are interfaces
//     (boxed integers, strings, records);
//   - main.chains, slices of pointers ([]*Leaf) whose leaves link to
//     earlier leaves and some own a small []byte;
//   - main.shapes, interface values of three dynamic types;
//   - main.blobs and main.names, byte slices and strings (no pointers).
//
// With GR_SCALE_GOROUTINES=N it also starts N goroutines with small stacks
// (a few frames each holding a pointer to its own Leaf), parked in channel
// receives, selects and sync.WaitGroup waits.
//
// The measurement: GR_SCALE_GCS (default 3) forced collections
// (runtime.GC) of the finished heap, each bracketed by readings of the
// runtime/metrics CPU classes (/cpu/classes/gc/mark/{assist,dedicated,idle}
// :cpu-seconds, Go 1.20+), the process CPU time (getrusage) and the wall
// clock.  The oracle's gc.mark_cpu_seconds is the median over the
// collections of the mark CPU time: the reference point for how fast a
// heap of this shape can be traced on this machine.
//
// The oracle is written to ORACLE.json.tmp and renamed, so it appears
// complete; the program then waits (SIGUSR1 exits 0) for
// make-bench-cores.sh to take its core.  With GR_SCALE_RAW_ABORT=1 it first
// resets SIGABRT to its default action, so the kernel dumps the core at
// once instead of after the runtime's crash traceback (see rawAbort).  Marshalling the
// oracle allocates a few KB after the memstats reading: that garbage is in
// the core too.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

type Record struct {
	ID     int64
	Name   string
	Tags   []string
	Parent *Record
	Score  float64
	Extra  any
}

type Node struct {
	Left, Right *Node
	Key         int64
	Val         any
}

type Item struct {
	A, B  int64
	Label string
	Ref   *Leaf
}

type Leaf struct {
	X, Y int64
	Next *Leaf
	Data []byte
}

type Shape interface{ Area() float64 }

type Circle struct{ R float64 }
type Rect struct{ W, H float64 }
type Poly struct{ Pts []Point }
type Point struct{ X, Y float64 }

func (c *Circle) Area() float64 { return 3.14159 * c.R * c.R }
func (r Rect) Area() float64    { return r.W * r.H }
func (p *Poly) Area() float64 {
	a := 0.0
	for i := range p.Pts {
		j := (i + 1) % len(p.Pts)
		a += p.Pts[i].X*p.Pts[j].Y - p.Pts[j].X*p.Pts[i].Y
	}
	return a / 2
}

var (
	records map[string]*Record
	items   map[int64]Item
	trees   []*Node
	chains  [][]*Leaf
	shapes  []Shape
	blobs   [][]byte
	names   []string

	// Kept so the goroutines' channels and wait group stay reachable from
	// a global as well as from the goroutines' stacks.
	parkCh  []chan *Leaf
	parkSel []chan struct{}
	parkWG  sync.WaitGroup

	// Shared tag strings: most programs intern a small vocabulary.
	tagWords = []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
		"iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi"}
)

// rng is a fixed-seed xorshift64*: the same heap shape on every run.
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*r = rng(x)
	return x * 2685821657736338717
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "corpora: scale: "+format+"\n", args...)
	os.Exit(1)
}

func envInt(name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		fatalf("bad %s=%q", name, s)
	}
	return n
}

type counts struct {
	Rounds     int `json:"rounds"`
	Records    int `json:"records"`
	Items      int `json:"items"`
	TreeNodes  int `json:"tree_nodes"`
	Trees      int `json:"trees"`
	Leaves     int `json:"leaves"`
	Chains     int `json:"chains"`
	Shapes     int `json:"shapes"`
	Blobs      int `json:"blobs"`
	BlobBytes  int `json:"blob_bytes"`
	Strings    int `json:"strings"`
	StringByte int `json:"string_bytes"`
}

type builder struct {
	r       rng
	c       counts
	recs    []*Record // for parent links (kept only while building)
	leafs   []*Leaf   // for Next links (kept only while building)
	tree    *Node
	treeLen int
}

func (b *builder) str(min, max int) string {
	n := min + b.r.intn(max-min+1)
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte('a' + b.r.intn(26))
	}
	b.c.Strings++
	b.c.StringByte += n
	return string(buf)
}

func (b *builder) leaf() *Leaf {
	l := &Leaf{X: int64(b.r.next() >> 1), Y: int64(b.c.Leaves)}
	if len(b.leafs) > 0 && b.r.intn(4) == 0 {
		l.Next = b.leafs[b.r.intn(len(b.leafs))]
	}
	if b.r.intn(8) == 0 {
		l.Data = make([]byte, 8+b.r.intn(120))
	}
	b.leafs = append(b.leafs, l)
	if len(b.leafs) > 1<<16 {
		b.leafs = b.leafs[1<<15:]
	}
	b.c.Leaves++
	return l
}

func (b *builder) record() *Record {
	id := int64(b.c.Records)
	rec := &Record{ID: id, Name: b.str(12, 40), Score: float64(b.r.next()>>11) / (1 << 53)}
	nt := 1 + b.r.intn(3)
	rec.Tags = make([]string, nt)
	for i := range rec.Tags {
		rec.Tags[i] = tagWords[b.r.intn(len(tagWords))]
	}
	if len(b.recs) > 0 {
		rec.Parent = b.recs[b.r.intn(len(b.recs))]
	}
	switch b.r.intn(4) {
	case 0:
		rec.Extra = id * 7919 // a boxed int64
	case 1:
		rec.Extra = b.leaf()
	}
	b.recs = append(b.recs, rec)
	if len(b.recs) > 1<<16 {
		b.recs = b.recs[1<<15:]
	}
	records["rec-"+strconv.FormatInt(id, 36)] = rec
	b.c.Records++
	return rec
}

func (b *builder) treeInsert(key int64, val any) {
	n := &Node{Key: key, Val: val}
	b.c.TreeNodes++
	if b.tree == nil {
		b.tree = n
		trees = append(trees, n)
		b.c.Trees++
		return
	}
	p := b.tree
	for {
		if key < p.Key {
			if p.Left == nil {
				p.Left = n
				break
			}
			p = p.Left
		} else {
			if p.Right == nil {
				p.Right = n
				break
			}
			p = p.Right
		}
	}
	// Trees of 4096 nodes: deep enough to matter, shallow enough that
	// inserting stays cheap.
	if b.treeLen++; b.treeLen == 4096 {
		b.tree, b.treeLen = nil, 0
	}
}

// round allocates one slice of the mix: about 5 KB in 50-odd objects, so a
// 2 GB heap holds about 20 million objects.
func (b *builder) round() {
	b.c.Rounds++
	for i := 0; i < 4; i++ {
		b.record()
	}
	for i := 0; i < 8; i++ {
		var v any
		switch b.r.intn(3) {
		case 0:
			v = int64(b.r.next() >> 1)
		case 1:
			v = b.str(4, 24)
		default:
			v = b.recs[b.r.intn(len(b.recs))]
		}
		b.treeInsert(int64(b.r.next()>>1), v)
	}
	for i := 0; i < 4; i++ {
		k := int64(b.c.Items)*2654435761 + 1
		items[k] = Item{A: k, B: int64(i), Label: tagWords[b.r.intn(len(tagWords))], Ref: b.leaf()}
		b.c.Items++
	}
	if b.c.Rounds%2 == 0 {
		ch := make([]*Leaf, 8+b.r.intn(24))
		for i := range ch {
			ch[i] = b.leaf()
		}
		chains = append(chains, ch)
		b.c.Chains++
	}
	for i := 0; i < 4; i++ {
		var s Shape
		switch b.r.intn(3) {
		case 0:
			s = &Circle{R: float64(b.r.intn(100))}
		case 1:
			s = Rect{W: float64(b.r.intn(100)), H: float64(b.r.intn(100))}
		default:
			p := &Poly{Pts: make([]Point, 3+b.r.intn(6))}
			for j := range p.Pts {
				p.Pts[j] = Point{float64(b.r.intn(100)), float64(b.r.intn(100))}
			}
			s = p
		}
		shapes = append(shapes, s)
		b.c.Shapes++
	}
	n := 64 + b.r.intn(4032)
	blobs = append(blobs, make([]byte, n))
	b.c.Blobs++
	b.c.BlobBytes += n
	names = append(names, b.str(8, 64))
}

// The goroutines: three kinds of park, a few frames deep, each frame
// holding the goroutine's own Leaf so stacks are roots that matter.

//go:noinline
func parkRecv(l *Leaf, ch chan *Leaf, depth int) int64 {
	if depth > 0 {
		return parkRecv(l, ch, depth-1) + l.X
	}
	parkWG.Done()
	got := <-ch
	return got.X + l.Y
}

//go:noinline
func parkSelect(l *Leaf, a chan struct{}, b chan *Leaf) int64 {
	parkWG.Done()
	select {
	case <-a:
		return l.X
	case m := <-b:
		return m.Y
	}
}

//go:noinline
func parkWait(l *Leaf, wg *sync.WaitGroup) int64 {
	parkWG.Done()
	wg.Wait()
	return l.X
}

var never sync.WaitGroup

func startGoroutines(b *builder, n int) {
	nch := (n + 999) / 1000
	for i := 0; i < nch; i++ {
		parkCh = append(parkCh, make(chan *Leaf))
		parkSel = append(parkSel, make(chan struct{}))
	}
	never.Add(1)
	parkWG.Add(n)
	for i := 0; i < n; i++ {
		l := b.leaf()
		ch, sel := parkCh[i%nch], parkSel[i%nch]
		switch i % 4 {
		case 0, 1:
			go parkRecv(l, ch, i%3)
		case 2:
			go parkSelect(l, sel, ch)
		default:
			go parkWait(l, &never)
		}
	}
	parkWG.Wait()
	// Let the last ones reach their park after Done.
	for tries := 0; tries < 100 && runtime.NumGoroutine() < n+1; tries++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
}

var cpuMetrics = []string{
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/cpu/classes/gc/mark/dedicated:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/gc/pause:cpu-seconds",
}

type gcSample struct {
	WallSeconds      float64  `json:"wall_seconds"`
	ProcessCPU       float64  `json:"process_cpu_seconds"`
	MarkCPU          *float64 `json:"mark_cpu_seconds"`
	MarkAssistCPU    *float64 `json:"mark_assist_cpu_seconds"`
	MarkDedicatedCPU *float64 `json:"mark_dedicated_cpu_seconds"`
	MarkIdleCPU      *float64 `json:"mark_idle_cpu_seconds"`
	PauseCPU         *float64 `json:"pause_cpu_seconds"`
}

func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fatalf("getrusage: %v", err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// readCPU returns the metrics in cpuMetrics order; nil where the runtime
// does not have one (before Go 1.20).
func readCPU(s []metrics.Sample) []*float64 {
	metrics.Read(s)
	out := make([]*float64, len(s))
	for i := range s {
		if s[i].Value.Kind() == metrics.KindFloat64 {
			v := s[i].Value.Float64()
			out[i] = &v
		}
	}
	return out
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := *b - *a
	return &d
}

func measureGC() gcSample {
	s := make([]metrics.Sample, len(cpuMetrics))
	for i, n := range cpuMetrics {
		s[i].Name = n
	}
	before := readCPU(s)
	c0, t0 := processCPU(), time.Now()
	runtime.GC()
	t1, c1 := time.Now(), processCPU()
	after := readCPU(s)
	g := gcSample{
		WallSeconds:      t1.Sub(t0).Seconds(),
		ProcessCPU:       c1 - c0,
		MarkAssistCPU:    diff(before[0], after[0]),
		MarkDedicatedCPU: diff(before[1], after[1]),
		MarkIdleCPU:      diff(before[2], after[2]),
		PauseCPU:         diff(before[3], after[3]),
	}
	if g.MarkAssistCPU != nil && g.MarkDedicatedCPU != nil && g.MarkIdleCPU != nil {
		m := *g.MarkAssistCPU + *g.MarkDedicatedCPU + *g.MarkIdleCPU
		g.MarkCPU = &m
	}
	return g
}

// rawAbort gives SIGABRT back its default action (terminate with a core),
// bypassing the runtime's handler: under GOTRACEBACK=crash that handler
// first prints every goroutine, over a minute of CPU for 100k goroutines.
// The core is then the process as it stood, like a gcore of it.  (A
// zeroed kernel struct sigaction is SIG_DFL with no flags on every Linux
// architecture Go supports.)
func rawAbort() {
	var act [4]uint64
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGABRT),
		uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		fatalf("rt_sigaction(SIGABRT, SIG_DFL): %v", e)
	}
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}

type memFacts struct {
	HeapAlloc   uint64 `json:"heap_alloc"`
	HeapObjects uint64 `json:"heap_objects"`
	HeapInuse   uint64 `json:"heap_inuse"`
	StackInuse  uint64 `json:"stack_inuse"`
	Sys         uint64 `json:"sys"`
	NumGC       uint32 `json:"num_gc"`
}

type gcFacts struct {
	Forced            int        `json:"forced"`
	MarkCPUSeconds    *float64   `json:"mark_cpu_seconds"`
	WallSeconds       float64    `json:"wall_seconds"`
	ProcessCPUSeconds float64    `json:"process_cpu_seconds"`
	Samples           []gcSample `json:"samples"`
}

type oracleDoc struct {
	OracleFormat  int      `json:"oracle_format"`
	Program       string   `json:"program"`
	GoVersion     string   `json:"go_version"`
	GOOS          string   `json:"goos"`
	GOARCH        string   `json:"goarch"`
	PID           int      `json:"pid"`
	GOMAXPROCS    int      `json:"gomaxprocs"`
	NumCPU        int      `json:"num_cpu"`
	TargetBytes   uint64   `json:"target_bytes"`
	Goroutines    int      `json:"goroutines_started"`
	NumGoroutine  int      `json:"num_goroutine"`
	BuildSeconds  float64  `json:"build_seconds"`
	Built         counts   `json:"built"`
	MemStats      memFacts `json:"memstats"`
	GC            gcFacts  `json:"gc"`
	Complete      bool     `json:"complete"`
	MarkCPUSource string   `json:"mark_cpu_source"`
}

func main() {
	path := os.Getenv("GR_ORACLE")
	if len(os.Args) > 1 && os.Args[1] != "" {
		path = os.Args[1]
	}
	if path == "" {
		fatalf("usage: GR_SCALE_MB=N [GR_SCALE_GOROUTINES=N] scale ORACLE.json")
	}
	mb := envInt("GR_SCALE_MB", 64)
	ngo := envInt("GR_SCALE_GOROUTINES", 0)
	ngc := envInt("GR_SCALE_GCS", 3)
	if mb < 1 || ngc < 1 {
		fatalf("GR_SCALE_MB and GR_SCALE_GCS must be at least 1")
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGUSR1)

	target := uint64(mb) << 20
	t0 := time.Now()
	records = make(map[string]*Record)
	items = make(map[int64]Item)
	b := &builder{r: rng(0x9E3779B97F4A7C15)}
	if ngo > 0 {
		startGoroutines(b, ngo)
	}
	var ms runtime.MemStats
	for {
		for i := 0; i < 1024; i++ {
			b.round()
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc < target {
			continue
		}
		// HeapAlloc counts garbage not yet swept (outgrown slices and
		// map storage): collect and look again before stopping.
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc >= target-target/32 {
			break
		}
	}
	b.recs, b.leafs, b.tree = nil, nil, nil
	build := time.Since(t0).Seconds()

	doc := &oracleDoc{
		OracleFormat: 1, Program: "scale", GoVersion: runtime.Version(),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, PID: os.Getpid(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		TargetBytes: target, Goroutines: ngo, BuildSeconds: build, Built: b.c,
		MarkCPUSource: "runtime/metrics /cpu/classes/gc/mark/{assist,dedicated,idle}",
	}
	runtime.GC() // sweep what building left, so each measured cycle sees the same heap
	samples := make([]gcSample, 0, ngc)
	for i := 0; i < ngc; i++ {
		samples = append(samples, measureGC())
	}
	runtime.ReadMemStats(&ms)
	var wall, pcpu, mark []float64
	for _, s := range samples {
		wall = append(wall, s.WallSeconds)
		pcpu = append(pcpu, s.ProcessCPU)
		if s.MarkCPU != nil {
			mark = append(mark, *s.MarkCPU)
		}
	}
	doc.GC = gcFacts{Forced: ngc, WallSeconds: median(wall), ProcessCPUSeconds: median(pcpu), Samples: samples}
	if len(mark) == len(samples) {
		m := median(mark)
		doc.GC.MarkCPUSeconds = &m
	}
	doc.MemStats = memFacts{HeapAlloc: ms.HeapAlloc, HeapObjects: ms.HeapObjects, HeapInuse: ms.HeapInuse,
		StackInuse: ms.StackInuse, Sys: ms.Sys, NumGC: ms.NumGC}
	doc.NumGoroutine = runtime.NumGoroutine()
	doc.Complete = true
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		fatalf("oracle: %v", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o644); err != nil {
		fatalf("%v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		fatalf("%v", err)
	}
	out, doc = nil, nil
	if os.Getenv("GR_SCALE_RAW_ABORT") == "1" {
		rawAbort()
	}
	<-stop
	os.Exit(0)
}
