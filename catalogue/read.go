package catalogue

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// MinPrefix is the fewest characters of an ID, or of a short ID,
// that Resolve accepts.
const MinPrefix = 8

// commonIDPrefix starts every document ID: "b" (base32), then the
// CID's version (1), codec (dag-cbor) and hash (sha2-256, 32 bytes),
// whose 30 bits give "afyrei". The next character holds 3 bits of the
// hash, the others 5 each.
const commonIDPrefix = "bafyrei"

// ShortIDLen is the length of a short ID: 48 bits of the hash, so
// that a catalogue of a million entries holds two with the same short
// ID only by a chance of about one in 500 (Resolve then lists both).
const ShortIDLen = 10

// ShortID returns the short form of a document ID, which people see:
// the ShortIDLen characters after the "bafyrei" every ID starts with,
// the first ones that tell IDs apart. Resolve takes it back. Text that
// is not such an ID is returned as it is.
func ShortID(id string) string {
	rest, ok := strings.CutPrefix(id, commonIDPrefix)
	if !ok || len(rest) < ShortIDLen {
		return id
	}
	return rest[:ShortIDLen]
}

// Resolve turns what someone typed for an entry into its document ID:
// the whole ID, a prefix of it of at least MinPrefix characters
// ("bafyreib…"), or its short ID (see ShortID), whole or a prefix of
// it of at least MinPrefix characters. A prefix that matches several
// entries gives an *AmbiguousError listing them.
func (c *Catalogue) Resolve(s string) (cid.Cid, error) {
	s = strings.TrimSpace(s)
	if len(s) < MinPrefix {
		return cid.Undef, errorf(ErrNotFound, "ID %q is too short: give the whole ID, its short ID or at least %d characters of either", s, MinPrefix)
	}
	ids, err := c.store.DocsByPrefix(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("catalogue: look up %q: %w", s, err)
	}
	if !strings.HasPrefix(s, commonIDPrefix) {
		short, err := c.store.DocsByPrefix(commonIDPrefix + s)
		if err != nil {
			return cid.Undef, fmt.Errorf("catalogue: look up %q: %w", s, err)
		}
		for _, id := range short {
			if !slices.ContainsFunc(ids, id.Equals) {
				ids = append(ids, id)
			}
		}
	}
	ids = slices.DeleteFunc(ids, c.trust.isDoc)
	switch len(ids) {
	case 0:
		return cid.Undef, errorf(ErrNotFound, "no entry has the ID or short ID %q, or one starting with it; `mutu list` shows the IDs", s)
	case 1:
		return ids[0], nil
	}
	for _, id := range ids {
		if id.String() == s {
			return id, nil
		}
	}
	amb := &AmbiguousError{Prefix: s}
	for _, id := range ids {
		if d, err := c.store.Doc(id); err == nil {
			amb.Candidates = append(amb.Candidates, summary(d))
		}
	}
	return cid.Undef, amb
}

// Counts returns how many revisions, current entries and retracted
// documents the catalogue holds, from counters kept with every write.
func (c *Catalogue) Counts() (Counts, error) {
	n, err := c.store.Counts()
	if err != nil {
		return Counts{}, fmt.Errorf("catalogue: count entries: %w", err)
	}
	t := c.trust.count()
	h := c.hiddenEntries()
	return Counts{Revisions: n.Revisions, Entries: n.Docs - n.Retracted - t - h, Retracted: n.Retracted, Trust: t, Hidden: h}, nil
}

// hiddenEntries counts the entries held, not retracted, that the
// moderation hides.
func (c *Catalogue) hiddenEntries() int {
	n := 0
	for _, s := range c.mod.hiddenIDs() {
		id, err := cid.Parse(s)
		if err != nil || c.trust.isDoc(id) {
			continue
		}
		if d, err := c.store.Doc(id); err == nil && !d.Retracted {
			n++
		}
	}
	return n
}

// notEntry is the error of a look-up of a trust record's document
// where an entry is expected: to readers, it is not there.
func notEntry(id cid.Cid) error {
	return errorf(ErrNotFound, "%s is a trust record of the network, not an entry; `mutu members` and `mutu network` show them", id)
}

// Get returns a document as a reader sees it. A trust record is no
// document of the catalogue's (ErrNotFound).
func (c *Catalogue) Get(id cid.Cid) (*Doc, error) {
	if c.trust.isDoc(id) {
		return nil, notEntry(id)
	}
	d, err := c.store.Doc(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: read entry %s: %w", id, err)
	}
	doc := &Doc{
		ID:         d.ID,
		Author:     d.Author,
		Head:       d.Winner,
		HeadRev:    d.Rev,
		Heads:      d.Heads,
		Created:    d.Created.Time(),
		Updated:    d.Updated.Time(),
		Retracted:  d.Retracted,
		Retraction: d.Retract,
		Verified:   true,
	}
	if a, ok := c.Hidden(id); ok {
		doc.Hidden = &a
	}
	if d.Erased != nil {
		doc.Erased = erasedBy(*d.Erased)
		return doc, nil
	}
	if d.Rev != nil && d.Rev.Entry != nil {
		doc.Entry = &entry.Entry{Meta: d.Rev.Entry.Meta, Body: d.Rev.Entry.Body}
		doc.Attachments = c.attachments(d.Rev)
	}
	// Revisions are verified before they are stored; check the shown
	// head again so that a damaged store does not go unnoticed.
	if d.Winner.Defined() {
		data, err := c.store.Block(d.Winner)
		if err != nil {
			return nil, fmt.Errorf("catalogue: read revision %s: %w", d.Winner, err)
		}
		if err := protocol.Recheck(protocol.Block{CID: d.Winner, Data: data}); err != nil {
			doc.Verified = false
			c.log.Error("stored revision does not verify", "revision", d.Winner, "err", err)
		}
	}
	return doc, nil
}

// attachments returns the attachments of rev, each saying whether all
// of its blocks are held.
func (c *Catalogue) attachments(rev *protocol.Revision) []Attachment {
	var out []Attachment
	for _, a := range rev.Attachments {
		held := true
		for _, b := range a.Blocks {
			if ok, err := c.store.Has(b); err != nil || !ok {
				held = false
				break
			}
		}
		out = append(out, Attachment{Attachment: a, Held: held})
	}
	return out
}

// Version returns one revision of document id, named by its CID or a
// unique prefix of at least MinPrefix characters of it, with its
// content: any revision of the document's history, not only a head.
// A prefix that no revision of the document has is ErrNotFound; one
// that several have is ErrAmbiguous.
func (c *Catalogue) Version(id cid.Cid, ref string) (*Version, error) {
	ref = strings.TrimSpace(ref)
	if len(ref) < MinPrefix {
		return nil, errorf(ErrNotFound, "revision %q is too short: give the whole CID or at least %d characters of it", ref, MinPrefix)
	}
	if c.trust.isDoc(id) {
		return nil, notEntry(id)
	}
	revs, err := c.store.History(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: history of %s: %w", id, err)
	}
	var found []cid.Cid
	for _, rc := range revs {
		if s := rc.String(); s == ref {
			found = []cid.Cid{rc}
			break
		} else if strings.HasPrefix(s, ref) {
			found = append(found, rc)
		}
	}
	switch len(found) {
	case 0:
		return nil, errorf(ErrNotFound, "entry %s has no revision starting with %q; `mutu history %s` lists them", id, ref, id)
	case 1:
	default:
		return nil, errorf(ErrAmbiguous, "revision prefix %q matches %d revisions of entry %s; give more characters: %s", ref, len(found), id, cidList(found))
	}
	r, erased, err := c.revisionOrStub(found[0])
	if err != nil {
		return nil, err
	}
	v := &Version{CID: found[0], Op: r.Op, Author: r.Author, Time: r.Clock.Time(), Erased: erased}
	if a, ok := c.ModerationState().HiddenRevision(found[0]); ok {
		v.Hidden = &a
	} else if a, ok := c.Hidden(id); ok {
		v.Hidden = &a
	}
	if erased != nil {
		return v, nil
	}
	if r.Entry != nil {
		v.Entry = &entry.Entry{Meta: r.Entry.Meta, Body: r.Entry.Body}
		v.Attachments = c.attachments(r)
	}
	return v, nil
}

// cidList writes CIDs for a message: "a, b, c".
func cidList(cs []cid.Cid) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}

func summary(d *store.Doc) Summary {
	return Summary{
		ID:        d.ID,
		Kind:      entry.Kind(d.Kind),
		Title:     d.Title,
		Author:    d.Author,
		Updated:   d.Updated.Time(),
		Conflict:  d.Conflict(),
		Retracted: d.Retracted,
	}
}

// ListOptions filter List.
type ListOptions struct {
	Kind      entry.Kind // "" for every kind
	Retracted bool       // include retracted documents
}

// List returns the entries, most recently updated first; never a
// trust record, nor an entry the moderation hides.
func (c *Catalogue) List(opts ListOptions) ([]Summary, error) {
	var out []Summary
	err := c.store.Docs(func(d *store.Doc) error {
		if d.Retracted && !opts.Retracted || c.trust.isDoc(d.ID) || c.mod.isHidden(d.ID) {
			return nil
		}
		if opts.Kind != "" && entry.Kind(d.Kind) != opts.Kind {
			return nil
		}
		out = append(out, summary(d))
		return nil
	}, listOptions(opts)...)
	if err != nil {
		return nil, fmt.Errorf("catalogue: list entries: %w", err)
	}
	return out, nil
}

func listOptions(opts ListOptions) []store.DocsOption {
	o := []store.DocsOption{store.ByUpdated()}
	if opts.Kind != "" {
		o = append(o, store.OfKind(string(opts.Kind)))
	}
	if opts.Retracted {
		o = append(o, store.IncludeRetracted())
	}
	return o
}

// History returns every revision of a document, newest first.
func (c *Catalogue) History(id cid.Cid) ([]RevisionInfo, error) {
	if c.trust.isDoc(id) {
		return nil, notEntry(id)
	}
	d, err := c.store.Doc(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: read entry %s: %w", id, err)
	}
	heads := make(map[cid.Cid]bool)
	for _, h := range d.Heads {
		heads[h] = true
	}
	revs, err := c.store.History(id)
	if err != nil {
		return nil, fmt.Errorf("catalogue: history of %s: %w", id, err)
	}
	out := make([]RevisionInfo, 0, len(revs))
	for _, rc := range revs {
		r, erased, err := c.revisionOrStub(rc)
		if err != nil {
			return nil, err
		}
		info := RevisionInfo{
			CID: rc, Op: r.Op, Author: r.Author, Seq: r.Seq, Clock: r.Clock,
			Time: r.Clock.Time(), Parents: r.Parents, Head: heads[rc], Erased: erased,
		}
		if r.Entry != nil && erased == nil {
			info.Title, _ = r.Entry.Meta["title"].(string)
		}
		out = append(out, info)
	}
	return out, nil
}

// revisionOrStub returns revision rc, or the stub of it that an
// erasure left and the erasure.
func (c *Catalogue) revisionOrStub(rc cid.Cid) (*protocol.Revision, *ErasedBy, error) {
	r, _, err := c.store.Revision(rc)
	if errors.Is(err, store.ErrErased) {
		e, ok, eerr := c.store.Erased(rc)
		if eerr == nil && ok && e.Stub != nil {
			return e.Stub, erasedBy(e), nil
		}
		err = errors.Join(err, eerr)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("catalogue: read revision %s: %w", rc, err)
	}
	return r, nil, nil
}

// Revision returns a stored revision and its encoding.
func (c *Catalogue) Revision(rc cid.Cid) (*protocol.Revision, []byte, error) {
	r, data, err := c.store.Revision(rc)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errorf(ErrNotFound, "revision %s is not on this node", rc)
	}
	return r, data, err
}

// WriteAttachment writes the attachment name of document id's shown
// revision to w. It fails with ErrNotFound, before writing anything,
// when a block is not held (the node fetches it from peers).
func (c *Catalogue) WriteAttachment(id cid.Cid, name string, w io.Writer) (*protocol.Attachment, error) {
	d, err := c.store.Doc(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Rev == nil) {
		return nil, errorf(ErrNotFound, "entry %s is not on this node", id)
	}
	if err != nil {
		return nil, fmt.Errorf("catalogue: read entry %s: %w", id, err)
	}
	for i := range d.Rev.Attachments {
		a := &d.Rev.Attachments[i]
		if a.Name != name {
			continue
		}
		for _, b := range a.Blocks {
			if ok, err := c.store.Has(b); err != nil || !ok {
				return nil, errorf(ErrNotFound, "attachment %q of %s: block %s is not fetched yet", name, id, b)
			}
		}
		for _, b := range a.Blocks {
			data, err := c.store.Block(b)
			if err != nil {
				return nil, fmt.Errorf("catalogue: read block %s: %w", b, err)
			}
			if _, err := w.Write(data); err != nil {
				return nil, err
			}
		}
		return a, nil
	}
	return nil, errorf(ErrNotFound, "entry %s has no attachment %q", id, name)
}
