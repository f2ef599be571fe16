package store

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// The change log is the store's one record of what it stored or
// removed, whatever did it: every Put that changes documents appends
// one record per document, in the same transaction as the change, and
// so does every Withdraw. A record holds the document's ID and the
// revisions newly stored for it, or withdrawn from it, each with its
// clock. Derived data follows it: the search index (which keeps the
// last sequence number it applied, so that it catches up after a
// crash) and a running node (which adds each revision to its
// reconciliation set and announces it to its peers, or takes a
// withdrawn one out of the set).
//
// Record value: the document's CID, then for each revision its clock
// (8 bytes, big-endian) and its CID. Records written by format 1 hold
// the document's CID only. A record of format 4 that withdraws
// revisions starts with the byte 0x00, which no CID starts with, then
// goes on as above. A record of format 5 that says the content of
// some of the document's revisions was erased (Erase) is the byte 0x02
// then the document's CID.

// Change is one record of the change log: revisions stored, or
// revisions withdrawn, never both.
type Change struct {
	Seq     uint64
	Doc     cid.Cid
	Revs    []reconcile.Item // revisions newly stored for Doc; none in records of format 1
	Removed []reconcile.Item // revisions withdrawn from Doc (Withdraw)
	// Erased says the content of some of Doc's revisions was erased
	// (Erase); the record lists no revision then.
	Erased bool
}

// removalMark starts a record of revisions withdrawn; erasureMark a
// record of an erasure. No CID starts with either.
const (
	removalMark = 0x00
	erasureMark = 0x02
)

// encodeErasure returns the value of a change log record of an
// erasure.
func encodeErasure(doc cid.Cid) []byte {
	return append([]byte{erasureMark}, doc.Bytes()...)
}

// encodeChange returns the value of a change log record of revisions
// stored.
func encodeChange(doc cid.Cid, revs []reconcile.Item) []byte {
	return appendRecord(doc.Bytes(), revs)
}

// encodeRemoval returns the value of a change log record of revisions
// withdrawn.
func encodeRemoval(doc cid.Cid, revs []reconcile.Item) []byte {
	return appendRecord(append([]byte{removalMark}, doc.Bytes()...), revs)
}

func appendRecord(b []byte, revs []reconcile.Item) []byte {
	for _, r := range revs {
		b = binary.BigEndian.AppendUint64(b, uint64(r.Clock))
		b = append(b, r.ID.Bytes()...)
	}
	return b
}

// decodeChange reads the value of a change log record.
func decodeChange(seq uint64, v []byte) (Change, error) {
	removal := len(v) > 0 && v[0] == removalMark
	erasure := len(v) > 0 && v[0] == erasureMark
	if removal || erasure {
		v = v[1:]
	}
	n, doc, err := cid.CidFromBytes(v)
	if err != nil {
		return Change{}, corruptf("change log record %d: %v", seq, err)
	}
	ch := Change{Seq: seq, Doc: doc, Erased: erasure}
	if erasure && len(v) != n {
		return Change{}, corruptf("change log record %d: an erasure that lists revisions", seq)
	}
	items := &ch.Revs
	if removal {
		items = &ch.Removed
	}
	for rest := v[n:]; len(rest) > 0; {
		if len(rest) < 8 {
			return Change{}, corruptf("change log record %d: %d bytes left for a clock", seq, len(rest))
		}
		clock := protocol.Clock(binary.BigEndian.Uint64(rest))
		n, c, err := cid.CidFromBytes(rest[8:])
		if err != nil {
			return Change{}, corruptf("change log record %d: %v", seq, err)
		}
		*items = append(*items, reconcile.Item{Clock: clock, ID: c})
		rest = rest[8+n:]
	}
	return ch, nil
}

// ChangeSeq returns the sequence number of the last change log record,
// 0 if there is none.
func (s *Store) ChangeSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changeSeq
}

// Changed returns a channel closed at the next commit that appends to
// the change log: a reader that has read up to ChangeSeq waits on it
// for more. Take the channel before reading, so that a commit in
// between is not missed.
func (s *Store) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// ChangesSince calls fn for every change log record after seq, in
// order. A document appears once per transaction that changed it (once
// per Put or Withdraw, unless a large one was split), so a reader
// should re-read the document's current state (which may be gone)
// rather than expect one record per revision. An error from fn stops
// the iteration and is returned as is; fn runs with no transaction
// open.
func (s *Store) ChangesSince(seq uint64, fn func(Change) error) error {
	prefix := []byte(prefixLog)
	err := s.scanKeys(scan{prefix: prefix, from: logKey(seq), after: true, values: true}, func(k, v []byte) error {
		if len(k) != len(prefix)+8 {
			return corruptf("change log key %x", k)
		}
		ch, err := decodeChange(binary.BigEndian.Uint64(k[len(prefix):]), v)
		if err != nil {
			return err
		}
		return callback(fn(ch))
	})
	return iterationError(err, fmt.Sprintf("read change log after %d", seq))
}
