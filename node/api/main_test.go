package api

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them:
// whoever starts a goroutine must end it. Goroutines running before the
// tests start (package initialisers of dependencies) are not counted.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}
