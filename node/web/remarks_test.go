package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// englishWords are words of the entry package's messages that French
// text never holds.
var englishWords = regexp.MustCompile(`\b(has capitals|is not|listed twice|kept as|write it|did you mean|rename it|deprecated|remove it|use one)\b`)

// TestRemarksAreFrench: every warning the entry package can give is
// worded in French on the pages, with its value and suggestion, and
// without the English message.
func TestRemarksAreFrench(t *testing.T) {
	tests := []struct {
		meta  map[string]any
		code  string
		field string
		want  string
	}{
		{map[string]any{"tags": []any{"Campagne"}}, entry.WarnTagCapitals, "tags", "l'étiquette « Campagne » a des majuscules ; les étiquettes s'écrivent en minuscules : campagne."},
		{map[string]any{"tags": []any{"budget", "budget"}}, entry.WarnTagDuplicate, "tags", "l'étiquette « budget » figure deux fois"},
		{map[string]any{"category": "cantine"}, entry.WarnCategoryFree, "category", "« cantine » n'est pas une catégorie de la liste"},
		{map[string]any{"license": "cc-by-sa-4.0"}, entry.WarnLicenseSpelling, "license", "écrivez CC-BY-SA-4.0."},
		{map[string]any{"license": "GPL-2.0"}, entry.WarnLicenseDeprecated, "license", "« GPL-2.0 » est un ancien identifiant de licence"},
		{map[string]any{"catgory": "budget"}, entry.WarnUnknownKey, "", "clé inconnue, gardée telle quelle ; vouliez-vous dire « category » (Catégorie) ?"},
	}
	seen := make(map[string]bool)
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			meta := map[string]any{"title": "Régie"}
			for k, v := range tt.meta {
				meta[k] = v
			}
			ws, err := (&entry.Entry{Meta: meta, Body: "Texte."}).Validate("formulaire")
			if err != nil || len(ws) != 1 || ws[0].Code != tt.code {
				t.Fatalf("Validate = %+v, %v; want one warning %s", ws, err, tt.code)
			}
			seen[ws[0].Code] = true
			rs := remarks(ws)
			if len(rs) != 1 {
				t.Fatalf("remarks = %+v", rs)
			}
			r := rs[0]
			if !strings.Contains(r.Message, typo(tt.want)) {
				t.Errorf("remark %q, want it to hold %q", r.Message, typo(tt.want))
			}
			if r.Field != tt.field || r.Detail != "" || englishWords.MatchString(r.Message) {
				t.Errorf("remark %+v: want field %q, in French only", r, tt.field)
			}
		})
	}
	// Warnings of files read as they are, not of the form.
	for _, tt := range []struct {
		file, text, code, want string
	}{
		{"t.md", "# Régie d'avances\n\nTexte.\n", entry.WarnTitleFromHeading, "son titre est son premier intertitre, « Régie d'avances »"},
		{"regie-avances.md", "Texte sans titre.\n", entry.WarnTitleFromName, "son titre vient de son nom, « regie avances »"},
		{"t.md", "---\ntitle: Outil\nkind: tool\nlink: https://example.org/\n---\n", entry.WarnKeyCopied, "copiée dans « url »"},
		{"t.md", "---\ntitle: Outil\nkind: tool\nlink: nulle part\n---\n", entry.WarnKeyNotCopied, "« nulle part » n'est pas une adresse web"},
	} {
		parse := entry.ParseImported // copies other catalogues' keys
		if tt.code == entry.WarnTitleFromHeading || tt.code == entry.WarnTitleFromName {
			parse = entry.Parse // takes a file without front matter
		}
		_, ws, err := parse(tt.file, []byte(tt.text), entry.KindNote)
		var got []entry.Problem
		for _, w := range ws {
			if w.Code == tt.code {
				got = append(got, w)
			}
		}
		if err != nil || len(got) != 1 {
			t.Errorf("%s: warnings %+v, %v; want one %s", tt.code, ws, err, tt.code)
			continue
		}
		seen[tt.code] = true
		if r := remarks(got)[0]; !strings.Contains(r.Message, typo(tt.want)) || r.Detail != "" {
			t.Errorf("%s: remark %+v, want it to hold %q", tt.code, r, typo(tt.want))
		}
	}
	for code := range remarkTexts {
		if !seen[code] {
			t.Errorf("no case here gives the warning %s", code)
		}
	}
}

// TestRemarkOfUnknownCode: a warning these pages cannot word yet is
// still introduced in French, with the English detail marked as such.
func TestRemarkOfUnknownCode(t *testing.T) {
	rs := remarks([]entry.Problem{{Key: "tags", Code: "some-new-rule", What: "something new", Fix: "do this"}})
	if len(rs) != 1 || rs[0].Message != "ce point mérite d'être revu." || rs[0].Detail != "something new; do this" {
		t.Fatalf("remarks = %+v", rs)
	}
}

// TestFormStoresTagsLowercase: tags typed with capitals or twice in the
// form are stored as the pages show them, lowercase and once, and no
// remark is made about them; an entry published elsewhere with
// capitals shows them lowercase in its form, and saving it stores them
// so.
func TestFormStoresTagsLowercase(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	res := marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Bourses"}, "tags": {"Campagne, bourses, BOURSES"},
		"body": {"Texte."}, "action": {"apercu"}})
	if !strings.Contains(res.body, `value="campagne, bourses"`) || strings.Contains(res.body, "Remarques") {
		t.Errorf("the preview does not show the tags as they will be stored, without remark:\n%s", res.body)
	}
	res = marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Bourses"}, "tags": {"Campagne, bourses, BOURSES"},
		"body": {"Texte."}, "action": {"publier"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	page := marie.get(loc)
	if strings.Contains(page.body, "Remarques") {
		t.Errorf("remarks about tags the form stored itself:\n%s", page.body)
	}
	id, _ := strings.CutPrefix(strings.Split(loc, "?")[0], "/entree/")
	d := getDoc(t, e.cat, id)
	if got := d.Entry.Meta["tags"]; !slices.Equal(got.([]any), []any{"campagne", "bourses"}) {
		t.Errorf("stored tags %q, want [campagne bourses]", got)
	}
	if !strings.Contains(page.body, `<a href="/recherche?tag=campagne">campagne</a>`) {
		t.Errorf("the entry page does not show the stored tag")
	}

	// Published from a file with capitals: stored as typed (signed),
	// shown lowercase, and the form shows what the page shows.
	p, err := e.cat.Publish(context.Background(), key, &entry.Entry{Meta: map[string]any{"title": "Régie", "tags": []any{"Regies"}}, Body: "Texte."}, nil)
	if err != nil {
		t.Fatal(err)
	}
	edit := "/entree/" + p.Doc.String() + "/modifier"
	if form := marie.get(edit); !strings.Contains(form.body, `name="tags" type="text" value="regies"`) {
		t.Errorf("the edit form does not show the tags as the pages do:\n%s", form.body)
	}
	d = getDoc(t, e.cat, p.Doc.String())
	res = marie.submit(edit, edit, url.Values{"title": {"Régie"}, "tags": {"regies"}, "body": {"Texte revu."},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	if got := getDoc(t, e.cat, p.Doc.String()).Entry.Meta["tags"]; !slices.Equal(got.([]any), []any{"regies"}) {
		t.Errorf("tags after an edit from the web %q, want [regies]", got)
	}
}
