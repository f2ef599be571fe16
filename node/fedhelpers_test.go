package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Helpers of the federation's acceptance tests (fed*_test.go): nodes
// with real libp2p hosts on 127.0.0.1 over real catalogues on disk,
// each catalogue the node's roster (Config.Trust) as in `mutu run`.

// openCat opens a catalogue on disk in a directory of the test, for
// network ("" until CreateNetwork founds one). It is closed after the
// nodes started on it (cleanups run last registered first).
func openCat(t testing.TB, network string) *catalogue.Catalogue {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), filepath.Join(t.TempDir(), "catalogue"), catalogue.Options{Network: network, NoSync: true, MinFree: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cat.Close() })
	return cat
}

// catNode is a running node over a real catalogue.
type catNode struct {
	*Node
	name string
	key  crypto.PrivKey
	cat  *catalogue.Catalogue
	logs *logBuffer
	h    host.Host
}

// startCat starts, on 127.0.0.1 (TCP and QUIC), the node of key over
// cat, which is also its roster, with an invitations file of its own.
func startCat(t testing.TB, name string, key crypto.PrivKey, cat *catalogue.Catalogue, cfg func(*Config), opts ...Option) *catNode {
	t.Helper()
	logs := &logBuffer{}
	conf := testConfig(logs)
	conf.PrivKey = key
	conf.ListenAddrs = loopback()
	conf.Network = cat.Network()
	conf.Trust = cat
	conf.InvitationsPath = filepath.Join(t.TempDir(), "invitations.json")
	if cfg != nil {
		cfg(&conf)
	}
	n, err := New(conf, cat, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cn := &catNode{Node: n, name: name, key: key, cat: cat, logs: logs, h: n.Host()}
	t.Cleanup(func() {
		_ = n.Close()
		if t.Failed() {
			logs := cn.logs.String()
			if len(logs) > 6000 {
				logs = "..." + logs[len(logs)-6000:]
			}
			t.Logf("node %s (%s) log:\n%s", name, cn.h.ID(), logs)
		}
	})
	return cn
}

// self returns the node key of n, as rosters name it.
func (n *catNode) self(t testing.TB) protocol.AuthorKey { return pubKey(t, n.key) }

// linked reports whether n has a connection to p.
func (n *catNode) linked(p peer.ID) bool { return len(n.h.Network().ConnsToPeer(p)) > 0 }

// holds reports whether n's catalogue holds revision c.
func (n *catNode) holds(c protocol.Block) bool {
	ok, _ := n.cat.Has(context.Background(), c.CID)
	return ok
}

// addTrust signs b with n's node key and stores it in n's catalogue,
// as its operator's command line does.
func (n *catNode) addTrust(t testing.TB, b trust.Body) trust.Record {
	t.Helper()
	rec, err := n.cat.AddTrust(context.Background(), edKey(t, n.key), b)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// certify makes n's node vouch for author (`mutu user add`).
func (n *catNode) certify(t testing.TB, author protocol.AuthorKey, name string) trust.Record {
	return n.addTrust(t, &trust.Certificate{Author: author, Name: name, Function: "gestionnaire"})
}

// foundNetwork founds a closed network on a new catalogue with key,
// whose coordinators are key and others, and returns the catalogue.
func foundNetwork(t testing.TB, key crypto.PrivKey, label string, others ...crypto.PrivKey) *catalogue.Catalogue {
	t.Helper()
	cat := openCat(t, "")
	coords := []protocol.AuthorKey{pubKey(t, key)}
	for _, k := range others {
		coords = append(coords, pubKey(t, k))
	}
	_, err := cat.CreateNetwork(context.Background(), edKey(t, key),
		trust.Charter{Name: "Gestionnaires de l'académie de test", Policy: trust.PolicyClosed, Coordinators: coords},
		trust.Admission{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// joinWith joins with an invitation code as `mutu join` does: Join,
// then a catalogue of the code's network holding the records of the
// answer.
func joinWith(t testing.TB, code string, key crypto.PrivKey, label string) *catalogue.Catalogue {
	t.Helper()
	ctx := context.Background()
	status, records, err := Join(ctx, code, key, JoinDetails{Label: label, Academie: "Lyon"})
	if err != nil {
		t.Fatalf("join as %s: status %q: %v", label, status, err)
	}
	cat := openCat(t, records[0].CID.String())
	if _, err := cat.AddVerified(ctx, records); err != nil {
		t.Fatal(err)
	}
	if !cat.Roster().Active(pubKey(t, key)) {
		t.Fatalf("%s is not active in its roster after joining", label)
	}
	return cat
}

// put stores blocks in cat as a peer's revisions are stored, and
// returns the error of the catalogue.
func put(t testing.TB, cat *catalogue.Catalogue, blocks ...protocol.Block) error {
	t.Helper()
	good, bad := protocol.VerifyAll(context.Background(), blocks)
	if len(bad) > 0 {
		t.Fatal(bad[0])
	}
	_, err := cat.AddVerified(context.Background(), good)
	return err
}

// waitFor is eventually with the deadlines these tests use.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually(t, 30*time.Second, what, cond)
}
