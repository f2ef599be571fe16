package wire

import "github.com/mutu-network/mutu/protocol"

// /mutu/sync/1.0.0: range-based set reconciliation over the (clock,
// CID) of every held revision (package protocol/reconcile). The
// initiator sends SyncRequest frames carrying reconciliation messages,
// the responder answers each with a SyncResponse, until the initiator's
// session completes. The initiator then fetches what it needs with
// /mutu/fetch/1.0.0, and lists in its last frame (done) what the
// responder lacks, which the responder pulls with /mutu/fetch/1.0.0.
// Both ends tell their revision count in their first frame, so that a
// node far behind switches to /mutu/bulk/1.0.0. See docs/protocol.md
// (Part 2), "Sync".

// SyncRequest is one frame from the initiator: a reconciliation
// message, or, last, done with the CIDs the responder lacks.
type SyncRequest struct {
	V     uint64   `cbor:"v"`
	Net   string   `cbor:"net"`
	Count uint64   `cbor:"count,omitempty"` // first frame: revisions held
	Recon []byte   `cbor:"recon,omitempty"`
	Done  bool     `cbor:"done,omitempty"`
	Lack  [][]byte `cbor:"lack,omitempty"` // with done
}

// SyncResponse is one frame from the responder: the reply to a
// reconciliation message, or (code) a refusal.
type SyncResponse struct {
	Code  protocol.Code `cbor:"code,omitempty"`
	Msg   string        `cbor:"msg,omitempty"`
	Count uint64        `cbor:"count,omitempty"` // first frame: revisions held
	Recon []byte        `cbor:"recon,omitempty"`
}

// Sync limits.
const (
	// MaxSyncFrame bounds every frame of a sync session.
	MaxSyncFrame = protocol.MaxMessageSize
	// MaxLack caps the CIDs offered in the done frame; a responder
	// that lacks more learns the rest at its own next sync.
	MaxLack = 16384
)
