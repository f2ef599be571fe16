//go:build !unix

package httplimit

// openFileLimit: no such limit to read here.
func openFileLimit() (uint64, bool) { return 0, false }
