package entry

import "testing"

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
