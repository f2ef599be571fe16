package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// maxRequestSize is the API's cap on a request body (docs/api.md).
const maxRequestSize = 64 << 20

// TestHostileInput: a node given garbage on its API (malformed JSON,
// wrong types, a body over the cap, bytes that are not HTTP) and on its
// P2P port stays up, answers each request with an error of the
// documented kind, and still works afterwards.
func TestHostileInput(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("A").Init().Start()
	entry := a.PublishOne(note("Régie de recettes : encaissements", "Une fiche qui doit survivre."))
	base := "http://" + a.APIAddr()
	token := a.Token()

	huge := io.MultiReader(
		strings.NewReader(`{"files":[{"name":"grosse.md","data":"`),
		io.LimitReader(repeatReader('A'), maxRequestSize+(1<<20)),
		strings.NewReader(`"}]}`))

	const (
		noToken = iota
		goodToken
		wrongToken
	)
	cases := []struct {
		name   string
		method string
		path   string
		auth   int // noToken, goodToken or wrongToken
		body   io.Reader
		// want is the status code, and kind the error kind, expected.
		want int
		kind string
	}{
		{"write without token", "POST", "/api/v1/entries", noToken, strings.NewReader(`{"files":[]}`), 403, "forbidden"},
		{"write with a wrong token", "POST", "/api/v1/entries", wrongToken, strings.NewReader(`{`), 403, "forbidden"},
		{"truncated JSON", "POST", "/api/v1/entries", goodToken, strings.NewReader(`{"files":[{"name":"a.md","data":"`), 422, "input"},
		{"not JSON", "POST", "/api/v1/entries", goodToken, bytes.NewReader([]byte{0, 0xff, 0xfe, '{', 0x80}), 422, "input"},
		{"wrong types", "POST", "/api/v1/entries", goodToken, strings.NewReader(`{"files":"fiche.md","kind":12}`), 422, "input"},
		{"data not base64", "POST", "/api/v1/entries", goodToken, strings.NewReader(`{"files":[{"name":"a.md","data":"%%%"}]}`), 422, "input"},
		{"no files", "POST", "/api/v1/entries", goodToken, strings.NewReader(`{"files":[]}`), 422, "input"},
		{"deeply nested JSON", "POST", "/api/v1/entries", goodToken, strings.NewReader(strings.Repeat("[", 100000)), 422, "input"},
		{"body over the cap", "POST", "/api/v1/entries", goodToken, huge, 413, "too_large"},
		{"edit with malformed JSON", "PUT", "/api/v1/entries/" + entry.ID, goodToken, strings.NewReader(`{"file":`), 422, "input"},
		{"retract unknown", "DELETE", "/api/v1/entries/bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", goodToken, nil, 404, "not_found"},
		{"show garbage ID", "GET", "/api/v1/entries/%00%ff..%2f..%2fetc", noToken, nil, 404, "not_found"},
		{"unknown route", "GET", "/api/v1/nope", noToken, nil, 404, "not_found"},
		{"wrong method", "PATCH", "/api/v1/entries", goodToken, nil, 405, "method_not_allowed"},
		{"negative limit", "GET", "/api/v1/search?q=regie&limit=-5", noToken, nil, 422, "input"},
		{"limit not a number", "GET", "/api/v1/search?q=regie&limit=1e99", noToken, nil, 422, "input"},
	}
	client := &http.Client{Timeout: time.Minute}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			switch tc.auth {
			case goodToken:
				req.Header.Set("Authorization", "Bearer "+token)
			case wrongToken:
				req.Header.Set("Authorization", "Bearer "+strings.Repeat("0", len(token)))
			}
			resp, err := client.Do(req)
			if err != nil {
				// The server may close the connection on a body over
				// the cap before it is all sent; it must stay up.
				if tc.name != "body over the cap" {
					t.Errorf("%s %s: %v", tc.method, tc.path, err)
				}
			} else {
				var e struct {
					Error struct {
						Kind    string `json:"kind"`
						Message string `json:"message"`
					} `json:"error"`
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
				if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tc.want || e.Error.Kind != tc.kind {
					t.Errorf("%s %s: %s %q, want %d with an error of kind %q", tc.method, tc.path, resp.Status, body, tc.want, tc.kind)
				}
			}
			assertAlive(t, a, entry.ID)
		})
	}

	t.Run("bytes that are not HTTP", func(t *testing.T) {
		junk(t, a.APIAddr(), true)
		assertAlive(t, a, entry.ID)
	})
	t.Run("bytes that are not libp2p", func(t *testing.T) {
		for _, addr := range a.Addrs() {
			host, port, ok := tcpAddr(addr)
			if ok {
				junk(t, net.JoinHostPort(host, port), false)
			}
		}
		assertAlive(t, a, entry.ID)
	})

	// Still a working node: it publishes, and nothing was stored by the
	// requests above.
	a.PublishOne(note("Régie de recettes : après l'orage", "Le nœud fonctionne encore."))
	if got := len(a.List()); got != 2 {
		t.Errorf("A lists %d entries after the garbage, want 2", got)
	}
}

// assertAlive fails the test unless the node's daemon still runs and
// answers.
func assertAlive(t *testing.T, n *harness.Node, id string) {
	t.Helper()
	if !n.Running() {
		t.Fatalf("node %s has exited", n.Name)
	}
	if _, err := n.GetEntry(id); err != nil {
		t.Fatalf("node %s no longer answers: %v", n.Name, err)
	}
}

// junk opens a few connections to addr and writes random bytes and
// then half an HTTP request line on each. With reply, it reads what
// the server answers (a 400) until it closes the connection.
func junk(t *testing.T, addr string, reply bool) {
	t.Helper()
	for i := range 5 {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096<<i)
		rand.Read(buf)
		buf = append(buf, "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n"...)
		if _, err := conn.Write(buf); err != nil && reply {
			t.Logf("write to %s: %v", addr, err)
		}
		if reply {
			line, _ := bufio.NewReader(conn).ReadString('\n')
			if !strings.HasPrefix(line, "HTTP/1.1 4") {
				t.Errorf("%s answered %q to garbage, want a 4xx status", addr, line)
			}
		}
		conn.Close()
	}
}

// tcpAddr returns host and port of a /ip4/H/tcp/P/... multiaddr.
func tcpAddr(ma string) (host, port string, ok bool) {
	parts := strings.Split(ma, "/")
	if len(parts) < 5 || parts[1] != "ip4" || parts[3] != "tcp" {
		return "", "", false
	}
	return parts[2], parts[4], true
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
