//go:build !go1.24

package main

import "goretain/corpora/internal/oracle"

// setupCleanup: runtime.AddCleanup appeared in Go 1.24.
func setupCleanup(o *oracle.Oracle) map[string]interface{} {
	return map[string]interface{}{"supported": false, "program_cleanup_specials": 0}
}
