package web

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// clock is a settable wall clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a web server over an in-memory catalogue, on 127.0.0.1.
type env struct {
	t       *testing.T
	cat     *catalogue.Catalogue
	cfg     Config
	srv     *Server
	serving atomic.Pointer[Server] // what ts serves: srv, swapped by restart
	ts      *httptest.Server
	users   string
	clock   *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, "", catalogue.Options{InMemory: true})
}

// newEnvWith is newEnv over the catalogue opened in dir with opts.
func newEnvWith(t *testing.T, dir string, opts catalogue.Options) *env {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	e := &env{t: t, cat: cat, users: filepath.Join(t.TempDir(), UsersFile), clock: &clock{t: time.Now()}}
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e.cfg = Config{Cat: cat, UsersPath: e.users, SessionsPath: filepath.Join(t.TempDir(), SessionsFile), Logger: logger, Now: e.clock.Now}
	e.srv, err = New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.serving.Store(e.srv)
	e.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if addr := r.Header.Get(testRemoteHeader); addr != "" {
			r.RemoteAddr = addr // a client at another address (client.from)
		}
		e.serving.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		e.ts.Close()
		e.srv.Close()
	})
	return e
}

// restart stops the web server and starts another with the same
// configuration, as a restart of the node does.
func (e *env) restart() {
	e.t.Helper()
	if err := e.srv.Close(); err != nil {
		e.t.Fatal(err)
	}
	srv, err := New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv
	e.serving.Store(srv)
}

// testRemoteHeader carries, from a test client to the test server, the
// address the client stands for.
const testRemoteHeader = "X-Test-Remote-Addr"

// client is a browser without JavaScript: cookies, no redirects
// followed unless asked.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
	addr string // the address it connects from, as the server sees it; "" for 127.0.0.1
}

// from returns c connecting from the IP address ip from now on.
func (c *client) from(ip string) *client {
	c.addr = net.JoinHostPort(ip, "50000")
	return c
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{t: e.t, e: e, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	if c.addr != "" {
		req.Header.Set(testRemoteHeader, c.addr)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.ts.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a urlencoded form as is (no CSRF token added).
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the form on page path.
func (c *client) csrf(path string) string {
	c.t.Helper()
	res := c.get(path)
	m := csrfField.FindStringSubmatch(res.body)
	if m == nil {
		c.t.Fatalf("GET %s (%d): no CSRF field in the page:\n%s", path, res.status, res.body)
	}
	return m[1]
}

// submit posts form to path with the CSRF token of the page at from.
func (c *client) submit(from, path string, form url.Values) response {
	c.t.Helper()
	form.Set("csrf", c.csrf(from))
	return c.post(path, form)
}

const testPassword = "une phrase de passe assez longue"

// logout logs c out with the button of the home page.
func (c *client) logout() {
	c.t.Helper()
	if res := c.submit("/", "/deconnexion", url.Values{}); res.status != http.StatusSeeOther {
		c.t.Fatalf("logout: %d", res.status)
	}
}

// login logs c in as name with password.
func (c *client) login(name, password string) response {
	c.t.Helper()
	return c.submit("/connexion", "/connexion", url.Values{"nom": {name}, "mot_de_passe": {password}})
}

// account creates an account as `mutu user add` does, activates it
// through its link and returns a client logged in with it and the
// account's key.
func (e *env) account(name string) (*client, ed25519.PrivateKey) {
	e.t.Helper()
	return e.accountWith(name, AddOptions{})
}

// accountWith is account, made with opts (a role).
func (e *env) accountWith(name string, opts AddOptions) (*client, ed25519.PrivateKey) {
	e.t.Helper()
	opts.Now = e.clock.Now()
	token, err := AddAccount(e.users, name, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	page := ActivationPath + "?jeton=" + token
	res := c.submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("activate %s: status %d:\n%s", name, res.status, res.body)
	}
	a := e.srv.accounts.get(name)
	if a == nil {
		e.t.Fatalf("account %s not found after activation", name)
	}
	return c, a.key
}

// publish publishes an entry directly in the catalogue.
func (e *env) publish(key ed25519.PrivateKey, meta map[string]any, body string, files ...catalogue.File) string {
	e.t.Helper()
	if key == nil {
		var err error
		if key, err = protocol.NewAuthorKey(); err != nil {
			e.t.Fatal(err)
		}
	}
	p, err := e.cat.Publish(context.Background(), key, &entry.Entry{Meta: meta, Body: body}, files)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv.recent.invalidate()
	return p.Doc.String()
}

var (
	osStat     = os.Stat
	osReadFile = os.ReadFile
)
