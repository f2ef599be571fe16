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
