package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/web"
)

// webNode stands for the web side of `mutu run` on a home: the web
// interface over the home's catalogue, accounts and sessions files.
type webNode struct {
	t   *testing.T
	dir string
	cat *catalogue.Catalogue
	srv *web.Server
	ts  *httptest.Server
}

func startWeb(t *testing.T, dir string) *webNode {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), filepath.Join(dir, storeDir), catalogue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Cat: cat, UsersPath: filepath.Join(dir, web.UsersFile), SessionsPath: filepath.Join(dir, web.SessionsFile)})
	if err != nil {
		t.Fatal(err)
	}
	n := &webNode{t: t, dir: dir, cat: cat, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(n.stop)
	return n
}

// stop stops the node as `mutu run` does on SIGTERM: the web server
// saves its sessions.
func (n *webNode) stop() {
	if n.ts == nil {
		return
	}
	n.ts.Close()
	if err := n.srv.Close(); err != nil {
		n.t.Error(err)
	}
	n.cat.Close()
	n.ts = nil
}

// browser is a browser with its cookies, on a web node's address.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var csrfInPage = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// submit posts form to path with the CSRF token of the page at from.
func (b *browser) submit(from, path string, form url.Values) int {
	b.t.Helper()
	_, page := b.do(http.MethodGet, from, nil)
	m := csrfInPage.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no form on %s", from)
	}
	form.Set("csrf", m[1])
	status, _ := b.do(http.MethodPost, path, form)
	return status
}

// loggedIn reports whether the browser is logged in: the publish form
// answers instead of sending to the login page.
func (b *browser) loggedIn() bool {
	status, _ := b.do(http.MethodGet, "/publier", nil)
	return status == http.StatusOK
}

const userPassword = "une phrase de passe assez longue"

func (b *browser) login(name string) int {
	return b.submit("/connexion", "/connexion", url.Values{"nom": {name}, "mot_de_passe": {userPassword}})
}

var activationLink = regexp.MustCompile(`/compte/activer\?jeton=(\S+)`)

// activate opens the link a user command printed and sets the
// password.
func (b *browser) activate(out string) {
	b.t.Helper()
	m := activationLink.FindStringSubmatch(out)
	if m == nil {
		b.t.Fatalf("no activation link in %q", out)
	}
	if status := b.submit(m[0], web.ActivationPath, url.Values{"jeton": {m[1]}, "mot_de_passe": {userPassword}, "confirmation": {userPassword}}); status != http.StatusSeeOther {
		b.t.Fatalf("activation: %d", status)
	}
}

// mutuOK runs a command that must succeed and returns its output.
func mutuOK(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := mutuIn(t, dir, args...)
	if code != 0 {
		t.Fatalf("mutu %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func sessionsOf(t *testing.T, dir, name string) []sessionListing {
	t.Helper()
	var list []sessionListing
	if err := json.Unmarshal([]byte(mutuOK(t, dir, "user", "sessions", "--json", name)), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// TestUserCommandsWithRunningNode: every account command takes effect
// at once on a running node's web pages, through the accounts file.
func TestUserCommandsWithRunningNode(t *testing.T) {
	dir := newHome(t)
	n := startWeb(t, dir)
	marie := newBrowser(t, n.ts.URL)
	marie.activate(mutuOK(t, dir, "user", "add", "marie"))
	paul := newBrowser(t, n.ts.URL)
	paul.activate(mutuOK(t, dir, "user", "add", "paul"))
	desk := newBrowser(t, n.ts.URL)
	desk.login("marie")
	if !marie.loggedIn() || !desk.loggedIn() || !paul.loggedIn() {
		t.Fatal("not logged in after activation and login")
	}

	// The node saves the sessions at each login: both are listed.
	if list := sessionsOf(t, dir, "marie"); len(list) != 2 || list[0].Created.IsZero() || list[1].LastSeen.IsZero() {
		t.Fatalf("sessions of marie = %+v, want 2 with their times", list)
	}
	if out := mutuOK(t, dir, "user", "sessions", "marie"); !strings.Contains(out, `2 sessions of "marie":`) || strings.Count(out, "logged in ") != 2 {
		t.Errorf("sessions listing:\n%s", out)
	}

	if out := mutuOK(t, dir, "user", "sessions", "--end", "marie"); !strings.Contains(out, `Ended 2 sessions of "marie"`) {
		t.Errorf("sessions --end: %q", out)
	}
	if marie.loggedIn() || desk.loggedIn() {
		t.Error("a session of marie outlived `mutu user sessions --end`")
	}
	if !paul.loggedIn() {
		t.Error("paul was logged out with marie")
	}
	if list := sessionsOf(t, dir, "marie"); len(list) != 0 {
		t.Errorf("sessions after --end = %+v", list)
	}

	marie.login("marie")
	mutuOK(t, dir, "user", "disable", "marie")
	if marie.loggedIn() {
		t.Error("a disabled account is still logged in")
	}
	if status := marie.login("marie"); status != http.StatusForbidden {
		t.Errorf("login of a disabled account: %d, want 403", status)
	}
	mutuOK(t, dir, "user", "enable", "marie")
	if status := marie.login("marie"); status != http.StatusSeeOther || !marie.loggedIn() {
		t.Errorf("login once enabled: %d", status)
	}

	out := mutuOK(t, dir, "user", "reset", "marie")
	if marie.loggedIn() {
		t.Error("a session outlived the reset of the password")
	}
	if status := desk.login("marie"); status != http.StatusUnauthorized {
		t.Errorf("old password after a reset: %d, want 401", status)
	}
	marie.activate(out)
	if !marie.loggedIn() {
		t.Error("not logged in after choosing the new password")
	}

	mutuOK(t, dir, "user", "remove", "marie")
	if marie.loggedIn() {
		t.Error("a removed account is still logged in")
	}
	if status := marie.login("marie"); status != http.StatusUnauthorized {
		t.Errorf("login of a removed account: %d, want 401", status)
	}
	if !paul.loggedIn() {
		t.Error("paul was logged out by the commands on marie")
	}
}

// TestUserCommandsWithStoppedNode: the commands work on a home whose
// node is stopped, and what they ended stays ended when it starts.
func TestUserCommandsWithStoppedNode(t *testing.T) {
	dir := newHome(t)
	n := startWeb(t, dir)
	marie := newBrowser(t, n.ts.URL)
	marie.activate(mutuOK(t, dir, "user", "add", "marie"))
	paul := newBrowser(t, n.ts.URL)
	paul.activate(mutuOK(t, dir, "user", "add", "paul"))
	zoe := newBrowser(t, n.ts.URL)
	zoe.activate(mutuOK(t, dir, "user", "add", "zoe"))
	ana := newBrowser(t, n.ts.URL)
	ana.activate(mutuOK(t, dir, "user", "add", "ana"))
	n.stop()

	if list := sessionsOf(t, dir, "marie"); len(list) != 1 {
		t.Fatalf("sessions of marie, node stopped = %+v, want 1", list)
	}
	if out := mutuOK(t, dir, "user", "sessions", "marie", "--end"); !strings.Contains(out, `Ended 1 session of "marie"`) {
		t.Errorf("sessions --end: %q", out)
	}
	mutuOK(t, dir, "user", "disable", "paul")
	mutuOK(t, dir, "user", "remove", "zoe")
	for _, name := range []string{"marie", "paul"} {
		if list := sessionsOf(t, dir, name); len(list) != 0 {
			t.Errorf("sessions of %s after the command = %+v", name, list)
		}
	}

	n = startWeb(t, dir)
	for name, b := range map[string]*browser{"marie": marie, "paul": paul, "zoe": zoe} {
		b.base = n.ts.URL
		if b.loggedIn() {
			t.Errorf("%s's session, ended while the node was stopped, came back with it", name)
		}
	}
	ana.base = n.ts.URL
	if !ana.loggedIn() {
		t.Error("ana, whom no command named, was logged out by the restart")
	}
	marie.base = n.ts.URL
	if status := marie.login("marie"); status != http.StatusSeeOther {
		t.Errorf("marie logs in again: %d", status)
	}
	if status := paul.login("paul"); status != http.StatusForbidden {
		t.Errorf("paul, disabled while the node was stopped, logs in: %d, want 403", status)
	}
}
