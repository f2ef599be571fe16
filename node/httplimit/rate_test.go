package httplimit

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func request(remote string) *http.Request {
	r, _ := http.NewRequest("GET", "/", nil)
	r.RemoteAddr = remote
	return r
}

// Each client address has its own bucket per class: past its burst, a
// client is refused with the wait until its next request, while other
// clients and other classes go on. An IPv6 client counts with its /64.
func TestRateLimitPerClient(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	rl := NewRateLimiter(Limits{Search: Rate{PerSecond: 2, Burst: 3}, Fetch: Rate{PerSecond: -1}})
	rl.now = func() time.Time { return now }
	allow := func(c Class, remote string) (bool, time.Duration) { return rl.Allow(c, request(remote)) }

	for i := range 3 {
		if ok, _ := allow(Search, "192.0.2.1:1000"); !ok {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	ok, wait := allow(Search, "192.0.2.1:1001")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("request past the burst: allowed %v, wait %v; want refused with a wait of at most 1/2 s", ok, wait)
	}
	if ok, _ := allow(Search, "192.0.2.2:1000"); !ok {
		t.Error("another client refused")
	}
	if ok, _ := allow(Write, "192.0.2.1:1000"); !ok {
		t.Error("another class refused")
	}
	for range 100 {
		if ok, _ := allow(Fetch, "192.0.2.1:1000"); !ok {
			t.Fatal("a class without limit refused")
		}
	}
	now = now.Add(wait)
	if ok, _ := allow(Search, "192.0.2.1:1000"); !ok {
		t.Error("refused after waiting what it was told")
	}

	for i := range 3 {
		if ok, _ := allow(Search, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1)); !ok {
			t.Fatalf("IPv6 request %d within the burst refused", i)
		}
	}
	if ok, _ := allow(Search, "[2001:db8:1:2:ffff::1]:443"); ok {
		t.Error("another address of the same /64 has a bucket of its own")
	}
	if ok, _ := allow(Search, "[2001:db8:1:3::1]:443"); !ok {
		t.Error("another /64 refused")
	}
}

// Clients on the node's own machine (the mutu command, a reverse proxy
// there) are not counted, unless LimitLoopback says so.
func TestRateLimitSparesLoopback(t *testing.T) {
	for _, limit := range []bool{false, true} {
		rl := NewRateLimiter(Limits{Search: Rate{PerSecond: 0.1, Burst: 1}, LimitLoopback: limit})
		refused := 0
		for _, remote := range []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.5:1", "[::1]:1", "[::1]:2"} {
			if ok, _ := rl.Allow(Search, request(remote)); !ok {
				refused++
			}
		}
		if (refused > 0) != limit {
			t.Errorf("LimitLoopback %v: %d loopback requests refused", limit, refused)
		}
	}
}

// Clients cycling addresses cannot grow the limiter without bound.
func TestRateLimiterForgetsClients(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	rl := NewRateLimiter(Limits{})
	rl.now = func() time.Time { return now }
	for i := range 3 * maxClients {
		now = now.Add(time.Microsecond)
		rl.Allow(Search, request(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)))
	}
	if n := len(rl.clients); n > maxClients {
		t.Errorf("%d clients remembered, want at most %d", n, maxClients)
	}
}

// An upload may outlast the server's ReadTimeout while bytes keep
// coming; without LongUpload, or once the client stalls, it is cut.
func TestLongUpload(t *testing.T) {
	l := Limits{ReadTimeout: 300 * time.Millisecond}
	g := NewGuard(l)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/long" {
			g.LongUpload(w, r)
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	})
	addr, _ := serve(t, h, l)
	// 20 chunks, 50 ms apart: a second in all.
	steady := func() io.Reader { return &trickle{chunks: 20, every: 50 * time.Millisecond} }
	if got, err := post(addr, "/long", steady()); err != nil || got != "20480" {
		t.Errorf("steady upload through LongUpload: %q, %v; want all 20480 bytes", got, err)
	}
	if got, err := post(addr, "/short", steady()); err == nil && got == "20480" {
		t.Error("steady upload without LongUpload outlived ReadTimeout")
	}
	stalled := &trickle{chunks: 3, every: 50 * time.Millisecond, stallAfter: 1, stall: time.Second}
	if got, err := post(addr, "/long", stalled); err == nil && got == "3072" {
		t.Error("an upload stalled for longer than ReadTimeout went through")
	}
}

// trickle sends chunks of 1 KiB, one every so often, and may stall.
type trickle struct {
	chunks, sent int
	every        time.Duration
	stallAfter   int
	stall        time.Duration
}

func (tr *trickle) Read(p []byte) (int, error) {
	if tr.sent == tr.chunks {
		return 0, io.EOF
	}
	wait := tr.every
	if tr.stallAfter > 0 && tr.sent == tr.stallAfter {
		wait = tr.stall
	}
	time.Sleep(wait)
	tr.sent++
	return copy(p, bytes.Repeat([]byte("x"), 1024)), nil
}

func post(addr, path string, body io.Reader) (string, error) {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post("http://"+addr+path, "application/octet-stream", body)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return string(b), err
}

// A download may outlast the server's WriteTimeout while the reader
// keeps reading; without LongDownload it is cut.
func TestLongDownload(t *testing.T) {
	l := Limits{WriteTimeout: 300 * time.Millisecond}
	g := NewGuard(l)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/long" {
			w = g.LongDownload(w)
		}
		for range 20 {
			w.Write(bytes.Repeat([]byte("x"), 1024))
			if http.NewResponseController(w).Flush() != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	addr, _ := serve(t, h, l)
	for path, whole := range map[string]bool{"/long": true, "/short": false} {
		n, err := download(addr, path)
		if got := err == nil && n == 20*1024; got != whole {
			t.Errorf("%s: %d bytes, %v; want the whole answer: %v", path, n, err, whole)
		}
	}
}

func download(addr, path string) (int64, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	b, err := io.ReadAll(conn)
	head, body, found := strings.Cut(string(b), "\r\n\r\n")
	if !found || !strings.HasPrefix(head, "HTTP/1.1 200") {
		return 0, fmt.Errorf("answer %q", head)
	}
	// Chunked: count the x's.
	return int64(strings.Count(body, "x")), err
}
