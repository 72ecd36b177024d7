//go:build goexperiment.swissmap || go1.26

package main

// Swiss-table maps (internal/runtime/maps): the default from Go 1.24, the
// only implementation from Go 1.26 (the experiment was removed).
const (
	swissMaps     = true
	mapHeaderType = "internal/runtime/maps.Map"
)
