package oracle

// A goroutine census from the runtime's own traceback (runtime.Stack with
// all=true), so the oracle states goroutine states and creation sites as the
// runtime itself reports them.  System goroutines are not listed by the
// runtime and so not here either.

import (
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Goroutine is one goroutine as runtime.Stack reports it.
type Goroutine struct {
	ID        int64  `json:"id"`
	State     string `json:"state"` // wait reason or status, e.g. "chan receive"
	Locked    bool   `json:"locked_to_thread,omitempty"`
	TopFunc   string `json:"top_func"`   // innermost frame outside package runtime
	StartFunc string `json:"start_func"` // the function the go statement started
	CreatedBy string `json:"created_by,omitempty"`
	Site      string `json:"site,omitempty"` // file:line of the go statement
}

var headerRE = regexp.MustCompile(`^goroutine (\d+)(.*) \[(.*)\]:$`)

// Census returns every user goroutine, current one included (state "running").
func Census() []Goroutine {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var gs []Goroutine
	for _, block := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
		m := headerRE.FindStringSubmatch(lines[0])
		if m == nil {
			continue
		}
		var g Goroutine
		g.ID, _ = strconv.ParseInt(m[1], 10, 64)
		parts := strings.Split(m[3], ", ")
		g.State = parts[0]
		for _, p := range parts[1:] {
			if p == "locked to thread" {
				g.Locked = true
			}
		}
		var funcs []string
		for i := 1; i < len(lines); i++ {
			l := lines[i]
			if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "...") {
				continue
			}
			if strings.HasPrefix(l, "created by ") {
				c := strings.TrimPrefix(l, "created by ")
				if j := strings.Index(c, " in goroutine "); j >= 0 {
					c = c[:j]
				}
				g.CreatedBy = c
				if i+1 < len(lines) {
					g.Site = frameFileLine(lines[i+1])
				}
				break
			}
			if j := strings.LastIndexByte(l, '('); j > 0 {
				l = l[:j]
			}
			funcs = append(funcs, l)
		}
		for _, f := range funcs {
			if !strings.HasPrefix(f, "runtime.") {
				g.TopFunc = f
				break
			}
		}
		for k := len(funcs) - 1; k >= 0; k-- {
			if funcs[k] != "runtime.goexit" {
				g.StartFunc = funcs[k]
				break
			}
		}
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].ID < gs[j].ID })
	return gs
}

// frameFileLine turns "\t/path/file.go:42 +0x1d" into "/path/file.go:42".
func frameFileLine(l string) string {
	l = strings.TrimPrefix(l, "\t")
	if j := strings.LastIndex(l, " +0x"); j >= 0 {
		l = l[:j]
	}
	return l
}

// Site aggregates the goroutines started by one go statement.
type Site struct {
	Site      string         `json:"site"`
	StartFunc string         `json:"start_func"`
	CreatedBy string         `json:"created_by"`
	Count     int            `json:"count"`
	States    map[string]int `json:"states"`
}

// Sites groups goroutines by creation site (the main goroutine, which has
// none, is left out).
func Sites(gs []Goroutine) []Site {
	idx := map[string]int{}
	var out []Site
	for _, g := range gs {
		if g.Site == "" {
			continue
		}
		i, ok := idx[g.Site]
		if !ok {
			i = len(out)
			idx[g.Site] = i
			out = append(out, Site{Site: g.Site, StartFunc: g.StartFunc, CreatedBy: g.CreatedBy, States: map[string]int{}})
		}
		out[i].Count++
		out[i].States[g.State]++
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Site < out[j].Site })
	if out == nil {
		out = []Site{}
	}
	return out
}

// WaitSites polls the census until the go statement at each site in want
// has exactly the wanted number of goroutines, all in the wanted state, or
// fails the program after timeout.
func WaitSites(want []Site, timeout time.Duration) []Goroutine {
	deadline := time.Now().Add(timeout)
	for {
		gs := Census()
		got := map[string]Site{}
		for _, s := range Sites(gs) {
			got[s.Site] = s
		}
		ok := true
		for _, w := range want {
			s := got[w.Site]
			for st, n := range w.States {
				if s.Count != w.Count || s.States[st] != n {
					ok = false
				}
			}
		}
		if ok {
			return gs
		}
		if time.Now().After(deadline) {
			Fatalf("goroutines did not reach the wanted states: want %+v, got %+v", want, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
