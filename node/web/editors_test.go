package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestFormSetsEditors: the publish and edit forms have a field for the
// co-editors' author keys; a co-editor may then edit the entry, with a
// form that shows the editors without letting them change the list;
// the author removes them with the same field.
func TestFormSetsEditors(t *testing.T) {
	e := newEnv(t)
	marie, marieKey := e.account("marie")
	paul, paulKey := e.account("paul")
	paulPub := protocol.PublicKey(paulKey)

	if page := marie.get("/publier"); !strings.Contains(page.body, `name="editors"`) ||
		!strings.Contains(page.body, protocol.PublicKey(marieKey).String()) {
		t.Fatalf("publish form lacks the editors field or the visitor's key:\n%s", page.body)
	}
	res := marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Fiche à deux"}, "body": {"Texte."},
		"editors": {"Marie Dupont"}, "action": {"publier"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `id="erreur-editors"`) {
		t.Fatalf("a name for a key: status %d, want 422 with the error beside the field:\n%s", res.status, res.body)
	}
	res = marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Fiche à deux"}, "body": {"Texte."},
		"editors": {"\r\n" + paulPub.String() + "\r\n"}, "action": {"publier"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("publish with an editor: %d:\n%s", res.status, res.body)
	}
	id, _ := strings.CutPrefix(strings.Split(res.header.Get("Location"), "?")[0], "/entree/")
	if d := getDoc(t, e.cat, id); !slices.Equal(d.HeadRev.Editors, []protocol.AuthorKey{paulPub}) {
		t.Fatalf("editors %v, want paul", d.HeadRev.Editors)
	}
	if page := paul.get("/entree/" + id); !strings.Contains(page.body, "Co-éditeurs</dt><dd>paul") || !strings.Contains(page.body, "/modifier") {
		t.Errorf("entry page for paul lacks the editors or the edit link:\n%s", page.body)
	}

	// Paul edits: his form shows the editors, without the field, and
	// what he posts for them is ignored.
	path := "/entree/" + id + "/modifier"
	form := paul.get(path)
	if form.status != 200 || strings.Contains(form.body, `name="editors"`) || !strings.Contains(form.body, typo("Co-éditeurs : paul.")) {
		t.Fatalf("paul's edit form: %d\n%s", form.status, form.body)
	}
	d := getDoc(t, e.cat, id)
	res = paul.submit(path, path, url.Values{"title": {"Fiche à deux"}, "body": {"Texte revu par Paul."}, "editors": {""},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("paul's edit: %d:\n%s", res.status, res.body)
	}
	d = getDoc(t, e.cat, id)
	if d.Entry.Body != "Texte revu par Paul." || d.HeadRev.Author != paulPub || !slices.Equal(d.HeadRev.Editors, []protocol.AuthorKey{paulPub}) {
		t.Fatalf("after paul's edit: body %q, author %s, editors %v", d.Entry.Body, d.HeadRev.Author.Short(), d.HeadRev.Editors)
	}

	// Marie's form has the list; emptied, paul may edit no more.
	form = marie.get(path)
	if !strings.Contains(form.body, ">"+paulPub.String()+"</textarea>") {
		t.Fatalf("marie's edit form lacks paul's key in the field:\n%s", form.body)
	}
	res = marie.submit(path, path, url.Values{"title": {"Fiche à deux"}, "body": {"Texte revu par Paul."}, "editors": {""},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("marie removes the editors: %d:\n%s", res.status, res.body)
	}
	if d := getDoc(t, e.cat, id); len(d.HeadRev.Editors) != 0 {
		t.Fatalf("editors %v after marie emptied the field", d.HeadRev.Editors)
	}
	if res := paul.get(path); res.status != http.StatusForbidden {
		t.Errorf("paul's edit form once removed: %d, want 403", res.status)
	}
}
