package entry

import (
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestParseErrors feeds Parse faulty files and compares the message
// with testdata/errors/NAME.err. Run with -update to rewrite them.
func TestParseErrors(t *testing.T) {
	big := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name  string
		file  string
		data  string
		kind  Kind
		class error // every problem reported is of this class
	}{
		{"empty", "notes/vide.md", "", KindNote, ErrSyntax},
		{"blank", "notes/vide.md", "\n  \n\t\n", KindNote, ErrSyntax},
		{"no-front-matter-delimiters", "notes/regie.md", "title: Régie\ntags: [regies]\n\nTexte.\n", KindNote, ErrSyntax},
		{"no-front-matter-no-title", "notes/.md", "Texte sans titre.\n", KindNote, ErrSyntax},
		{"front-matter-not-first", "notes/regie.md", "\n---\ntitle: Régie\n---\nTexte.\n", KindNote, ErrSyntax},
		{"unterminated", "notes/regie.md", "---\ntitle: Régie\ntags: [regies]\n\nTexte sans fin de front matter.\n", KindNote, ErrSyntax},
		{"unterminated-empty", "notes/regie.md", "---", KindNote, ErrSyntax},
		{"invalid-yaml", "notes/regie.md", "---\ntitle: Régie\nsummary: Avance: plafond: 300 €\n---\nTexte.\n", KindNote, ErrSyntax},
		{"invalid-yaml-line-2", "notes/regie.md", "---\ntitle: Avance: plafond: 300 €\n---\nTexte.\n", KindNote, ErrSyntax},
		{"control-character", "notes/regie.md", "---\ntitle: Régie\nsummary: copié\x01collé\n---\nTexte.\n", KindNote, ErrSyntax},
		{"invalid-yaml-indent", "notes/regie.md", "---\ntitle: Régie\ntags:\n  - regies\n - budget\n---\n", KindNote, ErrSyntax},
		{"tab-indent", "notes/regie.md", "---\ntitle: Régie\ntags:\n\t- regies\n---\n", KindNote, ErrSyntax},
		{"not-a-mapping", "notes/regie.md", "---\n- title\n- tags\n---\n", KindNote, ErrSyntax},
		{"duplicate-key", "notes/regie.md", "---\ntitle: Régie\ntags: [regies]\ntitle: Régie bis\n---\n", KindNote, ErrSyntax},
		{"reserved-record", "notes/registre.md", "---\ntitle: Registre des régies\nrecord: 2024\n---\nTexte.\n", KindNote, ErrInvalid},
		{"missing-title", "notes/regie.md", "---\nsummary: Ouvrir une sous-régie.\n---\nTexte.\n", KindNote, ErrInvalid},
		{"empty-title", "notes/regie.md", "---\ntitle: \"  \"\n---\n", KindNote, ErrInvalid},
		{"title-number", "notes/1984.md", "---\ntitle: 1984\n---\n", KindNote, ErrInvalid},
		{"title-decimal", "notes/un.md", "---\ntitle: 1.0\n---\n", KindNote, ErrInvalid},
		{"title-two-lines", "notes/regie.md", "---\ntitle: |\n  Régie\n  d'avances\n---\n", KindNote, ErrInvalid},
		{"unknown-kind", "notes/regie.md", "---\nkind: fiche\ntitle: Régie\n---\n", KindNote, ErrInvalid},
		{"tags-map", "notes/regie.md", "---\ntitle: Régie\ntags:\n  budget: oui\n---\n", KindNote, ErrInvalid},
		{"tags-number", "notes/regie.md", "---\ntitle: Régie\ntags: 2024\n---\n", KindNote, ErrInvalid},
		{"tags-text", "notes/regie.md", "---\ntitle: Régie\ntags: regies\n---\n", KindNote, ErrInvalid},
		{"tags-item-number", "notes/regie.md", "---\ntitle: Régie\ntags:\n  - regies\n  - 2024\n---\n", KindNote, ErrInvalid},
		{"tag-too-long", "notes/regie.md", "---\ntitle: Régie\ntags: [\"" + big(41) + "\"]\n---\n", KindNote, ErrInvalid},
		{"invalid-date", "notes/regie.md", "---\ntitle: Régie\ntags: [regies]\nreview_by: 2025-13-40\n---\n", KindNote, ErrInvalid},
		{"date-number", "notes/regie.md", "---\ntitle: Régie\nreview_by: 2026\n---\n", KindNote, ErrInvalid},
		{"date-with-time", "notes/regie.md", "---\ntitle: Régie\nreview_by: 2026-06-30T12:00:00Z\n---\n", KindNote, ErrInvalid},
		{"title-too-long", "notes/regie.md", "---\ntitle: " + big(201) + "\n---\n", KindNote, ErrInvalid},
		{"summary-too-long", "notes/regie.md", "---\ntitle: Régie\nsummary: " + big(201) + "\n---\n", KindNote, ErrInvalid},
		{"audience-unknown", "notes/regie.md", "---\ntitle: Régie\naudience:\n  - gestionnaire\n  - intendant\n---\n", KindNote, ErrInvalid},
		{"audience-text", "notes/regie.md", "---\ntitle: Régie\naudience: gestionnaire\n---\n", KindNote, ErrInvalid},
		{"academie-capitals", "notes/regie.md", "---\ntitle: Régie\nacademie: Aix-Marseille\n---\n", KindNote, ErrInvalid},
		{"license-invalid-note", "notes/regie.md", "---\ntitle: Régie\nlicense: CC-BY-SA\n---\n", KindNote, ErrInvalid},
		{"software-invalid-spdx", "logiciels/op@le.md", "---\nkind: software\ntitle: Op@le\nrepository: https://forge.example/opale\nlicense: GPL-3.0-maybe\n---\n", KindNote, ErrInvalid},
		{"software-no-repository", "logiciels/op@le.md", "---\nkind: software\ntitle: Op@le\nlicense: EUPL-1.2\n---\n", KindNote, ErrInvalid},
		{"software-no-license", "logiciels/op@le.md", "---\nkind: software\ntitle: Op@le\nrepository: https://forge.example/opale\n---\n", KindNote, ErrInvalid},
		{"software-bad-fields", "logiciels/op@le.md", "---\nkind: software\ntitle: Op@le\nrepository: ftp://forge.example/opale\nlicense: EUPL-1.2\nstatus: finished\nsoftware_type: web\ncontributors_wanted: oui\nmaintainers: [\"\"]\nplatforms: web\n---\n", KindNote, ErrInvalid},
		{"tool-bad-fields", "outils/tableur.md", "---\ntitle: Tableur\nurl: www.example.fr\ntool_type: tableur\naccess: libre\ncost: 0\nprovider: \"a\\nb\"\n---\n", KindTool, ErrInvalid},
		{"bad-id", "notes/regie.md", "---\nid: 42abc\ntitle: Régie\n---\n", KindNote, ErrInvalid},
		{"bad-attachments", "notes/regie.md", "---\ntitle: Régie\nattachments:\n  - name: ../modele.ods\n    size: 10\n  - name: a.pdf\n  - name: b.pdf\n    size: 1\n    owner: moi\n  - name: c.pdf\n    size: 2\n  - name: c.pdf\n    size: 3\n---\n", KindNote, ErrInvalid},
		// Plain, these keep their text; tagged, they must be numbers.
		{"number-out-of-range", "notes/regie.md", "---\ntitle: Régie\nmontant: !!int 99999999999999999999\nplafond: !!int 18446744073709551615\n---\n", KindNote, ErrInvalid},
		{"not-finite", "notes/regie.md", "---\ntitle: Régie\nratio: !!float .nan\nmax: !!float -.inf\n---\n", KindNote, ErrInvalid},
		{"alias-bomb", "notes/bombe.md", "---\ntitle: Bombe\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\n", KindNote, ErrTooLarge},
		{"alias-self", "notes/regie.md", "---\ntitle: Régie\na: &x [1, *x]\n---\n", KindNote, ErrSyntax},
		{"nesting-too-deep", "notes/regie.md", "---\ntitle: Régie\nv: " + strings.Repeat("[", 17) + strings.Repeat("]", 17) + "\n---\n", KindNote, ErrTooLarge},
		{"file-10MB", "notes/enorme.md", "---\ntitle: Énorme\nx: \"" + big(10<<20) + "\"\n---\n", KindNote, ErrTooLarge},
		{"front-matter-100KB", "notes/gros.md", "---\ntitle: Gros\nx: \"" + big(100<<10) + "\"\n---\nTexte.\n", KindNote, ErrTooLarge},
		{"body-too-large", "notes/long.md", "---\ntitle: Long\n---\n" + big(512<<10+1), KindNote, ErrTooLarge},
		{"invalid-utf8", "notes/latin1.md", "---\ntitle: R\xe9gie\n---\n", KindNote, ErrNotText},
		{"windows-1252", "notes/ansi.md", "---\ntitle: Régie\nsummary: Les \x93 bons \x94 r\xe9flexes\n---\n", KindNote, ErrNotText},
		{"invalid-utf8-not-french", "notes/bizarre.md", "---\ntitle: R\xc3\x28gie\n---\n", KindNote, ErrNotText},
		{"binary", "notes/modele.ods", "PK\x03\x04\x00\x00---\n", KindNote, ErrNotText},
		{"utf16-le", "notes/bloc-notes.md", "\xFF\xFE" + utf16Text(binary.LittleEndian, "---\r\ntitle: Régie\r\n---\r\nTexte.\r\n"), KindNote, ErrNotText},
		{"utf16-be", "notes/bloc-notes.md", "\xFE\xFF" + utf16Text(binary.BigEndian, "---\r\ntitle: Régie\r\n---\r\nTexte.\r\n"), KindNote, ErrNotText},
		{"utf16-without-nul", "notes/bloc-notes.md", "\xFF\xFE" + utf16Text(binary.LittleEndian, "€…"), KindNote, ErrNotText},
		{"utf32-le", "notes/bloc-notes.md", "\xFF\xFE\x00\x00---\n", KindNote, ErrNotText},
		{"closing-line-with-text", "notes/regie.md", "---\ntitle: Régie\n--- fin\nTexte.\n", KindNote, ErrSyntax},
		{"several-problems", "notes/regie.md", "---\nkind: note\ntags: 12\nreview_by: demain\naudience: [tous]\nlicense: \"\"\n---\nTexte.\n", KindNote, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := Parse(tt.file, []byte(tt.data), tt.kind)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error; meta %v", f.Meta)
			}
			if f != nil {
				t.Errorf("Parse returned a File with its error")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
			}
			for _, e := range errs {
				if !errors.Is(e, tt.class) {
					t.Errorf("problem %q is of class %v, want %v", e, e.Err, tt.class)
				}
				if e.File != tt.file {
					t.Errorf("problem %q names file %q, want %q", e, e.File, tt.file)
				}
			}
			checkGolden(t, filepath.Join("testdata", "errors", tt.name+".err"), err.Error()+"\n")
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it with
// -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (run go test -update after checking):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// utf16Text encodes s in UTF-16, as Windows Notepad saves "Unicode"
// text, without the byte-order mark.
func utf16Text(order binary.AppendByteOrder, s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return string(b)
}
