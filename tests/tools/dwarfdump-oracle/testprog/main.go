// dwarfprog: the small Go program the DWARF loader tests are run against.
// It has package-level globals of several shapes (struct, map, chan,
// closure, slice, array, interface, pointer) so that the executable's DWARF
// holds each kind of type and global the loader indexes.
package main

import (
	"fmt"
	"os"
)

type Point struct {
	X, Y int64
	Name string
}

type Inner struct {
	A uint32
	B [3]uint16
}

type Outer struct {
	Inner // embedded field
	P     *Point
	M     map[string]*Point
	C     chan int
	F     func(int) int
	S     []byte
	I     interface{}
	Pad   [7]byte
	Tail  uint64
}

var (
	GlobalPoint = Point{X: 1, Y: 2, Name: "origin"}
	GlobalOuter Outer
	GlobalMap   = map[string]*Point{}
	GlobalChan  = make(chan int, 4)
	GlobalFunc  func(int) int
	GlobalSlice = []int32{1, 2, 3}
	GlobalArray [16]uint64
	GlobalIface interface{} = &GlobalPoint
	GlobalCount int
)

func makeAdder(n int) func(int) int {
	return func(x int) int { return x + n + GlobalCount }
}

//go:noinline
func work(o *Outer, depth int) int {
	local := Point{X: int64(depth), Y: int64(depth * 2)}
	if depth > 0 {
		return work(o, depth-1) + int(local.X)
	}
	return int(local.Y) + len(o.S)
}

func main() {
	GlobalFunc = makeAdder(len(os.Args))
	GlobalMap["a"] = &GlobalPoint
	GlobalOuter = Outer{P: &GlobalPoint, M: GlobalMap, C: GlobalChan, F: GlobalFunc, S: []byte("xyz"), I: GlobalSlice}
	GlobalChan <- 1
	GlobalArray[3] = uint64(work(&GlobalOuter, 3))
	GlobalCount = GlobalFunc(2)
	fmt.Println(GlobalCount, GlobalArray[3], len(GlobalMap), GlobalIface != nil)
}
