package wire

import "github.com/mutu-network/mutu/protocol"

// /mutu/fetch/1.0.0: the requester sends one FetchRequest listing up to
// MaxFetchCIDs CIDs; the responder answers with one FetchResponse frame
// per CID, in the order asked, then closes the stream. Revisions and
// raw attachment blocks are fetched alike. See docs/protocol.md
// (Part 2), "Fetch".

// FetchRequest asks for blocks by CID.
type FetchRequest struct {
	V    uint64   `cbor:"v"`
	Net  string   `cbor:"net"`
	CIDs [][]byte `cbor:"cids"`
}

// FetchResponse is one frame of a fetch answer: the block for the CID
// asked at this position, or a code (CodeNotFound) for it. A frame
// without cid and with a code refuses the whole request.
type FetchResponse struct {
	Code protocol.Code `cbor:"code,omitempty"`
	Msg  string        `cbor:"msg,omitempty"`
	CID  []byte        `cbor:"cid,omitempty"`
	Data []byte        `cbor:"data,omitempty"`
}

// Fetch limits.
const (
	// MaxFetchCIDs caps the CIDs of one request.
	MaxFetchCIDs = 1024
	// MaxFetchRequestFrame bounds a request: MaxFetchCIDs CIDs of at
	// most MaxCIDLen bytes each with their CBOR heads, and the header.
	MaxFetchRequestFrame = MaxFetchCIDs*(MaxCIDLen+6) + 256
	// MaxFetchResponseFrame bounds one answered block.
	MaxFetchResponseFrame = max(protocol.MaxRevisionSize, protocol.MaxBlockSize) + 256
)
