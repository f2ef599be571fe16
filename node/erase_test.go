package node

import (
	"context"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// TestErasedRevisionsAreNeitherServedNorFetched: a node that erased a
// revision it held keeps it in its set, so a sync with a peer that
// still holds it exchanges nothing; a node that erased a revision it
// never held does not fetch it from a peer that offers it; and a node
// that lacks it gets "not found" from the node that erased it.
func TestErasedRevisionsAreNeitherServedNorFetched(t *testing.T) {
	alice := newAuthor(t)
	first := alice.create(t, "Fonds social")
	personal := alice.edit(t, first.CID, []cid.Cid{first.CID}, "La famille Durand, quotient 312.")
	other := alice.create(t, "Régie d'avances")
	by := catalogue.ErasedBy{Decision: protocol.BlockCID([]byte("decision")), Time: time.Now(), Category: trust.CategoryPersonalData}

	c := newCluster(t)
	a, catA := realNode(t, c, []protocol.Block{first, personal, other})
	b, _ := realNode(t, c, []protocol.Block{first, personal, other})
	cNode, catC := realNode(t, c, []protocol.Block{first, other})
	d, catD := realNode(t, c, []protocol.Block{first, other})
	if err := catA.Erase(context.Background(), []cid.Cid{personal.CID}, by); err != nil {
		t.Fatal(err)
	}
	if err := catC.Erase(context.Background(), []cid.Cid{personal.CID}, by); err != nil {
		t.Fatal(err)
	}
	syncWith := func(x, y *Node) {
		t.Helper()
		if _, err := c.mn.ConnectPeers(x.host.ID(), y.host.ID()); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "the syncs to end", func() bool {
			for _, nd := range []*Node{x, y} {
				ended := false
				for _, s := range nd.Status().Sync {
					if (s.Peer == x.host.ID() || s.Peer == y.host.ID()) && !s.Running && !s.LastSync.IsZero() {
						ended = true
					}
				}
				if !ended {
					return false
				}
			}
			return true
		})
	}
	syncWith(a, b)
	if got := a.Status().Counters.RevisionsReceived; got != 0 {
		t.Errorf("the node that erased the revision received %d revisions from a peer holding it", got)
	}
	if ok, err := catA.Has(context.Background(), personal.CID); err != nil || ok {
		t.Errorf("the erased revision is back on the node that erased it: %v, %v", ok, err)
	}
	syncWith(cNode, b)
	if got := cNode.Status().Counters.RevisionsReceived; got != 0 {
		t.Errorf("the node that erased a revision it never held fetched %d revisions", got)
	}
	if ok, err := catC.Has(context.Background(), personal.CID); err != nil || ok {
		t.Errorf("a revision erased before it came was stored: %v, %v", ok, err)
	}
	syncWith(d, a)
	if ok, err := catD.Has(context.Background(), personal.CID); err != nil || ok {
		t.Errorf("a node lacking the erased revision got it from the node that erased it: %v, %v", ok, err)
	}
	if got := a.Status().Counters.RevisionsServed; got != 0 {
		t.Errorf("the node that erased the revision served %d revisions", got)
	}
}
