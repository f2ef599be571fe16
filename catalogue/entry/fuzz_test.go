package entry

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// FuzzParse checks that Parse never panics, that its errors are always
// Errors of a known class, and that whatever it accepts survives
// Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		regieNote,
		"---\ntitle: T\n---\n",
		"---\r\ntitle: T\r\ntags: [a, B]\r\n---\r\nx",
		"---\ntitle: T\nv: &a [1, *a]\n---\n",
		"---\ntitle: T\nm: {<<: {a: 1}, b: 2.0}\n---\n",
		"---\ntitle: T\nkind: software\nrepository: https://a.fr\nlicense: MIT\n---\n",
		"---\ntitle: T\nd: 2019-05-01\nn: !!float 1\ns: '12'\n---\n",
		"---\ntitle: T\ncp: 07100\nv: 1.10\nh: 0x1F\nf: 2.5\ni: 42\nbig: 99999999999999999999999\n---\n",
		"--- \t\r\ntitle: T\r\n---  \r\nx",
		"---\n",
		"",
		"---\ntitle: Régie d'avances : ouvrir # note\nsummary: a\u00a0: b :\n---\n",
		"# Titre : sous-titre\n\nTexte.\n",
		"Texte sans titre.\n",
		"---\ntitle: T\neditors: [ed25519:etb2jfh2ekmwezsexfs2seznu6op4zyvd7oefxtabtyjbf63qjdq]\n---\n",
		"---\ntitle: T\neditors: []\n---\n",
	} {
		f.Add([]byte(s))
	}
	if files, _ := filepath.Glob(filepath.Join(corpusDir, "*.md")); len(files) > 0 {
		for _, p := range files[:min(len(files), 10)] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, _, err := Parse("fuzz.md", data, KindTool)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
			}
			for _, e := range errs {
				if !errors.Is(e, ErrTooLarge) && !errors.Is(e, ErrNotText) && !errors.Is(e, ErrSyntax) && !errors.Is(e, ErrInvalid) {
					t.Fatalf("problem %q has no class", e)
				}
			}
			return
		}
		if err := protocol.CheckValue(file.Meta); err != nil {
			t.Fatalf("Meta outside the data model: %v", err)
		}
		if _, err := file.Validate("fuzz.md"); err != nil && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Validate refuses what Parse accepted: %v", err)
		}
		out, err := file.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, _, err := Parse("fuzz.md", out, KindTool)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return // aliases expanded past the size limit
			}
			t.Fatalf("Parse of the marshalled file: %v\ninput:\n%q\nmarshalled:\n%q", err, data, out)
		}
		if !reflect.DeepEqual(file.Meta, again.Meta) || file.Body != again.Body ||
			!file.ID.Equals(again.ID) || !reflect.DeepEqual(file.Attachments, again.Attachments) ||
			!reflect.DeepEqual(file.Editors, again.Editors) {
			t.Fatalf("round trip changed the entry:\ninput:\n%q\nmarshalled:\n%q\nbefore %#v\nafter  %#v", data, out, file.Meta, again.Meta)
		}
	})
}
