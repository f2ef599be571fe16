package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// TestFormErrorsBesideTheirFields: a value too long is shown beside its
// own field, whatever made it too long, and only a body too long is
// blamed on the body.
func TestFormErrorsBesideTheirFields(t *testing.T) {
	e := newEnv(t)
	c, _ := e.account("marie")
	tags := make([]string, 6000)
	for i := range tags {
		tags[i] = fmt.Sprintf("etiquette-%d", i)
	}
	for _, tt := range []struct {
		name, field string
		form        url.Values
	}{
		{"title of 300 KB", "title", url.Values{"title": {strings.Repeat("a", 300<<10)}, "body": {"Texte."}}},
		{"title of 201 characters", "title", url.Values{"title": {strings.Repeat("é", entry.MaxTitleLen+1)}, "body": {"Texte."}}},
		{"summary of 300 KB", "summary", url.Values{"title": {"T"}, "summary": {strings.Repeat("a", 300<<10)}, "body": {"Texte."}}},
		{"too many tags", "tags", url.Values{"title": {"T"}, "tags": {strings.Join(tags, ", ")}, "body": {"Texte."}}},
		{"body too long", "body", url.Values{"title": {"T"}, "body": {strings.Repeat("a", protocol.MaxBodySize+1)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("kind", "note")
			tt.form.Set("action", "publier")
			res := c.submit("/publier", "/publier", tt.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.status)
			}
			for _, want := range []string{`href="#champ-` + tt.field + `"`, `id="erreur-` + tt.field + `"`} {
				if !strings.Contains(res.body, want) {
					t.Errorf("the form lacks %s", want)
				}
			}
			for _, field := range []string{"title", "summary", "tags", "body"} {
				if field != tt.field && strings.Contains(res.body, `id="erreur-`+field+`"`) {
					t.Errorf("an error is shown beside %s, want it beside %s only", field, tt.field)
				}
			}
		})
	}
}

// TestFieldErrors maps each problem to the field of its key.
func TestFieldErrors(t *testing.T) {
	errs := entry.Errors{
		{Problem: entry.Problem{Key: "title", What: "the title has 201 characters"}, Err: entry.ErrInvalid},
		{Problem: entry.Problem{Key: "tags", What: "the front matter would be 70000 bytes"}, Err: entry.ErrTooLarge},
		{Problem: entry.Problem{Key: "x-local", What: "the front matter would be 70000 bytes"}, Err: entry.ErrTooLarge},
		{Problem: entry.Problem{What: "the body is 600000 bytes"}, Err: entry.ErrTooLarge},
		{Problem: entry.Problem{What: "the body contains NUL bytes"}, Err: entry.ErrNotText},
	}
	got := fieldErrors(errs)
	want := []string{"title", "tags", "", "body", "body"}
	if len(got) != len(want) {
		t.Fatalf("fieldErrors = %+v", got)
	}
	for i, fe := range got {
		if fe.Field != want[i] || fe.Message == "" || fe.Detail == "" {
			t.Errorf("problem %q: field %q, message %q, detail %q; want field %q", errs[i].What, fe.Field, fe.Message, fe.Detail, want[i])
		}
	}
	if !strings.Contains(got[1].Message, "trop") {
		t.Errorf("too many tags: message %q does not say they are too long", got[1].Message)
	}
	if fe := fieldErrors(errors.New("autre")); len(fe) != 1 || fe[0].Field != "" {
		t.Errorf("fieldErrors of another error = %+v", fe)
	}
}

// TestWarningsAfterWriting: what is worth fixing does not stop a
// publication or an edit, and the author sees it on the entry page the
// form leads to; other readers do not.
func TestWarningsAfterWriting(t *testing.T) {
	e := newEnv(t)
	marie, _ := e.account("marie")
	res := marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Régie"}, "category": {"cantine"},
		"license": {"cc-by-sa-4.0"}, "body": {"Texte."}, "action": {"publier"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("publish with warnings: status %d, want 303:\n%s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	page := marie.get(loc)
	for _, want := range []string{"Remarques", `href="/entree/`, "Catégorie", "« cantine » n&#39;est pas une catégorie de la liste",
		"Licence", "écrivez CC-BY-SA-4.0"} {
		if !strings.Contains(page.body, typo(want)) {
			t.Errorf("the entry page after publishing lacks %q", want)
		}
	}
	if page := e.client().get(loc); strings.Contains(page.body, "Remarques") {
		t.Errorf("another reader sees the author's remarks")
	}
	if page := marie.get(strings.Split(loc, "?")[0]); strings.Contains(page.body, "Remarques") {
		t.Errorf("the remarks are shown on every visit, not only after writing")
	}

	id, _ := strings.CutPrefix(strings.Split(loc, "?")[0], "/entree/")
	d := getDoc(t, e.cat, id)
	path := "/entree/" + id + "/modifier"
	res = marie.submit(path, path, url.Values{"title": {"Régie"}, "category": {"cantine"}, "license": {"CC-BY-SA-4.0"},
		"body": {"Texte revu."}, "version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit with warnings: status %d, want 303:\n%s", res.status, res.body)
	}
	page = marie.get(res.header.Get("Location"))
	if !strings.Contains(page.body, "Remarques") || !strings.Contains(page.body, "cantine") || strings.Contains(page.body, "écrivez CC-BY-SA-4.0") {
		t.Errorf("the entry page after editing does not show the remaining remarks:\n%s", page.body)
	}

	// The form shows them too when it comes back, linked to their field.
	res = marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Régie"}, "license": {"cc-by-sa-4.0"},
		"body": {"Texte."}, "action": {"apercu"}})
	if !strings.Contains(res.body, `<a href="#champ-license">Licence</a>`) || !strings.Contains(res.body, "écrivez CC-BY-SA-4.0") {
		t.Errorf("the preview does not show the remark beside a link to its field:\n%s", res.body)
	}
}
