package catalogue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestImportBundleDamaged: a file that is not a CAR, or a CAR cut
// short, is refused with a message that names the file and says what
// is wrong with it, and where, in words; nothing is stored.
func TestImportBundleDamaged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openTest(t, "")
	me := newKey(t)
	p, err := src.Publish(ctx, me, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"),
		[]File{{Name: "budget.ods", Data: strings.NewReader("tableur")}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "b.car")
	f, _ := os.Create(path)
	if _, err := src.ExportBundle(ctx, f, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	whole, _ := os.ReadFile(path)

	for _, tc := range []struct {
		name string
		data []byte
		want []string // in the message
	}{
		{"text", []byte("ceci n'est pas un bundle\n"), []string{"not.car", "not a CAR file"}},
		{"empty", nil, []string{"not.car", "not a CAR file: the file is empty"}},
		// Cut in the middle of the last block, the attachment's.
		{"cut", whole[:len(whole)-3], []string{"not.car", "is damaged", "block 2", "after " + p.Doc.String()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, "not.car")
			if err := os.WriteFile(bad, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			dst := openTest(t, "")
			_, err := dst.ImportBundle(ctx, bad)
			if !errors.Is(err, protocol.ErrMalformed) {
				t.Fatalf("err = %v, want one matching protocol.ErrMalformed", err)
			}
			msg := err.Error()
			if strings.HasSuffix(strings.TrimSpace(msg), ":") || strings.Contains(msg, "malformed: )") || strings.HasSuffix(msg, "malformed: ") {
				t.Errorf("message ends without saying what is wrong: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if n, _ := dst.Counts(); n.Revisions != 0 {
				t.Errorf("a damaged bundle stored %d revisions", n.Revisions)
			}
		})
	}
}
