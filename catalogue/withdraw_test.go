package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
)

// forever is the end of a span that has none (trust.Forever).
const forever = protocol.Clock(math.MaxUint64)

// found returns the IDs of the entries a search for text finds.
func found(t *testing.T, c *Catalogue, text string) []string {
	t.Helper()
	res, err := c.Search(context.Background(), search.Query{Text: text})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

// TestWithdrawAuthorAcrossDocumentsAndCoEditors: withdrawing an author
// over a span removes the author's revisions in the span, in the
// author's documents and in others' (as an editor), and the edits of
// co-editors made on top of them, and nothing else; the search index
// no longer finds nor shows the text withdrawn.
func TestWithdrawAuthorAcrossDocumentsAndCoEditors(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	alice, bob, carol := newKey(t), newKey(t), newKey(t)
	bobKey, carolKey := protocol.PublicKey(bob), protocol.PublicKey(carol)
	publish := func(key ed25519.PrivateKey, text string, editors ...protocol.AuthorKey) *Published {
		t.Helper()
		p, err := c.Publish(ctx, key, parse(t, text), nil, editors...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	edit := func(key ed25519.PrivateKey, id cid.Cid, text string) *Published {
		t.Helper()
		p, err := c.Edit(ctx, key, id, parse(t, text), EditOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	clockOf := func(p *Published) protocol.Clock {
		t.Helper()
		rev, _, err := c.Revision(p.Revision)
		if err != nil {
			t.Fatal(err)
		}
		return rev.Clock
	}

	early := publish(bob, "---\ntitle: Inventaire\n---\nAvant la période retirée.\n")
	shared := publish(alice, "---\ntitle: Régie d'avances\n---\nL'acte constitutif fixe le montant.\n", bobKey)
	edit(bob, shared.Doc, "---\ntitle: Régie d'avances\n---\nLe plafond de la caisse est relevé.\n")
	edit(alice, shared.Doc, "---\ntitle: Régie d'avances, revue\n---\nLe plafond de la caisse est relevé, et le régisseur nommé.\n")
	own := publish(bob, "---\ntitle: Tarifs de la cantine\n---\nLe forfait trimestriel.\n", carolKey)
	edit(carol, own.Doc, "---\ntitle: Tarifs de la cantine\n---\nLe forfait trimestriel et le repas à l'unité.\n")
	other := publish(alice, "---\ntitle: Bourses nationales\n---\nLes échelons.\n")
	late := publish(bob, "---\ntitle: Voyages\n---\nAprès la période retirée.\n")
	before, err := c.Counts()
	if err != nil {
		t.Fatal(err)
	}

	n, err := c.WithdrawAuthor(ctx, bobKey, clockOf(early)+1, clockOf(late))
	if err != nil || n != 4 {
		t.Fatalf("WithdrawAuthor = %d, %v; want bob's two revisions and the two edits on top of them", n, err)
	}
	d, err := c.Get(shared.Doc)
	if err != nil || d.Head != shared.Revision || len(d.Heads) != 1 || d.Entry.Title() != "Régie d'avances" {
		t.Fatalf("shared entry after the withdrawal: %+v, %v; want alice's first revision back", d, err)
	}
	if h, err := c.History(shared.Doc); err != nil || len(h) != 1 {
		t.Errorf("history of the shared entry: %d revisions, %v; want 1", len(h), err)
	}
	if _, err := c.Get(own.Doc); !errors.Is(err, ErrNotFound) {
		t.Errorf("bob's entry of the span: %v, want not found", err)
	}
	for _, p := range []*Published{early, other, late} {
		if _, err := c.Get(p.Doc); err != nil {
			t.Errorf("entry %s outside the withdrawal: %v", p.Doc, err)
		}
	}
	if after, _ := c.Counts(); after.Entries != before.Entries-1 {
		t.Errorf("counts %+v after the withdrawal, %+v before: want one entry less", after, before)
	}
	for _, text := range []string{"plafond", "régisseur", "cantine", "forfait", "repas"} {
		if ids := found(t, c, text); len(ids) != 0 {
			t.Errorf("search %q finds %v after the withdrawal", text, ids)
		}
	}
	if ids := found(t, c, "acte constitutif"); !slices.Equal(ids, []string{shared.Doc.String()}) {
		t.Errorf("search for the text left finds %v, want the shared entry", ids)
	}
	res, err := c.Search(ctx, search.Query{Text: "régie"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Title != "Régie d'avances" {
		t.Errorf("search shows %+v, %v; want the title left", res, err)
	}

	if n, err := c.WithdrawAuthor(ctx, bobKey, clockOf(early)+1, clockOf(late)); n != 0 || err != nil {
		t.Errorf("second WithdrawAuthor = %d, %v; want nothing to do", n, err)
	}
	if n, err := c.WithdrawAuthor(ctx, bobKey, 0, forever); n != 2 || err != nil {
		t.Errorf("WithdrawAuthor over every clock = %d, %v; want bob's two other entries", n, err)
	}
}
