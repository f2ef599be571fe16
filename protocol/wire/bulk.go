package wire

import "github.com/mutu-network/mutu/protocol"

// /mutu/bulk/1.0.0: a node that starts empty or far behind asks a peer
// for every revision after a cursor, in (clock, CID) order; the peer
// streams them in batches and ends with an end frame. The receiver
// stores each batch and then saves the cursor (the last revision of the
// batch), so that a transfer cut at any point resumes after what was
// stored. One reconciliation follows. See docs/protocol.md (Part 2),
// "Bulk".

// BulkRequest asks for the revisions after a cursor. Without after_cid
// the stream starts at the first revision (after must then be 0).
type BulkRequest struct {
	V        uint64 `cbor:"v"`
	Net      string `cbor:"net"`
	After    uint64 `cbor:"after,omitempty"`
	AfterCID []byte `cbor:"after_cid,omitempty"`
}

// BulkResponse is one frame of a bulk stream: a batch of revisions in
// order, or the end of the stream, or (code) a refusal.
type BulkResponse struct {
	Code protocol.Code `cbor:"code,omitempty"`
	Msg  string        `cbor:"msg,omitempty"`
	Revs []BulkRev     `cbor:"revs,omitempty"`
	End  bool          `cbor:"end,omitempty"`
}

// BulkRev is one revision of a batch.
type BulkRev struct {
	CID  []byte `cbor:"cid"`
	Data []byte `cbor:"data"`
}

// Bulk limits.
const (
	// MaxBulkRequestFrame bounds a request.
	MaxBulkRequestFrame = 256
	// MaxBulkFrame bounds a batch frame: BulkFrameBytes of revisions
	// plus one more revision that crossed it.
	MaxBulkFrame = protocol.MaxMessageSize
	// BulkFrameBytes and BulkFrameRevs end a batch, whichever first.
	BulkFrameBytes = 1 << 20
	BulkFrameRevs  = 256
)
