package entry

import (
	"errors"
	"strings"
	"testing"
)

// TestParseTakesFrenchColonsInTextValues: a colon typed the French
// way, after a space (or a no-break space), is part of the value of
// a text key, exactly as written, without quotes.
func TestParseTakesFrenchColonsInTextValues(t *testing.T) {
	tests := []struct {
		name, line, key, want string
		kind                  Kind
	}{
		{"title", "title: Régie d'avances : ouvrir une sous-régie", "title", "Régie d'avances : ouvrir une sous-régie", KindNote},
		{"no-break space", "title: Régie d'avances\u00A0: ouvrir", "title", "Régie d'avances\u00A0: ouvrir", KindNote},
		{"narrow no-break space", "title: Régie d'avances\u202F: ouvrir", "title", "Régie d'avances\u202F: ouvrir", KindNote},
		{"colon at the end", "title: Régie d'avances :", "title", "Régie d'avances :", KindNote},
		{"several colons", "title: Bourses : calendrier : 2026", "title", "Bourses : calendrier : 2026", KindNote},
		{"comment after", "title: Régie : ouvrir   # à revoir", "title", "Régie : ouvrir", KindNote},
		{"quotes inside", `title: L'« avance » : 300 € "max"`, "title", `L'« avance » : 300 € "max"`, KindNote},
		{"English colon with it", "title: Note: régie : ouvrir", "title", "Note: régie : ouvrir", KindNote},
		{"summary", "summary: Les étapes : de l'acte à la nomination.", "summary", "Les étapes : de l'acte à la nomination.", KindNote},
		{"category", "category: Régies : sous-régies", "category", "Régies : sous-régies", KindNote},
		{"provider", "provider: DGFiP : bureau CE-2B", "provider", "DGFiP : bureau CE-2B", KindTool},
		{"CRLF", "title: Régie : ouvrir\r", "title", "Régie : ouvrir", KindNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "---\n" + tt.line + "\n"
			if tt.key != "title" {
				data += "title: Titre\n"
			}
			data += "tags: [regies]\n---\nTexte.\n"
			f, _, err := Parse("notes/regie.md", []byte(data), tt.kind)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := f.Meta[tt.key]; got != tt.want {
				t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
			}
			if got := f.Meta["tags"]; len(got.([]any)) != 1 {
				t.Errorf("tags = %v: the other lines changed", got)
			}
		})
	}
}

// TestParseFrenchColonsKeepOtherYAMLRules: only the plain value of a
// text key is read the French way; everything else YAML refuses is
// refused as before, on its own line.
func TestParseFrenchColonsKeepOtherYAMLRules(t *testing.T) {
	tests := []struct {
		name, data string
		line       int
	}{
		{"unknown key", "---\ntitle: Régie\nnote: a : b\n---\n", 3},
		{"value going on over the next line", "---\ntitle: Régie : ouvrir\n  une sous-régie\n---\n", 2},
		{"a colon elsewhere", "---\ntitle: Régie : ouvrir\ntags: [a\n---\n", 3},
		{"nested mapping", "---\ntitle: Régie : ouvrir\nextra:\n  titre: a : b\n---\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("notes/regie.md", []byte(tt.data), KindNote)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse error = %v, want a syntax error", err)
			}
			if e.Line != tt.line {
				t.Errorf("line %d, want %d: %v", e.Line, tt.line, err)
			}
		})
	}
	// A value YAML reads already is not touched, quotes and all.
	f, _, err := Parse("notes/regie.md", []byte("---\ntitle: 'Régie : ouvrir'\nsummary: \"a\\tb : c\"\n---\n"), KindNote)
	if err != nil {
		t.Fatal(err)
	}
	if f.Meta["title"] != "Régie : ouvrir" || f.Meta["summary"] != "a\tb : c" {
		t.Errorf("meta = %q", f.Meta)
	}
}

// TestParseNamesTheLineOfLaterProblems: quoting a French colon keeps
// every line where it was, so later problems name their own line.
func TestParseNamesTheLineOfLaterProblems(t *testing.T) {
	data := "---\ntitle: Régie d'avances : ouvrir\nsummary: Étapes : acte, nomination\nreview_by: 2025-13-40\n---\n"
	_, _, err := Parse("notes/regie.md", []byte(data), KindNote)
	var e *Error
	if !errors.As(err, &e) || e.Key != "review_by" || e.Line != 4 {
		t.Fatalf("error %v, want review_by on line 4", err)
	}
}

// TestParseYAMLErrorOnLineTwoNamesIt: yaml.v3 leaves out the line of a
// problem on its first line; the message still names line 2 of the file.
func TestParseYAMLErrorOnLineTwoNamesIt(t *testing.T) {
	for _, data := range []string{
		"---\ntitle: Avance: plafond\n---\n",
		"---\ntitle: [a, b\n---\n",
		"---\n- a\nb: c\n---\n",
		"---\ntitle: \"a\n---\n",
	} {
		_, _, err := Parse("notes/regie.md", []byte(data), KindNote)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: error %v", data, err)
		}
		if e.Line < 2 {
			t.Errorf("%q: %v: no line", data, err)
		}
		if !strings.HasPrefix(err.Error(), "notes/regie.md:") {
			t.Errorf("%q: %v", data, err)
		}
	}
}
