//go:build !goexperiment.swissmap && !go1.26

package main

// Classic bucket maps (runtime/map.go, map_noswiss.go in 1.24 and 1.25):
// before Go 1.24, or built with GOEXPERIMENT=noswissmap.
const (
	swissMaps     = false
	mapHeaderType = "runtime.hmap"
)
