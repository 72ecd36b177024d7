//go:build !go1.22

package oracle

// mallocHeaders: before Go 1.22 pointer bits lived in the arena bitmap.
const mallocHeaders = false
