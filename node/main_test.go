package node

import (
	"fmt"
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
	ignore := goleak.IgnoreCurrent()
	code := m.Run()
	if code == 0 {
		if err := findLeaks(ignore); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left behind by the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// findLeaks looks for goroutines left behind for up to about ten
// seconds: mocknet tears a closed connection's streams down in
// goroutines of its own, which on a loaded machine may take longer than
// the two seconds goleak waits by itself. A goroutine still there after
// that is a leak.
func findLeaks(ignore goleak.Option) error {
	var err error
	for range 5 {
		if err = goleak.Find(ignore); err == nil {
			return nil
		}
	}
	return err
}
