package entry

import (
	"errors"
	"strings"
	"testing"
)

// TestParseFileWithoutFrontMatter: a Markdown file written without
// front matter is an entry, titled by its first heading (taken out of
// the text) or else by its name, with a warning saying so.
func TestParseFileWithoutFrontMatter(t *testing.T) {
	tests := []struct {
		name, file, data string
		title, body      string
		warnLine         int
		warnAbout        string
	}{
		{"heading", "notes/regie.md", "# Régie d'avances : ouvrir une sous-régie\n\nLe régisseur…\n",
			"Régie d'avances : ouvrir une sous-régie", "Le régisseur…\n", 1, "first heading"},
		{"heading after blank lines, closing hashes", "n.md", "\n\n# Fonds de roulement #\n\nTexte.\n",
			"Fonds de roulement", "Texte.\n", 3, "first heading"},
		{"no heading", "notes/bourses_de-lycee.md", "Les bourses de lycée : calendrier.\n",
			"bourses de lycee", "Les bourses de lycée : calendrier.\n", 0, "its name"},
		{"second-level heading is text", "Voyages scolaires.md", "## Contexte\n\nTexte.\n",
			"Voyages scolaires", "## Contexte\n\nTexte.\n", 0, "its name"},
		{"byte-order mark", "n.md", "\uFEFF# Titre\nTexte.\n", "Titre", "Texte.\n", 1, "first heading"},
		{"Windows line ends", "n.md", "# Titre\r\n\r\nTexte.\r\n", "Titre", "Texte.\r\n", 1, "first heading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, warns, err := Parse(tt.file, []byte(tt.data), KindNote)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Title() != tt.title {
				t.Errorf("title %q, want %q", f.Title(), tt.title)
			}
			if f.Body != tt.body {
				t.Errorf("body %q, want %q", f.Body, tt.body)
			}
			if f.Meta["kind"] != "note" {
				t.Errorf("kind %v", f.Meta["kind"])
			}
			if len(warns) != 1 || warns[0].Line != tt.warnLine || warns[0].Key != "title" ||
				!strings.Contains(warns[0].What, "no front matter") || !strings.Contains(warns[0].What, tt.warnAbout) {
				t.Errorf("warnings %v, want one about the title, line %d, naming %q", warns, tt.warnLine, tt.warnAbout)
			}
			// What Marshal writes reads back the same, without a warning.
			out, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			g, warns, err := Parse(tt.file, out, KindNote)
			if err != nil || len(warns) != 0 || g.Title() != tt.title || g.Body != tt.body {
				t.Errorf("round trip: %v, %v, %q, %q", err, warns, g.Title(), g.Body)
			}
		})
	}
}

// TestParseFileWithoutFrontMatterStillRefused: an empty file, a heading
// too long for a title, and files meant to have front matter are
// refused.
func TestParseFileWithoutFrontMatterStillRefused(t *testing.T) {
	tests := []struct{ name, file, data string }{
		{"empty", "n.md", ""},
		{"blank", "n.md", "\n \n"},
		{"keys without delimiters", "n.md", "title: Régie\n\nTexte.\n"},
		{"French key without delimiters", "n.md", "Titre : Régie\n\nTexte.\n"},
		{"front matter after a blank line", "n.md", "\n---\ntitle: Régie\n---\n"},
		{"heading too long", "n.md", "# " + strings.Repeat("x", MaxTitleLen+1) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := Parse(tt.file, []byte(tt.data), KindNote)
			if err == nil {
				t.Fatalf("Parse accepted it: %v", f.Meta)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line == 0 && tt.name != "empty" && tt.name != "blank" {
				t.Errorf("error %v does not name a line", err)
			}
		})
	}
}

// TestParseImportedRefusesFileWithoutFrontMatter: an import takes only
// entry files, so that a folder's README is not published.
func TestParseImportedRefusesFileWithoutFrontMatter(t *testing.T) {
	_, _, err := ParseImported("dossier/README.md", []byte("# Dossier\n\nNotes.\n"), KindNote)
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), "no front matter") {
		t.Fatalf("error %v", err)
	}
}
