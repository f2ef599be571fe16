package node

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// A revision naming many missing ancestors, each naming many more,
// makes the node fetch at most maxAncestors of them, not the whole
// history at once; the rest comes by sync.
func TestIngestBoundsAncestors(t *testing.T) {
	c := newCluster(t)
	// Without gossip, A announces nothing of what it stores: B learns
	// of it only by the ingest below and the sync at the end.
	a := c.add(nil, nil, WithoutGossip())
	b := c.add(nil, nil)
	c.connect(a, b)
	eventually(t, 20*time.Second, "the syncs on connection to end", func() bool {
		return syncsEnded(a, 1) && syncsEnded(b, 1)
	})

	// A document whose head names 64 revisions that each name 64
	// more: 4,161 ancestors, stored on A without being announced.
	au := newAuthor(t)
	doc := au.create(t, "arbre")
	tree := []protocol.Block{doc}
	var middle []cid.Cid
	for range protocol.MaxParents {
		var leaves []cid.Cid
		for range protocol.MaxParents {
			l := au.edit(t, doc.CID, []cid.Cid{doc.CID}, "feuille")
			tree = append(tree, l)
			leaves = append(leaves, l.CID)
		}
		m := au.edit(t, doc.CID, leaves, "branche")
		tree = append(tree, m)
		middle = append(middle, m.CID)
	}
	preload(t, a.cat, tree)
	servedBefore := a.Status().Counters.RevisionsServed

	// B receives the head and fetches its ancestors from A.
	head := au.edit(t, doc.CID, middle, "tête")
	v, err := protocol.Verify(head)
	if err != nil {
		t.Fatal(err)
	}
	preload(t, a.cat, []protocol.Block{head})
	res, err := b.ingest(context.Background(), a.h.ID(), []protocol.Verified{v}, syncRounds)
	added, unresolved := res.added, res.unresolved
	served := a.Status().Counters.RevisionsServed - servedBefore
	t.Logf("for one revision, B fetched %d ancestors and stored %d revisions; %v", served, added, err)
	if served > maxAncestors {
		t.Errorf("A served %d ancestors for one revision, want at most %d", served, maxAncestors)
	}
	if !slices.ContainsFunc(unresolved, head.CID.Equals) || err == nil {
		t.Errorf("ingest left %d revisions unresolved, the head among them %v, with error %v; want the head and an error",
			len(unresolved), slices.ContainsFunc(unresolved, head.CID.Equals), err)
	}

	// A sync brings the whole history.
	b.SyncNow()
	eventually(t, 60*time.Second, "B to hold the whole document", func() bool { return converged(len(tree)+1, a, b) })
}
