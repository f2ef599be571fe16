package web

import (
	"regexp"
	"strings"
	"testing"
)

var scriptTag = regexp.MustCompile(`<script[^>]*>`)

// TestEditorScriptUnderCSP: the form page loads the toolbar's script
// from the node, with a nonce its policy names and that changes at
// each answer; it has no other script, inline or not, and every other
// page still runs none. The toolbar is hidden until the script shows
// it, and is made of real buttons with labels.
func TestEditorScriptUnderCSP(t *testing.T) {
	e := newEnv(t)
	marie, _ := e.account("marie")
	note := e.publish(nil, map[string]any{"title": "Régie"}, "Texte.")
	var nonces []string
	for range 2 {
		res := marie.get("/publier")
		tags := scriptTag.FindAllString(res.body, -1)
		if len(tags) != 1 {
			t.Fatalf("the form page has %d script elements, want 1: %q", len(tags), tags)
		}
		m := regexp.MustCompile(`^<script src="(/static/editeur\.js\?v=[0-9a-f]+)" nonce="([^"]+)" defer>$`).FindStringSubmatch(tags[0])
		if m == nil {
			t.Fatalf("script element %q: want the node's editeur.js with a nonce", tags[0])
		}
		csp := res.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'nonce-"+m[2]+"';") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy = %q, want only the nonce %s for scripts", csp, m[2])
		}
		for _, keep := range []string{"default-src 'self'", "object-src 'none'", "img-src 'self'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, keep) {
				t.Errorf("Content-Security-Policy = %q lost %q", csp, keep)
			}
		}
		nonces = append(nonces, m[2])

		js := marie.get(m[1])
		if js.status != 200 || js.header.Get("Content-Type") != "text/javascript; charset=utf-8" || js.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: %d %v", m[1], js.status, js.header)
		}
		if want, _ := staticFiles.ReadFile("static/editeur.js"); js.body != string(want) {
			t.Errorf("GET %s is not static/editeur.js", m[1])
		}
		for _, bad := range []string{"eval(", "Function(", "innerHTML", "setTimeout(\"", "document.write"} {
			if strings.Contains(js.body, bad) {
				t.Errorf("editeur.js uses %s", bad)
			}
		}
		if !strings.Contains(res.body, `<div class="barre-edition" role="toolbar" aria-label="Mise en forme du texte" aria-controls="champ-body" hidden>`) {
			t.Errorf("the toolbar is missing or not hidden without the script")
		}
		for _, label := range []string{"Gras", "Italique", "Intertitre", "Liste", "Lien", "Citation"} {
			if !regexp.MustCompile(`<button type="button" data-md="[a-z]+"[^>]*>(<[bi] aria-hidden="true">[GI]</[bi]> )?` + label + `</button>`).MatchString(res.body) {
				t.Errorf("no button labelled %s", label)
			}
		}
		if !strings.Contains(res.body, `aria-keyshortcuts="Control+B"`) || !strings.Contains(res.body, `aria-keyshortcuts="Control+I"`) {
			t.Errorf("the shortcuts are not announced")
		}
	}
	if nonces[0] == nonces[1] {
		t.Errorf("the nonce is the same on two answers: %s", nonces[0])
	}
	for _, p := range []string{"/", "/entree/" + note, "/recherche?q=regie", "/reseau", "/connexion"} {
		res := marie.get(p)
		if scriptTag.MatchString(res.body) || !strings.Contains(res.header.Get("Content-Security-Policy"), "script-src 'none'") {
			t.Errorf("%s: a script or a policy that allows one: %q", p, res.header.Get("Content-Security-Policy"))
		}
	}
}
