//go:build go1.24

package main

import (
	"runtime"
	"unsafe"

	"goretain/corpora/internal/oracle"
)

// Target carries a cleanup.
type Target struct {
	Name string
	Pad  [4]uint64
}

var cleanupHeld *Target

// setupCleanup attaches a cleanup (runtime/mcleanup.go, Go 1.24) to a
// global object; the cleanup's argument is reachable only through the
// closure AddCleanup keeps in the cleanup special.
//
//go:noinline
func setupCleanup(o *oracle.Oracle) map[string]interface{} {
	cleanupHeld = &Target{Name: "target"}
	arg := &Captive{Data: make([]byte, sizes[1]), Tag: 3}
	root := "cleanup-special on cleanup_target (argument)"
	o.Object("cleanup_target", "main.Target", unsafe.Pointer(cleanupHeld), unsafe.Sizeof(*cleanupHeld), true, "global main.cleanupHeld")
	o.Object("cleanup_arg", "main.Captive", unsafe.Pointer(arg), unsafe.Sizeof(*arg), true, root)
	o.Object("cleanup_arg.Data", "[3000]uint8", unsafe.Pointer(&arg.Data[0]), uintptr(sizes[1]), false, root)
	runtime.AddCleanup(cleanupHeld, func(c *Captive) { c.Tag++ }, arg)
	return map[string]interface{}{"supported": true, "program_cleanup_specials": 1}
}
