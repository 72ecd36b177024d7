// Command grsample is the subject of goretain's unit tests: a small program
// built by every installed Go toolchain (tests/tools/testbins.sh) so that the
// parsers of build info, pclntab and moduledata can be checked against the
// oracle (tests/tools/oracle).  It has pointer-holding globals in .data and
// .bss, closures, methods, generics and a goroutine, so that its tables are
// not trivial.  Run with "wait" it prints its pid and blocks (for gcore).
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

type node struct {
	name string
	next *node
	vals []int
}

func (n *node) String() string { return n.name }

type pair[K comparable, V any] struct {
	k K
	v V
}

func collect[K comparable, V any](m map[K]V) []pair[K, V] {
	out := make([]pair[K, V], 0, len(m))
	for k, v := range m {
		out = append(out, pair[K, V]{k, v})
	}
	return out
}

var (
	// Pointer globals: .data (initialised) and .bss (zero).
	head      = &node{name: "head"}
	table     = map[string]*node{"a": {name: "a"}}
	lastNode  *node
	sink      []string
	mu        sync.Mutex
	counter   int64 = 42 // no pointers: .noptrdata
	zeroCount int64      // no pointers: .noptrbss
)

func build(n int) *node {
	var h *node
	for i := 0; i < n; i++ {
		h = &node{name: fmt.Sprint("n", i), next: h, vals: make([]int, i)}
	}
	return h
}

func main() {
	done := make(chan struct{})
	go func() {
		mu.Lock()
		lastNode = build(10)
		mu.Unlock()
		close(done)
	}()
	<-done
	ps := collect(map[string]int{"x": 1, "y": 2})
	sort.Slice(ps, func(i, j int) bool { return ps[i].k < ps[j].k })
	for _, p := range ps {
		sink = append(sink, strings.Repeat(p.k, p.v))
	}
	zeroCount = counter + int64(len(sink))
	fmt.Println(head, table["a"], lastNode, len(sink), zeroCount)
	if len(os.Args) > 1 && os.Args[1] == "wait" {
		fmt.Println(os.Getpid())
		time.Sleep(time.Hour)
	}
}
