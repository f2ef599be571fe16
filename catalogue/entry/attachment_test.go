package entry

import (
	"errors"
	"testing"
)

// TestParseAttachmentTypeWithParameters: a media type with parameters,
// as mutu records a .txt file, is a media type; text that is not one
// is still refused.
func TestParseAttachmentTypeWithParameters(t *testing.T) {
	file := func(typ string) []byte {
		return []byte("---\ntitle: Notes\nattachments:\n  - name: notes.txt\n    type: " + typ + "\n    size: 10\n---\n")
	}
	for _, typ := range []string{"text/plain; charset=utf-8", `"text/csv; charset=utf-8; header=present"`, "application/pdf"} {
		f, _, err := Parse("n.md", file(typ), KindNote)
		if err != nil {
			t.Errorf("type %s: %v", typ, err)
			continue
		}
		if got := f.Attachments[0].Type; got == "" {
			t.Errorf("type %s: read as %q", typ, got)
		}
	}
	for _, typ := range []string{"du texte", "text/plain; charset", "text", `"text/plain\nx"`} {
		if _, _, err := Parse("n.md", file(typ), KindNote); !errors.Is(err, ErrInvalid) {
			t.Errorf("type %s: error %v, want invalid", typ, err)
		}
	}
}

// TestAttachmentTypeWithParameters: the type mutu gives an attachment
// from its name, such as "text/plain; charset=utf-8" for a .txt file,
// is read back from an exported file: the export of an entry with a
// .txt attachment could not be imported.
func TestAttachmentTypeWithParameters(t *testing.T) {
	for typ, ok := range map[string]bool{
		"text/plain; charset=utf-8":   true,
		"application/pdf":             true,
		"text/csv;charset=ISO-8859-1": true,
		"text/plain;\n charset=utf-8": false,
		"pas un type":                 false,
		"":                            true, // as if absent
	} {
		file := "---\ntitle: T\nattachments:\n  - name: a.txt\n    type: " + quoteValue(typ) + "\n    size: 3\n---\n"
		f, _, err := Parse("t.md", []byte(file), KindNote)
		switch {
		case ok && err != nil:
			t.Errorf("type %q refused: %v", typ, err)
		case ok && (len(f.Attachments) != 1 || f.Attachments[0].Type != typ):
			t.Errorf("type %q read as %+v", typ, f.Attachments)
		case !ok && err == nil:
			t.Errorf("type %q accepted", typ)
		}
	}
}
