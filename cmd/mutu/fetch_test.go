package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mutu-network/mutu/node/api"
)

// lockedBuffer is a buffer that a daemon's log and the test share.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDaemon runs `mutu run` on home in this process, on 127.0.0.1,
// until the returned stop is called or the test ends.
func startDaemon(t *testing.T, home string, args ...string) (stop func()) {
	t.Helper()
	if err := os.Remove(filepath.Join(home, apiFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	app := newApp(strings.NewReader(""), io.Discard, logs)
	args = append([]string{"mutu", "--home", home, "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--http", "127.0.0.1:0"}, args...)
	done := make(chan error, 1)
	go func() { done <- app.RunContext(ctx, flagsFirst(app, args)) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("mutu run on %s: %v\n%s", home, err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("mutu run on %s did not stop\n%s", home, logs.String())
			}
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(home, apiFile)); err == nil {
			return stop
		}
		select {
		case err := <-done:
			t.Fatalf("mutu run on %s stopped at start: %v\n%s", home, err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mutu run on %s wrote no api file\n%s", home, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCommand runs a command until it succeeds and ok accepts its
// output.
func waitCommand(t *testing.T, what, home string, ok func(stdout string) bool, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, stdout, stderr := mutuIn(t, home, args...)
		if code == 0 && ok(stdout) {
			return stdout
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, %s: mutu %s: exit %d\n%s%s", what, strings.Join(args, " "), code, stdout, stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFetchCommand: node B keeps attachments of at most 1 MiB per
// entry by itself; an entry published on A carries a 2.5 MiB file.
// B receives the entry without it. `mutu fetch` without B's daemon
// says to start it and exits 4; with it, it brings the file from A,
// says how much from how many peers, and the web page of B then
// serves the very bytes published on A.
func TestFetchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two nodes")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, h := range []string{a, b} {
		if code, _, stderr := mutuIn(t, h, "init"); code != 0 {
			t.Fatalf("init %s: %s", h, stderr)
		}
		// An open network, as before charters: B connects to A's
		// address without an invitation.
		if err := updateConfig(h, map[string]any{"network": "mutu"}); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(b, configFile)
	yml, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	yml = bytes.Replace(yml, []byte("attachment_auto_fetch: 10485760"), []byte("attachment_auto_fetch: 1048576"), 1)
	if err := os.WriteFile(conf, yml, 0o644); err != nil {
		t.Fatal(err)
	}

	data := make([]byte, 5<<19)
	_, _ = mrand.NewChaCha8([32]byte{42}).Read(data)
	pdf, note := filepath.Join(dir, "circulaire.pdf"), filepath.Join(dir, "note.md")
	if err := os.WriteFile(pdf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(note, []byte("---\ntitle: Circulaire de rentrée\n---\nVoir la pièce jointe.\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	startDaemon(t, a)
	code, stdout, stderr := mutuIn(t, a, "publish", "--json", "--attach", pdf, note)
	if code != 0 {
		t.Fatalf("publish on A: exit %d: %s", code, stderr)
	}
	var pubs []api.Published
	if err := json.Unmarshal([]byte(stdout), &pubs); err != nil || len(pubs) != 1 {
		t.Fatalf("publish --json printed %q (%v)", stdout, err)
	}
	id := pubs[0].ID
	addrs, err := os.ReadFile(filepath.Join(a, addrsFile))
	if err != nil {
		t.Fatal(err)
	}
	peerA := strings.Fields(string(addrs))[0]

	stopB := startDaemon(t, b, "--peer", peerA)
	var e api.Entry
	waitCommand(t, "B to receive the entry", b, func(out string) bool { return json.Unmarshal([]byte(out), &e) == nil }, "show", "--json", id)
	if len(e.Attachments) != 1 || e.Attachments[0].Held {
		t.Fatalf("B shows attachments %+v, want one not yet held: above B's limit, it must wait to be asked for", e.Attachments)
	}

	// Without the daemon, nothing can fetch: say so, and how to fix it.
	stopB()
	code, _, stderr = mutuIn(t, b, "fetch", id)
	if code != exitNetwork || !strings.Contains(stderr, "mutu --home "+b+" run") {
		t.Fatalf("fetch without a daemon: exit %d, %q; want exit %d and how to start the node", code, stderr, exitNetwork)
	}

	startDaemon(t, b, "--peer", peerA)
	waitCommand(t, "B to connect to A", b, func(out string) bool {
		var st api.Status
		return json.Unmarshal([]byte(out), &st) == nil && st.PeersConnected > 0
	}, "status", "--json")
	code, stdout, stderr = mutuIn(t, b, "fetch", id)
	if code != 0 {
		t.Fatalf("fetch: exit %d: %s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Fetched 3 of 3 missing blocks (2.6 MB) from 1 of 1 connected peers.",
		"circulaire.pdf (2.6 MB): on this node",
		"Every attachment of " + shortID(id) + " is now on this node.",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("fetch printed:\n%s\nwant %q", stdout, want)
		}
	}

	// The web page of B serves the file, byte for byte.
	httpAddr, err := os.ReadFile(filepath.Join(b, apiFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + strings.TrimSpace(string(httpAddr)) + "/entree/" + id + "/piece/circulaire.pdf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Fatalf("GET the attachment from B: %d, %d bytes (%v); want 200 and the %d bytes published on A", res.StatusCode, len(got), err, len(data))
	}

	code, stdout, _ = mutuIn(t, b, "fetch", "--json", id)
	var again api.FetchResult
	if code != 0 || json.Unmarshal([]byte(stdout), &again) != nil || again.Wanted != 0 || len(again.Attachments) != 1 || !again.Attachments[0].Held {
		t.Errorf("fetch --json once held: exit %d, %s; want nothing to fetch", code, stdout)
	}
}
