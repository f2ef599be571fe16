package store

import (
	"bytes"
	"encoding/binary"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Key prefixes; see the package documentation for the layout.
const (
	prefixBlock   = "b/"
	prefixInfo    = "i/"
	prefixDocRevs = "r/"
	prefixClock   = "c/"
	prefixState   = "s/"
	prefixUpdated = "u/"
	prefixAuthor  = "a/"
	prefixLog     = "l/"
	prefixMeta    = "m/"
	prefixErased  = "e/"
	keyFormat     = "x/format"
	keyCounts     = "x/counts"
	keyRewrite    = "x/rewrite"
)

// key concatenates its parts into a new slice: badger keeps the keys
// of a transaction until it commits, so they are never reused.
func key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func blockKey(c cid.Cid) []byte             { return key([]byte(prefixBlock), c.Bytes()) }
func infoKey(c cid.Cid) []byte              { return key([]byte(prefixInfo), c.Bytes()) }
func authorKey(a protocol.AuthorKey) []byte { return key([]byte(prefixAuthor), a[:]) }
func logKey(seq uint64) []byte              { return key([]byte(prefixLog), be64(seq)) }
func metaKey(k string) []byte               { return key([]byte(prefixMeta), []byte(k)) }

func clockKey(r ref) []byte {
	return key([]byte(prefixClock), be64(uint64(r.clock)), r.cid.Bytes())
}

// The keys of a document take the text form of its ID, docText, that
// the caller computes once: base32 encoding is not free.

func stateKey(docText string) []byte { return key([]byte(prefixState), []byte(docText)) }

// docRevsPrefix is the prefix of the r/ keys of one document.
func docRevsPrefix(docText string) []byte {
	return key([]byte(prefixDocRevs), []byte(docText), []byte("/"))
}

func docRevKey(docText string, r ref) []byte {
	return key(docRevsPrefix(docText), be64(uint64(r.clock)), r.cid.Bytes())
}

func updatedKey(updated protocol.Clock, docText string) []byte {
	return key([]byte(prefixUpdated), be64(uint64(updated)), []byte(docText))
}

// isRevisionCID reports whether c can address a revision.
func isRevisionCID(c cid.Cid) bool { return c.Defined() && c.Type() == protocol.CodecDagCBOR }

// parseRefKey reads the <clock><cid bytes> tail of a c/ or r/ key.
func parseRefKey(tail []byte) (ref, error) {
	if len(tail) <= 8 {
		return ref{}, corruptf("index key %x is too short", tail)
	}
	c, err := cid.Cast(tail[8:])
	if err != nil {
		return ref{}, corruptf("index key %x: %v", tail, err)
	}
	return ref{clock: protocol.Clock(binary.BigEndian.Uint64(tail)), cid: c}, nil
}

// lastKey is a reverse-iteration seek key after every key that starts
// with prefix: every key of the layout is shorter than prefix plus
// 128 bytes, and 0xff is the greatest byte.
func lastKey(prefix []byte) []byte {
	return key(prefix, bytes.Repeat([]byte{0xff}, 128))
}

// revInfo is the i/ record of a revision: what the DAG rules need to
// know about a parent without decoding it.
type revInfo struct {
	clock   protocol.Clock
	retract bool
	doc     cid.Cid // the document's ID; the revision's own CID for a first revision
}

func (v revInfo) encode() []byte {
	b := make([]byte, 0, 9+len(v.doc.Bytes()))
	b = binary.BigEndian.AppendUint64(b, uint64(v.clock))
	op := byte(0)
	if v.retract {
		op = 1
	}
	b = append(b, op)
	return append(b, v.doc.Bytes()...)
}

func decodeRevInfo(b []byte) (revInfo, error) {
	if len(b) < 10 || b[8] > 1 {
		return revInfo{}, corruptf("revision info %x", b)
	}
	doc, err := cid.Cast(b[9:])
	if err != nil {
		return revInfo{}, corruptf("revision info %x: %v", b, err)
	}
	return revInfo{clock: protocol.Clock(binary.BigEndian.Uint64(b)), retract: b[8] == 1, doc: doc}, nil
}
