package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// vmRSS returns the resident memory of process pid, from
// /proc/PID/status.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the node's memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// TestHostileQueriesAnswerAtOnce: findings 1 and 3. One search for a
// word of 500,000 letters made the node ask for 35 GB and die; one of
// 30,000 words kept both cores busy for half a minute and left it 650
// MB larger. Sent to a running node through the API and through the
// search page, each of them, and shorter ones over the limits, is
// answered with a clear 4xx within 100 ms, and the node's memory does
// not grow by 200 MB.
func TestHostileQueriesAnswerAtOnce(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("A").Init().Start()
	a.PublishOne(note("Régie d'avances : le guide", "Une fiche pour que la recherche ait de quoi chercher."))
	get := func(path string) (int, string, time.Duration, error) { return rawGet(a.APIAddr(), path) }
	// Warm up both routes, then take the node's memory.
	for _, p := range []string{"/api/v1/search?q=regie", "/recherche?q=regie"} {
		if status, body, _, err := get(p); err != nil || status != 200 {
			t.Fatalf("GET %s: %d %v\n%.500s", p, status, err, body)
		}
	}
	before := vmRSS(t, a.PID())

	var words []string
	for i := range 30_000 {
		words = append(words, fmt.Sprintf("mot%d", i))
	}
	huge := map[string]string{
		"500,000 letters": strings.Repeat("a", 500_000),
		"30,000 words":    strings.Join(words, " "),
	}
	within := map[string]string{ // over the search limits, within the server's 64 KiB of headers
		"10,000 letters": strings.Repeat("a", 10_000),
		"2,000 words":    strings.Join(words[:2000], " "),
	}
	type check func(t *testing.T, status int, body string)
	apiInput := func(t *testing.T, status int, body string) {
		var e struct {
			Error struct{ Kind, Message string } `json:"error"`
		}
		if json.Unmarshal([]byte(body), &e) != nil || status != 422 || e.Error.Kind != "input" || !strings.Contains(e.Error.Message, "over the limit") {
			t.Errorf("%d %.300q, want 422 with an error of kind input naming the limit", status, body)
		}
	}
	webPage := func(t *testing.T, status int, body string) {
		if status != 400 || !strings.Contains(body, "Recherche trop longue") {
			t.Errorf("%d, want 400 and the search page saying the search is too long:\n%.500s", status, body)
		}
	}
	anyClear4xx := func(t *testing.T, status int, body string) {
		// Past 64 KiB of request line, the server answers 431 itself.
		if status < 400 || status >= 500 {
			t.Errorf("%d %.300q, want a 4xx", status, body)
		}
	}
	for _, route := range []struct {
		name, path string
		within     check
	}{
		{"API", "/api/v1/search?q=", apiInput},
		{"web", "/recherche?q=", webPage},
	} {
		for _, set := range []struct {
			queries map[string]string
			check   check
		}{{huge, anyClear4xx}, {within, route.within}} {
			for name, q := range set.queries {
				t.Run(route.name+"/"+name, func(t *testing.T) {
					// The bound is the task's; the best of three tries
					// keeps a busy machine's scheduling out of it.
					best := time.Hour
					for range 3 {
						status, body, took, err := get(route.path + url.QueryEscape(q))
						if err != nil {
							t.Fatalf("GET: %v", err)
						}
						set.check(t, status, body)
						best = min(best, took)
					}
					if best > 100*time.Millisecond {
						t.Errorf("answered in %v at best, want under 100 ms", best)
					}
				})
			}
		}
	}
	after := vmRSS(t, a.PID())
	if grew := after - before; grew > 200<<20 {
		t.Errorf("the node's memory grew by %d MB (from %d MB), want under 200 MB", grew>>20, before>>20)
	}
	t.Logf("node memory: %d MB before, %d MB after", before>>20, after>>20)
	assertAlive(t, a, a.List()[0].ID)
}

// rawGet sends GET path on a connection of its own and returns the
// answer and the time until its status line and headers arrived: a
// client sending a request line larger than the server reads (64 KiB)
// has the answer at once, while Go's client would wait for its whole
// request to be taken.
func rawGet(addr, path string) (int, string, time.Duration, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, "", 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	go fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", 0, err
	}
	took := time.Since(start)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, string(body), took, nil
}

// idleConnections is the number of connections
// TestIdleConnectionsLeaveRoom holds open: more than the 20,000 file
// descriptors of finding 8's node. They are held by two processes,
// this one and a helper, each under a system's usual limit.
const idleConnections = 25_000

// raiseFileLimit lets this process hold n more descriptors, raising
// its soft limit up to the hard one; it skips the test if the system
// refuses.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	want := n + 1024
	if rl.Cur >= want {
		return
	}
	old := rl
	rl.Cur = want
	rl.Max = max(rl.Max, want)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("this test holds %d connections in each of two processes; the system refuses %d open files (limit %d, hard %d): %v", n, want, old.Cur, old.Max, err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// holdConnections opens n connections to addr from 127.0.0.first and
// the three addresses after it (so as not to take all the ephemeral
// ports of one), each with a request whose answer it never reads: the
// server keeps it alive for the next. It returns them and how many
// could not be opened.
func holdConnections(addr string, n, first int) ([]net.Conn, int) {
	var (
		mu     sync.Mutex
		conns  []net.Conn
		failed atomic.Int64
		next   atomic.Int64
		wg     sync.WaitGroup
	)
	deadline := time.Now().Add(2 * time.Minute)
	for w := range 8 {
		wg.Go(func() {
			d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(first+w%4))}}
			for {
				i := next.Add(1)
				if i > int64(n) || time.Now().After(deadline) {
					return
				}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					failed.Add(1)
					continue
				}
				// Kept alive after a request, as in the finding: every
				// tenth to the API, the others to the style sheet.
				path := "/static/style.css"
				if i%10 == 0 {
					path = "/api/v1/status"
				}
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", path)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return conns, int(failed.Load())
}

// acceptQueue returns the number of connections waiting in the accept
// queue of the TCP socket listening on addr (127.0.0.1:port), from
// /proc/net/tcp, where a listening socket's rx_queue is that number.
func acceptQueue(addr string) (int, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return 0, err
	}
	local := fmt.Sprintf("0100007F:%04X", p)
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 5 || f[1] != local || f[3] != "0A" {
			continue
		}
		_, rx, _ := strings.Cut(f[4], ":")
		n, err := strconv.ParseInt(rx, 16, 64)
		return int(n), err
	}
	return 0, fmt.Errorf("no socket listening on %s in /proc/net/tcp", addr)
}

// TestHelperHoldConnections is the helper process of
// TestIdleConnectionsLeaveRoom, not a test: with MUTU_E2E_HOLD set to
// ADDR N FIRST, it holds N connections to ADDR, says "held N FAILED"
// on stdout, and closes them when its standard input closes.
func TestHelperHoldConnections(t *testing.T) {
	spec := os.Getenv("MUTU_E2E_HOLD")
	if spec == "" {
		return // run as a test: nothing to do
	}
	var addr string
	var n, first int
	if _, err := fmt.Sscan(spec, &addr, &n, &first); err != nil {
		t.Fatalf("MUTU_E2E_HOLD %q: %v", spec, err)
	}
	raiseFileLimit(t, uint64(n))
	conns, failed := holdConnections(addr, n, first)
	fmt.Printf("held %d %d\n", len(conns), failed)
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// holdInHelper holds n connections to addr in a helper process (this
// test binary again) until the test ends; it returns how many it
// holds.
func holdInHelper(t *testing.T, addr string, n, first int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldConnections$", "-test.v=false")
	cmd.Env = append(os.Environ(), fmt.Sprintf("MUTU_E2E_HOLD=%s %d %d", addr, n, first))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.Contains(line, "SKIP") || strings.HasPrefix(line, "---") {
		t.Skipf("helper: %s", line)
	}
	var held, failed int
	if _, serr := fmt.Sscanf(line, "held %d %d", &held, &failed); serr != nil {
		t.Fatalf("helper holding connections said %q (%v)", line, err)
	}
	return held
}

// TestIdleConnectionsLeaveRoom: finding 8. 20,100 idle keep-alive
// connections took every file descriptor of a node: its pages and API
// stopped answering, `mutu status` said its catalogue was in use, and
// peers could not connect. With 25,000 connections open to its HTTP
// port, each kept alive after a request, the node holds no more than
// its cap, answers a status request within a second, still accepts a
// peer, and `mutu status` reaches it.
func TestIdleConnectionsLeaveRoom(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("A").Init().Start()
	half := idleConnections / 2
	raiseFileLimit(t, uint64(half))

	held := holdInHelper(t, a.APIAddr(), idleConnections-half, 6)
	conns, failed := holdConnections(a.APIAddr(), half, 2)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if total := held + len(conns); total < idleConnections*9/10 {
		t.Fatalf("opened %d connections of %d (%d failed here)", total, idleConnections, failed)
	}
	t.Logf("%d connections opened to the node's HTTP port (%d by a helper process)", held+len(conns), held)

	// The connections opened last may still wait in the kernel's accept
	// queue (up to net.core.somaxconn of them), which the node empties
	// in its turn, closing the idlest as it goes; a new client then
	// waits behind them. Once the node has taken them all, with 25,000
	// connections open, a status request is answered within a second.
	drained := time.Now()
	h.WaitFor(time.Minute, "the node to accept the connections queued", func() error {
		if n, err := acceptQueue(a.APIAddr()); err != nil || n > 0 {
			return fmt.Errorf("%d connections in the accept queue (%v)", n, err)
		}
		return nil
	})
	t.Logf("the accept queue emptied in %v", time.Since(drained))
	status := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := status.Get("http://" + a.APIAddr() + "/api/v1/status")
	if err != nil {
		t.Fatalf("status with %d connections open: %v", held+len(conns), err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status with %d connections open: %s", held+len(conns), resp.Status)
	}
	t.Logf("status answered in %v", time.Since(start))

	// The node kept its descriptors: at most its cap of connections
	// (1000) and what its store and peers use.
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", a.PID()))
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) > 3000 {
		t.Errorf("the node holds %d file descriptors, want its 1000 HTTP connections at most and a few hundred more", len(fds))
	}

	// `mutu status` reaches the node rather than open its catalogue.
	if res := a.Run("status"); res.Code != 0 || strings.Contains(string(res.Stderr), "in use") {
		t.Errorf("mutu status: exit %d\n%s", res.Code, res.Stderr)
	}

	// A peer still connects over libp2p.
	b := h.NewNode("B").Init().Start(a)
	awaitPeers(h, map[*harness.Node]int{a: 1, b: 1})

	// The node closed the connections idle longest to make room:
	// reading one of the first opened here reaches its end at once
	// (after its answer, for one that sent a request).
	first := conns[0]
	first.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, first); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the first connection opened is still held by the node")
	}
}
