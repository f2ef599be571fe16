package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// fed is a network of the tests: its charter, signed by the
// coordinator node coord, and a clock that moves a second per record
// or revision signed, starting an hour ago, so that what is signed is
// in the order signed.
type fed struct {
	tb      testing.TB
	coord   ed25519.PrivateKey
	id      string
	charter protocol.Verified
	at      time.Time
}

// newFed founds a network of the given policy, named by the CID of its
// charter; closes, when not empty, is the open network it closes.
func newFed(tb testing.TB, policy trust.Policy, closes string) *fed {
	tb.Helper()
	f := &fed{tb: tb, coord: newKey(tb), at: time.Now().Add(-time.Hour).Truncate(time.Second)}
	f.charter = f.sign(f.coord, "", &trust.Charter{
		Name: "Gestionnaires de l'académie de Lyon", Policy: policy, Closes: closes,
		Coordinators: []trust.Key{protocol.PublicKey(f.coord)}, Text: "Entre gestionnaires du bassin.\n",
	})
	f.id = f.charter.CID.String()
	return f
}

// tick returns the next clock.
func (f *fed) tick() protocol.Clock {
	f.at = f.at.Add(time.Second)
	return protocol.MakeClock(f.at)
}

// sign signs a trust record of network with key, then verifies it as
// a node receiving it would.
func (f *fed) sign(key ed25519.PrivateKey, network string, b trust.Body) protocol.Verified {
	f.tb.Helper()
	rev, err := trust.NewRevision(network, b)
	if err != nil {
		f.tb.Fatalf("NewRevision(%s): %v", b.Kind(), err)
	}
	rev.Seq, rev.Clock = 1, f.tick()
	return f.signed(key, rev)
}

// record signs a trust record of the network with key.
func (f *fed) record(key ed25519.PrivateKey, b trust.Body) protocol.Verified {
	f.tb.Helper()
	return f.sign(key, f.id, b)
}

// admit returns the admission of node by the coordinator, as a
// member.
func (f *fed) admit(node ed25519.PrivateKey, label string) protocol.Verified {
	f.tb.Helper()
	return f.record(f.coord, &trust.Admission{Node: protocol.PublicKey(node), Role: trust.RoleMember, Label: label})
}

// certify returns the certificate of author signed by node.
func (f *fed) certify(node, author ed25519.PrivateKey) protocol.Verified {
	f.tb.Helper()
	return f.record(node, &trust.Certificate{Author: protocol.PublicKey(author), Name: "Mme Durand", Function: "gestionnaire"})
}

// entry returns a new entry by author, signed at the next clock.
func (f *fed) entry(author ed25519.PrivateKey, title string) protocol.Verified {
	f.tb.Helper()
	return f.signed(author, &protocol.Revision{
		Op: protocol.OpPut, Seq: 1, Clock: f.tick(),
		Entry: &protocol.Entry{Meta: map[string]any{"kind": "note", "title": title}, Body: "Le régisseur est nommé par arrêté.\n"},
	})
}

// edit returns an edit by author of the document of parent.
func (f *fed) edit(author ed25519.PrivateKey, parent protocol.Verified, title string) protocol.Verified {
	f.tb.Helper()
	return f.signed(author, &protocol.Revision{
		Op: protocol.OpPut, Doc: parent.Doc(), Parents: []cid.Cid{parent.CID}, Seq: 2, Clock: f.tick(),
		Entry: &protocol.Entry{Meta: map[string]any{"kind": "note", "title": title}, Body: "Autre texte.\n"},
	})
}

func (f *fed) signed(key ed25519.PrivateKey, rev *protocol.Revision) protocol.Verified {
	f.tb.Helper()
	v, err := rev.Sign(key)
	if err != nil {
		f.tb.Fatalf("sign: %v", err)
	}
	got, err := protocol.Verify(v.Block)
	if err != nil {
		f.tb.Fatalf("verify: %v", err)
	}
	return got
}

// openNet opens a catalogue in memory that belongs to network.
func openNet(tb testing.TB, network string) *Catalogue {
	tb.Helper()
	return openWith(tb, "", Options{Network: network})
}

// openWith opens a catalogue in dir (in memory when "") with opts.
func openWith(tb testing.TB, dir string, opts Options) *Catalogue {
	tb.Helper()
	opts.InMemory = dir == ""
	c, err := Open(context.Background(), dir, opts)
	if err != nil {
		tb.Fatalf("open catalogue: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// add hands revisions to c as a node does with what peers send.
func add(tb testing.TB, c *Catalogue, revs ...protocol.Verified) ([]cid.Cid, map[cid.Cid]error) {
	tb.Helper()
	added, err := c.AddVerified(context.Background(), revs)
	var rej *RejectedError
	if errors.As(err, &rej) {
		return added, rej.Rejected
	}
	if err != nil {
		tb.Fatalf("AddVerified: %v", err)
	}
	return added, nil
}

// mustAdd hands revisions to c and fails the test if any is refused.
func mustAdd(tb testing.TB, c *Catalogue, revs ...protocol.Verified) {
	tb.Helper()
	if _, rejected := add(tb, c, revs...); len(rejected) > 0 {
		tb.Fatalf("revisions refused: %v", rejected)
	}
}

// holds reports whether c holds revision v.
func holds(tb testing.TB, c *Catalogue, v protocol.Verified) bool {
	tb.Helper()
	ok, err := c.Has(context.Background(), v.CID)
	if err != nil {
		tb.Fatal(err)
	}
	return ok
}

// exportAll writes the bundle of the whole catalogue c (ids when
// given) into a file of dir and returns its path.
func exportAll(tb testing.TB, c *Catalogue, dir string, ids ...cid.Cid) (string, *BundleResult) {
	tb.Helper()
	path := filepath.Join(dir, "bundle.car")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := c.ExportBundle(context.Background(), f, ids)
	if err != nil {
		tb.Fatalf("export bundle: %v", err)
	}
	return path, res
}

// logger returns a logger that writes into l.
func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
