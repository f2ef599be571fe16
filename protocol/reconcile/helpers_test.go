package reconcile

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/mutu-network/mutu/protocol"
)

// baseClock is 2024-09-02, la rentrée, as an HLC reading.
var baseClock = protocol.MakeClock(time.Date(2024, 9, 2, 8, 0, 0, 0, time.UTC))

// testCID returns a revision CID whose digest is derived from seed.
func testCID(seed uint64) cid.Cid {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	d := sha256.Sum256(b[:])
	return cidOf(d[:])
}

// cidOf returns the dag-cbor CIDv1 of a sha2-256 digest.
func cidOf(digest []byte) cid.Cid {
	m, err := mh.Encode(digest, mh.SHA2_256)
	if err != nil {
		panic(err) // a 32-byte sha2-256 digest always encodes
	}
	return cid.NewCidV1(cid.DagCBOR, m)
}

// genItems returns n distinct items in order, with clocks that grow by
// a random step below maxStep (0 gives equal clocks), drawn from rng.
func genItems(rng *rand.Rand, n int, maxStep uint64) []Item {
	items := make([]Item, n)
	c := uint64(baseClock)
	var d [32]byte
	for k := range items {
		if maxStep > 0 {
			c += rng.Uint64N(maxStep)
		}
		for w := range 4 {
			binary.LittleEndian.PutUint64(d[8*w:], rng.Uint64())
		}
		items[k] = Item{Clock: protocol.Clock(c), ID: cidOf(d[:])}
	}
	slices.SortFunc(items, Item.Compare) // equal clocks
	return items
}

// realisticStep spreads 100,000 revisions over about three years.
const realisticStep = uint64(2*950_000) << 16

func mustSet(t testing.TB, items []Item) *Set {
	t.Helper()
	s, err := NewSet(items)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s
}

// exchange is the outcome of one reconciliation run in memory.
type exchange struct {
	have, need []Item
	bytes      int // all messages, both directions
	roundTrips int // responder replies received by the initiator
	messages   [][]byte
}

// reconcile runs a whole session between an initiator holding a and a
// responder holding b.
func reconcile(t testing.TB, a, b *Set, opts ...Option) exchange {
	t.Helper()
	ini, res := sessions(t, a, b, opts...)
	return run(t, ini, res)
}

// sessions starts an initiator over a and a responder over b; each
// reads a snapshot of its set taken here.
func sessions(t testing.TB, a, b *Set, opts ...Option) (ini, res *Session) {
	t.Helper()
	ini, err := NewInitiator(a, opts...)
	if err != nil {
		t.Fatalf("NewInitiator: %v", err)
	}
	res, err = NewResponder(b, opts...)
	if err != nil {
		t.Fatalf("NewResponder: %v", err)
	}
	return ini, res
}

// run runs a session to its end.
func run(t testing.TB, ini, res *Session) exchange {
	t.Helper()
	var x exchange
	msg, err := ini.Initiate()
	if err != nil {
		t.Fatalf("Initiate: %v", err)
	}
	for {
		x.bytes += len(msg)
		x.messages = append(x.messages, msg)
		reply, have, need, err := res.Step(msg)
		if err != nil {
			t.Fatalf("responder, round %d: %v", x.roundTrips+1, err)
		}
		if have != nil || need != nil {
			t.Fatalf("responder returned have %d, need %d: want nil", len(have), len(need))
		}
		x.bytes += len(reply)
		x.messages = append(x.messages, reply)
		x.roundTrips++
		msg, have, need, err = ini.Step(reply)
		if err != nil {
			t.Fatalf("initiator, round %d: %v", x.roundTrips, err)
		}
		x.have = append(x.have, have...)
		x.need = append(x.need, need...)
		if msg == nil {
			break
		}
	}
	if !ini.Done() {
		t.Fatal("initiator returned a nil reply but is not done")
	}
	return x
}

// minus returns the items of a not in b, sorted.
func minus(a, b []Item) []Item {
	in := make(map[Item]bool, len(b))
	for _, it := range b {
		in[it] = true
	}
	var out []Item
	seen := make(map[Item]bool)
	for _, it := range a {
		if !in[it] && !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	slices.SortFunc(out, Item.Compare)
	return out
}

// checkDiff asserts that the exchange found exactly a\b and b\a.
func checkDiff(t testing.TB, x exchange, a, b []Item) {
	t.Helper()
	checkFound(t, x, minus(a, b), minus(b, a))
}

// checkFound asserts that the exchange found exactly wantHave and
// wantNeed, which are free of duplicates.
func checkFound(t testing.TB, x exchange, wantHave, wantNeed []Item) {
	t.Helper()
	compare := func(what string, got, want []Item) {
		t.Helper()
		got, want = slices.Clone(got), slices.Clone(want)
		slices.SortFunc(got, Item.Compare)
		slices.SortFunc(want, Item.Compare)
		for k := 1; k < len(got); k++ {
			if got[k].Compare(got[k-1]) == 0 {
				t.Errorf("%s reports %s twice", what, got[k])
			}
		}
		if !slices.EqualFunc(got, want, func(x, y Item) bool { return x.Compare(y) == 0 }) {
			t.Errorf("%s: got %d items, want %d", what, len(got), len(want))
			for _, it := range minus(got, want) {
				t.Errorf("%s: unexpected %s", what, it)
			}
			for _, it := range minus(want, got) {
				t.Errorf("%s: missing %s", what, it)
			}
		}
	}
	compare("have", x.have, wantHave)
	compare("need", x.need, wantNeed)
}

// split3 draws, from pool, items held by both sides and items only on
// each side, at random positions. It returns the two sets, in pool
// order, and the items only in each.
func split3(rng *rand.Rand, pool []Item, onlyA, onlyB int) (a, b, aOnly, bOnly []Item) {
	const (
		both = iota
		inA
		inB
	)
	where := make([]byte, len(pool))
	for k, p := range rng.Perm(len(pool))[:onlyA+onlyB] {
		where[p] = inA
		if k >= onlyA {
			where[p] = inB
		}
	}
	for p, it := range pool {
		switch where[p] {
		case inA:
			a = append(a, it)
			aOnly = append(aOnly, it)
		case inB:
			b = append(b, it)
			bOnly = append(bOnly, it)
		default:
			a = append(a, it)
			b = append(b, it)
		}
	}
	return a, b, aOnly, bOnly
}
