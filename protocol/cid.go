package protocol

import (
	"crypto/sha256"
	"fmt"
	"hash"

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
	return fromDigest(codec, sha256.Sum256(data))
}

// BlockSum computes, from the bytes written to it, the address they
// would have as one raw block: the CID an exported attachment file
// records, computed without holding the file.
type BlockSum struct{ h hash.Hash }

// NewBlockSum returns a BlockSum of no bytes yet.
func NewBlockSum() *BlockSum { return &BlockSum{h: sha256.New()} }

// Write adds p to the bytes summed; it never fails.
func (s *BlockSum) Write(p []byte) (int, error) { return s.h.Write(p) }

// CID returns the address of the bytes written so far.
func (s *BlockSum) CID() cid.Cid { return fromDigest(CodecRaw, [sha256.Size]byte(s.h.Sum(nil))) }

func fromDigest(codec uint64, digest [sha256.Size]byte) cid.Cid {
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
