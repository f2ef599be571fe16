package wire

import (
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// MaxCIDLen bounds one CID in a message.
const MaxCIDLen = 64

// CastCID reads a CID from a message: at most MaxCIDLen bytes, CIDv1,
// dag-cbor (a revision) or raw (an attachment block).
func CastCID(raw []byte) (cid.Cid, error) {
	if len(raw) > MaxCIDLen {
		return cid.Undef, protocol.Errorf(protocol.CodeMalformed, "CID of %d bytes", len(raw))
	}
	c, err := cid.Cast(raw)
	if err != nil {
		return cid.Undef, protocol.Errorf(protocol.CodeMalformed, "CID: %v", err)
	}
	p := c.Prefix()
	if p.Version != 1 || (p.Codec != protocol.CodecDagCBOR && p.Codec != protocol.CodecRaw) {
		return cid.Undef, protocol.Errorf(protocol.CodeBadCID, "CID %s: only CIDv1 dag-cbor or raw are used", c)
	}
	return c, nil
}

// CIDBytes returns the binary forms of cs, as messages carry them.
func CIDBytes(cs []cid.Cid) [][]byte {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		out[i] = c.Bytes()
	}
	return out
}
