package web

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// The publish and edit form has a formatting toolbar, the one script
// of the site: static/editeur.js, served by the node like the style
// sheet. Every other page runs no script at all (script-src 'none');
// the form's page allows this file alone, by a nonce drawn for each
// answer, so that nothing else can run there, not even a script that
// an entry's attachment would hold if markup ever got through. The
// form works without it: the toolbar is hidden until the script shows
// it.

// editorScript is the toolbar's file in static/.
const editorScript = "editeur.js"

// scriptPages are the pages that load the toolbar.
var scriptPages = map[string]bool{"form": true}

// newNonce returns a CSP nonce: 128 random bits, in the URL alphabet
// of base64, which CSP takes and HTML writes as it is (a "+" would be
// written &#43; in the page).
func newNonce() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// scriptPolicy is the page policy that lets run the scripts that carry
// nonce, and no other.
func scriptPolicy(nonce string) string {
	return strings.Replace(contentSecurityPolicy, "script-src 'none'", "script-src 'nonce-"+nonce+"'", 1)
}
