package reconcile

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Wire constants. See docs/protocol.md (Part 3) for the message layout; the
// caps are part of the protocol: lowering one is a protocol change.
const (
	// Version is the first byte of every message. A message with
	// another first byte is refused with protocol.CodeUnsupportedVersion.
	Version = 1
	// FingerprintSize is the length of a range fingerprint.
	FingerprintSize = 16
	// ShortIDSize is the length of a short ID in an IDList: the first
	// bytes of the item's sha2-256 digest.
	ShortIDSize = 16
	// MaxIDSize caps an item ID (CID bytes) and a bound's ID prefix.
	MaxIDSize = 64
	// MaxRangeIDs caps the short IDs of one IDList, the items of one
	// Items or Diff range and the bits of one Diff bitmap.
	MaxRangeIDs = 1024
	// MaxRanges caps the ranges of one message.
	MaxRanges = 1 << 16
	// MaxIDs caps, over one message, the short IDs, items and bitmap
	// bits of all its ranges together.
	MaxIDs = 1 << 17
)

// mode says what a range carries.
type mode byte

// Range modes. Do not renumber: they are part of the wire format.
const (
	modeSkip        mode = 0 // nothing: the range is settled
	modeFingerprint mode = 1 // the sender's fingerprint of the range
	modeIDList      mode = 2 // the initiator's items, by short ID
	modeItems       mode = 3 // the responder's items, in full
	modeDiff        mode = 4 // the responder's answer to an IDList
)

var modeNames = [...]string{"Skip", "Fingerprint", "IDList", "Items", "Diff"}

func (m mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode %d", byte(m))
}

// wireRange is one decoded range. Its lower bound is the upper bound of
// the range before it, or the zero bound for the first.
type wireRange struct {
	upper bound
	mode  mode
	fp    fingerprint // Fingerprint
	short []shortID   // IDList
	nbits int         // Diff: length of the bitmap in bits
	bits  []byte      // Diff: bit k set means the responder lacks short[k] of the IDList it answers
	items []entry     // Items, Diff; running sums are not filled in
}

func malformed(format string, args ...any) error {
	return protocol.Errorf(protocol.CodeMalformed, format, args...)
}

func tooLarge(format string, args ...any) error {
	return protocol.Errorf(protocol.CodeTooLarge, format, args...)
}

// decodeMessage parses and checks a message. It refuses anything that
// is not in the one canonical form of docs/protocol.md (Part 3), so that
// encoding the result gives back exactly msg.
func decodeMessage(msg []byte) ([]wireRange, error) {
	if len(msg) > protocol.MaxMessageSize {
		return nil, tooLarge("message of %d bytes exceeds %d", len(msg), protocol.MaxMessageSize)
	}
	if len(msg) == 0 {
		return nil, malformed("empty message")
	}
	if msg[0] != Version {
		return nil, protocol.Errorf(protocol.CodeUnsupportedVersion, "reconciliation version %d, want %d", msg[0], Version)
	}
	r := reader{b: msg, off: 1}
	var (
		ranges []wireRange
		lower  bound
		ids    int
	)
	for r.off < len(msg) {
		k := len(ranges)
		if k == MaxRanges {
			return nil, tooLarge("more than %d ranges", MaxRanges)
		}
		rg, n, err := r.readRange(lower, MaxIDs-ids)
		if err != nil {
			return nil, fmt.Errorf("range %d: %w", k, err)
		}
		if rg.mode == modeSkip && k > 0 && ranges[k-1].mode == modeSkip {
			return nil, malformed("range %d: two Skip ranges in a row", k)
		}
		ids += n
		ranges = append(ranges, rg)
		lower = rg.upper
	}
	if k := len(ranges); k > 0 && ranges[k-1].mode == modeSkip {
		return nil, malformed("range %d: the last range is a Skip range", k-1)
	}
	return ranges, nil
}

// reader reads a message; off counts from the version byte.
type reader struct {
	b   []byte
	off int
}

// uvarint reads a minimally encoded unsigned LEB128 integer.
func (r *reader) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		return 0, malformed("%s: truncated varint at byte %d", what, r.off)
	case n < 0:
		return 0, malformed("%s: varint overflows 64 bits at byte %d", what, r.off)
	case n > 1 && r.b[r.off+n-1] == 0:
		return 0, malformed("%s: varint not minimally encoded at byte %d", what, r.off)
	}
	r.off += n
	return v, nil
}

// count reads a uvarint that may not exceed limit.
func (r *reader) count(what string, limit int) (int, error) {
	v, err := r.uvarint(what)
	if err != nil {
		return 0, err
	}
	if v > uint64(limit) {
		return 0, tooLarge("%s: %d exceeds %d", what, v, limit)
	}
	return int(v), nil
}

func (r *reader) bytes(n int, what string) ([]byte, error) {
	if n > len(r.b)-r.off {
		return nil, malformed("%s: %d bytes needed at byte %d, %d left", what, n, r.off, len(r.b)-r.off)
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b, nil
}

// readBound reads an upper bound, encoded relative to lower.
func (r *reader) readBound(lower bound) (bound, error) {
	if lower.inf {
		return bound{}, malformed("follows the range that ends at infinity")
	}
	v, err := r.uvarint("bound clock")
	if err != nil {
		return bound{}, err
	}
	if v == 0 {
		return infinity, nil
	}
	delta := v - 1
	if delta >= maxClock-lower.clock {
		return bound{}, malformed("bound clock overflows or reaches the reserved value")
	}
	n, err := r.count("bound prefix length", MaxIDSize)
	if err != nil {
		return bound{}, err
	}
	p, err := r.bytes(n, "bound prefix")
	if err != nil {
		return bound{}, err
	}
	b := bound{clock: lower.clock + delta, prefix: string(p)}
	if b.compare(lower) <= 0 {
		return bound{}, malformed("upper bound does not exceed the lower bound")
	}
	return b, nil
}

// readRange reads one range that starts at lower and may list at most
// budget IDs. It returns the range and the IDs it listed.
func (r *reader) readRange(lower bound, budget int) (wireRange, int, error) {
	var rg wireRange
	var err error
	if rg.upper, err = r.readBound(lower); err != nil {
		return rg, 0, err
	}
	m, err := r.bytes(1, "mode")
	if err != nil {
		return rg, 0, err
	}
	rg.mode = mode(m[0])
	switch rg.mode {
	case modeSkip:
		return rg, 0, nil
	case modeFingerprint:
		b, err := r.bytes(FingerprintSize, "fingerprint")
		if err != nil {
			return rg, 0, err
		}
		copy(rg.fp[:], b)
		return rg, 0, nil
	case modeIDList:
		n, err := r.count("IDList length", min(MaxRangeIDs, budget))
		if err != nil {
			return rg, 0, err
		}
		b, err := r.bytes(n*ShortIDSize, "short IDs")
		if err != nil {
			return rg, 0, err
		}
		rg.short = make([]shortID, n)
		seen := make(map[shortID]struct{}, n)
		for k := range rg.short {
			copy(rg.short[k][:], b[k*ShortIDSize:])
			if _, dup := seen[rg.short[k]]; dup {
				return rg, 0, malformed("short ID %d repeats an earlier one", k)
			}
			seen[rg.short[k]] = struct{}{}
		}
		return rg, n, nil
	case modeItems:
		rg.items, err = r.readItems(lower, rg.upper, budget)
		return rg, len(rg.items), err
	case modeDiff:
		if rg.nbits, err = r.count("bitmap length", min(MaxRangeIDs, budget)); err != nil {
			return rg, 0, err
		}
		if rg.bits, err = r.bytes((rg.nbits+7)/8, "bitmap"); err != nil {
			return rg, 0, err
		}
		if rg.nbits%8 != 0 && rg.bits[len(rg.bits)-1]>>(rg.nbits%8) != 0 {
			return rg, 0, malformed("bitmap padding bits are not zero")
		}
		rg.items, err = r.readItems(lower, rg.upper, budget-rg.nbits)
		return rg, rg.nbits + len(rg.items), err
	default:
		return rg, 0, malformed("unknown mode %d", byte(rg.mode))
	}
}

// readItems reads a list of full items, which must lie in [lower,
// upper) in strictly increasing order.
func (r *reader) readItems(lower, upper bound, budget int) ([]entry, error) {
	n, err := r.count("item count", min(MaxRangeIDs, budget))
	if err != nil {
		return nil, err
	}
	var items []entry
	prev := lower.clock
	for k := range n {
		d, err := r.uvarint("item clock")
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", k, err)
		}
		if d >= maxClock-prev {
			return nil, malformed("item %d: clock overflows or reaches the reserved value", k)
		}
		idLen, err := r.count("ID length", MaxIDSize)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", k, err)
		}
		b, err := r.bytes(idLen, "ID")
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", k, err)
		}
		id, err := cid.Cast(b)
		if err != nil {
			return nil, malformed("item %d: ID does not decode as a CID: %v", k, err)
		}
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("item %d: %w", k, err)
		}
		e := entry{clock: prev + d, id: id}
		switch {
		case below(&e, lower):
			return nil, malformed("item %d lies below its range", k)
		case !below(&e, upper):
			return nil, malformed("item %d lies above its range", k)
		case len(items) > 0 && compareEntries(&items[len(items)-1], &e) >= 0:
			return nil, malformed("item %d does not follow the item before it", k)
		}
		items = append(items, e)
		prev = e.clock
	}
	return items, nil
}

// encoder writes a message range by range. Consecutive Skip ranges
// merge and a trailing Skip is left out, as the canonical form requires.
type encoder struct {
	buf     []byte
	written bound // upper bound of the last range written
	cursor  bound // lower bound of the next range
	ranges  int   // ranges written
	ids     int   // IDs written, as MaxIDs counts them
	err     error // first internal inconsistency, if any
}

func newEncoder() *encoder {
	return &encoder{buf: append(make([]byte, 0, 512), Version)}
}

// skip settles the ranges up to upper.
func (e *encoder) skip(upper bound) { e.cursor = upper }

// begin starts a range that ends at upper, after writing a Skip range
// over any settled gap, and returns the range's lower bound.
func (e *encoder) begin(upper bound, m mode) bound {
	if e.cursor != e.written {
		e.writeBound(e.cursor)
		e.buf = append(e.buf, byte(modeSkip))
		e.ranges++
	}
	lower := e.cursor
	e.writeBound(upper)
	e.buf = append(e.buf, byte(m))
	e.ranges++
	e.cursor = upper
	return lower
}

func (e *encoder) writeBound(b bound) {
	if e.err == nil && b.compare(e.written) <= 0 {
		e.err = protocol.Errorf(protocol.CodeInternal, "bounds written out of order")
	}
	if b.inf {
		e.buf = append(e.buf, 0)
	} else {
		e.buf = binary.AppendUvarint(e.buf, b.clock-e.written.clock+1)
		e.buf = binary.AppendUvarint(e.buf, uint64(len(b.prefix)))
		e.buf = append(e.buf, b.prefix...)
	}
	e.written = b
}

func (e *encoder) fingerprint(upper bound, fp fingerprint) {
	e.begin(upper, modeFingerprint)
	e.buf = append(e.buf, fp[:]...)
}

// idList lists the short IDs of es.
func (e *encoder) idList(upper bound, es []entry) {
	e.begin(upper, modeIDList)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(es)))
	for k := range es {
		s := shortOf(es[k].id)
		e.buf = append(e.buf, s[:]...)
	}
	e.ids += len(es)
}

// items lists es in full.
func (e *encoder) items(upper bound, es []entry) {
	lower := e.begin(upper, modeItems)
	e.appendItems(lower, es)
}

// diff answers an IDList of nbits short IDs.
func (e *encoder) diff(upper bound, nbits int, bits []byte, es []entry) {
	lower := e.begin(upper, modeDiff)
	e.buf = binary.AppendUvarint(e.buf, uint64(nbits))
	e.buf = append(e.buf, bits...)
	e.ids += nbits
	e.appendItems(lower, es)
}

func (e *encoder) appendItems(lower bound, es []entry) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(es)))
	prev := lower.clock
	for k := range es {
		e.buf = binary.AppendUvarint(e.buf, es[k].clock-prev)
		prev = es[k].clock
		id := es[k].id.KeyString()
		e.buf = binary.AppendUvarint(e.buf, uint64(len(id)))
		e.buf = append(e.buf, id...)
	}
	e.ids += len(es)
}

// full reports whether the message has reached one of its budgets, so
// that the worst a further range can add would risk a cap.
func (e *encoder) full(frameLimit int) bool {
	return len(e.buf) >= frameLimit ||
		e.ranges > MaxRanges-(MaxRangeIDs+4) ||
		e.ids > MaxIDs-2*MaxRangeIDs
}
