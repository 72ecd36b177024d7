//go:build go1.22

package oracle

// mallocHeaders: Go 1.22 introduced allocation headers (runtime/malloc.go).
const mallocHeaders = true
