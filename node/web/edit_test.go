package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEditThatChangesNothing saves the edit form as it was opened: no
// revision is stored, and the page says nothing changed, as the command
// line and the API do.
func TestEditThatChangesNothing(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	id := e.publish(key, map[string]any{"kind": "note", "title": "La fiche de Marie"}, "Texte.")
	d := getDoc(t, e.cat, id)
	path := "/entree/" + id + "/modifier"
	res := marie.submit(path, path, url.Values{"title": {"La fiche de Marie"}, "body": {"Texte."},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther || !strings.HasSuffix(res.header.Get("Location"), "?msg=inchangee") {
		t.Fatalf("saving an unchanged form: %d, Location %q:\n%s", res.status, res.header.Get("Location"), res.body)
	}
	if after := getDoc(t, e.cat, id); after.Head != d.Head {
		t.Fatalf("saving an unchanged form stored a revision: head %s, was %s", after.Head, d.Head)
	}
	if page := marie.get(res.header.Get("Location")); !strings.Contains(page.body, "Rien n&#39;a changé") {
		t.Errorf("the entry page does not say nothing changed:\n%s", page.body)
	}
}
