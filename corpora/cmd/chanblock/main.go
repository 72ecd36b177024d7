// chanblock parks goroutines on channels from four go statements and keeps
// objects reachable only through a channel buffer or a goroutine's stack.
//
//	chanblock ORACLE.json     (or GR_ORACLE=ORACLE.json chanblock)
//
// At core time:
//   - nRecv goroutines (site "recv") wait in "chan receive" on the
//     unbuffered channel main.requests;
//   - nSend goroutines (site "send") wait in "chan send" on the full
//     buffered channel main.results, each holding the *Parcel it tries to
//     send (reachable from its stack and its sudog);
//   - nSelect goroutines (site "select") wait in "select" on two channels
//     that only their own stacks reference;
//   - one goroutine (site "holder") waits in "chan receive (nil chan)" and
//     is the only holder of a []byte in its stack frame;
//   - main.mailbox is a buffered channel whose buffer is the only path to
//     the Letters in it (and their bodies).
package main

import (
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

const (
	nRecv    = 7
	nSend    = 5
	nSelect  = 3
	nLetters = 3
)

// Parcel is sent on main.results.
type Parcel struct {
	From int
	Data []byte
}

// Letter sits in main.mailbox's buffer.
type Letter struct {
	Seq  int
	Body []byte
}

var (
	requests = make(chan int)          // unbuffered; receivers park on it
	results  = make(chan *Parcel, 2)   // filled, then senders park on it
	mailbox  = make(chan *Letter, 8)   // holds nLetters letters, nobody reads
	sizes    = []int{4096, 5000, 6000} // non-constant sizes force heap allocation
)

func recvWorker(id int) {
	v := <-requests
	_ = v + id
}

func sendWorker(id int) {
	p := &Parcel{From: id, Data: make([]byte, sizes[0]/16)}
	results <- p
}

func selectWorker(a chan int, b chan string) {
	select {
	case <-a:
	case b <- "never":
	}
}

// holder keeps buf only in its own frame while it waits forever on a nil
// channel, then reports where buf is.
func holder(size int, where chan<- uintptr) {
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i)
	}
	where <- uintptr(unsafe.Pointer(&buf[0]))
	var never chan int
	<-never
	runtime.KeepAlive(buf)
}

func main() {
	o := oracle.Begin("chanblock")

	for i := 0; i < nLetters; i++ {
		l := &Letter{Seq: i, Body: make([]byte, sizes[1])}
		o.Object("mailbox letter "+strconv.Itoa(i), "main.Letter", unsafe.Pointer(l), unsafe.Sizeof(*l), true, "chan-buffer main.mailbox")
		o.Object("mailbox letter "+strconv.Itoa(i)+".Body", "["+strconv.Itoa(sizes[1])+"]uint8", unsafe.Pointer(&l.Body[0]), uintptr(sizes[1]), false, "chan-buffer main.mailbox")
		mailbox <- l
	}
	for i := 0; i < cap(results); i++ {
		results <- &Parcel{From: -1 - i, Data: make([]byte, sizes[2])}
	}

	// Each go statement is on the line after its oracle.Here(); the census
	// below checks the runtime agrees.
	var siteRecv, siteSend, siteSelect, siteHolder string
	for i := 0; i < nRecv; i++ {
		siteRecv = oracle.NextLine(oracle.Here())
		go recvWorker(i)
	}
	for i := 0; i < nSend; i++ {
		siteSend = oracle.NextLine(oracle.Here())
		go sendWorker(i)
	}
	for i := 0; i < nSelect; i++ {
		a, b := make(chan int), make(chan string)
		siteSelect = oracle.NextLine(oracle.Here())
		go selectWorker(a, b)
	}
	where := make(chan uintptr)
	siteHolder = oracle.NextLine(oracle.Here())
	go holder(sizes[2]+1000, where)
	bufAddr := <-where

	want := []oracle.Site{
		{Site: siteRecv, Count: nRecv, States: map[string]int{"chan receive": nRecv}},
		{Site: siteSend, Count: nSend, States: map[string]int{"chan send": nSend}},
		{Site: siteSelect, Count: nSelect, States: map[string]int{"select": nSelect}},
		{Site: siteHolder, Count: 1, States: map[string]int{"chan receive (nil chan)": 1}},
	}
	oracle.WaitSites(want, 20*time.Second)
	runtime.GC()
	runtime.GC()
	oracle.WaitSites(want, 20*time.Second)

	o.Fact("sites", map[string]interface{}{
		"recv":   map[string]interface{}{"site": siteRecv, "count": nRecv, "wait_reason": "chan receive", "start_func": "main.recvWorker"},
		"send":   map[string]interface{}{"site": siteSend, "count": nSend, "wait_reason": "chan send", "start_func": "main.sendWorker"},
		"select": map[string]interface{}{"site": siteSelect, "count": nSelect, "wait_reason": "select", "start_func": "main.selectWorker"},
		"holder": map[string]interface{}{"site": siteHolder, "count": 1, "wait_reason": "chan receive (nil chan)", "start_func": "main.holder"},
	})
	o.Fact("wait_reasons", map[string]int{
		"chan receive": nRecv, "chan send": nSend, "select": nSelect, "chan receive (nil chan)": 1,
	})
	o.Fact("channels", map[string]interface{}{
		"main.requests": map[string]interface{}{"addr": oracle.Hex(chanAddr(unsafe.Pointer(&requests))), "cap": 0, "len": 0, "waiting_receivers": nRecv},
		"main.results":  map[string]interface{}{"addr": oracle.Hex(chanAddr(unsafe.Pointer(&results))), "cap": cap(results), "len": len(results), "waiting_senders": nSend},
		"main.mailbox":  map[string]interface{}{"addr": oracle.Hex(chanAddr(unsafe.Pointer(&mailbox))), "cap": cap(mailbox), "len": len(mailbox)},
	})
	o.ObjectAt("holder stack buffer", "["+strconv.Itoa(sizes[2]+1000)+"]uint8", bufAddr, uintptr(sizes[2]+1000), false, "stack goroutine main.holder (site "+siteHolder+")")
	o.Finish()
}

// chanAddr reads the hchan pointer a channel variable holds.
func chanAddr(v unsafe.Pointer) uintptr { return *(*uintptr)(v) }
