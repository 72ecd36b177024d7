//go:build cgo && grcgo

// Built only for the cgo-linked corpus variant (make-cores.sh passes
// -tags grcgo with CGO_ENABLED=1): importing "C" makes the binary
// dynamically linked against libc through the external linker.
package main

// #include <unistd.h>
import "C"

func init() {
	if C.getpid() > 0 {
		cgoLinked = true
	}
}
