package entry

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

const regieNote = `---
kind: note
id: bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
title: "Régie d'avances : ouvrir une sous-régie"
summary: Les étapes et les pièces pour ouvrir une sous-régie dans un site annexe.
tags: [regies, controle-interne]
category: regies
audience: [gestionnaire, agent-comptable]
academie: lyon
review_by: 2026-06-30
attachments:
  - name: modele-arrete.odt
    type: application/vnd.oasis.opendocument.text
    size: 12345
    cid: bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
derived_from: bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
---
# Ouvrir une sous-régie

La sous-régie permet…
`

func TestParseNote(t *testing.T) {
	f, warns, err := Parse("notes/regie.md", []byte(regieNote), KindNote)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	wantMeta := map[string]any{
		"kind":         "note",
		"title":        "Régie d'avances : ouvrir une sous-régie",
		"summary":      "Les étapes et les pièces pour ouvrir une sous-régie dans un site annexe.",
		"tags":         []any{"regies", "controle-interne"},
		"category":     "regies",
		"audience":     []any{"gestionnaire", "agent-comptable"},
		"academie":     "lyon",
		"review_by":    "2026-06-30",
		"derived_from": "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
	}
	if !reflect.DeepEqual(f.Meta, wantMeta) {
		t.Errorf("Meta = %#v\nwant %#v", f.Meta, wantMeta)
	}
	if want := "# Ouvrir une sous-régie\n\nLa sous-régie permet…\n"; f.Body != want {
		t.Errorf("Body = %q, want %q", f.Body, want)
	}
	wantID := cid.MustParse("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
	if !f.ID.Equals(wantID) {
		t.Errorf("ID = %s, want %s", f.ID, wantID)
	}
	wantAtt := []Attachment{{
		Name: "modele-arrete.odt",
		Type: "application/vnd.oasis.opendocument.text",
		Size: 12345,
		CID:  cid.MustParse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
	}}
	if !reflect.DeepEqual(f.Attachments, wantAtt) {
		t.Errorf("Attachments = %+v, want %+v", f.Attachments, wantAtt)
	}
	if err := protocol.CheckValue(f.Meta); err != nil {
		t.Errorf("Meta is outside the protocol data model: %v", err)
	}
	// The entry is what a revision carries.
	rev := protocol.Entry(f.Entry)
	if rev.Body != f.Body {
		t.Errorf("conversion to protocol.Entry lost the body")
	}
}

// TestParseBody checks that the body is the rest of the file, byte for
// byte, whatever the line endings and delimiters.
func TestParseBody(t *testing.T) {
	tests := []struct {
		name, data, body string
	}{
		{"plain", "---\ntitle: T\n---\nTexte.\n", "Texte.\n"},
		{"no final newline", "---\ntitle: T\n---\nTexte.", "Texte."},
		{"empty body", "---\ntitle: T\n---\n", ""},
		{"closing line is the last", "---\ntitle: T\n---", ""},
		{"leading blank lines kept", "---\ntitle: T\n---\n\n\nTexte.\n", "\n\nTexte.\n"},
		{"crlf", "---\r\ntitle: T\r\n---\r\nLigne 1\r\nLigne 2\r\n", "Ligne 1\r\nLigne 2\r\n"},
		{"byte-order mark", "\uFEFF---\ntitle: T\n---\nTexte.\n", "Texte.\n"},
		{"longer delimiters", "----\ntitle: T\n---\nx: y\n----\nTexte.\n", "Texte.\n"},
		{"thematic break in body", "---\ntitle: T\n---\nAvant.\n\n---\n\nAprès.\n", "Avant.\n\n---\n\nAprès.\n"},
		{"blank lines in front matter", "---\ntitle: T\n\n\ntags: [a]\n---\nTexte.\n", "Texte.\n"},
		{"markdown-looking front matter", "---\ntitle: T\n# commentaire YAML\nsummary: '> citation'\n---\n", ""},
		{"trailing spaces kept", "---\ntitle: T\n---\nligne  \nforcée \t\n", "ligne  \nforcée \t\n"},
		{"closing line with trailing spaces", "---\ntitle: T\n---  \nTexte.\n", "Texte.\n"},
		{"closing line with a trailing tab", "---\ntitle: T\n---\t\r\nTexte.\r\n", "Texte.\r\n"},
		{"opening line with trailing spaces", "--- \ntitle: T\n---\nTexte.\n", "Texte.\n"},
		{"both with trailing blanks, crlf", "--- \t\r\ntitle: T\r\n---   \r\nTexte.\r\n", "Texte.\r\n"},
		{"closing line with trailing blanks, last line", "---\ntitle: T\n--- ", ""},
		{"longer delimiters with trailing blanks", "----  \ntitle: T\n---\nx: y\n---- \nTexte.\n", "Texte.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := Parse("t.md", []byte(tt.data), KindNote)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Body != tt.body {
				t.Errorf("Body = %q, want %q", f.Body, tt.body)
			}
			if f.Title() != "T" {
				t.Errorf("Title = %q, want T", f.Title())
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		name        string
		front       string
		defaultKind Kind
		want        Kind
	}{
		{"absent takes the default", "title: T\nrepository: https://a.fr\nlicense: MIT", KindSoftware, KindSoftware},
		{"absent, note by default", "title: T", "", KindNote},
		{"null takes the default", "title: T\nkind:", KindTool, KindTool},
		{"explicit wins", "title: T\nkind: note", KindTool, KindNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := Parse("t.md", []byte("---\n"+tt.front+"\n---\n"), tt.defaultKind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Kind() != tt.want || f.Meta["kind"] != string(tt.want) {
				t.Errorf("Kind() = %q, Meta[kind] = %#v, want %q in both", f.Kind(), f.Meta["kind"], tt.want)
			}
		})
	}
	if _, _, err := Parse("t.md", []byte("---\ntitle: T\n---\n"), "fiche"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Parse with default kind %q: err = %v, want ErrInvalid", "fiche", err)
	}
	for _, s := range []string{"note", "tool", "software", ""} {
		if _, err := ParseKind(s); err != nil {
			t.Errorf("ParseKind(%q): %v", s, err)
		}
	}
	for _, s := range []string{"Note", "logiciel", " tool"} {
		if _, err := ParseKind(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseKind(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name  string
		front string
		kind  Kind
		want  []string // the warnings, formatted
	}{
		{"none", "title: T\ntags: [budget]", KindNote, nil},
		{"tag capitals", "title: T\ntags:\n  - Budget", KindNote,
			[]string{`t.md:4: key "tags": tag "Budget" has capitals; tags are lowercase; write it as budget`}},
		{"tag twice", "title: T\ntags: [budget, budget]", KindNote,
			[]string{`t.md:3: key "tags": tag "budget" is listed twice; remove it`}},
		{"free category", "title: T\ncategory: cantine", KindNote,
			[]string{`t.md:3: key "category": "cantine" is not one of the categories; it is kept as free text; if one fits, use one of ` + strings.Join(categories, ", ")}},
		{"license spelling", "title: T\nlicense: cc-by-sa-4.0", KindNote,
			[]string{`t.md:3: key "license": "cc-by-sa-4.0" is not written the SPDX way; write it as CC-BY-SA-4.0`}},
		{"deprecated license", "title: T\nlicense: GPL-3.0", KindNote,
			[]string{`t.md:3: key "license": "GPL-3.0" is a deprecated SPDX identifier; use its current identifier from https://spdx.org/licenses/`}},
		{"misspelt key", "titre: T\ntitle: T", KindNote,
			nil}, // title is present: nothing to suggest
		{"french key", "title: T\nlicence: MIT", KindNote,
			[]string{`t.md:3: key "licence": unknown key, kept as is; did you mean "license"?; rename it to license if that is what you meant`}},
		{"link on a tool", "title: T\nlink: https://a.fr", KindTool,
			[]string{`t.md:3: key "link": unknown key, kept as is; did you mean "url"?; rename it to url if that is what you meant`}},
		{"link on a note", "title: T\nlink: https://a.fr", KindNote, nil},
		{"unknown keys alone", "title: T\nincubator: MEN\nphases: [{name: x}]", KindTool, nil},
		{"typo in a long key", "title: T\ncatgory: budget", KindNote,
			[]string{`t.md:3: key "catgory": unknown key, kept as is; did you mean "category"?; rename it to category if that is what you meant`}},
		{"two typos in a long key", "title: T\ncatgeroy: budget", KindNote,
			[]string{`t.md:3: key "catgeroy": unknown key, kept as is; did you mean "category"?; rename it to category if that is what you meant`}},
		{"transposed letters", "title: T\nsumamry: Court.", KindNote,
			[]string{`t.md:3: key "sumamry": unknown key, kept as is; did you mean "summary"?; rename it to summary if that is what you meant`}},
		{"typo and capitals", "title: T\nAudiance: [gestionnaire]", KindNote,
			[]string{`t.md:3: key "Audiance": unknown key, kept as is; did you mean "audience"?; rename it to audience if that is what you meant`}},
		{"three typos", "title: T\ncatgoryyy: budget", KindNote, nil},
		{"typo in a short key", "title: T\nulr: https://a.fr", KindTool,
			[]string{`t.md:3: key "ulr": unknown key, kept as is; did you mean "url"?; rename it to url if that is what you meant`}},
		{"two typos in a short key", "title: T\ntax: [budget]", KindNote, nil},
		{"typo in a key of another kind", "title: T\nprovder: DANE", KindNote, nil},
		{"typo in a tool key", "title: T\nprovder: DANE", KindTool,
			[]string{`t.md:3: key "provder": unknown key, kept as is; did you mean "provider"?; rename it to provider if that is what you meant`}},
		{"key of another tool, value of another type", "title: T\nrepository: https://a.fr\nlicense: MIT\nstats: true", KindSoftware, nil},
		{"typo of a yes-or-no key", "title: T\nrepository: https://a.fr\nlicense: MIT\ncontributor_wanted: true", KindSoftware,
			[]string{`t.md:5: key "contributor_wanted": unknown key, kept as is; did you mean "contributors_wanted"?; rename it to contributors_wanted if that is what you meant`}},
		{"typo of a list key", "title: T\ntgas: [budget]", KindNote,
			[]string{`t.md:3: key "tgas": unknown key, kept as is; did you mean "tags"?; rename it to tags if that is what you meant`}},
		{"list under a text key", "title: T\ncosts: [a, b]", KindTool, nil},
		{"typo of a reserved key", "title: T\nattachment: modele.ods", KindNote, nil},
		{"typo of a key present", "title: T\ntitel: T", KindNote, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, warns, err := Parse("t.md", []byte("---\n"+tt.front+"\n---\n"), tt.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var got []string
			for _, w := range warns {
				got = append(got, w.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("warnings:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

// TestErrorMessage pins the shape of a message and the ways callers
// reach the problems.
func TestErrorMessage(t *testing.T) {
	data := "---\ntitle: Régie\ntags: [regies]\nreview_by: 2025-13-40\n---\nTexte.\n"
	_, _, err := Parse("notes/regie.md", []byte(data), KindNote)
	const want = `notes/regie.md:4: key "review_by": "2025-13-40" is not a date; write it as YYYY-MM-DD, e.g. 2026-06-30`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(*Error) failed on %T", err)
	}
	if e.File != "notes/regie.md" || e.Line != 4 || e.Key != "review_by" || !errors.Is(e, ErrInvalid) {
		t.Errorf("Error = %+v", e)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Errorf("errors.As(Errors) = %v", errs)
	}
	if !errors.Is(err, ErrInvalid) || errors.Is(err, ErrSyntax) {
		t.Errorf("errors.Is: the class is not ErrInvalid alone")
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Problem: Problem{File: "a.md", Line: 3, Key: "k", What: "p", Fix: "f"}}, `a.md:3: key "k": p; f`},
		{Error{Problem: Problem{File: "a.md", What: "p"}}, `a.md: p`},
		{Error{Problem: Problem{File: "a.md", Line: 1, What: "p", Fix: "f"}}, `a.md:1: p; f`},
		{Error{Problem: Problem{Key: "k", What: "p"}}, `key "k": p`},
		{Error{Problem: Problem{File: "a.md", Key: "résumé", What: "p"}}, `a.md: key "résumé": p`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	errs := Errors{{Problem: Problem{File: "a.md", Line: 1, What: "un"}}, {Problem: Problem{File: "a.md", Line: 2, What: "deux"}}}
	if got, want := errs.Error(), "a.md:1: un\na.md:2: deux"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
}
