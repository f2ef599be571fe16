package httplimit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve serves h on 127.0.0.1 with the limits l and returns its
// address and listener; it stops when the test ends.
func serve(t *testing.T, h http.Handler, l Limits) (string, *Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, cl := Server(h, ln, l)
	done := make(chan struct{})
	go func() { srv.Serve(cl); close(done) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String(), cl
}

func ok(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }

// get sends one GET on a new connection and returns the status, within
// a second.
func get(addr, path string) (int, error) {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// Finding 8: idle connections, silent or kept alive, filled every slot
// and locked everyone else out. A full listener closes the connection
// idle longest to make room: a new client is answered at once, and the
// server never holds more than its cap.
func TestFullListenerClosesIdleConnectionsFirst(t *testing.T) {
	const max = 10
	addr, cl := serve(t, http.HandlerFunc(ok), Limits{MaxConns: max})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 5 * max {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if i%2 == 0 {
			// Kept alive after an answer.
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	for i := range 3 {
		start := time.Now()
		if status, err := get(addr, "/"); err != nil || status != 200 {
			t.Fatalf("request %d with %d idle connections open: %d, %v", i, len(held), status, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("request %d took %v", i, d)
		}
	}
	if n := cl.Open(); n > max {
		t.Errorf("%d connections open, over the cap of %d", n, max)
	}
}

// A connection in the middle of a request is never closed to make
// room: when every slot is busy, a new connection waits for one.
func TestFullListenerKeepsBusyConnections(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	})
	addr, _ := serve(t, h, Limits{MaxConns: 2})
	results := make(chan error, 2)
	for range 2 {
		go func() {
			status, err := getWithin(addr, "/slow", 10*time.Second)
			if err == nil && status != 200 {
				err = fmt.Errorf("status %d", status)
			}
			results <- err
		}()
	}
	<-started
	<-started
	// Both slots busy: a third client waits…
	third := make(chan error, 1)
	go func() {
		status, err := getWithin(addr, "/", 10*time.Second)
		if err == nil && status != 200 {
			err = fmt.Errorf("status %d", status)
		}
		third <- err
	}()
	select {
	case err := <-third:
		t.Fatalf("a third connection was served while both slots were busy: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// …until they are done; neither was cut.
	close(release)
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("busy request: %v", err)
		}
	}
	if err := <-third; err != nil {
		t.Errorf("third request: %v", err)
	}
}

func getWithin(addr, path string, d time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// The server closes what holds a connection without a request: headers
// sent too slowly, and a kept-alive connection left idle.
func TestServerTimeouts(t *testing.T) {
	l := Limits{ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}
	addr, cl := serve(t, http.HandlerFunc(ok), l)
	srv, _ := Server(http.HandlerFunc(ok), nil, Limits{})
	d := DefaultLimits
	if srv.ReadHeaderTimeout != d.ReadHeaderTimeout || srv.ReadTimeout != d.ReadTimeout || srv.WriteTimeout != d.WriteTimeout ||
		srv.IdleTimeout != d.IdleTimeout || srv.MaxHeaderBytes != MaxHeaderBytes || srv.ConnState == nil {
		t.Errorf("server of the default limits: %+v", srv)
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET / HTTP/1.1\r\n")
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	for name, c := range map[string]net.Conn{"slow headers": slow, "idle keep-alive": idle} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("%s: not closed by the server within 5 s: %v", name, err)
		}
	}
	waitFor(t, func() bool { return cl.Open() == 0 }, "both connections to be released")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
