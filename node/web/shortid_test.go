package web

import (
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
)

// TestEntryPageShowsShortID: the entry page shows the short ID that
// the command line takes, and the page answers at that short ID too.
func TestEntryPageShowsShortID(t *testing.T) {
	e := newEnv(t)
	id := e.publish(nil, map[string]any{"kind": "note", "title": "Régie"}, "Texte.")
	short := catalogue.ShortID(id)
	c := e.client()
	res := c.get("/entree/" + id)
	if res.status != 200 || !strings.Contains(res.body, typo("Identifiant court : ")+"<code>"+short+"</code>") {
		t.Fatalf("status %d; page lacks the short ID %s:\n%s", res.status, short, res.body)
	}
	if res := c.get("/entree/" + short); res.status != 200 || !strings.Contains(res.body, "Régie") {
		t.Errorf("GET /entree/%s: %d", short, res.status)
	}
}
