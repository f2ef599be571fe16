package entry

import (
	"testing"
)

// TestParseImportedAdoptsLink: beta.gouv.fr files give a tool's address
// as link; an import copies it to url, keeps link, and says so instead
// of suggesting a rename.
func TestParseImportedAdoptsLink(t *testing.T) {
	data := []byte("---\ntitle: 1 élève, 1 stage\nlink: 'https://1eleve1stage.education.gouv.fr '\n---\nTexte.\n")
	f, warns, err := ParseImported("startups/1-eleve-1-stage.md", data, KindTool)
	if err != nil {
		t.Fatal(err)
	}
	if f.URL() != "https://1eleve1stage.education.gouv.fr" || f.Meta["link"] != "https://1eleve1stage.education.gouv.fr " {
		t.Errorf("url %q, link %q", f.Meta["url"], f.Meta["link"])
	}
	if len(warns) != 1 || warns[0].Key != "link" || warns[0].Line != 3 || warns[0].What != `copied to "url", the key mutu reads; "link" is kept as it is` {
		t.Errorf("warnings %v", warns)
	}

	for name, tt := range map[string]struct {
		data string
		kind Kind
	}{
		"a note has no url":   {"---\ntitle: T\nlink: https://a.fr\n---\n", KindNote},
		"url given":           {"---\ntitle: T\nurl: https://b.fr\nlink: https://a.fr\n---\n", KindTool},
		"link not an address": {"---\ntitle: T\nlink: voir le site\n---\n", KindTool},
	} {
		f, _, err := ParseImported("t.md", []byte(tt.data), tt.kind)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Meta["url"] == "https://a.fr" {
			t.Errorf("%s: link copied to url", name)
		}
	}
	// Left empty, link is nothing to copy nor to warn about; not an
	// address, it is not copied, and the warning says why.
	for data, want := range map[string]string{
		"---\ntitle: T\nlink: ''\n---\n":                     "",
		"---\ntitle: T\nlink: https:&#x2F;&#x2F;a.fr\n---\n": `not copied to "url": "https:&#x2F;&#x2F;a.fr" is not a web address`,
	} {
		f, warns, err := ParseImported("t.md", []byte(data), KindTool)
		if err != nil || f.Meta["url"] != nil {
			t.Fatalf("%q: url %v, %v", data, f.Meta["url"], err)
		}
		if want == "" && len(warns) != 0 || want != "" && (len(warns) != 1 || warns[0].What != want) {
			t.Errorf("%q: warnings %v", data, warns)
		}
	}
	// Publishing a file is not importing it: link stays unknown.
	f, _, err = Parse("t.md", data, KindTool)
	if err != nil || f.Meta["url"] != nil {
		t.Errorf("Parse: url %v, %v", f.Meta["url"], err)
	}
}
