package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts of the daemon's life cycle.
const (
	// startTimeout bounds the wait for a started daemon to write its
	// address files: it opens (and may reindex) its store first.
	startTimeout = time.Minute
	// stopTimeout is how long a daemon may take to exit after SIGTERM;
	// docs/cli.md promises 5 s.
	stopTimeout = 5 * time.Second
	// killTimeout bounds the wait for a process after SIGKILL.
	killTimeout = 10 * time.Second
	// commandTimeout bounds one CLI command; the slowest publish or
	// import thousands of entries.
	commandTimeout = 3 * time.Minute
)

// logAlarms are the lines of a log that fail a test: what the Go
// runtime and the race detector print.
var logAlarms = []string{"panic:", "DATA RACE", "fatal error:"}

// Node is one mutu home and, while it runs, its `mutu run` process.
// Its methods are called from the test's goroutine, except Stop, Run,
// Get and the methods built on Get, which are safe from any goroutine:
// they report failures with Errorf or return them.
type Node struct {
	h *Harness
	t *testing.T

	Name    string // A, B, … in failure messages
	Home    string // the home directory, given with --home
	LogPath string // the daemon's output, every run appended
	files   string // scratch directory for entry files

	flags      []string // extra flags of mutu run, for every start
	ownNetwork bool     // start without --network (OwnNetwork)

	mu       sync.Mutex // guards the fields below
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has exited
	waitErr  error         // cmd.Wait's result, once exited
	logFile  *os.File
	logStart int64    // offset of the current run in the log
	runs     int      // daemons started so far
	apiAddr  string   // host:port of the API of the current run
	addrs    []string // P2P multiaddrs of the current run
	seq      int      // entry files written so far
}

// Nodes is a group of nodes acted on together.
type Nodes []*Node

// Init runs `mutu init` on every node, at once.
func (ns Nodes) Init() Nodes {
	if len(ns) == 0 {
		return ns
	}
	ns[0].t.Helper()
	results := make([]Result, len(ns))
	var wg sync.WaitGroup
	for i, n := range ns {
		wg.Go(func() { results[i] = n.Run("init", "--json") })
	}
	wg.Wait()
	for i, res := range results {
		if res.Code != 0 || res.Err != nil {
			ns[i].t.Fatalf("node %s: %v\n%v", ns[i].Name, res.Err, res)
		}
	}
	return ns
}

// WithFlags adds flags of mutu run to every node.
func (ns Nodes) WithFlags(flags ...string) Nodes {
	for _, n := range ns {
		n.WithFlags(flags...)
	}
	return ns
}

// Stop stops every running node, at once.
func (ns Nodes) Stop() {
	var wg sync.WaitGroup
	for _, n := range ns {
		wg.Go(n.Stop)
	}
	wg.Wait()
}

// Init creates the node's home with `mutu init`.
func (n *Node) Init() *Node {
	n.t.Helper()
	n.MustRun("init", "--json")
	return n
}

// WithFlags adds flags given to `mutu run` at every start of the node,
// such as "--sync-interval", "2s".
func (n *Node) WithFlags(flags ...string) *Node {
	n.flags = append(n.flags, flags...)
	return n
}

// OwnNetwork makes the nodes start without --network, on the network
// their homes name (OwnNetwork on Node).
func (ns Nodes) OwnNetwork() Nodes {
	for _, n := range ns {
		n.OwnNetwork()
	}
	return ns
}

// OwnNetwork makes the node start without --network: on the network
// its home's config.yaml names (the one `mutu join` wrote), or, on a
// home that names none, a closed network that its first run founds
// with the node as coordinator. Other nodes start on the harness's
// open network (Harness.Network).
func (n *Node) OwnNetwork() *Node {
	n.ownNetwork = true
	return n
}

// runFiles are the files a daemon writes into its home while it runs.
var runFiles = []string{"api", "api.token", "addrs"}

// Start starts `mutu run` on 127.0.0.1 with the given running peers as
// --peer, and returns once the daemon has written its address files.
func (n *Node) Start(peers ...*Node) *Node {
	n.t.Helper()
	if n.Running() {
		n.t.Fatalf("node %s: Start: already running", n.Name)
	}
	args := []string{"--home", n.Home, "run",
		"--listen", "/ip4/127.0.0.1/tcp/0",
		"--listen", "/ip4/127.0.0.1/udp/0/quic-v1",
		"--http", "127.0.0.1:0",
	}
	if !n.ownNetwork {
		args = append(args, "--network", n.h.network)
	}
	for _, p := range peers {
		addrs := p.Addrs()
		if len(addrs) == 0 {
			n.t.Fatalf("node %s: Start: peer %s is not running", n.Name, p.Name)
		}
		for _, a := range addrs {
			args = append(args, "--peer", a)
		}
	}
	args = append(args, n.flags...)

	// A daemon that was killed leaves its files behind; they must not
	// be taken for the new one's.
	for _, f := range runFiles {
		if err := os.Remove(filepath.Join(n.Home, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			n.t.Fatalf("node %s: %v", n.Name, err)
		}
	}
	logFile, err := os.OpenFile(n.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatalf("node %s: open log: %v", n.Name, err)
	}
	st, err := logFile.Stat()
	if err != nil {
		logFile.Close()
		n.t.Fatalf("node %s: open log: %v", n.Name, err)
	}
	n.mu.Lock()
	n.runs++
	run := n.runs
	n.mu.Unlock()
	fmt.Fprintf(logFile, "=== harness: start %d of node %s: mutu %s\n", run, n.Name, strings.Join(args, " "))

	cmd := exec.Command(n.h.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	orphanProof(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		n.t.Fatalf("node %s: start mutu run: %v", n.Name, err)
	}
	exited := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.exited, n.waitErr = cmd, exited, nil
	n.logFile, n.logStart = logFile, st.Size()
	n.apiAddr, n.addrs = "", nil
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(exited)
	}()

	if err := n.awaitRunFiles(exited); err != nil {
		n.Kill()
		n.t.Fatalf("node %s: %v\n%s", n.Name, err, n.logTail(25))
	}
	return n
}

// awaitRunFiles waits for the daemon to write api (last) and reads api
// and addrs. Every address must be on 127.0.0.1: tests send nothing
// anywhere else.
func (n *Node) awaitRunFiles(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("mutu run exited at start (%v)", n.exitErr())
		default:
		}
		api, err := os.ReadFile(filepath.Join(n.Home, "api"))
		if err == nil {
			addrs, err := os.ReadFile(filepath.Join(n.Home, "addrs"))
			if err != nil {
				return fmt.Errorf("api written but not addrs: %v", err)
			}
			var list []string
			for _, l := range strings.Split(string(addrs), "\n") {
				if l = strings.TrimSpace(l); l == "" {
					continue
				}
				if !strings.HasPrefix(l, "/ip4/127.0.0.1/") || !strings.Contains(l, "/p2p/") {
					return fmt.Errorf("addrs holds %q: want only full addresses on 127.0.0.1", l)
				}
				list = append(list, l)
			}
			if len(list) == 0 {
				return errors.New("addrs is empty")
			}
			n.mu.Lock()
			n.apiAddr, n.addrs = strings.TrimSpace(string(api)), list
			n.mu.Unlock()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no api file in %s %v after start", n.Home, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Running reports whether the node's daemon runs.
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// Addrs returns the P2P addresses of the running daemon (ending in
// /p2p/ID), nil if it does not run.
func (n *Node) Addrs() []string {
	if !n.Running() {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.addrs...)
}

// PeerID returns the daemon's peer ID, read from its addresses.
func (n *Node) PeerID() string {
	n.t.Helper()
	addrs := n.Addrs()
	if len(addrs) == 0 {
		n.t.Fatalf("node %s: PeerID: not running", n.Name)
	}
	_, id, _ := strings.Cut(addrs[0], "/p2p/")
	return id
}

// PID returns the process ID of the running daemon, 0 if it does not
// run: tests read its memory and descriptors under /proc.
func (n *Node) PID() int {
	if !n.Running() {
		return 0
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd.Process.Pid
}

// APIAddr returns host:port of the running daemon's API.
func (n *Node) APIAddr() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.apiAddr
}

// Token returns the write token of the running daemon's API.
func (n *Node) Token() string {
	n.t.Helper()
	data, err := os.ReadFile(filepath.Join(n.Home, "api.token"))
	if err != nil {
		n.t.Fatalf("node %s: %v", n.Name, err)
	}
	return strings.TrimSpace(string(data))
}

// Stop sends SIGTERM to the daemon and fails the test unless it exits
// cleanly within 5 s (it is then killed). Either way, the run's log is
// scanned. Stopping a node that does not run does nothing.
func (n *Node) Stop() {
	n.t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-exited:
		n.t.Errorf("node %s: mutu run had exited by itself (%v)\n%s", n.Name, n.exitErr(), n.logTail(25))
		n.finishRun()
		return
	default:
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		n.t.Errorf("node %s: SIGTERM: %v", n.Name, err)
	}
	select {
	case <-exited:
		if err := n.exitErr(); err != nil {
			n.t.Errorf("node %s: mutu run exited with %v after SIGTERM, want status 0\n%s", n.Name, err, n.logTail(25))
		}
	case <-time.After(stopTimeout):
		cmd.Process.Kill()
		n.waitExit(exited)
		n.t.Errorf("node %s: mutu run still running %v after SIGTERM; killed\n%s", n.Name, time.Since(start).Round(time.Millisecond), n.logTail(25))
	}
	n.finishRun()
}

// Kill kills the daemon with SIGKILL, as a crash or a power cut would,
// and scans the run's log.
func (n *Node) Kill() {
	n.t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	n.waitExit(exited)
	n.finishRun()
}

// waitExit waits for a killed process.
func (n *Node) waitExit(exited <-chan struct{}) {
	select {
	case <-exited:
	case <-time.After(killTimeout):
		n.t.Errorf("node %s: process still there %v after SIGKILL", n.Name, killTimeout)
	}
}

func (n *Node) exitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.waitErr
}

// finishRun closes the run's log, scans it, and forgets the process.
func (n *Node) finishRun() {
	n.mu.Lock()
	logFile, start := n.logFile, n.logStart
	n.cmd, n.logFile = nil, nil
	n.apiAddr, n.addrs = "", nil
	n.mu.Unlock()
	if logFile != nil {
		logFile.Close()
	}
	n.scanLog(start)
}

// scanLog fails the test if the log, from offset on, holds a panic, a
// data race or a fatal runtime error, and quotes it.
func (n *Node) scanLog(offset int64) {
	f, err := os.Open(n.LogPath)
	if err != nil {
		n.t.Errorf("node %s: scan log: %v", n.Name, err)
		return
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		n.t.Errorf("node %s: scan log: %v", n.Name, err)
		return
	}
	if alarm := findAlarm(f); alarm != "" {
		n.t.Errorf("node %s: its log (%s) reports:\n%s", n.Name, n.LogPath, alarm)
	}
}

// findAlarm returns the first alarming line of r and the lines after
// it, or "".
func findAlarm(r io.Reader) string {
	const context = 30
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var quote []string
	for sc.Scan() {
		line := sc.Text()
		if len(quote) > 0 {
			quote = append(quote, line)
			if len(quote) > context {
				break
			}
			continue
		}
		for _, a := range logAlarms {
			if strings.Contains(line, a) {
				quote = append(quote, line)
				break
			}
		}
	}
	return strings.Join(quote, "\n")
}

// logTail returns the last lines of the node's log.
func (n *Node) logTail(lines int) string {
	data, err := os.ReadFile(n.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(data, lines)
}

// Log returns the output of the node's current or last daemon run.
func (n *Node) Log() string {
	n.t.Helper()
	n.mu.Lock()
	start := n.logStart
	n.mu.Unlock()
	data, err := os.ReadFile(n.LogPath)
	if err != nil {
		n.t.Fatalf("node %s: %v", n.Name, err)
	}
	if start > int64(len(data)) {
		return ""
	}
	return string(data[start:])
}

// Result is the outcome of a CLI command.
type Result struct {
	Args   []string
	Stdout []byte
	Stderr []byte
	Code   int // exit code; -1 if the command could not run
	Err    error
}

func (r Result) String() string {
	return fmt.Sprintf("mutu %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Run runs `mutu --home HOME args...`: through the daemon's API if
// it runs, on the home itself if not. It fails the test only if the
// command panicked or raced; the exit code is the caller's to judge.
func (n *Node) Run(args ...string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	full := append([]string{"--home", n.Home}, args...)
	cmd := exec.CommandContext(ctx, n.h.bin, full...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	orphanProof(cmd)
	err := cmd.Run()
	res := Result{Args: full, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Code: cmd.ProcessState.ExitCode(), Err: err}
	if ctx.Err() != nil {
		res.Err = fmt.Errorf("mutu %s: still running after %v: %w", args[0], commandTimeout, ctx.Err())
	}
	if alarm := findAlarm(bytes.NewReader(res.Stderr)); alarm != "" {
		n.t.Errorf("node %s: mutu %s reports:\n%s", n.Name, strings.Join(args, " "), alarm)
	}
	return res
}

// MustRun is Run that fails the test unless the command exits 0.
func (n *Node) MustRun(args ...string) Result {
	n.t.Helper()
	res := n.Run(args...)
	if res.Code != 0 || res.Err != nil {
		n.t.Fatalf("node %s: %v\n%v", n.Name, res.Err, res)
	}
	return res
}
