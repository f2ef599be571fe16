// Package harness runs the mutu binary as several processes for the
// end-to-end tests, and reads like the scenario it sets up:
//
//	h := harness.New(t)
//	nodes := h.NewNodes(3).Init()
//	a, b, c := nodes[0], nodes[1], nodes[2]
//	a.Start()
//	b.Start(a)
//	c.Start(b)
//
// The binary is built once per test run (with -race when the tests run
// under the race detector). Every node has its own home and listens on
// 127.0.0.1 only, on ports the system picks; the daemon reports what it
// bound through the files api and addrs of its home. A daemon's output
// goes to a log file that is scanned for panics, data races and fatal
// runtime errors whenever the daemon stops; a failed test keeps the
// logs under artifacts/ (see docs/e2e.md).
//
// The harness only drives the binary: its command line, its --json
// output and the read side of its HTTP API. It imports nothing of the
// project.
package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// pkgCmd is the command under test.
const pkgCmd = "github.com/mutu-network/mutu/cmd/mutu"

// buildTimeout bounds the build of the binary: a cold -race build of
// every dependency takes a few minutes on two cores.
const buildTimeout = 8 * time.Minute

var build struct {
	once sync.Once
	dir  string // temporary directory holding the binary
	bin  string
	err  error
}

// Main runs the tests of a package that uses the harness and removes
// the binary it built. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
func Main(m *testing.M) int {
	ignore := goleak.IgnoreCurrent()
	code := m.Run()
	if err := goleak.Find(ignore); err != nil && code == 0 {
		// The harness reads the nodes' output and waits for them in
		// goroutines: a node not stopped leaves them behind.
		fmt.Fprintf(os.Stderr, "goroutines left behind by the tests: %v\n", err)
		code = 1
	}
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	return code
}

// binary builds the mutu command once per test run and returns its
// path.
func binary() (string, error) {
	build.once.Do(func() {
		build.dir, build.err = os.MkdirTemp("", "mutu-e2e-bin-")
		if build.err != nil {
			return
		}
		bin := filepath.Join(build.dir, "mutu")
		args := []string{"build", "-o", bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, pkgCmd)
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		build.bin = bin
	})
	return build.bin, build.err
}

// Harness is the set of mutu processes of one test.
type Harness struct {
	t       *testing.T
	bin     string
	dir     string // every home, log and scratch file of the test
	network string // network name shared by the test's nodes

	mu    sync.Mutex // guards nodes
	nodes []*Node
}

// New builds the binary if this test run has not yet, and returns a
// harness whose nodes are stopped, and their logs scanned, when the
// test ends. It skips the test in -short mode: these tests start real
// processes and take seconds to minutes.
func New(t *testing.T) *Harness {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: runs the mutu binary as several processes; skipped in -short mode")
	}
	bin, err := binary()
	if err != nil {
		t.Fatalf("build the mutu binary: %v", err)
	}
	h := &Harness{
		t:   t,
		bin: bin,
		// t.TempDir registers its removal before the cleanup below,
		// so that the daemons stop before their homes go.
		dir: t.TempDir(),
		// A network of its own keeps the test's nodes from talking to
		// any other mutu node, even one at a recycled port.
		network: fmt.Sprintf("e2e-%08x", rand.Uint32()),
	}
	t.Cleanup(h.cleanup)
	return h
}

// Binary returns the path of the mutu binary under test.
func (h *Harness) Binary() string { return h.bin }

// Network returns the name of the open network the test's nodes start
// on, unless they were told OwnNetwork.
func (h *Harness) Network() string { return h.network }

// Dir returns a scratch directory of the test, removed when it ends.
func (h *Harness) Dir() string { return h.dir }

// NewNode returns a node with a fresh home, not initialised. Its name
// names its home and log, and appears in failure messages.
func (h *Harness) NewNode(name string) *Node {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.nodes {
		if n.Name == name {
			h.t.Fatalf("harness: a node is already named %s", name)
		}
	}
	base := filepath.Join(h.dir, name)
	for _, d := range []string{base, filepath.Join(base, "files")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			h.t.Fatalf("harness: %v", err)
		}
	}
	n := &Node{
		h:       h,
		t:       h.t,
		Name:    name,
		Home:    filepath.Join(base, "home"),
		LogPath: filepath.Join(base, "daemon.log"),
		files:   filepath.Join(base, "files"),
	}
	h.nodes = append(h.nodes, n)
	return n
}

// NewNodes returns count new nodes named A, B, C… after the nodes the
// harness already has.
func (h *Harness) NewNodes(count int) Nodes {
	h.t.Helper()
	h.mu.Lock()
	first := len(h.nodes)
	h.mu.Unlock()
	if first+count > 26 {
		h.t.Fatalf("harness: %d nodes: names go from A to Z", first+count)
	}
	out := make(Nodes, count)
	for i := range out {
		out[i] = h.NewNode(string(rune('A' + first + i)))
	}
	return out
}

// cleanup stops every running node, which scans its log, and keeps the
// logs of a failed test.
func (h *Harness) cleanup() {
	h.mu.Lock()
	nodes := Nodes(append([]*Node(nil), h.nodes...))
	h.mu.Unlock()
	nodes.Stop()
	if h.t.Failed() {
		h.keepLogs(nodes)
	}
}

// artifactName turns a test name into a directory name.
var artifactName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// keepLogs copies the daemon logs into artifacts/<test>/ beside the
// tests (ignored by git) and prints the end of each.
func (h *Harness) keepLogs(nodes Nodes) {
	dir := filepath.Join("artifacts", artifactName.ReplaceAllString(h.t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Logf("harness: keep logs: %v", err)
		dir = ""
	}
	for _, n := range nodes {
		data, err := os.ReadFile(n.LogPath)
		if err != nil {
			continue
		}
		if dir != "" {
			dst := filepath.Join(dir, n.Name+".log")
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				h.t.Logf("harness: keep log of %s: %v", n.Name, err)
			} else {
				h.t.Logf("harness: log of node %s kept in e2e/%s", n.Name, dst)
			}
		}
		h.t.Logf("harness: last lines of node %s's log:\n%s", n.Name, tail(data, 25))
	}
}

// tail returns the last lines of a log.
func tail(data []byte, lines int) string {
	s := strings.TrimRight(string(data), "\n")
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			lines--
			if lines == 0 {
				return s[i+1:]
			}
		}
	}
	return s
}

// pollInterval is the pause between two checks of WaitFor.
const pollInterval = 50 * time.Millisecond

// WaitFor calls cond until it returns nil, every 50 ms at most, and
// returns the time it did. If timeout passes first, it fails the test
// with what and cond's last error. cond runs on the test's goroutine
// and must itself be bounded in time.
func (h *Harness) WaitFor(timeout time.Duration, what string, cond func() error) time.Time {
	h.t.Helper()
	at, err := Poll(timeout, cond)
	if err != nil {
		h.t.Fatalf("waited %v for %s: %v", timeout, what, err)
	}
	return at
}

// ErrTimeout is what Poll returns, wrapping cond's last error, when
// cond never held.
var ErrTimeout = errors.New("timed out")

// Poll calls cond until it returns nil or timeout passes. It returns
// the time cond held, or ErrTimeout wrapped with cond's last error.
func Poll(timeout time.Duration, cond func() error) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		now := time.Now()
		if err == nil {
			return now, nil
		}
		if now.After(deadline) {
			return now, fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		time.Sleep(min(pollInterval, time.Until(deadline)+time.Millisecond))
	}
}
