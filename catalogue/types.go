package catalogue

import (
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
)

// Counts are what a catalogue holds. Entries is what mutu counts as
// its entries everywhere (the web pages, `mutu status`, the API): the
// documents that are not retracted nor trust records; revisions are
// counted apart.
type Counts struct {
	Revisions int // signed revisions of every document, retractions and trust records included
	Entries   int // current entries: the documents not retracted, trust records left out
	Retracted int // retracted documents
	Trust     int // trust records of the network (docs/protocol.md, Part 4), each a document of one revision
	Hidden    int // entries the node's moderation hides, not counted in Entries
}

// Summary is a line of a listing.
type Summary struct {
	ID        cid.Cid
	Kind      entry.Kind
	Title     string
	Author    protocol.AuthorKey
	Updated   time.Time
	Conflict  bool // several heads: concurrent edits not yet merged; never when retracted
	Retracted bool
}

// Doc is a document as a reader sees it: the winning revision's entry
// and everything known about its state.
type Doc struct {
	ID        cid.Cid
	Author    protocol.AuthorKey // author of the first revision
	Entry     *entry.Entry       // content of the winning put revision
	Head      cid.Cid            // the winning revision
	HeadRev   *protocol.Revision
	Heads     []cid.Cid // winner first; more than one means a conflict, unless retracted
	Created   time.Time
	Updated   time.Time
	Retracted bool
	// Retraction is the retract revision that wins by the head rule,
	// cid.Undef unless Retracted. Head stays the last content written.
	Retraction cid.Cid
	// Verified is true when every revision of the document was found
	// with a valid signature by an allowed author. Revisions are
	// verified before they are stored, so it is false only when the
	// store was damaged.
	Verified    bool
	Attachments []Attachment
	// Erased is set when the content of Head was erased by a
	// moderation decision (Erase): Entry and HeadRev are nil then.
	Erased *ErasedBy
	// Hidden is the moderation act that hides the document from
	// readers (who, when, why), nil if none: only moderators see it.
	Hidden *moderation.Act
}

// Conflict reports whether the document has concurrent edits that no
// revision merges yet. A retracted document has none, whatever its
// heads (two retractions made apart are two heads): the store's rule.
func (d *Doc) Conflict() bool { return !d.Retracted && len(d.Heads) > 1 }

// Version is one revision of a document and its content.
type Version struct {
	CID    cid.Cid
	Op     protocol.Op
	Author protocol.AuthorKey
	Time   time.Time
	// Entry and Attachments are the content the revision sets; nil and
	// none for a retraction.
	Entry       *entry.Entry
	Attachments []Attachment
	// Erased is set when the revision's content was erased (Erase):
	// Entry is nil and Attachments empty then.
	Erased *ErasedBy
	// Hidden is the moderation act that hides the revision, or its
	// whole document, from readers; nil if none.
	Hidden *moderation.Act
}

// Attachment is a file attached to an entry.
type Attachment struct {
	protocol.Attachment
	Held bool // every block is held locally
}

// RevisionInfo is a line of a document's history.
type RevisionInfo struct {
	CID     cid.Cid
	Op      protocol.Op
	Author  protocol.AuthorKey
	Seq     uint64
	Clock   protocol.Clock
	Time    time.Time
	Parents []cid.Cid
	Title   string
	Head    bool // one of the document's heads
	// Erased is set when the revision's content was erased (Erase):
	// Title is empty then.
	Erased *ErasedBy
}

// MissingBlock is an attachment block that current entries refer to
// but that is not held.
type MissingBlock struct {
	CID            cid.Cid
	Doc            cid.Cid
	AttachmentSize uint64 // size of the whole attachment it belongs to
	EntrySize      uint64 // total attachment size of its entry
}
