package node

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// trustBlocks returns the trust records n's catalogue holds, as
// revisions.
func trustBlocks(t testing.TB, n *catNode) []protocol.Block {
	t.Helper()
	var out []protocol.Block
	for _, rec := range n.cat.TrustRecords() {
		data, err := n.cat.Block(context.Background(), rec.CID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, protocol.Block{CID: rec.CID, Data: data})
	}
	return out
}

// loggedNotVouched reports whether logs hold a line of message msg
// whose error is code 12, not vouched.
func loggedNotVouched(logs *logBuffer, msg string) bool {
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `msg="`+msg+`"`) && strings.Contains(line, protocol.CodeNotVouched.String()) {
			return true
		}
	}
	return false
}

// A revision by an author no member node certifies is refused by the
// nodes of a closed network whatever brings it — gossip, sync, a bulk
// transfer, a bundle — with code 12 (not vouched) in the log, no
// penalty for the member that offered it, and nothing stored; once a
// member node certifies the author, the same revision arrives by the
// next sync.
//
// The member that offers it, X, holds it already: its catalogue is the
// node tests' memCatalogue, which stores what it is given, as the node
// of a member that received the certificate first would.
func TestUnvouchedRevisionRefusedOnEveryPathUntilCertified(t *testing.T) {
	ctx := context.Background()
	every2s := func(c *Config) { c.SyncInterval = 2 * time.Second }
	keyA, keyX, keyF := nodeKey(t), nodeKey(t), nodeKey(t)
	a := startCat(t, "A", keyA, foundNetwork(t, keyA, "Rectorat de Lyon"), every2s)
	net := a.cat.Network()
	admX := a.addTrust(t, &trust.Admission{Node: pubKey(t, keyX), Role: trust.RoleMember, Label: "Lycée X"})
	admF := a.addTrust(t, &trust.Admission{Node: pubKey(t, keyF), Role: trust.RoleMember, Label: "Collège F"})
	vouched := newAuthor(t)
	a.certify(t, protocol.PublicKey(vouched.priv), "M. Martin")
	held := trustBlocks(t, a)
	x := startClosed(t, keyX, &fedNet{id: net, charter: held[0]}, held[1:], func(c *Config) {
		every2s(c)
		c.Bootstrap = a.Addrs()[:1]
	})
	waitFor(t, "X and A to connect and share a gossip topic", func() bool {
		return a.linked(x.h.ID()) && topicPeers(x) > 0 && len(a.gossip.topic.ListPeers()) > 0
	})
	// Entries of a vouched author, so that a fresh node lacks enough
	// to catch up by bulk transfer (rather than by pulling what X
	// offers at the end of its own sync, which would race it).
	others := vouched.docs(t, 300, "Fiche certifiée")
	x.store(t, others...)
	waitFor(t, "X's vouched entries to reach A", func() bool { return a.holds(others[len(others)-1]) })

	stranger := newAuthor(t)
	rev := stranger.create(t, "Sans certificat")
	x.store(t, rev) // X gossips it at once, and offers it in every sync
	waitFor(t, "A to refuse it by gossip, then by sync, as not vouched", func() bool {
		return loggedNotVouched(a.logs, "store gossiped revisions") && loggedNotVouched(a.logs, "revisions not stored")
	})
	// A revision the node cannot vouch for is no fault of X: the sync
	// that brought it ended well.
	refusedAt := time.Now()
	waitFor(t, "A's next sync with X to end, well", func() bool {
		for _, s := range a.Status().Sync {
			if s.Peer == x.h.ID() && s.LastSync.After(refusedAt) {
				if s.Result != "ok" {
					t.Fatalf("the sync with X, which offers a revision not vouched for, ended %q", s.Result)
				}
				return true
			}
		}
		return false
	})

	f := startCat(t, "F", keyF, openCat(t, net), every2s, WithBulkThreshold(0))
	// What a join gives (the charter, its admission), and X's
	// admission: F meets X before any coordinator.
	joined := []protocol.Block{held[0]}
	for _, rec := range []trust.Record{admF, admX} {
		data, err := a.cat.Block(ctx, rec.CID)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, protocol.Block{CID: rec.CID, Data: data})
	}
	if err := put(t, f.cat, joined...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "F to hold its admission", func() bool { return f.cat.Roster().Active(f.self(t)) })
	if err := f.Connect(ctx, x.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "F to catch up from X by bulk transfer, refusing the revision as not vouched", func() bool {
		return f.logs.contains(`msg="bulk transfer"`) && loggedNotVouched(f.logs, "bulk batch partly stored") && f.holds(others[len(others)-1])
	})

	// A bundle: written by a catalogue of no network, which keeps any
	// signed entry.
	loose := openCat(t, "")
	if err := put(t, loose, rev); err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	if _, err := loose.ExportBundle(ctx, &bundle, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "intrus.car")
	if err := os.WriteFile(path, bundle.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.cat.ImportBundle(ctx, path, catalogue.BundleOptions{}); !errors.Is(err, protocol.ErrNotVouched) {
		t.Errorf("bundle import: %v, want not vouched", err)
	}
	for _, n := range []*catNode{a, f} {
		if n.holds(rev) {
			t.Fatalf("%s stored the revision of an author no one vouches for", n.name)
		}
		if got := n.pen.count(x.h.ID()); got != 0 {
			t.Errorf("%s counts %d strikes against X for offering it, want none", n.name, got)
		}
	}

	x.addTrust(t, keyX, &trust.Certificate{Author: protocol.PublicKey(stranger.priv), Name: "Mme Petit", Function: "agent comptable"})
	waitFor(t, "A and F to receive the revision by their next sync once X certifies its author", func() bool {
		return a.holds(rev) && f.holds(rev)
	})
}
