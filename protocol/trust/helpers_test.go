package trust

import (
	"bytes"
	"crypto/ed25519"
	"sync"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol"
)

// base is the clock of the charters of the tests; at(n) is n readings
// later.
var base = protocol.MakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))

func at(n int) protocol.Clock { return base + protocol.Clock(n) }

// keys are the private keys of the test nodes and authors, made once:
// key n has the seed of 32 bytes n, the same in every run.
var keys = sync.OnceValue(func() (k [256]ed25519.PrivateKey) {
	for n := range k {
		k[n] = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(n)}, ed25519.SeedSize))
	}
	return k
})

// nodeKey returns the private key of test node (or author) n.
func nodeKey(n byte) ed25519.PrivateKey { return keys()[n] }

func pub(n byte) Key { return protocol.PublicKey(nodeKey(n)) }

// sign makes the revision of body for network, signs it with priv at
// clock and verifies it from its bytes, as a node receiving it would.
func sign(tb testing.TB, priv ed25519.PrivateKey, network string, body Body, clock protocol.Clock) protocol.Verified {
	tb.Helper()
	rev, err := NewRevision(network, body)
	if err != nil {
		tb.Fatalf("NewRevision(%s): %v", body.Kind(), err)
	}
	rev.Seq, rev.Clock = 1, clock
	return signRevision(tb, priv, rev)
}

func signRevision(tb testing.TB, priv ed25519.PrivateKey, rev *protocol.Revision) protocol.Verified {
	tb.Helper()
	v, err := rev.Sign(priv)
	if err != nil {
		tb.Fatalf("sign: %v", err)
	}
	got, err := protocol.Verify(v.Block)
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	return got
}

// network is a network of the tests: its charter and the records
// added to it.
type network struct {
	tb      testing.TB
	id      string
	charter Record
	records []Record
}

// newNetwork founds a network whose charter, signed by node 1 at
// base, names the given coordinators (node 1 among them).
func newNetwork(tb testing.TB, policy Policy, coordinators ...byte) *network {
	tb.Helper()
	ch := &Charter{Name: "Gestionnaires de l'académie de Lyon", Policy: policy, Text: "Entre gestionnaires.\n"}
	for _, c := range coordinators {
		ch.Coordinators = append(ch.Coordinators, pub(c))
	}
	rec, err := Decode(sign(tb, nodeKey(1), "", ch, base))
	if err != nil {
		tb.Fatal(err)
	}
	return &network{tb: tb, id: rec.CID.String(), charter: rec, records: []Record{rec}}
}

// add signs body by node signer at clock in this network and keeps it.
func (n *network) add(signer byte, clock protocol.Clock, body Body) Record {
	n.tb.Helper()
	rec := n.record(signer, clock, body)
	n.records = append(n.records, rec)
	return rec
}

// record signs body by node signer at clock in this network.
func (n *network) record(signer byte, clock protocol.Clock, body Body) Record {
	n.tb.Helper()
	rec, err := Decode(sign(n.tb, nodeKey(signer), n.id, body, clock))
	if err != nil {
		n.tb.Fatal(err)
	}
	return rec
}

func (n *network) admit(by byte, clock protocol.Clock, node byte, role Role) Record {
	return n.add(by, clock, &Admission{Node: pub(node), Role: role, Label: "nœud " + string('A'+rune(node))})
}

func (n *network) revoke(by byte, clock protocol.Clock, node byte) Record {
	return n.add(by, clock, &Revocation{Node: pub(node), Reason: "départ"})
}

func (n *network) certify(by byte, clock protocol.Clock, author byte) Record {
	return n.add(by, clock, &Certificate{Author: pub(author), Name: "Mme Durand", Function: "gestionnaire"})
}

// roster folds the records of the network, charter included.
func (n *network) roster() *Roster { return Fold(n.id, n.records) }

func (n *network) endCert(by byte, clock protocol.Clock, author byte) Record {
	return n.add(by, clock, &CertificateEnd{Author: pub(author)})
}

func (n *network) addresses(by byte, clock protocol.Clock, addrs ...string) Record {
	return n.add(by, clock, &Addresses{Addrs: addrs})
}

func (n *network) request(via byte, clock protocol.Clock, node byte) Record {
	return n.add(via, clock, &JoinRequest{Node: pub(node), Label: "demande " + string('A'+rune(node)), Invitation: "0123456789abcdef"})
}

// before reports whether a comes before b in the replay: (clock, CID).
func before(a, b Record) bool {
	if a.Clock != b.Clock {
		return a.Clock < b.Clock
	}
	return a.CID.KeyString() < b.CID.KeyString()
}
