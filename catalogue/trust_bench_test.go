package catalogue

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// bigNetwork is the roster of a large closed network, for the
// benchmarks: a charter, admissions of nodes and certificates of
// authors, spread over the nodes; and entry revisions by those authors
// and others, to judge. Records are made, not signed: Fold and
// judgeEntry read them, and check no signature.
type bigNetwork struct {
	records []trust.Record
	ids     map[cid.Cid]bool // the records' CIDs, as the catalogue keeps them
	roster  *trust.Roster
	revs    []protocol.Verified
}

func newBigNetwork(nodes, certificates int) *bigNetwork {
	rnd := rand.New(rand.NewPCG(1, 2))
	key := func() (k trust.Key) {
		for i := 0; i < len(k); i += 8 {
			binary.LittleEndian.PutUint64(k[i:], rnd.Uint64())
		}
		return k
	}
	n := 0
	next := func() cid.Cid { // a distinct CID per record
		n++
		return protocol.RevisionCID(binary.BigEndian.AppendUint64([]byte("record"), uint64(n)))
	}
	start := protocol.MakeClock(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	clock := start
	tick := func() protocol.Clock { clock++; return clock }

	coord := key()
	charter := trust.Record{CID: next(), Signer: coord, Clock: tick(),
		Body: &trust.Charter{Name: "Grand réseau", Policy: trust.PolicyClosed, Coordinators: []trust.Key{coord}}}
	network := charter.CID.String()
	bn := &bigNetwork{records: []trust.Record{charter}, ids: make(map[cid.Cid]bool)}
	members := make([]trust.Key, nodes)
	for i := range members {
		members[i] = key()
		bn.records = append(bn.records, trust.Record{CID: next(), Signer: coord, Clock: tick(), Network: network,
			Body: &trust.Admission{Node: members[i], Role: trust.RoleMember, Label: "Nœud"}})
	}
	authors := make([]trust.Key, certificates)
	for i := range authors {
		authors[i] = key()
		bn.records = append(bn.records, trust.Record{CID: next(), Signer: members[i%nodes], Clock: tick(), Network: network,
			Body: &trust.Certificate{Author: authors[i], Name: "Mme Durand", Function: "gestionnaire"}})
	}
	for _, rec := range bn.records {
		bn.ids[rec.CID] = true
	}
	bn.roster = trust.Fold(network, bn.records)
	// Revisions by certified authors, and one in eight by a stranger.
	for i := range 4096 {
		author := authors[rnd.IntN(len(authors))]
		if i%8 == 0 {
			author = key()
		}
		doc := cid.Undef
		if i%2 == 0 {
			doc = protocol.RevisionCID(binary.BigEndian.AppendUint64([]byte("doc"), uint64(i)))
		}
		rev := &protocol.Revision{Op: protocol.OpPut, Doc: doc, Author: author, Clock: tick()}
		bn.revs = append(bn.revs, protocol.Verified{Block: protocol.Block{CID: protocol.RevisionCID(binary.BigEndian.AppendUint64([]byte("rev"), uint64(i)))}, Rev: rev})
	}
	return bn
}

// BenchmarkVouched measures what a catalogue of a closed network of
// 1,000 nodes and 20,000 certificates spends judging an entry revision
// against its roster (judgeEntry: is its document a trust record, is
// its author vouched for at its clock): for a revision it stores, and
// for one it refuses, which also writes the refusal's message. The
// bound is 2 µs a revision.
func BenchmarkVouched(b *testing.B) {
	bn := newBigNetwork(1000, 20000)
	for _, bc := range []struct {
		name string
		ok   bool
	}{{"vouched", true}, {"refused", false}} {
		var revs []protocol.Verified
		for _, v := range bn.revs {
			if bn.roster.Vouched(v.Rev.Author, v.Rev.Clock) == bc.ok {
				revs = append(revs, v)
			}
		}
		b.Run(bc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := judgeEntry(bn.roster, bn.ids, nil, revs[i%len(revs)]); (err == nil) != bc.ok {
					b.Fatalf("revision %d judged %v", i, err)
				}
				i++
			}
		})
	}
}

// BenchmarkFoldRoster measures the fold of the same network's 21,001
// records, which the catalogue does again for each batch that brings
// trust records.
func BenchmarkFoldRoster(b *testing.B) {
	bn := newBigNetwork(1000, 20000)
	for b.Loop() {
		trust.Fold(bn.roster.Network(), bn.records)
	}
}

// TestJudgingARevisionIsALookup: judging an entry revision against
// the roster of 1,000 nodes and 20,000 certificates costs lookups, not
// a walk over them. The bound is 2 µs a revision (BenchmarkVouched
// measures it: some 40 ns, 1 µs when it writes a refusal); the test
// allows 20 µs on average, for the race detector and a busy machine,
// which a walk over the certificates would still exceed many times.
func TestJudgingARevisionIsALookup(t *testing.T) {
	bn := newBigNetwork(1000, 20000)
	const n = 20000
	start := time.Now()
	for i := range n {
		judgeEntry(bn.roster, bn.ids, nil, bn.revs[i%len(bn.revs)])
	}
	if mean := time.Since(start) / n; mean > 20*time.Microsecond {
		t.Fatalf("judging a revision took %v on average, more than 20 µs", mean)
	}
}
