package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/catalogue/render"
	"github.com/mutu-network/mutu/protocol"
)

// Network is what Local needs of a running node. It is nil when the
// catalogue is used without one (the CLI with no daemon).
type Network interface {
	// Status fills in the node's part of a status: peer ID,
	// addresses, network, peers connected, sync state.
	Status() Status
	// Peers lists the connected peers.
	Peers() []Peer
	// Fetch fetches from the connected peers the raw attachment blocks
	// cids that the node does not hold, verifies and stores them. It
	// stores what it finds even when some blocks are missing; the
	// error then matches protocol.ErrNotFound, and the report counts
	// what was fetched whatever the error.
	Fetch(ctx context.Context, cids []cid.Cid) (BlockFetch, error)
}

// Local serves the API from a catalogue in this process.
type Local struct {
	Cat    *catalogue.Catalogue
	Author ed25519.PrivateKey // signs what this service publishes
	Net    Network            // nil without a running node
	Now    func() time.Time   // nil means time.Now
	// NodeKey is the node's key (its libp2p identity's ed25519 key):
	// it signs admissions and revocations. Nil: none are signed.
	NodeKey ed25519.PrivateKey
	// Invites issues and lists the node's invitations; nil when it
	// issues none.
	Invites Inviter
	// Joining, when set, tells how a join of this home stands
	// ("pending" while a coordinator has not approved it).
	Joining func() string
	// Moderation is the node's own moderation (its journal); nil: it
	// keeps none, and Moderate fails.
	Moderation *moderation.Moderator
	// ReportLimit bounds the operator's reports (Report); nil: none.
	ReportLimit *ReportLimiter
}

var _ Service = (*Local)(nil)

func (l *Local) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// defaultKind reads the kind a request gives to files that name none:
// a note when it gives none either.
func defaultKind(s string) (entry.Kind, error) {
	if s == "" {
		return entry.KindNote, nil
	}
	return entry.ParseKind(s)
}

// Publish validates every file first and publishes them only if all
// are valid, so that a bad file changes nothing.
func (l *Local) Publish(ctx context.Context, req PublishRequest) ([]Published, error) {
	if len(req.Files) == 0 {
		return nil, inputErrorf("no entry file given")
	}
	if len(req.Attachments) > 0 && len(req.Files) != 1 {
		return nil, inputErrorf("attachments go with a single entry; %d files were given", len(req.Files))
	}
	kind, err := defaultKind(req.Kind)
	if err != nil {
		return nil, err
	}
	files := make([]*entry.File, len(req.Files))
	warnings := make([][]entry.Problem, len(req.Files))
	var problems entry.Errors
	for i, u := range req.Files {
		f, warns, err := entry.Parse(u.Name, u.Data, kind)
		warnings[i] = warns
		var list entry.Errors
		var one *entry.Error
		switch {
		case errors.As(err, &list):
			problems = append(problems, list...)
		case errors.As(err, &one):
			problems = append(problems, one)
		case err != nil:
			return nil, err
		case f.ID.Defined():
			problems = append(problems, &entry.Error{Problem: entry.Problem{File: u.Name, Key: "id", What: "the file already belongs to entry " + f.ID.String(),
				Fix: "to change that entry run `mutu edit " + f.ID.String() + " " + u.Name + "`; to publish a copy, remove the id line"}, Err: entry.ErrInvalid})
		}
		files[i] = f
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var out []Published
	if len(req.Attachments) == 0 {
		entries := make([]*entry.Entry, len(files))
		editors := make([][]protocol.AuthorKey, len(files))
		for i, f := range files {
			entries[i], editors[i] = &f.Entry, f.Editors
		}
		pubs, err := l.Cat.PublishAll(ctx, l.Author, entries, editors)
		if err != nil {
			return nil, err
		}
		for i, p := range pubs {
			out = append(out, Published{ID: p.Doc.String(), Revision: p.Revision.String(), File: req.Files[i].Name, Warnings: warnings[i]})
		}
		return out, nil
	}
	p, err := l.Cat.Publish(ctx, l.Author, &files[0].Entry, uploads(req.Attachments), files[0].Editors...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Files[0].Name, err)
	}
	return append(out, Published{ID: p.Doc.String(), Revision: p.Revision.String(), File: req.Files[0].Name, Warnings: warnings[0]}), nil
}

func uploads(us []Upload) []catalogue.File {
	files := make([]catalogue.File, len(us))
	for i, u := range us {
		files[i] = catalogue.File{Name: u.Name, Type: u.Type, Data: u.content()}
	}
	return files
}

// Edit publishes a new revision of an entry from a file.
func (l *Local) Edit(ctx context.Context, req EditRequest) (*Published, error) {
	id, err := l.Cat.Resolve(req.ID)
	if err != nil {
		return nil, err
	}
	d, err := l.Cat.Get(id)
	if err != nil {
		return nil, err
	}
	kind := entry.KindNote
	if d.Entry != nil {
		kind = d.Entry.Kind()
	}
	f, warns, err := entry.Parse(req.File.Name, req.File.Data, kind)
	if err != nil {
		return nil, err
	}
	if f.ID.Defined() && f.ID != id {
		return nil, &entry.Error{Problem: entry.Problem{File: req.File.Name, Key: "id", What: "the file belongs to entry " + f.ID.String() + ", not " + id.String(),
			Fix: "check the ID, or remove the id line"}, Err: entry.ErrInvalid}
	}
	p, err := l.Cat.Edit(ctx, l.Author, id, &f.Entry, catalogue.EditOptions{Files: uploads(req.Attachments), Drop: req.Drop, Editors: f.Editors})
	if err != nil {
		return nil, err
	}
	return &Published{ID: p.Doc.String(), Revision: p.Revision.String(), File: req.File.Name, Unchanged: p.Unchanged,
		Warnings: warns}, nil
}

// Retract publishes a tombstone for an entry.
func (l *Local) Retract(ctx context.Context, ref string) (*Published, error) {
	id, err := l.Cat.Resolve(ref)
	if err != nil {
		return nil, err
	}
	p, err := l.Cat.Retract(ctx, l.Author, id)
	if err != nil {
		return nil, err
	}
	return &Published{ID: p.Doc.String(), Revision: p.Revision.String()}, nil
}

// Show returns an entry with its metadata, and its Markdown file or
// HTML rendering when asked: its winning head, or the revision
// opts.Revision names. A retracted entry is a *RetractedError.
func (l *Local) Show(ctx context.Context, ref string, opts ShowOptions) (*Entry, error) {
	id, err := l.Cat.Resolve(ref)
	if err != nil {
		return nil, err
	}
	d, err := l.Cat.Get(id)
	if err != nil {
		return nil, err
	}
	if d.Retracted {
		return nil, retracted(d)
	}
	e := metadata(d)
	content, atts, rev := d.Entry, d.Attachments, d.Head
	if opts.Revision != "" {
		v, err := l.Cat.Version(id, opts.Revision)
		if err != nil {
			return nil, err
		}
		if v.Erased != nil {
			return nil, inputErrorf("revision %s of entry %s was erased on %s by decision %s (%s): its content is gone", v.CID, id, v.Erased.Time.Format(time.DateOnly), v.Erased.Decision, v.Erased.Category)
		}
		if v.Entry == nil {
			return nil, inputErrorf("revision %s of entry %s is a retraction: it has no content to show", v.CID, id)
		}
		content, atts, rev = v.Entry, v.Attachments, v.CID
	}
	if content == nil {
		return e, nil
	}
	e.Revision = rev.String()
	e.Kind, e.Title, e.Summary = string(content.Kind()), content.Title(), content.Summary()
	e.Outdated = content.Outdated(l.now())
	e.Meta, e.Body = content.Meta, content.Body
	f := entry.File{Entry: *content, ID: d.ID}
	if rev == d.Head && d.HeadRev != nil && len(d.HeadRev.Editors) > 0 {
		f.Editors = d.HeadRev.Editors
	}
	for _, a := range atts {
		e.Attachments = append(e.Attachments, Attachment{Name: a.Name, Type: a.Type, Size: a.Size, Blocks: strs(a.Blocks), Held: a.Held})
		f.Attachments = append(f.Attachments, entry.Attachment{Name: a.Name, Type: a.Type, Size: a.Size})
	}
	if opts.Markdown {
		md, err := f.Marshal()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", id, err)
		}
		e.Markdown = string(md)
	}
	if opts.HTML {
		h, err := render.HTML(content.Body)
		if err != nil {
			return nil, fmt.Errorf("render entry %s: %w", id, err)
		}
		e.HTML = string(h)
	}
	return e, nil
}

// metadata returns what an Entry says of d beside its content.
func metadata(d *catalogue.Doc) *Entry {
	e := &Entry{
		ID:                d.ID.String(),
		Author:            d.Author.String(),
		Head:              d.Head.String(),
		Heads:             strs(d.Heads),
		Conflict:          d.Conflict(),
		Retracted:         d.Retracted,
		Created:           d.Created,
		Updated:           d.Updated,
		SignatureVerified: d.Verified,
		Attachments:       []Attachment{},
	}
	if d.Retracted {
		e.Retraction = d.Retraction.String()
	}
	e.Hidden = d.Hidden
	if by := d.Erased; by != nil {
		e.Erased = &Erasure{Decision: by.Decision.String(), Time: by.Time.UTC(), Category: by.Category}
	}
	if d.HeadRev != nil {
		for _, k := range d.HeadRev.Editors {
			e.Editors = append(e.Editors, k.String())
		}
	}
	return e
}

func strs(cs []cid.Cid) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

// History lists an entry's revisions, newest first.
func (l *Local) History(ctx context.Context, ref string) ([]Revision, error) {
	id, err := l.Cat.Resolve(ref)
	if err != nil {
		return nil, err
	}
	revs, err := l.Cat.History(id)
	if err != nil {
		return nil, err
	}
	out := make([]Revision, len(revs))
	for i, r := range revs {
		out[i] = Revision{CID: r.CID.String(), Op: string(r.Op), Author: r.Author.String(), Seq: r.Seq,
			Time: r.Time, Parents: strs(r.Parents), Title: r.Title, Head: r.Head}
	}
	return out, nil
}

// List lists the current entries, most recently updated first.
func (l *Local) List(ctx context.Context, kind string) ([]Summary, error) {
	var k entry.Kind
	if kind != "" {
		var err error
		if k, err = entry.ParseKind(kind); err != nil {
			return nil, err
		}
	}
	list, err := l.Cat.List(catalogue.ListOptions{Kind: k})
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(list))
	for i, s := range list {
		out[i] = Summary{ID: s.ID.String(), Kind: string(s.Kind), Title: s.Title, Author: s.Author.String(),
			Updated: s.Updated, Conflict: s.Conflict, Retracted: s.Retracted}
	}
	return out, nil
}

// Search searches the catalogue.
func (l *Local) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	if q.Kind != "" {
		if _, err := entry.ParseKind(q.Kind); err != nil {
			return nil, err
		}
	}
	switch q.Sort {
	case "", "relevance", "updated":
	default:
		return nil, inputErrorf("sort %q: use relevance or updated", q.Sort)
	}
	if q.Limit < 0 {
		return nil, inputErrorf("limit %d: must not be negative", q.Limit)
	}
	if q.Offset < 0 {
		return nil, inputErrorf("offset %d: must not be negative", q.Offset)
	}
	// The limits of a search are the search package's, checked before
	// anything runs, the same for the pages and the command line: over
	// one, the error is catalogue.ErrInvalidQuery, an input error.
	res, err := l.Cat.Search(ctx, catalogue.SearchQuery{
		Text: q.Text, Kind: q.Kind, Category: q.Category, Tag: q.Tag, Academie: q.Academie,
		Audience: q.Audience, Outdated: q.Outdated, Sort: q.Sort, Offset: q.Offset, Limit: q.Limit, Now: l.now(),
	})
	if err != nil {
		return nil, err
	}
	out := &SearchResult{Total: res.Total, Hits: []Hit{}, Facets: map[string][]FacetCount{}, TookMS: float64(res.Took.Microseconds()) / 1000}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{ID: h.ID, Title: h.Title, Kind: h.Kind, Score: h.Score, Snippet: h.Snippet, Updated: h.Updated})
	}
	for name, fs := range res.Facets {
		for _, f := range fs {
			out.Facets[name] = append(out.Facets[name], FacetCount{Value: f.Value, Count: f.Count})
		}
	}
	return out, nil
}

// Status describes the node; without a running node, only the
// catalogue's figures.
func (l *Local) Status(ctx context.Context) (*Status, error) {
	var s Status
	if l.Net != nil {
		s = l.Net.Status()
		s.Running = true
	}
	n, err := l.Cat.Counts()
	if err != nil {
		return nil, err
	}
	s.Revisions, s.Entries = n.Revisions, n.Entries
	s.IndexBacklog = l.Cat.IndexBacklog()
	if free, reserve, ok := l.Cat.Disk(); ok {
		s.DiskFree, s.DiskReserve = free, reserve
	}
	s.Author = protocol.PublicKey(l.Author).String()
	s.Closed = l.Cat.Roster().Closed()
	if l.Joining != nil {
		s.Join = l.Joining()
	}
	return &s, nil
}

// Peers lists the connected peers; none without a running node.
func (l *Local) Peers(ctx context.Context) ([]Peer, error) {
	if l.Net == nil {
		return []Peer{}, nil
	}
	return l.Net.Peers(), nil
}

// Reindex rebuilds the search index; searches meanwhile find the
// entries indexed so far.
func (l *Local) Reindex(ctx context.Context, progress Progress) (*Reindexed, error) {
	if err := l.Cat.Reindex(ctx, progress); err != nil {
		return nil, err
	}
	n, err := l.Cat.Counts()
	if err != nil {
		return nil, err
	}
	return &Reindexed{Entries: n.Entries}, nil
}
