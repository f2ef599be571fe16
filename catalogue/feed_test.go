package catalogue

import (
	"context"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// held returns the revisions c holds.
func held(t *testing.T, c *Catalogue) map[cid.Cid]bool {
	t.Helper()
	out := make(map[cid.Cid]bool)
	err := c.RevisionsByClock(context.Background(), 0, cid.Undef, func(_ protocol.Clock, id cid.Cid) error {
		out[id] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFeedFollowerReachesTheSameSet: whatever position a follower of
// the change feed starts from, holding what the catalogue held there,
// and whatever limit it reads with, it ends holding what the catalogue
// holds, through withdrawals and revisions stored again after their
// withdrawal; no batch both adds and removes a revision.
func TestFeedFollowerReachesTheSameSet(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	alice, bob := newKey(t), newKey(t)
	bobKey := protocol.PublicKey(bob)
	a, err := c.Publish(ctx, alice, parse(t, "---\ntitle: Fiche A\n---\nTexte.\n"), nil, bobKey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Publish(ctx, bob, parse(t, "---\ntitle: Fiche B\n---\nTexte.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Published{a, b} {
		if _, err := c.Edit(ctx, bob, p.Doc, parse(t, "---\ntitle: Revue par Bob\n---\nAutre texte.\n"), EditOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := c.Block(ctx, b.Revision)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.WithdrawAuthor(ctx, bobKey, 0, forever); n != 3 || err != nil {
		t.Fatalf("WithdrawAuthor = %d, %v; want 3", n, err)
	}
	// B's first revision comes back, as from a peer, and is edited.
	v, err := protocol.Verify(protocol.Block{CID: b.Revision, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddVerified(ctx, []protocol.Verified{v}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Edit(ctx, bob, b.Doc, parse(t, "---\ntitle: Fiche B, encore\n---\nTexte.\n"), EditOptions{}); err != nil {
		t.Fatal(err)
	}
	want := held(t, c)
	if len(want) != 3 || !want[b.Revision] {
		t.Fatalf("the catalogue holds %d revisions; want A, B and B's new edit", len(want))
	}
	end := c.FeedPosition()

	// follow applies batches to set from pos until the end.
	follow := func(set map[cid.Cid]bool, pos uint64, limit int, until uint64) uint64 {
		t.Helper()
		for pos < until {
			batch, next, err := c.Follow(ctx, pos, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range batch.Added {
				if slices.ContainsFunc(batch.Removed, func(r reconcile.Item) bool { return r.ID.Equals(it.ID) }) {
					t.Fatalf("batch from %d, limit %d, both adds and removes %s", pos, limit, it.ID)
				}
				set[it.ID] = true
			}
			for _, it := range batch.Removed {
				delete(set, it.ID)
			}
			pos = next
		}
		return pos
	}
	for start := uint64(0); start <= end; start++ {
		for _, limit := range []int{1, 2, 3, 1000} {
			set := make(map[cid.Cid]bool)
			follow(set, 0, 1, start) // what was held at start
			if pos := follow(set, start, limit, end); pos != end {
				t.Fatalf("from %d with limit %d, the follower stopped at %d, want %d", start, limit, pos, end)
			}
			if len(set) != len(want) {
				t.Fatalf("from %d with limit %d, the follower holds %d revisions, want %d", start, limit, len(set), len(want))
			}
			for id := range want {
				if !set[id] {
					t.Fatalf("from %d with limit %d, the follower lacks %s", start, limit, id)
				}
			}
		}
	}
}
