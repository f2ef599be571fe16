package node

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them:
// every goroutine a node starts must end by Close. Goroutines already
// running when the tests start (started by package initialisers of
// dependencies, such as bleve's analysis queue) are not the node's.
func TestMain(m *testing.M) {
	if dir := os.Getenv(b1EnvDir); dir != "" {
		os.Exit(b1Child(dir)) // the fresh node of BenchmarkFreshNodeSyncDisk
	}
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}
