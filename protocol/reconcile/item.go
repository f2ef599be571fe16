package reconcile

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"math"
	"strings"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/mutu-network/mutu/protocol"
)

// Item is one element of a reconciled set: a revision's address and the
// clock recorded in that revision. Items are ordered by Clock, then by
// the bytes of ID.
//
// ID must be a CIDv1 with a sha2-256 multihash and codec dag-cbor or
// raw, the kinds of address mutu uses; the clock 2^64−1 is reserved (it
// stands for "infinity" on the wire). An ID names one revision and so
// one clock: the set does not check it, but two items with the same ID
// and different clocks are different items to reconciliation.
type Item struct {
	Clock protocol.Clock
	ID    cid.Cid
}

// Compare returns a negative number, zero or a positive number as it
// sorts before, equal to or after o.
func (it Item) Compare(o Item) int {
	if c := cmp.Compare(it.Clock, o.Clock); c != 0 {
		return c
	}
	return strings.Compare(it.ID.KeyString(), o.ID.KeyString())
}

// String returns the clock and the CID, for logs.
func (it Item) String() string { return fmt.Sprintf("%d/%s", uint64(it.Clock), it.ID) }

// maxClock is reserved: the wire format uses it for the bound that
// follows every item.
const maxClock = math.MaxUint64

// checkItem reports whether it may belong to a Set.
func checkItem(it Item) error {
	if uint64(it.Clock) == maxClock {
		return protocol.Errorf(protocol.CodeInvalid, "clock %d is reserved", uint64(it.Clock))
	}
	return checkID(it.ID)
}

// checkID reports whether c is a kind of CID that reconciliation
// handles: its sha2-256 digest ends its bytes, which is where the
// fingerprint and short IDs are taken from.
func checkID(c cid.Cid) error {
	if !c.Defined() {
		return protocol.Errorf(protocol.CodeBadCID, "undefined CID")
	}
	p := c.Prefix()
	if p.Version != 1 || p.MhType != mh.SHA2_256 || p.MhLength != sha256.Size ||
		(p.Codec != protocol.CodecDagCBOR && p.Codec != protocol.CodecRaw) {
		return protocol.Errorf(protocol.CodeBadCID, "CID %s: only CIDv1 dag-cbor or raw with sha2-256 are reconciled", c)
	}
	if len(c.KeyString()) > MaxIDSize {
		return protocol.Errorf(protocol.CodeBadCID, "CID %s is longer than %d bytes", c, MaxIDSize)
	}
	return nil
}

// entry is an item as a Set stores it.
type entry struct {
	clock uint64
	id    cid.Cid
	// cum is the sum, modulo 2^256, of the digests of this entry and of
	// every entry before it in the set, so that the fingerprint of any
	// index range costs two subtractions and one hash.
	cum sum256
}

func (e *entry) item() Item { return Item{Clock: protocol.Clock(e.clock), ID: e.id} }

func compareEntries(a, b *entry) int {
	if c := cmp.Compare(a.clock, b.clock); c != 0 {
		return c
	}
	return strings.Compare(a.id.KeyString(), b.id.KeyString())
}

// digest returns the sha2-256 digest of a checked ID: its last 32 bytes.
func digest(id cid.Cid) string {
	k := id.KeyString()
	return k[len(k)-sha256.Size:]
}

// shortID is the first ShortIDSize bytes of an item's digest.
type shortID [ShortIDSize]byte

func shortOf(id cid.Cid) shortID {
	var s shortID
	copy(s[:], digest(id))
	return s
}

// bound is the exclusive upper end of a range: every item below it in
// the order (clock, ID bytes) lies in the range or before it. Prefix is
// compared with an item's ID as bytes, so a short prefix separates two
// items of the same clock. The zero bound is below every item.
type bound struct {
	clock  uint64
	prefix string
	inf    bool // above every item; clock and prefix are zero
}

// infinity is the bound that ends the last range.
var infinity = bound{inf: true}

func (b bound) compare(o bound) int {
	switch {
	case b.inf && o.inf:
		return 0
	case b.inf:
		return 1
	case o.inf:
		return -1
	}
	if c := cmp.Compare(b.clock, o.clock); c != 0 {
		return c
	}
	return strings.Compare(b.prefix, o.prefix)
}

// below reports whether e sorts before b.
func below(e *entry, b bound) bool {
	if b.inf {
		return true
	}
	if e.clock != b.clock {
		return e.clock < b.clock
	}
	return e.id.KeyString() < b.prefix
}

// boundBetween returns the shortest bound above a and not above b, for
// entries a < b: b's clock alone when the clocks differ, otherwise b's
// clock and the shortest prefix of b's ID that a's ID sorts below.
func boundBetween(a, b *entry) bound {
	if a.clock != b.clock {
		return bound{clock: b.clock}
	}
	ak, bk := a.id.KeyString(), b.id.KeyString()
	n := 0
	for n < len(ak) && n < len(bk) && ak[n] == bk[n] {
		n++
	}
	// a < b, so b is longer than the common prefix.
	return bound{clock: b.clock, prefix: bk[:min(n+1, len(bk))]}
}
