package store_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind, such as
// one of badger's after a missing Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
