package web

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLoginRedirectStaysOnTheSite: the page a login leads back to
// (suite) is a path of this site, whatever a link carries. Browsers
// drop tabs and newlines from a URL and read "\" as "/", so
// "/\t/evil.example" would leave the site.
func TestLoginRedirectStaysOnTheSite(t *testing.T) {
	kept := []string{
		"/",
		"/publier",
		"/entree/bafy/modifier",
		"/recherche?q=r%C3%A9gie+d%27avances&kind=note",
		"/entree/bafy#pieces",
	}
	refused := []string{
		"",
		"publier",
		"https://evil.example/x",
		"//evil.example/x",
		"/\\evil.example/x",
		"/\t/evil.example/x",
		"/\r/evil.example/x",
		"/\n/evil.example/x",
		"\t//evil.example/x",
		"/ /evil.example/x",
		"/publier\x00",
		"/publier\x7f",
		"/recherche?q=a b",
		"/\u00a0/evil.example",
		"/\u2028/evil.example",
		"/%09/evil.example/x",
		"/%2F/evil.example/x",
		"/%2f%2fevil.example/x",
		"/%5Cevil.example/x",
		"/%0d%0aSet-Cookie:x=y",
		"/recherche?q=100%",
	}
	for _, p := range kept {
		if got := localPath(p); got != p {
			t.Errorf("localPath(%q) = %q, want it kept", p, got)
		}
	}
	for _, p := range refused {
		if got := localPath(p); got != "/" {
			t.Errorf("localPath(%q) = %q, want /", p, got)
		}
	}

	// Through the login form, as a link in an entry would lead there.
	e := newEnv(t)
	e.account("marie")
	for _, suite := range []string{"/\t/evil.example/x", "/%09/evil.example/x"} {
		c := e.client()
		res := c.submit("/connexion?suite="+url.QueryEscape(suite), "/connexion",
			url.Values{"nom": {"marie"}, "mot_de_passe": {testPassword}, "suite": {suite}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Errorf("login with suite %q: %d to %q, want 303 to /", suite, res.status, res.header.Get("Location"))
		}
	}
}
