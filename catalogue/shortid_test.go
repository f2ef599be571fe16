package catalogue

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// TestShortIDsOfCorpusResolve: with the 660 corpus entries imported,
// the short ID of every entry, and any prefix of it of MinPrefix
// characters or more, resolves to exactly that entry, while the
// 8 leading characters the docs once gave ("bafyreib") match many.
func TestShortIDsOfCorpusResolve(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	res, err := c.Import(ctx, newKey(t), corpus, ImportOptions{Kind: entry.KindTool})
	if err != nil || len(res.Published) != 660 {
		t.Fatalf("import corpus: %d published, %v %v", len(res.Published), res.Failed, err)
	}
	list, err := c.List(ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, s := range list {
		id := s.ID.String()
		short := ShortID(id)
		if len(short) != ShortIDLen || strings.HasPrefix(short, "bafyrei") || !strings.Contains(id, short) {
			t.Fatalf("ShortID(%s) = %q", id, short)
		}
		if seen[short] {
			t.Fatalf("short ID %s shown for two entries", short)
		}
		seen[short] = true
		for _, typed := range []string{short, short[:MinPrefix], " " + short + "\n", id, id[:20]} {
			got, err := c.Resolve(typed)
			if err != nil || !got.Equals(s.ID) {
				t.Fatalf("Resolve(%q) = %v, %v; want %s", typed, got, err, id)
			}
		}
	}
	var amb *AmbiguousError
	if _, err := c.Resolve("bafyreib"); !errors.As(err, &amb) || len(amb.Candidates) < 10 {
		t.Errorf(`Resolve("bafyreib"): %v`, err)
	}
	if _, err := c.Resolve(strings.Repeat("a", ShortIDLen)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown short ID: %v", err)
	}
	if _, err := c.Resolve("abcdefg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("7 characters: %v", err)
	}
}

// TestShortIDLeavesOtherTextAlone: what is not a document ID is shown
// as it is.
func TestShortIDLeavesOtherTextAlone(t *testing.T) {
	for _, s := range []string{"", "bafyrei", "bafyreiabc", "ed25519:abcdefghijklmnop", "bafkreiabcdefghijklmnop"} {
		if got := ShortID(s); got != s {
			t.Errorf("ShortID(%q) = %q", s, got)
		}
	}
	if got := ShortID("bafyreibx7q3wmuyhbdm3aqvlqanczaxxa2tbyxpxe3qatlnsoqqzzqqhnm"); got != "bx7q3wmuyh" {
		t.Errorf("ShortID = %q", got)
	}
}
