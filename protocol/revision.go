package protocol

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// RevisionVersion is the version of the revision format this package
// reads and writes. A revision of any other version is refused with
// CodeUnsupportedVersion.
const RevisionVersion = 1

// Op is what a revision does to its document.
type Op string

const (
	OpPut     Op = "put"     // set the entry's content
	OpRetract Op = "retract" // tombstone: the document is withdrawn for good
)

// Revision is one immutable, signed change to a document.
// See docs/protocol.md, "Revisions".
type Revision struct {
	Op Op
	// Doc is the document ID, the CID of its first revision; it is
	// cid.Undef in the first revision itself.
	Doc     cid.Cid
	Parents []cid.Cid // the heads this revision replaces; empty in the first
	Author  AuthorKey
	Seq     uint64 // the author's sequence number, from 1
	Clock   Clock
	// Entry is the content; nil in a retract.
	Entry       *Entry
	Attachments []Attachment
	// Editors lists the other authors the document's author allows to
	// publish revisions of it.
	Editors []AuthorKey
	Sig     []byte
}

// Entry is the content of a put revision: the front matter as a map
// (see CheckValue for what values it may hold) and the Markdown body.
type Entry struct {
	Meta map[string]any
	Body string
}

// Attachment is the manifest of one attached file: its bytes are the
// concatenation of the raw blocks, in order, each at most MaxBlockSize.
type Attachment struct {
	Name   string
	Type   string // media type
	Size   uint64
	Blocks []cid.Cid
}

// Block is an encoded record or raw block with its address.
type Block struct {
	CID  cid.Cid
	Data []byte
}

type wireRevision struct {
	Version     uint64           `cbor:"version"`
	Op          string           `cbor:"op"`
	Doc         *link            `cbor:"doc,omitempty"`
	Parents     []link           `cbor:"parents"`
	Author      []byte           `cbor:"author"`
	Seq         uint64           `cbor:"seq"`
	Clock       uint64           `cbor:"clock"`
	Entry       *wireEntry       `cbor:"entry,omitempty"`
	Attachments []wireAttachment `cbor:"attachments,omitempty"`
	Editors     [][]byte         `cbor:"editors,omitempty"`
	Sig         []byte           `cbor:"sig,omitempty"`
}

type wireEntry struct {
	Meta map[string]any `cbor:"meta"`
	Body string         `cbor:"body"`
}

type wireAttachment struct {
	Name   string `cbor:"name"`
	Type   string `cbor:"type"`
	Size   uint64 `cbor:"size"`
	Blocks []link `cbor:"blocks"`
}

func (r *Revision) wire(withSig bool) *wireRevision {
	w := &wireRevision{
		Version: RevisionVersion,
		Op:      string(r.Op),
		Parents: links(r.Parents),
		Author:  r.Author[:],
		Seq:     r.Seq,
		Clock:   uint64(r.Clock),
	}
	if r.Doc.Defined() {
		w.Doc = &link{r.Doc}
	}
	if r.Entry != nil {
		meta := r.Entry.Meta
		if meta == nil {
			meta = map[string]any{}
		}
		w.Entry = &wireEntry{Meta: meta, Body: r.Entry.Body}
	}
	for _, a := range r.Attachments {
		w.Attachments = append(w.Attachments, wireAttachment{Name: a.Name, Type: a.Type, Size: a.Size, Blocks: links(a.Blocks)})
	}
	for _, e := range r.Editors {
		w.Editors = append(w.Editors, append([]byte(nil), e[:]...))
	}
	if withSig {
		w.Sig = r.Sig
	}
	return w
}

func (w *wireRevision) revision() (*Revision, error) {
	r := &Revision{
		Op:      Op(w.Op),
		Parents: unlinks(w.Parents),
		Seq:     w.Seq,
		Clock:   Clock(w.Clock),
		Sig:     w.Sig,
	}
	if w.Doc != nil {
		r.Doc = w.Doc.c
	}
	if len(w.Author) != len(r.Author) {
		return nil, Errorf(CodeMalformed, "author key is %d bytes, want %d", len(w.Author), len(r.Author))
	}
	copy(r.Author[:], w.Author)
	if w.Entry != nil {
		r.Entry = &Entry{Meta: w.Entry.Meta, Body: w.Entry.Body}
	}
	for _, a := range w.Attachments {
		r.Attachments = append(r.Attachments, Attachment{Name: a.Name, Type: a.Type, Size: a.Size, Blocks: unlinks(a.Blocks)})
	}
	for _, e := range w.Editors {
		var k AuthorKey
		if len(e) != len(k) {
			return nil, Errorf(CodeMalformed, "editor key is %d bytes, want %d", len(e), len(k))
		}
		copy(k[:], e)
		r.Editors = append(r.Editors, k)
	}
	return r, nil
}

// SigningBytes returns the bytes the author signs: the canonical
// encoding of the revision without its signature field.
func (r *Revision) SigningBytes() ([]byte, error) {
	return Marshal(r.wire(false))
}

// Sign checks the revision's record rules, sets its author and
// signature from priv, and returns it with its canonical encoding and
// CID, ready to be stored.
func (r *Revision) Sign(priv ed25519.PrivateKey) (Verified, error) {
	r.Author = PublicKey(priv)
	r.Sig = make([]byte, ed25519.SignatureSize) // so that Check sees a complete record
	if err := r.Check(); err != nil {
		return Verified{}, err
	}
	msg, err := r.SigningBytes()
	if err != nil {
		return Verified{}, err
	}
	r.Sig = ed25519.Sign(priv, msg)
	data, err := Marshal(r.wire(true))
	if err != nil {
		return Verified{}, err
	}
	if len(data) > MaxRevisionSize {
		return Verified{}, Errorf(CodeTooLarge, "revision is %d bytes, limit %d", len(data), MaxRevisionSize)
	}
	return Verified{Block: Block{CID: RevisionCID(data), Data: data}, Rev: r}, nil
}

func (r *Revision) verify(msg []byte) error {
	if len(r.Sig) != ed25519.SignatureSize {
		return Errorf(CodeBadSignature, "signature is %d bytes, want %d", len(r.Sig), ed25519.SignatureSize)
	}
	if !ed25519.Verify(r.Author[:], msg, r.Sig) {
		return Errorf(CodeBadSignature, "signature by %s does not verify", r.Author)
	}
	return nil
}

// DecodeRevision decodes an encoded revision and checks its record
// rules. It does not check the signature or the CID; see Verify.
func DecodeRevision(data []byte) (*Revision, error) {
	if len(data) > MaxRevisionSize {
		return nil, Errorf(CodeTooLarge, "revision is %d bytes, limit %d", len(data), MaxRevisionSize)
	}
	var w wireRevision
	if err := decMode.Unmarshal(data, &w); err != nil {
		var v struct {
			Version uint64 `cbor:"version"`
		}
		if decMode.Unmarshal(data, &v) == nil && v.Version != RevisionVersion {
			return nil, Errorf(CodeUnsupportedVersion, "revision version %d, this node reads version %d", v.Version, RevisionVersion)
		}
		return nil, Errorf(CodeMalformed, "decode revision: %v", err)
	}
	if w.Version != RevisionVersion {
		return nil, Errorf(CodeUnsupportedVersion, "revision version %d, this node reads version %d", w.Version, RevisionVersion)
	}
	again, err := encMode.Marshal(&w)
	if err != nil {
		return nil, Errorf(CodeMalformed, "re-encode revision: %v", err)
	}
	if !bytes.Equal(again, data) {
		return nil, Errorf(CodeMalformed, "revision is not canonical DAG-CBOR, or has unknown fields")
	}
	r, err := w.revision()
	if err != nil {
		return nil, err
	}
	if err := r.Check(); err != nil {
		return nil, err
	}
	return r, nil
}

// verifyRevision checks a revision for Verify and Recheck, and counts
// the signature check in counter, if not nil.
func verifyRevision(c cid.Cid, data []byte, counter *atomic.Uint64) (*Revision, error) {
	if len(data) > MaxRevisionSize {
		return nil, Errorf(CodeTooLarge, "revision %s is %d bytes, limit %d", c, len(data), MaxRevisionSize)
	}
	if c.Prefix().Codec != CodecDagCBOR {
		return nil, Errorf(CodeBadCID, "revision %s: codec is not dag-cbor", c)
	}
	if err := CheckCID(c, data); err != nil {
		return nil, err
	}
	r, err := DecodeRevision(data)
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", c, err)
	}
	msg := unsignedFrom(data, r.Sig)
	if msg == nil {
		if msg, err = r.SigningBytes(); err != nil {
			return nil, fmt.Errorf("revision %s: %w", c, err)
		}
	}
	if counter != nil {
		counter.Add(1)
	}
	if err := r.verify(msg); err != nil {
		return nil, fmt.Errorf("revision %s: %w", c, err)
	}
	return r, nil
}

// unsignedFrom returns the signing bytes of a revision from its
// canonical encoding, without encoding again: the same map with the
// "sig" pair removed and the pair count lowered by one. In the
// length-first key order only "op", "doc" and "seq" precede "sig", and
// none of them can hold the 70-byte pair, so its first occurrence is
// the pair itself. It returns nil when data does not have that shape.
func unsignedFrom(data, sig []byte) []byte {
	if len(sig) != ed25519.SignatureSize || len(data) == 0 {
		return nil
	}
	n := data[0] &^ 0xa0
	if data[0]&0xe0 != 0xa0 || n == 0 || n >= 24 {
		return nil // not a map with a one-byte header
	}
	pair := make([]byte, 0, 6+len(sig))
	pair = append(pair, 0x63, 's', 'i', 'g', 0x58, byte(len(sig)))
	pair = append(pair, sig...)
	i := bytes.Index(data, pair)
	if i < 0 {
		return nil
	}
	out := make([]byte, 0, len(data)-len(pair))
	out = append(out, 0xa0|(n-1))
	out = append(out, data[1:i]...)
	return append(out, data[i+len(pair):]...)
}

// Check enforces the record rules that need nothing but the revision
// itself. Rules that need other revisions (parents, authorship) are the
// catalogue's.
func (r *Revision) Check() error {
	switch r.Op {
	case OpPut:
		if r.Entry == nil {
			return Errorf(CodeInvalid, "a put revision needs an entry")
		}
	case OpRetract:
		if r.Entry != nil || len(r.Attachments) > 0 {
			return Errorf(CodeInvalid, "a retract revision carries no entry and no attachments")
		}
		if !r.Doc.Defined() {
			return Errorf(CodeInvalid, "a retract revision must name its document")
		}
	default:
		return Errorf(CodeInvalid, "unknown operation %q (want put or retract)", r.Op)
	}
	if r.Doc.Defined() != (len(r.Parents) > 0) {
		return Errorf(CodeInvalid, "a first revision has neither document nor parents; a later one has both")
	}
	if r.Doc.Defined() && r.Doc.Prefix().Codec != CodecDagCBOR {
		return Errorf(CodeInvalid, "document ID %s is not a revision CID", r.Doc)
	}
	if len(r.Parents) > MaxParents {
		return Errorf(CodeTooLarge, "%d parents, limit %d", len(r.Parents), MaxParents)
	}
	seen := make(map[cid.Cid]bool, len(r.Parents))
	for _, p := range r.Parents {
		if p.Prefix().Codec != CodecDagCBOR {
			return Errorf(CodeInvalid, "parent %s is not a revision CID", p)
		}
		if seen[p] {
			return Errorf(CodeInvalid, "parent %s listed twice", p)
		}
		seen[p] = true
	}
	if r.Seq == 0 || r.Clock == 0 {
		return Errorf(CodeInvalid, "sequence number and clock must be positive")
	}
	if len(r.Editors) > MaxEditors {
		return Errorf(CodeTooLarge, "%d editors, limit %d", len(r.Editors), MaxEditors)
	}
	if e := r.Entry; e != nil {
		if len(e.Body) > MaxBodySize {
			return Errorf(CodeTooLarge, "body is %d bytes, limit %d", len(e.Body), MaxBodySize)
		}
		if !utf8.ValidString(e.Body) {
			return Errorf(CodeInvalid, "body is not valid UTF-8")
		}
		if err := CheckValue(e.Meta); err != nil {
			return fmt.Errorf("front matter: %w", err)
		}
	}
	if len(r.Attachments) > MaxAttachments {
		return Errorf(CodeTooLarge, "%d attachments, limit %d", len(r.Attachments), MaxAttachments)
	}
	names := make(map[string]bool, len(r.Attachments))
	for _, a := range r.Attachments {
		if err := a.Check(); err != nil {
			return err
		}
		if names[a.Name] {
			return Errorf(CodeInvalid, "attachment %q listed twice", a.Name)
		}
		names[a.Name] = true
	}
	return nil
}

// Check enforces the manifest rules: a plain file name, a size within
// the limit, and exactly as many raw blocks as the size needs.
func (a Attachment) Check() error {
	if a.Name == "" || a.Name == "." || a.Name == ".." || strings.ContainsAny(a.Name, "/\\\x00") || !utf8.ValidString(a.Name) || len(a.Name) > 255 {
		return Errorf(CodeInvalid, "attachment name %q: must be a plain file name", a.Name)
	}
	if a.Size > MaxAttachmentSize {
		return Errorf(CodeTooLarge, "attachment %q is %d bytes, limit %d", a.Name, a.Size, MaxAttachmentSize)
	}
	want := (a.Size + MaxBlockSize - 1) / MaxBlockSize
	if uint64(len(a.Blocks)) != want {
		return Errorf(CodeInvalid, "attachment %q of %d bytes must have %d blocks, has %d", a.Name, a.Size, want, len(a.Blocks))
	}
	for _, b := range a.Blocks {
		if b.Prefix().Codec != CodecRaw {
			return Errorf(CodeInvalid, "attachment %q: block %s is not a raw block", a.Name, b)
		}
	}
	return nil
}
