package protocol

import (
	"crypto/sha256"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Multicodec values used by mutu content addresses.
const (
	CodecDagCBOR = cid.DagCBOR // revisions
	CodecRaw     = cid.Raw     // attachment blocks
)

// RevisionCID returns the address of an encoded revision: CIDv1,
// codec dag-cbor, multihash sha2-256 of exactly these bytes.
func RevisionCID(data []byte) cid.Cid { return sum(CodecDagCBOR, data) }

// BlockCID returns the address of a raw attachment block.
func BlockCID(data []byte) cid.Cid { return sum(CodecRaw, data) }

func sum(codec uint64, data []byte) cid.Cid {
	digest := sha256.Sum256(data)
	m, err := mh.Encode(digest[:], mh.SHA2_256)
	if err != nil {
		// mh.Encode fails only for an unknown code or a wrong length,
		// neither of which can happen with a sha2-256 digest.
		panic(fmt.Sprintf("protocol: encode multihash: %v", err))
	}
	return cid.NewCidV1(codec, m)
}

// CheckCID reports whether c is the address of data, as mutu computes
// addresses: a CIDv1 with codec dag-cbor or raw and a sha2-256
// multihash. Any other kind of CID is refused.
func CheckCID(c cid.Cid, data []byte) error {
	if !c.Defined() {
		return Errorf(CodeBadCID, "undefined CID")
	}
	p := c.Prefix()
	if p.Version != 1 || p.MhType != mh.SHA2_256 || (p.Codec != CodecDagCBOR && p.Codec != CodecRaw) {
		return Errorf(CodeBadCID, "CID %s: only CIDv1 dag-cbor or raw with sha2-256 are accepted", c)
	}
	if got := sum(p.Codec, data); !got.Equals(c) {
		return Errorf(CodeBadCID, "CID %s does not match its bytes (they hash to %s)", c, got)
	}
	return nil
}

// ParseCID decodes the text form of a CID and checks that it is of a
// kind mutu uses.
func ParseCID(s string) (cid.Cid, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, Errorf(CodeMalformed, "parse CID %q: %v", s, err)
	}
	p := c.Prefix()
	if p.Version != 1 || p.MhType != mh.SHA2_256 || (p.Codec != CodecDagCBOR && p.Codec != CodecRaw) {
		return cid.Undef, Errorf(CodeBadCID, "CID %s: only CIDv1 dag-cbor or raw with sha2-256 are accepted", c)
	}
	return c, nil
}
