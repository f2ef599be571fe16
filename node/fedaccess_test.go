package node

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Acceptance tests of the closed federation (docs/protocol.md, Part 4):
// who connects, revocation, and members that replicate without their
// coordinator. Real hosts on 127.0.0.1, real catalogues on disk.

// fedTrio is a closed network of three running nodes: the coordinator
// A, and B and C admitted by invitations A issued (Node.Invite, then
// Join), connected to each other, and an author certified by B whose
// entry every node holds.
type fedTrio struct {
	a, b, c *catNode
	writer  *author // certified by B
}

// newFedTrio starts a coordinator and two members it invited, and
// waits until they are all connected to each other and replicate.
func newFedTrio(t *testing.T) fedTrio {
	t.Helper()
	ctx := context.Background()
	every2s := func(c *Config) { c.SyncInterval = 2 * time.Second }
	keyA, keyB, keyC := nodeKey(t), nodeKey(t), nodeKey(t)
	a := startCat(t, "A", keyA, foundNetwork(t, keyA, "Rectorat de Lyon"), every2s)
	// The join answer carries the address records of the members: A's
	// first, published at start.
	waitFor(t, "A to publish its addresses", func() bool {
		info, _ := a.cat.Roster().Node(a.self(t))
		return len(info.Addrs) > 0
	})
	_, codeB, err := a.Invite(ctx, InviteOptions{Label: "Lycée B"})
	if err != nil {
		t.Fatal(err)
	}
	_, codeC, err := a.Invite(ctx, InviteOptions{Label: "Collège C"})
	if err != nil {
		t.Fatal(err)
	}
	b := startCat(t, "B", keyB, joinWith(t, codeB, keyB, "Lycée B"), every2s)
	c := startCat(t, "C", keyC, joinWith(t, codeC, keyC, "Collège C"), every2s)
	nodes := []*catNode{a, b, c}
	waitFor(t, "the three nodes to connect to each other", func() bool {
		for _, x := range nodes {
			for _, y := range nodes {
				if x != y && !x.linked(y.h.ID()) {
					return false
				}
			}
		}
		return true
	})
	writer := newAuthor(t)
	b.certify(t, protocol.PublicKey(writer.priv), "Mme Durand")
	first := writer.create(t, "Régie d'avances : le plafond")
	if err := put(t, b.cat, first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the certified author's first entry to reach every node", func() bool {
		return a.holds(first) && c.holds(first)
	})
	return fedTrio{a: a, b: b, c: c, writer: writer}
}

// A coordinator and two members it admitted by invitations; an
// outsider node that names their network, holds entries of an author
// the network certifies and knows the full addresses of all three
// connects to none of them, over TCP or QUIC, and nothing it offers
// (by gossip on connection, by sync) is stored.
func TestOutsiderConnectsToNoMemberAndNothingItSendsIsStored(t *testing.T) {
	fed := newFedTrio(t)
	// The outsider runs without a roster (as another program could):
	// it admits anyone, syncs and gossips with whoever it reaches.
	x := startReal(t, nodeKey(t), nil, func(c *Config) {
		c.Network = fed.a.cat.Network()
		c.SyncInterval = time.Second
	})
	offered := []protocol.Block{fed.writer.create(t, "Par l'intrus 1"), fed.writer.create(t, "Par l'intrus 2"), newAuthor(t).create(t, "Par l'intrus 3")}
	x.store(t, offered...)
	members := []*catNode{fed.a, fed.b, fed.c}
	refused := make([]uint64, len(members))
	for i, m := range members {
		refused[i] = m.Status().Counters.RefusedPeers
	}
	for _, m := range members {
		for _, transport := range []string{"/tcp/", "/quic-v1"} {
			var addr ma.Multiaddr
			for _, a := range m.Addrs() {
				if strings.Contains(a.String(), transport) {
					addr = a
				}
			}
			if addr == nil {
				t.Fatalf("%s has no %s address", m.name, transport)
			}
			// Only this address: the dial goes over this transport.
			x.h.Peerstore().ClearAddrs(m.h.ID())
			before := m.Status().Counters.RefusedPeers
			if err := x.Connect(context.Background(), addr); err == nil {
				eventually(t, 10*time.Second, "the member to drop the outsider", func() bool {
					return !m.linked(x.h.ID()) && !connected(x, m.h.ID())
				})
			}
			eventually(t, 10*time.Second, m.name+" to refuse the outsider over "+transport, func() bool {
				return m.Status().Counters.RefusedPeers > before
			})
		}
	}
	// The outsider's sync loop and gossip keep trying meanwhile.
	time.Sleep(3 * time.Second)
	for i, m := range members {
		// The member refuses it before the connection is made; the
		// outsider may see a dial of its own succeed for a moment.
		if m.linked(x.h.ID()) {
			t.Errorf("%s is connected to the outsider", m.name)
		}
		eventually(t, 10*time.Second, "the outsider to hold no connection to "+m.name, func() bool { return !connected(x, m.h.ID()) })
		if got := m.Status().Counters.RefusedPeers; got < refused[i]+2 {
			t.Errorf("%s refused the outsider %d times, want at least 2 (TCP and QUIC)", m.name, got-refused[i])
		}
		for _, blk := range offered {
			if m.holds(blk) {
				t.Errorf("%s stored %s, offered by the outsider", m.name, blk.CID)
			}
		}
	}
	if n := x.cat.len(); n != len(offered) {
		t.Errorf("the outsider holds %d revisions, want only its own %d", n, len(offered))
	}
}

// A member the coordinator revokes is disconnected by every other node
// within 5 seconds of the revocation being written (the bound of the
// acceptance point), cannot connect again over TCP or QUIC, and what
// its author writes after the revocation is refused as not vouched;
// what it wrote before stays on every node.
func TestRevokedMemberCutEverywhereWhileItsEarlierEntriesStay(t *testing.T) {
	fed := newFedTrio(t)
	a, b, c := fed.a, fed.b, fed.c
	before := fed.writer.create(t, "Avant la révocation")
	if err := put(t, b.cat, before); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B's entry to reach A and C", func() bool { return a.holds(before) && c.holds(before) })
	refusedA, refusedC := a.Status().Counters.RefusedPeers, c.Status().Counters.RefusedPeers

	a.addTrust(t, &trust.Revocation{Node: b.self(t), Reason: "fermeture de l'établissement"})
	revoked := time.Now()
	eventually(t, 5*time.Second, "A and C to disconnect B within 5 s of its revocation", func() bool {
		return !a.linked(b.h.ID()) && !c.linked(b.h.ID()) && !b.linked(a.h.ID()) && !b.linked(c.h.ID())
	})
	t.Logf("B cut from A and C %v after its revocation was written", time.Since(revoked).Round(time.Millisecond))

	// B tries again, by hand and by its own member loop (every 10 s).
	for _, m := range []*catNode{a, c} {
		for _, addr := range m.Addrs() {
			if err := b.Connect(context.Background(), addr); err == nil {
				eventually(t, 10*time.Second, "the member to drop B again", func() bool { return !m.linked(b.h.ID()) })
			}
		}
	}
	after := fed.writer.create(t, "Après la révocation")
	_ = put(t, b.cat, after) // B may hold its revocation already and refuse it too
	for _, m := range []*catNode{a, c} {
		err := put(t, m.cat, after)
		if !errors.Is(err, protocol.ErrNotVouched) {
			t.Errorf("%s: storing the revoked node's author's later entry: %v, want not vouched", m.name, err)
		}
	}
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) {
		if a.linked(b.h.ID()) || c.linked(b.h.ID()) {
			t.Fatal("B connected again after its revocation")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.Status().Counters.RefusedPeers <= refusedA || c.Status().Counters.RefusedPeers <= refusedC {
		t.Error("A or C counted no refusal of B")
	}
	for _, m := range []*catNode{a, b, c} {
		if !m.holds(before) {
			t.Errorf("%s lost the entry B's author wrote before the revocation", m.name)
		}
		if m != b && m.holds(after) {
			t.Errorf("%s holds the entry B's author wrote after the revocation", m.name)
		}
		if info, _ := m.cat.Roster().Node(b.self(t)); m != b && !info.Revoked {
			t.Errorf("%s does not hold B revoked", m.name)
		}
	}
}

// A invites B and C; once A is stopped, an entry written on B reaches
// C within 2 seconds (the bound of the acceptance point): members
// replicate directly, without their coordinator.
func TestEntryReachesMemberWithCoordinatorStopped(t *testing.T) {
	fed := newFedTrio(t)
	if err := fed.a.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "B and C to see A gone", func() bool {
		return !fed.b.linked(fed.a.h.ID()) && !fed.c.linked(fed.a.h.ID())
	})
	entry := fed.writer.create(t, "Sans le coordinateur")
	if err := put(t, fed.b.cat, entry); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	eventually(t, 2*time.Second, "B's entry to reach C within 2 s", func() bool { return fed.c.holds(entry) })
	t.Logf("reached C in %v", time.Since(written).Round(time.Millisecond))
}
