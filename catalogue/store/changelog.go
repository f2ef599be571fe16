package store

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
)

// ChangeSeq returns the sequence number of the last change log record,
// 0 if there is none. Every Put that changes documents appends one
// record per document, in the same transaction as the change, so a
// derived index that stores the last number it applied (with SetMeta)
// can catch up with ChangesSince after a crash.
func (s *Store) ChangeSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changeSeq
}

// ChangesSince calls fn for every change log record after seq, in
// order. A document appears once per transaction that changed it (once
// per Put, unless a large Put was split), so a reader should re-read
// the document's current state rather than expect one record per
// revision. An error from fn stops the iteration and is returned as
// is; fn runs with no transaction open.
func (s *Store) ChangesSince(seq uint64, fn func(seq uint64, doc cid.Cid) error) error {
	prefix := []byte(prefixLog)
	err := s.scanKeys(scan{prefix: prefix, from: logKey(seq), after: true, values: true}, func(k, v []byte) error {
		if len(k) != len(prefix)+8 {
			return corruptf("change log key %x", k)
		}
		doc, err := cid.Cast(v)
		if err != nil {
			return corruptf("change log record %x: %v", k, err)
		}
		return callback(fn(binary.BigEndian.Uint64(k[len(prefix):]), doc))
	})
	return iterationError(err, fmt.Sprintf("read change log after %d", seq))
}
