package catalogue

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestEditDropsOnlyWhatIsThere: dropping an attachment the entry does
// not have is a mistake (a typo), not an edit that keeps everything.
func TestEditDropsOnlyWhatIsThere(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	e := parse(t, "---\ntitle: Régie\n---\nCorps.\n")
	p, err := c.Publish(ctx, me, e, []File{{Name: "acte.txt", Data: strings.NewReader("acte")}, {Name: "annexe.txt", Data: strings.NewReader("annexe")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie\n---\nCorps revu.\n"), EditOptions{Drop: []string{"typo.txt"}})
	var na *NoAttachmentError
	if !errors.As(err, &na) || !errors.Is(err, protocol.ErrInvalid) {
		t.Fatalf("drop of an attachment the entry does not have: %v, want a *NoAttachmentError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"typo.txt"`) || !strings.Contains(msg, "its attachments are: acte.txt, annexe.txt") {
		t.Errorf("message %q does not name the attachment and the entry's", msg)
	}
	if h, _ := c.History(p.Doc); len(h) != 1 {
		t.Fatalf("a refused edit stored a revision: %d revisions", len(h))
	}
	// A real drop keeps the order of the others.
	if _, err := c.Edit(ctx, me, p.Doc, e, EditOptions{Drop: []string{"acte.txt"}}); err != nil {
		t.Fatal(err)
	}
	d, _ := c.Get(p.Doc)
	if len(d.Attachments) != 1 || d.Attachments[0].Name != "annexe.txt" {
		t.Fatalf("attachments after dropping acte.txt: %+v", d.Attachments)
	}
}
