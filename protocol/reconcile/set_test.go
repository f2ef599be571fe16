package reconcile

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/mutu-network/mutu/protocol"
)

func TestNewSetSortsAndDedupes(t *testing.T) {
	items := genItems(rand.New(rand.NewPCG(1, 3)), 200, 5)
	shuffled := slices.Clone(items)
	rand.New(rand.NewPCG(2, 3)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	shuffled = append(shuffled, items[:50]...) // duplicates
	s := mustSet(t, shuffled)
	if s.Len() != len(items) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(items))
	}
	snap := s.snapshot()
	for k := 1; k < len(snap); k++ {
		if compareEntries(&snap[k-1], &snap[k]) >= 0 {
			t.Fatalf("entries %d and %d are out of order", k-1, k)
		}
	}
	for _, it := range items {
		if !s.Has(it) {
			t.Errorf("Has(%s) = false", it)
		}
	}
	other := Item{Clock: items[0].Clock, ID: testCID(1 << 62)}
	if s.Has(other) {
		t.Errorf("Has(%s) = true for an item never added", other)
	}
	moved := Item{Clock: items[0].Clock + 1<<40, ID: items[0].ID}
	if s.Has(moved) {
		t.Error("Has matched an ID under another clock")
	}
}

func TestInsert(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	items := genItems(rng, 1000, 1<<20)
	s := mustSet(t, items[:600])
	before := s.snapshot()
	want := fingerprints(before)

	// Appends.
	if n, err := s.Insert(items[600:700]...); n != 100 || err != nil {
		t.Fatalf("Insert(appends) = %d, %v; want 100, nil", n, err)
	}
	// Items among the held ones, with duplicates of held items.
	mixed := append(slices.Clone(items[700:]), items[:20]...)
	rng.Shuffle(len(mixed), func(i, j int) { mixed[i], mixed[j] = mixed[j], mixed[i] })
	if n, err := s.Insert(mixed...); n != 300 || err != nil {
		t.Fatalf("Insert(mixed) = %d, %v; want 300, nil", n, err)
	}
	if n, err := s.Insert(items[:10]...); n != 0 || err != nil {
		t.Fatalf("Insert(held) = %d, %v; want 0, nil", n, err)
	}
	if s.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", s.Len())
	}
	// The snapshot taken before is untouched.
	if got := fingerprints(before); !slices.Equal(got, want) || len(before) != 600 {
		t.Error("an insert changed an earlier snapshot")
	}
	// The running sums agree with a set built in one go.
	whole := mustSet(t, items)
	if !slices.Equal(fingerprints(s.snapshot()), fingerprints(whole.snapshot())) {
		t.Error("running sums after inserts differ from those of NewSet")
	}
}

// fingerprints returns the fingerprint of every prefix of es.
func fingerprints(es []entry) []fingerprint {
	out := make([]fingerprint, len(es)+1)
	for k := range out {
		out[k] = rangeFingerprint(es, 0, k)
	}
	return out
}

func TestItemsRefused(t *testing.T) {
	good := testCID(1)
	digest := sha256.Sum256([]byte("x"))
	sha256mh, _ := mh.Encode(digest[:], mh.SHA2_256)
	sha512mh, _ := mh.Sum([]byte("x"), mh.SHA2_512, -1)
	tests := []struct {
		name string
		it   Item
		code protocol.Code
	}{
		{"undefined CID", Item{Clock: 1}, protocol.CodeBadCID},
		{"CIDv0", Item{Clock: 1, ID: cid.NewCidV0(sha256mh)}, protocol.CodeBadCID},
		{"sha2-512", Item{Clock: 1, ID: cid.NewCidV1(cid.DagCBOR, sha512mh)}, protocol.CodeBadCID},
		{"dag-pb codec", Item{Clock: 1, ID: cid.NewCidV1(cid.DagProtobuf, sha256mh)}, protocol.CodeBadCID},
		{"reserved clock", Item{Clock: protocol.Clock(maxClock), ID: good}, protocol.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSet([]Item{{Clock: 1, ID: good}, tt.it}); protocol.CodeOf(err) != tt.code {
				t.Errorf("NewSet: %v, want code %v", err, tt.code)
			}
			s := mustSet(t, nil)
			n, err := s.Insert(Item{Clock: 1, ID: good}, tt.it)
			if protocol.CodeOf(err) != tt.code {
				t.Errorf("Insert: %v, want code %v", err, tt.code)
			}
			if n != 0 || s.Len() != 0 {
				t.Errorf("Insert added %d items (Len %d) despite the error", n, s.Len())
			}
		})
	}
	raw := Item{Clock: 1, ID: cid.NewCidV1(cid.Raw, sha256mh)}
	if _, err := NewSet([]Item{raw}); err != nil {
		t.Errorf("a raw sha2-256 CID is refused: %v", err)
	}
}

// TestFingerprint checks the fingerprint against the definition in
// docs/protocol.md (Part 3), computed with math/big.
func TestFingerprint(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	es := mustSet(t, genItems(rng, 3000, 1<<16)).snapshot()
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	for range 200 {
		i := rng.IntN(len(es) + 1)
		j := i + rng.IntN(len(es)-i+1)
		sum := new(big.Int)
		for k := i; k < j; k++ {
			d := []byte(digest(es[k].id))
			slices.Reverse(d) // little-endian to big-endian
			sum.Add(sum, new(big.Int).SetBytes(d))
		}
		sum.Mod(sum, mod)
		le := make([]byte, 32)
		sum.FillBytes(le)
		slices.Reverse(le)
		h := sha256.Sum256(binary.AppendUvarint(le, uint64(j-i)))
		if got := rangeFingerprint(es, i, j); string(got[:]) != string(h[:FingerprintSize]) {
			t.Fatalf("fingerprint of [%d, %d) = %x, want %x", i, j, got, h[:FingerprintSize])
		}
	}
}

// TestSumCarries checks 256-bit addition and subtraction at the word
// edges.
func TestSumCarries(t *testing.T) {
	ones := sum256{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	if got := ones.add(sum256{1}); got != (sum256{}) {
		t.Errorf("(2^256-1) + 1 = %x, want 0", got)
	}
	if got := (sum256{}).sub(sum256{1}); got != ones {
		t.Errorf("0 - 1 = %x, want 2^256-1", got)
	}
	if got := (sum256{^uint64(0)}).add(sum256{1}); got != (sum256{0, 1}) {
		t.Errorf("carry into word 1: %x", got)
	}
	if got := (sum256{0, 0, 1}).sub(sum256{1}); got != (sum256{^uint64(0), ^uint64(0), 0}) {
		t.Errorf("borrow from word 2: %x", got)
	}
}

func TestBoundBetween(t *testing.T) {
	mk := func(clock uint64, id cid.Cid) *entry { return &entry{clock: clock, id: id} }
	a, b := testCID(1), testCID(2)
	if a.KeyString() > b.KeyString() {
		a, b = b, a
	}
	tests := []struct {
		name       string
		lo, hi     *entry
		wantPrefix int // length of the prefix
	}{
		{"different clocks", mk(5, b), mk(6, a), 0},
		// Revision CIDs share 4 header bytes, so the prefix is at
		// least 5 long.
		{"same clock", mk(5, a), mk(5, b), 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bd := boundBetween(tt.lo, tt.hi)
			if !below(tt.lo, bd) || below(tt.hi, bd) {
				t.Errorf("bound %+v does not separate the entries", bd)
			}
			if len(bd.prefix) < tt.wantPrefix || (tt.wantPrefix == 0 && bd.prefix != "") {
				t.Errorf("prefix %x, want at least %d bytes", bd.prefix, tt.wantPrefix)
			}
			if n := len(bd.prefix); n > 0 {
				shorter := bound{clock: bd.clock, prefix: bd.prefix[:n-1]}
				if below(tt.lo, shorter) {
					t.Errorf("prefix %x is not the shortest", bd.prefix)
				}
			}
		})
	}
}

// TestRemove: Remove takes out exactly the items held among those
// given, leaves an earlier snapshot as it was, and keeps the running
// sums those of a set built from what remains.
func TestRemove(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	items := genItems(rng, 1000, 1<<20)
	s := mustSet(t, items)
	before := s.snapshot()
	want := fingerprints(before)

	var gone, kept []Item
	for k, it := range items {
		if rng.IntN(5) == 0 || k == 0 || k == len(items)-1 {
			gone = append(gone, it)
		} else {
			kept = append(kept, it)
		}
	}
	// Items not held, an ID under another clock and duplicates are
	// ignored.
	asked := append(slices.Clone(gone), gone[:10]...)
	asked = append(asked, Item{Clock: items[3].Clock + 1<<40, ID: items[3].ID}, Item{Clock: baseClock, ID: testCID(1 << 62)})
	rng.Shuffle(len(asked), func(i, j int) { asked[i], asked[j] = asked[j], asked[i] })
	if n, err := s.Remove(asked...); n != len(gone) || err != nil {
		t.Fatalf("Remove = %d, %v; want %d, nil", n, err, len(gone))
	}
	if s.Len() != len(kept) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(kept))
	}
	for _, it := range gone {
		if s.Has(it) {
			t.Errorf("Has(%s) after its removal", it)
		}
	}
	if got := fingerprints(before); !slices.Equal(got, want) || len(before) != len(items) {
		t.Error("a removal changed an earlier snapshot")
	}
	if !slices.Equal(fingerprints(s.snapshot()), fingerprints(mustSet(t, kept).snapshot())) {
		t.Error("running sums after a removal differ from those of NewSet over what remains")
	}
	if n, err := s.Remove(gone...); n != 0 || err != nil {
		t.Errorf("Remove of items no longer held = %d, %v; want 0, nil", n, err)
	}
	// A removed item inserted again is held again.
	if n, err := s.Insert(gone[0]); n != 1 || err != nil || !s.Has(gone[0]) {
		t.Errorf("Insert after Remove = %d, %v; want the item held again", n, err)
	}
	if n, err := s.Remove(items...); n != len(kept)+1 || err != nil || s.Len() != 0 {
		t.Errorf("Remove of every item = %d, %v, Len %d; want %d, nil, 0", n, err, s.Len(), len(kept)+1)
	}
	if n, err := s.Remove(items[0]); n != 0 || err != nil {
		t.Errorf("Remove from an empty set = %d, %v", n, err)
	}
}

// TestRemoveRefused: one refused item makes Remove remove nothing.
func TestRemoveRefused(t *testing.T) {
	items := genItems(rand.New(rand.NewPCG(10, 11)), 10, 1<<20)
	s := mustSet(t, items)
	n, err := s.Remove(items[0], Item{Clock: 1})
	if protocol.CodeOf(err) != protocol.CodeBadCID || n != 0 || s.Len() != len(items) {
		t.Errorf("Remove with an undefined CID = %d, %v, Len %d; want 0, bad CID, %d", n, err, s.Len(), len(items))
	}
}
