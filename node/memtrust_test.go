package node

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// memTrust is the roster of a memCatalogue for the node's tests, as
// package catalogue keeps it: every trust record the catalogue stores,
// whatever stored it (a peer by sync or gossip, AddTrust, a test), is
// read with trust.Decode, and the roster is folded again from all of
// them with trust.Fold; AddTrust signs a record and stores it through
// the catalogue's one write path, so that it appears in the change feed
// and replicates like any revision.
type memTrust struct {
	cat     *memCatalogue
	network string
	hlc     *protocol.HLC
	mu      sync.Mutex // guards records, roster, changed, seqs
	records []trust.Record
	roster  *trust.Roster
	changed chan struct{}
	seqs    map[protocol.AuthorKey]uint64
}

var _ Trust = (*memTrust)(nil)

// newMemTrust folds the trust records cat holds, and those it will
// store, into the roster of network.
func newMemTrust(cat *memCatalogue, network string) *memTrust {
	mt := &memTrust{
		cat: cat, network: network, hlc: protocol.NewHLC(nil),
		roster: trust.Fold(network, nil), changed: make(chan struct{}),
		seqs: make(map[protocol.AuthorKey]uint64),
	}
	cat.mu.Lock()
	cat.onStore = mt.observe
	var held []protocol.Verified
	for c, r := range cat.revs {
		held = append(held, protocol.Verified{Block: protocol.Block{CID: c, Data: r.data}, Rev: r.rev})
	}
	cat.mu.Unlock()
	mt.observe(held)
	return mt
}

// observe folds the roster again when trust records were stored.
func (mt *memTrust) observe(stored []protocol.Verified) {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	fresh := false
	for _, v := range stored {
		mt.hlc.Observe(v.Rev.Clock)
		mt.seqs[v.Rev.Author] = max(mt.seqs[v.Rev.Author], v.Rev.Seq)
		if !trust.IsTrust(v.Rev) {
			continue
		}
		rec, err := trust.Decode(v)
		if err != nil {
			continue
		}
		mt.records = append(mt.records, rec)
		fresh = true
	}
	if !fresh {
		return
	}
	mt.roster = trust.Fold(mt.network, mt.records)
	close(mt.changed)
	mt.changed = make(chan struct{})
}

func (mt *memTrust) Roster() *trust.Roster {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return mt.roster
}

func (mt *memTrust) RosterChanged() <-chan struct{} {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return mt.changed
}

func (mt *memTrust) AddTrust(ctx context.Context, key ed25519.PrivateKey, b trust.Body) (trust.Record, error) {
	network := mt.network
	if b.Kind() == trust.KindCharter {
		network = ""
	}
	rev, err := trust.NewRevision(network, b)
	if err != nil {
		return trust.Record{}, err
	}
	author := protocol.PublicKey(key)
	mt.mu.Lock()
	mt.seqs[author]++
	rev.Seq = mt.seqs[author]
	mt.mu.Unlock()
	rev.Clock = mt.hlc.Now()
	v, err := rev.Sign(key)
	if err != nil {
		return trust.Record{}, err
	}
	if _, err := mt.cat.AddVerified(ctx, []protocol.Verified{v}); err != nil {
		return trust.Record{}, err
	}
	return trust.Decode(v)
}

// records returns the trust records folded so far.
func (mt *memTrust) held() []trust.Record {
	mt.mu.Lock()
	defer mt.mu.Unlock()
	return append([]trust.Record(nil), mt.records...)
}

// edKey returns the ed25519 form of a node key.
func edKey(t testing.TB, k crypto.PrivKey) ed25519.PrivateKey {
	t.Helper()
	ed, err := ed25519Key(k)
	if err != nil {
		t.Fatal(err)
	}
	return ed
}

// pubKey returns the node key of a libp2p key, as rosters name it.
func pubKey(t testing.TB, k crypto.PrivKey) protocol.AuthorKey {
	return protocol.PublicKey(edKey(t, k))
}

// peerOf returns the peer ID of a key.
func peerOf(t testing.TB, k crypto.PrivKey) peer.ID {
	t.Helper()
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// fedNet is a closed network for tests, founded by one coordinator.
type fedNet struct {
	id      string
	charter protocol.Block
}

// newFedNet signs the charter of a closed network whose coordinators
// are the founder and others.
func newFedNet(t testing.TB, founder crypto.PrivKey, others ...crypto.PrivKey) *fedNet {
	t.Helper()
	coords := []protocol.AuthorKey{pubKey(t, founder)}
	for _, k := range others {
		coords = append(coords, pubKey(t, k))
	}
	rev, err := trust.NewRevision("", &trust.Charter{Name: "Gestionnaires de l'académie de test", Policy: trust.PolicyClosed, Coordinators: coords})
	if err != nil {
		t.Fatal(err)
	}
	rev.Seq, rev.Clock = 1, protocol.MakeClock(time.Now().Add(-time.Minute))
	v, err := rev.Sign(edKey(t, founder))
	if err != nil {
		t.Fatal(err)
	}
	return &fedNet{id: v.CID.String(), charter: v.Block}
}

// startClosed starts, on 127.0.0.1, a node of net whose catalogue
// holds the charter and records, with an invitations file of its own.
func startClosed(t testing.TB, key crypto.PrivKey, net *fedNet, records []protocol.Block, cfg func(*Config), opts ...Option) *testNode {
	t.Helper()
	cat := newMemCatalogue()
	if _, err := cat.AddRevisions(context.Background(), append([]protocol.Block{net.charter}, records...)); err != nil {
		t.Fatal(err)
	}
	mt := newMemTrust(cat, net.id)
	dir := t.TempDir()
	tn := startReal(t, key, cat, func(c *Config) {
		c.Network = net.id
		c.Trust = mt
		c.InvitationsPath = filepath.Join(dir, "invitations.json")
		if cfg != nil {
			cfg(c)
		}
	}, opts...)
	tn.trust = mt
	return tn
}

// addTrust signs a trust record with tn's node key and stores it in
// tn's catalogue, as the command line of its operator would.
func (tn *testNode) addTrust(t testing.TB, key crypto.PrivKey, b trust.Body) trust.Record {
	t.Helper()
	rec, err := tn.trust.AddTrust(context.Background(), edKey(t, key), b)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// block returns the revision of a record tn holds.
func (tn *testNode) block(t testing.TB, rec trust.Record) protocol.Block {
	t.Helper()
	data, err := tn.cat.Block(context.Background(), rec.CID)
	if err != nil {
		t.Fatal(err)
	}
	return protocol.Block{CID: rec.CID, Data: data}
}

// withClock gives the node a clock of the test's.
func withClock(now func() time.Time) Option {
	return func(o *options) error {
		o.now = now
		return nil
	}
}
