package node

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// TestRevIndexRemovesWithdrawn: what the feed withdraws leaves the
// reconciliation set, and a revision that ingest stored just before
// its withdrawal is not added back by ingest, only by the feed storing
// it again.
func TestRevIndexRemovesWithdrawn(t *testing.T) {
	alice := protocoltest.NewAuthor(t)
	v, w := alice.Create(t), alice.Create(t)
	x, y := reconcile.Item{Clock: v.Rev.Clock, ID: v.CID}, reconcile.Item{Clock: w.Rev.Clock, ID: w.CID}
	idx := newRevIndex()
	idx.addAll([]reconcile.Item{x, y})
	if n := idx.removeAll([]reconcile.Item{x}); n != 1 {
		t.Fatalf("removeAll = %d, want 1", n)
	}
	if idx.has(x.ID) || idx.set.Has(x) || idx.len() != 1 || idx.set.Len() != 1 {
		t.Fatalf("after its withdrawal: has %v, in the set %v, %d held, set of %d; want it gone", idx.has(x.ID), idx.set.Has(x), idx.len(), idx.set.Len())
	}
	if idx.addReceived([]reconcile.Item{x}) != 0 || idx.has(x.ID) || idx.set.Has(x) {
		t.Fatal("ingest added back a revision the feed withdrew")
	}
	if idx.addAll([]reconcile.Item{x}) != 1 || !idx.has(x.ID) || !idx.set.Has(x) {
		t.Fatal("the feed storing a withdrawn revision again did not add it")
	}
	if idx.removeAll([]reconcile.Item{x}) != 1 || idx.addReceived([]reconcile.Item{y}) != 0 || !idx.has(y.ID) {
		t.Fatal("a revision held stays held when ingest adds it again")
	}
}

// realNode starts a node over an in-memory catalogue holding blocks,
// on a new peer of c's mocknet.
func realNode(t *testing.T, c *cluster, blocks []protocol.Block) (*Node, *catalogue.Catalogue) {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), "", catalogue.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	good, bad := protocol.VerifyAll(context.Background(), blocks)
	if len(bad) > 0 {
		t.Fatal(bad[0])
	}
	if _, err := cat.AddVerified(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	h, err := c.mn.GenPeer()
	if err != nil {
		t.Fatal(err)
	}
	c.linkToAll(h.ID())
	n, err := New(testConfig(&logBuffer{}), cat, WithHost(h))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, cat
}

// TestWithdrawnRevisionsLeaveTheNode: once its catalogue withdraws an
// author's revisions (and a co-editor's edit on top of one), a node
// no longer offers them: a sync with a peer that holds the same set
// exchanges nothing, either way, and a search no longer finds their
// text.
func TestWithdrawnRevisionsLeaveTheNode(t *testing.T) {
	alice, bob := newAuthor(t), newAuthor(t)
	hlc := protocol.NewHLC(nil) // one clock, so that a child sorts after its parent
	sign := func(a *author, doc cid.Cid, parents []cid.Cid, title, body string, editors ...protocol.AuthorKey) protocol.Block {
		t.Helper()
		a.mu.Lock()
		a.seq++
		seq := a.seq
		a.mu.Unlock()
		r := &protocol.Revision{Op: protocol.OpPut, Doc: doc, Parents: parents, Seq: seq, Clock: hlc.Now(),
			Entry: &protocol.Entry{Meta: map[string]any{"title": title}, Body: body}, Editors: editors}
		v, err := r.Sign(a.priv)
		if err != nil {
			t.Fatal(err)
		}
		return v.Block
	}
	bobKey := protocol.PublicKey(bob.priv)
	shared := sign(alice, cid.Undef, nil, "Régie d'avances", "L'acte constitutif fixe le montant.", bobKey)
	bobEdit := sign(bob, shared.CID, []cid.Cid{shared.CID}, "Régie d'avances", "Le plafond de la caisse est relevé.", bobKey)
	aliceOnTop := sign(alice, shared.CID, []cid.Cid{bobEdit.CID}, "Régie d'avances", "Le plafond est relevé, le régisseur nommé.", bobKey)
	bobsOwn := sign(bob, cid.Undef, nil, "Tarifs de la cantine", "Le forfait trimestriel.")
	other := sign(alice, cid.Undef, nil, "Bourses nationales", "Les échelons.")
	left := []protocol.Block{shared, other}

	c := newCluster(t)
	a, catA := realNode(t, c, append([]protocol.Block{bobEdit, aliceOnTop, bobsOwn}, left...))
	b, catB := realNode(t, c, left)
	eventually(t, 10*time.Second, "node A to load its 5 revisions", func() bool { return a.Status().Revisions == 5 })

	n, err := catA.WithdrawAuthor(context.Background(), bobKey, 0, protocol.Clock(math.MaxUint64))
	if err != nil || n != 3 {
		t.Fatalf("WithdrawAuthor = %d, %v; want bob's two revisions and alice's edit on top", n, err)
	}
	eventually(t, 10*time.Second, "node A to drop the withdrawn revisions", func() bool { return a.Status().Revisions == 2 })

	if _, err := c.mn.ConnectPeers(a.host.ID(), b.host.ID()); err != nil {
		t.Fatal(err)
	}
	for _, nd := range []*Node{a, b} {
		eventually(t, 20*time.Second, "both syncs to end", func() bool {
			st := nd.Status()
			return len(st.Sync) == 1 && !st.Sync[0].Running && !st.Sync[0].LastSync.IsZero()
		})
		if s := nd.Status().Sync[0]; s.Result != "ok" || s.Received != 0 || s.Offered != 0 || s.ReceivedTotal != 0 {
			t.Errorf("sync between nodes holding the same set: %+v; want nothing exchanged", s)
		}
	}
	for name, cat := range map[string]*catalogue.Catalogue{"A": catA, "B": catB} {
		if counts, err := cat.Counts(); err != nil || counts.Revisions != 2 {
			t.Errorf("node %s holds %+v, %v; want the 2 revisions left", name, counts, err)
		}
	}
	for _, text := range []string{"plafond", "régisseur", "cantine"} {
		res, err := catA.Search(context.Background(), catalogue.SearchQuery{Text: text})
		if err != nil || res.Total != 0 {
			t.Errorf("search %q on node A after the withdrawal: %+v, %v; want nothing", text, res, err)
		}
	}
	if res, err := catA.Search(context.Background(), catalogue.SearchQuery{Text: "acte constitutif"}); err != nil || res.Total != 1 {
		t.Errorf("search for the text left: %+v, %v; want the shared entry", res, err)
	}
}
