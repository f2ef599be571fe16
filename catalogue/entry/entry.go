package entry

import (
	"maps"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Entry is the content of an entry: its front matter and its Markdown
// body. It has the fields of protocol.Entry, so each converts to the
// other: protocol.Entry(e), entry.Entry(*r.Entry).
type Entry struct {
	// Meta holds every front-matter key of the file, known or not,
	// except the reserved id and attachments, in the data model of
	// protocol.CheckValue: string, int64, float64, bool, nil, []any
	// and map[string]any. Parse sets "kind" when the file has none.
	Meta map[string]any
	// Body is the Markdown after the front matter, byte for byte.
	Body string
}

// File is an entry file: the entry and the keys that live beside Meta
// rather than in it because they are not the entry's content: those
// mutu fills in itself, the document ID and the attachments, and the
// editors, which the revision carries. Parse checks them; Validate,
// promoted from Entry, checks the entry only.
type File struct {
	Entry
	// ID is the document ID from the "id" key, the CID of the
	// document's first revision; cid.Undef when the file has none
	// (a new document).
	ID cid.Cid
	// Attachments is the "attachments" list.
	Attachments []Attachment
	// Editors is the "editors" list: the other authors the document's
	// author lets publish revisions of it, which the revision carries
	// beside the entry (protocol.Revision.Editors). It is nil when the
	// file has no editors key, which an edit takes as "keep the list",
	// and empty, not nil, for "editors: []", which removes every editor.
	Editors []protocol.AuthorKey
}

// Attachment describes an attached file as the "attachments" key
// lists it.
type Attachment struct {
	Name string // plain file name, without directories
	Type string // media type; "" when not recorded
	Size uint64 // in bytes
	// CID is the content address mutu recorded for the file;
	// cid.Undef when none was recorded. Parse checks only that it is a
	// CID of a kind mutu uses (see protocol.ParseCID).
	CID cid.Cid
}

// Extra returns the keys of Meta that belong to no kind's schema: the
// unknown keys, kept verbatim. The map is a copy.
func (e *Entry) Extra() map[string]any {
	extra := maps.Clone(e.Meta)
	maps.DeleteFunc(extra, func(k string, _ any) bool { return isKnownKey(k) })
	return extra
}
