package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// hostileBody tries every way of running script that a note could
// carry; each payload would set window.__pwned or the page title.
const hostileBody = `Piège pour le navigateur.

<script>window.__pwned = 1; document.title = "pwned"</script>

<img src=x onerror="window.__pwned = 2">

<svg onload="window.__pwned = 3"><script>window.__pwned = 4</script></svg>

[lien javascript](javascript:window.__pwned=5)

[lien encodé](jav&#x61;script:window.__pwned=6)

[lien entités](&#106;avascript&colon;window.__pwned=7)

<a href="https://exemple.fr" onclick="window.__pwned=8">clic</a>

<iframe src="javascript:window.top.__pwned=9"></iframe>

&lt;script&gt;window.__pwned = 10&lt;/script&gt;

<mark onmouseover="window.__pwned=11">marque</mark> &lt;mark onclick=x&gt;piegemarque

![image](javascript:window.__pwned=12)

<form action="javascript:window.__pwned=13"><button>ok</button></form>

piegemarque et encore piegemarque.
`

// hostileSVG is an attachment that runs script if a browser ever
// displays it as part of the site.
const hostileSVG = `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=20"><script>window.__pwned=21; document.title="pwned"</script><rect width="10" height="10"/></svg>`

// publishHostile publishes, under a key of the network, a note and a
// tool whose every field carries a payload, with the SVG attached.
func publishHostile(e *env) (note, tool string) {
	meta := map[string]any{
		"kind": "note", "title": `<script>window.__pwned=30</script>Fiche "piegee" <img src=x onerror=window.__pwned=31>`,
		"summary":  `<b onmouseover="window.__pwned=32">résumé</b>`,
		"tags":     []any{`"><script>window.__pwned=33</script>`, "piegemarque"},
		"category": `"><svg onload=window.__pwned=34>`,
		"academie": "javascript:window.__pwned=35",
	}
	note = e.publish(nil, meta, hostileBody, catalogue.File{Name: "evil.svg", Type: "image/svg+xml", Data: strings.NewReader(hostileSVG)},
		catalogue.File{Name: `"><img src=x onerror=window.__pwned=36>.txt`, Type: "text/html", Data: strings.NewReader("<script>window.__pwned=37</script>")})
	tool = e.publish(nil, map[string]any{"kind": "tool", "title": "Outil piégé", "url": "https://ok.example/\"onmouseover=\"window.__pwned=38",
		"provider": "<script>window.__pwned=39</script>"}, "Outil piegemarque.")
	// A URL the schema refuses still arrives from peers that do not
	// check: write it as another node would, bypassing validation.
	key, _ := protocol.NewAuthorKey()
	if _, err := e.cat.Publish(context.Background(), key, &entry.Entry{Meta: map[string]any{"kind": "tool", "title": "Outil javascript piegemarque",
		"url": "javascript:window.__pwned=40", "repository": " JaVaScRiPt:window.__pwned=41"}, Body: "x"}, nil); err != nil {
		e.t.Fatal(err)
	}
	e.srv.recent.invalidate()
	return note, tool
}

// TestHostileContentIsInert checks, on the HTML as a browser parses
// it, that nothing from the network can run: no script element, no
// event-handler attribute, no URL with a scheme that runs code, and
// in snippets no element but a bare <mark>.
func TestHostileContentIsInert(t *testing.T) {
	e := newEnv(t)
	note, tool := publishHostile(e)
	c, _ := e.account("marie")
	pages := []string{
		"/", "/entree/" + note, "/entree/" + tool, "/entree/" + note + "/historique",
		"/recherche?q=piegemarque", "/recherche?q=piege", "/outils", "/outils?q=javascript", "/logiciels",
		"/entree/" + note + "/modifier", // as marie, not the author: refused, but rendered
	}
	for _, p := range pages {
		t.Run(p, func(t *testing.T) {
			res := c.get(p)
			if res.status >= 500 {
				t.Fatalf("status %d", res.status)
			}
			if err := checkInert(res.body); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
	// The search page shows marks, and only as text what looked like one.
	res := c.get("/recherche?q=piegemarque")
	if !strings.Contains(res.body, "<mark>piegemarque</mark>") {
		t.Errorf("search page shows no highlighted match")
	}
	if strings.Contains(res.body, "<mark onclick") || strings.Contains(res.body, "<mark onmouseover") {
		t.Errorf("a mark with attributes survived")
	}
}

// checkInert parses page as a browser would and reports the first
// thing that could run code.
func checkInert(page string) error {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return nil
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "svg", "math", "base", "frame":
				return fmt.Errorf("element <%s> in the page", tok.Data)
			case "mark":
				if len(tok.Attr) > 0 {
					return fmt.Errorf("<mark> with attributes: %s", tok)
				}
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					return fmt.Errorf("event handler %s on <%s>", a.Key, tok.Data)
				}
				switch a.Key {
				case "href", "src", "action", "formaction", "srcdoc":
					v := strings.ToLower(strings.Map(func(r rune) rune {
						if r <= ' ' {
							return -1
						}
						return r
					}, a.Val))
					for _, scheme := range []string{"javascript:", "vbscript:", "data:"} {
						if strings.HasPrefix(v, scheme) {
							return fmt.Errorf("<%s %s=%q>", tok.Data, a.Key, a.Val)
						}
					}
				}
			}
		}
	}
}

// TestAttachmentsAreDownloads checks that an attachment, an SVG with a
// script above all, is served as a download that browsers neither
// sniff nor display.
func TestAttachmentsAreDownloads(t *testing.T) {
	e := newEnv(t)
	note, _ := publishHostile(e)
	c := e.client()
	res := c.get("/entree/" + note + "/piece/evil.svg")
	if res.status != 200 || res.body != hostileSVG {
		t.Fatalf("GET evil.svg: %d %q", res.status, res.body)
	}
	want := map[string]string{
		"Content-Type":           "image/svg+xml",
		"Content-Disposition":    `attachment; filename=evil.svg`,
		"X-Content-Type-Options": "nosniff",
		"Content-Length":         fmt.Sprint(len(hostileSVG)),
	}
	for h, v := range want {
		if got := res.header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q, want a sandbox", csp)
	}
	// A name with quotes and markup stays a quoted file name.
	res = c.get("/entree/" + note + "/piece/" + url.PathEscape(`"><img src=x onerror=window.__pwned=36>.txt`))
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment; filename=") {
		t.Errorf("hostile name: %d %q", res.status, res.header.Get("Content-Disposition"))
	}
	if res.header.Get("Content-Type") != "text/html" || res.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("hostile name: headers %v", res.header)
	}
	if res = c.get("/entree/" + note + "/piece/absent.pdf"); res.status != 404 {
		t.Errorf("absent attachment: %d", res.status)
	}
}

// TestFormsNeedTheirCSRFToken checks that every POST without the
// session's own token, or from another origin, is refused and changes
// nothing.
func TestFormsNeedTheirCSRFToken(t *testing.T) {
	e := newEnv(t)
	marie, _ := e.account("marie")
	paul, _ := e.account("paul")
	before, _ := e.cat.Counts()
	entryForm := url.Values{"kind": {"note"}, "title": {"Forgée"}, "body": {"x"}, "action": {"publier"}}
	tests := []struct {
		name  string
		c     *client
		path  string
		token string
	}{
		{"publish without token", marie, "/publier", ""},
		{"publish with another session's token", marie, "/publier", paul.csrf("/publier")},
		{"publish with a made-up token", marie, "/publier", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"logout without token", marie, "/deconnexion", ""},
		{"login without token", e.client(), "/connexion", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"nom": {"marie"}, "mot_de_passe": {testPassword}}
			for k, v := range entryForm {
				form[k] = v
			}
			if tt.token != "" {
				form.Set("csrf", tt.token)
			}
			res := tt.c.post(tt.path, form)
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "Formulaire refusé") {
				t.Fatalf("status %d, want 403 with a French message:\n%s", res.status, res.body)
			}
		})
	}
	// A browser's cross-site POST is refused even with a good token.
	token := marie.csrf("/publier")
	form := url.Values{"csrf": {token}}
	for k, v := range entryForm {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/publier", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if res := marie.do(req); res.status != http.StatusForbidden {
		t.Errorf("cross-site POST: status %d, want 403", res.status)
	}
	if after, _ := e.cat.Counts(); after != before {
		t.Errorf("refused forms changed the catalogue: %+v, then %+v", before, after)
	}
	if res := marie.get("/publier"); res.status != 200 {
		t.Errorf("marie was logged out by a forged logout: %d", res.status)
	}
	// With its token, the same form is accepted.
	if res := marie.post("/publier", form); res.status != http.StatusSeeOther {
		t.Errorf("POST with the token: %d, want 303:\n%s", res.status, res.body)
	}
}

// TestLoginThrottling checks that repeated wrong passwords from one
// address make the node refuse that address's attempts, the right
// password included, until a delay that grows with the failures has
// passed.
func TestLoginThrottling(t *testing.T) {
	e := newEnv(t)
	e.account("marie")
	c := e.client()
	login := func(password string) response {
		return c.submit("/connexion", "/connexion", url.Values{"nom": {"marie"}, "mot_de_passe": {password}})
	}
	for i := range freeFailuresSource {
		if res := login("mauvais mot de passe"); res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Nom ou mot de passe incorrect") {
			t.Fatalf("failure %d: status %d", i+1, res.status)
		}
	}
	res := login(testPassword)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "réessayez dans") || res.header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures, the right password: status %d (Retry-After %q), want 429 and a wait:\n%s",
			freeFailuresSource, res.status, res.header.Get("Retry-After"), res.body)
	}
	e.clock.Advance(firstBackoff + time.Second)
	if res := login("encore faux"); res.status != http.StatusUnauthorized {
		t.Fatalf("after the wait, a wrong password: %d, want 401", res.status)
	}
	// The wait doubled: the first delay is no longer enough.
	e.clock.Advance(firstBackoff + time.Second)
	if res := login(testPassword); res.status != http.StatusTooManyRequests {
		t.Fatalf("second wait not longer than the first: status %d", res.status)
	}
	e.clock.Advance(2 * firstBackoff)
	if res := login(testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("after the longer wait, the right password: %d, want 303", res.status)
	}
	// One address trying many names is slowed down too.
	e = newEnv(t)
	other := e.client()
	for i := range freeFailuresIP {
		res := other.submit("/connexion", "/connexion", url.Values{"nom": {fmt.Sprintf("nom%d", i)}, "mot_de_passe": {"x"}})
		if res.status != http.StatusUnauthorized {
			t.Fatalf("name %d: %d", i, res.status)
		}
	}
	if res := other.submit("/connexion", "/connexion", url.Values{"nom": {"nouveau"}, "mot_de_passe": {"x"}}); res.status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one address: %d, want 429", freeFailuresIP, res.status)
	}
}

// TestOnlyTheAuthorRevises checks that an account can edit and retract
// its own entries and not another's, with a French explanation.
func TestOnlyTheAuthorRevises(t *testing.T) {
	e := newEnv(t)
	marie, marieKey := e.account("marie")
	paul, _ := e.account("paul")
	id := e.publish(marieKey, map[string]any{"title": "La fiche de Marie"}, "Texte de Marie.")
	entryPage := "/entree/" + id
	if res := paul.get(entryPage); strings.Contains(res.body, "/modifier") || strings.Contains(res.body, "/retirer") {
		t.Errorf("paul sees edit or retract links on marie's entry")
	}
	if res := marie.get(entryPage); !strings.Contains(res.body, "/modifier") || !strings.Contains(res.body, "/retirer") {
		t.Errorf("marie does not see edit and retract links on her entry")
	}
	token := paul.csrf("/publier")
	for _, tt := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", entryPage + "/modifier", nil},
		{"GET", entryPage + "/retirer", nil},
		{"POST", entryPage + "/modifier", url.Values{"csrf": {token}, "title": {"Volée"}, "body": {"Texte de Paul."}, "version": {getDoc(t, e.cat, id).Head.String()}, "action": {"enregistrer"}}},
		{"POST", entryPage + "/retirer", url.Values{"csrf": {token}}},
	} {
		var res response
		if tt.method == "GET" {
			res = paul.get(tt.path)
		} else {
			res = paul.post(tt.path, tt.form)
		}
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "Vous n&#39;êtes pas l&#39;auteur de cette entrée") || !strings.Contains(res.body, "marie") {
			t.Errorf("%s %s as paul: status %d, want 403 naming the author:\n%s", tt.method, tt.path, res.status, res.body)
		}
	}
	d := getDoc(t, e.cat, id)
	if d.Entry.Title() != "La fiche de Marie" || d.Retracted {
		t.Fatalf("paul changed marie's entry: %q retracted=%v", d.Entry.Title(), d.Retracted)
	}
	// Marie can.
	res := marie.submit(entryPage+"/modifier", entryPage+"/modifier", url.Values{"title": {"La fiche de Marie, revue"}, "body": {"Texte revu."},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("marie edits: %d:\n%s", res.status, res.body)
	}
	if res := marie.submit(entryPage+"/retirer", entryPage+"/retirer", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("marie retracts: %d:\n%s", res.status, res.body)
	}
	if res := marie.get(entryPage); res.status != http.StatusGone || !strings.Contains(res.body, "retirée") {
		t.Errorf("retracted entry page: %d", res.status)
	}
}

// TestStaleEditIsShown checks that an edit made from a form opened
// before another change is not written over it unseen.
func TestStaleEditIsShown(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	id := e.publish(key, map[string]any{"title": "Première"}, "Un.")
	old := getDoc(t, e.cat, id).Head.String()
	c, _ := e.cat.Resolve(id)
	if _, err := e.cat.Edit(context.Background(), key, c, &entry.Entry{Meta: map[string]any{"title": "Deuxième"}, Body: "Deux."}, catalogue.EditOptions{}); err != nil {
		t.Fatal(err)
	}
	path := "/entree/" + id + "/modifier"
	res := marie.submit(path, path, url.Values{"title": {"Troisième"}, "body": {"Trois."}, "version": {old}, "action": {"enregistrer"}})
	if res.status != http.StatusConflict || !strings.Contains(res.body, "modifiée depuis l") || !strings.Contains(res.body, "Trois.") {
		t.Fatalf("stale edit: %d:\n%s", res.status, res.body)
	}
	if got := getDoc(t, e.cat, id).Entry.Title(); got != "Deuxième" {
		t.Errorf("stale edit was written: title %q", got)
	}
}

// TestSessionCookie checks the flags of the session cookie.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprint("secure=", secure), func(t *testing.T) {
			e := newEnv(t)
			e.srv.sessions.secure = secure
			res := e.client().get("/connexion")
			cookies := (&http.Response{Header: res.header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v", cookies)
			}
			ck := cookies[0]
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v", ck, secure)
			}
		})
	}
}

// TestActivationLinks checks the life of an activation link: once,
// before it expires, and only with a good password.
func TestActivationLinks(t *testing.T) {
	e := newEnv(t)
	token, err := AddAccount(e.users, "marie", AddOptions{Now: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	page := ActivationPath + "?jeton=" + token
	if res := c.submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {"court"}, "confirmation": {"court"}}); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "au moins 12 caractères") {
		t.Errorf("short password: %d", res.status)
	}
	if res := c.submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword + "x"}}); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "pas identiques") {
		t.Errorf("different confirmation: %d", res.status)
	}
	if res := c.submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword}}); res.status != http.StatusSeeOther {
		t.Fatalf("activation: %d", res.status)
	}
	if res := e.client().get(page); res.status != http.StatusNotFound {
		t.Errorf("used link: %d, want 404", res.status)
	}
	// An expired reset link is refused; a new one works.
	token, err = ResetAccount(e.users, "marie", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(ActivationTTL + time.Minute)
	if res := e.client().get(ActivationPath + "?jeton=" + token); res.status != http.StatusNotFound {
		t.Errorf("expired link: %d, want 404", res.status)
	}
	token, err = ResetAccount(e.users, "marie", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	page = ActivationPath + "?jeton=" + token
	if res := e.client().submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword}}); res.status != http.StatusSeeOther {
		t.Errorf("second reset link: %d, want 303", res.status)
	}
	other := e.client()
	if res := other.submit("/connexion", "/connexion", url.Values{"nom": {"marie"}, "mot_de_passe": {testPassword}}); res.status != http.StatusSeeOther {
		t.Errorf("login after a reset: %d", res.status)
	}
	// The link of a disabled account does not work until it is enabled.
	token, _ = ResetAccount(e.users, "marie", e.clock.Now())
	DisableAccount(e.users, "marie")
	if res := e.client().get(ActivationPath + "?jeton=" + token); res.status != http.StatusNotFound {
		t.Errorf("link of a disabled account: %d, want 404", res.status)
	}
	EnableAccount(e.users, "marie")
	if res := e.client().get(ActivationPath + "?jeton=" + token); res.status != http.StatusOK {
		t.Errorf("link once the account is enabled: %d, want 200", res.status)
	}
}

// TestAccountsFile checks the accounts file: its mode, names, and that
// a running server sees an account added by another process.
func TestAccountsFile(t *testing.T) {
	e := newEnv(t)
	if _, err := AddAccount(e.users, "Marie Dupont", AddOptions{}); err == nil {
		t.Errorf("a name with capitals and a space was accepted")
	}
	if _, err := AddAccount(e.users, "marie.dupont", AddOptions{Operator: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := AddAccount(e.users, "marie.dupont", AddOptions{}); err == nil {
		t.Errorf("a second account of the same name was created")
	}
	st, err := osStat(e.users)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("users.json mode %v, want 0600", st.Mode().Perm())
	}
	list, err := ListAccounts(e.users)
	if err != nil || len(list) != 1 || !list[0].Operator || list[0].Activated || list[0].Pending.IsZero() {
		t.Fatalf("ListAccounts = %+v, %v", list, err)
	}
	data, _ := osReadFile(e.users)
	if bytes.Contains(data, []byte(`"password"`)) {
		t.Errorf("an account without a password has a password field")
	}
	if got := ActivationURL("127.0.0.1:6888", "abc"); got != "http://127.0.0.1:6888/compte/activer?jeton=abc" {
		t.Errorf("ActivationURL = %q", got)
	}
}

// A logged-in gestionnaire keeps their session across a restart of the
// node, and a form opened before it is still accepted after it. The
// sessions file holds no session ID, and only its owner may read it.
func TestSessionsSurviveRestart(t *testing.T) {
	e := newEnv(t)
	c, _ := e.account("marie")
	token := c.csrf("/publier")
	e.restart()

	res := c.post("/publier", url.Values{"csrf": {token}, "kind": {"note"}, "title": {"Écrite avant le redémarrage"},
		"body": {"Envoyée après."}, "action": {"publier"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("form opened before the restart, sent after: status %d\n%s", res.status, res.body)
	}
	info, err := os.Stat(e.cfg.SessionsPath)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("sessions file mode %o, want 600", perm)
	}
	data, _ := os.ReadFile(e.cfg.SessionsPath)
	u, _ := url.Parse(e.ts.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == sessionCookie && strings.Contains(string(data), ck.Value) {
			t.Error("the sessions file holds a session ID")
		}
	}

	// Logged out before a restart stays logged out after it.
	c.submit("/", "/deconnexion", url.Values{})
	e.restart()
	if res := c.get("/publier"); res.status != http.StatusSeeOther {
		t.Errorf("after logout and restart, /publier answers %d, want a redirect to the login", res.status)
	}
}

// A damaged sessions file is not trusted: the node starts with a new
// key and nobody logged in, rather than failing to start.
func TestDamagedSessionsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), SessionsFile)
	if err := os.WriteFile(path, []byte(`{"key": "cassé`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := newSessions(false, path, time.Now())
	if err != nil {
		t.Fatalf("newSessions over a damaged file: %v", err)
	}
	if len(s.key) != 32 || len(s.byID) != 0 {
		t.Errorf("key of %d bytes and %d sessions, want a new key and none", len(s.key), len(s.byID))
	}
}
