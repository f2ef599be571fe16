package node

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// A revision published on A reaches B and C by gossip, without waiting
// for a sync.
func TestGossipReachesEveryNode(t *testing.T) {
	c := newCluster(t)
	a, b, n3 := c.add(nil, nil), c.add(nil, nil), c.add(nil, nil)
	c.connect(a, b)
	c.connect(b, n3)
	c.connect(a, n3)
	// Let the syncs that follow the connections end, so that only
	// gossip can deliver what comes next.
	settle(t, a, b, n3)
	au := newAuthor(t)
	rev := au.create(t, "Régie d'avances : plafonds")
	a.store(t, rev)
	eventually(t, 10*time.Second, "B and C to receive the revision", func() bool {
		return converged(1, a, b, n3)
	})
	for _, n := range []*testNode{b, n3} {
		if got := n.Status().Counters.GossipReceived; got < 1 {
			t.Errorf("%s: GossipReceived = %d, want it received by gossip", n.h.ID(), got)
		}
	}
	// A child published on C reaches A through gossip too.
	child := au.edit(t, rev.CID, []cid.Cid{rev.CID}, "deuxième version")
	n3.store(t, child)
	eventually(t, 10*time.Second, "the child to reach everyone", func() bool {
		return converged(2, a, b, n3)
	})
}

// With gossip off, periodic sync alone converges.
func TestSyncAloneConverges(t *testing.T) {
	c := newCluster(t)
	fast := func(cfg *Config) { cfg.SyncInterval = 300 * time.Millisecond }
	a := c.add(nil, fast, WithoutGossip())
	b := c.add(nil, fast, WithoutGossip())
	n3 := c.add(nil, fast, WithoutGossip())
	c.connect(a, b)
	c.connect(b, n3) // A and C are not connected: B relays by syncing
	au := newAuthor(t)
	a.store(t, au.docs(t, 20, "a")...)
	n3.store(t, au.docs(t, 15, "c")...)
	eventually(t, 30*time.Second, "all three to hold the 35 revisions", func() bool {
		return converged(35, a, b, n3)
	})
	if st := b.Status(); st.Gossip || st.Counters.GossipReceived != 0 {
		t.Errorf("gossip off, yet Status = %+v", st)
	}
}

// A node that was offline catches up with exactly the union of what
// the others added meanwhile.
func TestOfflineCatchUp(t *testing.T) {
	c := newCluster(t)
	// Gossip drops messages in a burst of 200; the periodic sync
	// between A and B makes up for it.
	fast := func(cfg *Config) { cfg.SyncInterval = 500 * time.Millisecond }
	a, b, n3 := c.add(nil, fast), c.add(nil, fast), c.add(nil, nil)
	c.connect(a, b)
	c.connect(a, n3)
	c.connect(b, n3)
	au, bu := newAuthor(t), newAuthor(t)
	base := au.docs(t, 10, "base")
	a.store(t, base...)
	eventually(t, 20*time.Second, "the base to spread", func() bool { return converged(10, a, b, n3) })
	settle(t, a, b, n3)

	catC := n3.cat
	if err := n3.Close(); err != nil {
		t.Fatal(err)
	}
	c.partition(n3, a)
	c.partition(n3, b)

	// 200 on A, including edits of base documents, and 50 on B.
	var onA []protocol.Block
	for _, d := range base {
		onA = append(onA, au.edit(t, d.CID, []cid.Cid{d.CID}, "révision"))
	}
	onA = append(onA, au.docs(t, 190, "a")...)
	a.store(t, onA...)
	b.store(t, bu.docs(t, 50, "b")...)
	eventually(t, 30*time.Second, "A and B to converge", func() bool { return converged(260, a, b) })
	if catC.len() != 10 {
		t.Fatalf("C changed while offline: %d revisions", catC.len())
	}

	// C restarts: a new node over the same catalogue.
	c3 := c.add(catC, nil)
	c.connect(c3, a)
	c.connect(c3, b)
	eventually(t, 30*time.Second, "C to catch up with exactly the union", func() bool {
		return converged(260, a, b, c3)
	})
}

// Two halves of a partition both add revisions, including concurrent
// children of one parent; once healed, every node holds the same set.
func TestPartitionHeals(t *testing.T) {
	c := newCluster(t)
	// Gossip may lose messages under load; a periodic sync makes up
	// for it, as it does in the field.
	fast := func(cfg *Config) { cfg.SyncInterval = time.Second }
	a, b, n3, d := c.add(nil, fast), c.add(nil, fast), c.add(nil, fast), c.add(nil, fast)
	all := []*testNode{a, b, n3, d}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			c.connect(all[i], all[j])
		}
	}
	au, cu := newAuthor(t), newAuthor(t)
	root := au.create(t, "Marchés publics : seuils 2026")
	a.store(t, root)
	eventually(t, 20*time.Second, "the root to spread", func() bool { return converged(1, all...) })
	settle(t, all...)

	for _, x := range []*testNode{a, b} {
		for _, y := range []*testNode{n3, d} {
			c.partition(x, y)
		}
	}
	// Concurrent children of root, one on each side.
	left := au.edit(t, root.CID, []cid.Cid{root.CID}, "gauche")
	right := au.edit(t, root.CID, []cid.Cid{root.CID}, "droite")
	a.store(t, left)
	n3.store(t, right)
	onB, onD := cu.docs(t, 30, "b"), cu.docs(t, 25, "d")
	b.store(t, onB...)
	d.store(t, onD...)
	// Each half gets what was added on its side. (Not "only": mocknet
	// may keep alive a stream opened while a connection was closing,
	// which real transports do not, so a partition can leak a little.)
	eventually(t, 20*time.Second, "each half to converge", func() bool {
		return holdsRevs(a, onB...) && holdsRevs(b, left) && holdsRevs(n3, onD...) && holdsRevs(d, right)
	})

	for _, x := range []*testNode{a, b} {
		for _, y := range []*testNode{n3, d} {
			c.heal(x, y)
		}
	}
	eventually(t, 30*time.Second, "all four to hold identical sets", func() bool {
		return converged(58, all...)
	})
	for _, n := range all {
		if !holdsRevs(n, left, right) {
			t.Fatalf("%s lacks one of the concurrent children", n.h.ID())
		}
	}
	// A merge naming both heads spreads too.
	merge := au.edit(t, root.CID, []cid.Cid{left.CID, right.CID}, "fusion")
	d.store(t, merge)
	eventually(t, 20*time.Second, "the merge to spread", func() bool { return converged(59, all...) })
}

// holdsRevs reports whether n holds every revision of revs.
func holdsRevs(n *testNode, revs ...protocol.Block) bool {
	for _, r := range revs {
		if ok, _ := n.cat.Has(context.Background(), r.CID); !ok {
			return false
		}
	}
	return true
}

// A gossiped revision whose ancestors are not held makes the receiver
// fetch them from the peer that forwarded it, without waiting for a
// sync.
func TestGossipFetchesMissingAncestors(t *testing.T) {
	c := newCluster(t)
	b := c.add(nil, nil)
	// A peer that gossips the last revision of a history B has never
	// seen, and serves the rest when asked. It speaks no sync: what B
	// gets, it gets by fetching after gossip.
	x := newHostile(t, c, b, true)
	au := newAuthor(t)
	root := au.create(t, "Restauration : tarifs")
	r1 := au.edit(t, root.CID, []cid.Cid{root.CID}, "v2")
	r2 := au.edit(t, root.CID, []cid.Cid{r1.CID}, "v3")
	x.serve(root, r1, r2)
	x.publishWhole(r2)
	eventually(t, 20*time.Second, "B to hold the revision and its ancestors", func() bool {
		return holdsRevs(b, root, r1, r2)
	})
	if got := b.Status().Counters.RevisionsReceived; got != 2 {
		t.Errorf("B fetched %d revisions, want the 2 ancestors", got)
	}
}

// bigRevision signs a revision too large to travel whole on gossip
// (about 120 KB): it is announced by CID.
func bigRevision(t testing.TB, au *author, title string) protocol.Block {
	t.Helper()
	b := au.sign(t, cid.Undef, nil, title, strings.Repeat("Un paragraphe du guide, assez long pour peser. ", 2600))
	if len(b.Data) <= protocol.MaxGossipRevisionSize {
		t.Fatalf("revision of %d bytes travels whole", len(b.Data))
	}
	return b
}

// settled waits until every node sees want[i] peers on the topic and
// its syncs with them have ended: for nodes that are not all connected
// to each other, where settle does not apply.
func settled(t testing.TB, nodes []*testNode, want []int) {
	t.Helper()
	eventually(t, 20*time.Second, "the connections to settle", func() bool {
		for i, n := range nodes {
			if topicPeers(n) < want[i] || !syncsEnded(n, want[i]) {
				return false
			}
		}
		return true
	})
}

// lastSyncs returns when each node's syncs last ended, by peer.
func lastSyncs(nodes ...*testNode) map[string]time.Time {
	out := make(map[string]time.Time)
	for _, n := range nodes {
		for _, s := range n.Status().Sync {
			out[n.h.ID().String()+"-"+s.Peer.String()] = s.LastSync
		}
	}
	return out
}

// A revision too large to travel whole crosses a chain A—B—C live: B
// fetches it from A and announces it on once it holds it, then C
// fetches it from B. Syncs run hourly, so only gossip can bring it.
func TestGossipLargeRevisionCrossesChain(t *testing.T) {
	c := newCluster(t)
	a, b, n3 := c.add(nil, nil), c.add(nil, nil), c.add(nil, nil)
	c.connect(a, b)
	c.connect(b, n3) // A and C are not connected
	settled(t, []*testNode{a, b, n3}, []int{1, 2, 1})
	before := lastSyncs(a, b, n3)

	big := bigRevision(t, newAuthor(t), "Guide des marchés publics")
	a.store(t, big)
	eventually(t, 2*time.Second, "C to hold the large revision", func() bool {
		return holdsRevs(b, big) && holdsRevs(n3, big)
	})
	if after := lastSyncs(a, b, n3); !maps.Equal(before, after) {
		t.Errorf("a sync ran (%v, then %v); the revision should have come by gossip", before, after)
	}
	for _, n := range []*testNode{b, n3} {
		if got := n.Status().Counters.GossipReceived; got != 1 {
			t.Errorf("%s: GossipReceived = %d, want 1", n.h.ID(), got)
		}
	}
}
