package store

import (
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// ref is a revision with its clock, the pair the head rule orders.
type ref struct {
	clock protocol.Clock
	cid   cid.Cid
}

// after reports whether r wins over o by the head rule: the higher
// clock, then the higher CID, comparing CID bytes.
func (r ref) after(o ref) bool {
	if r.clock != o.clock {
		return r.clock > o.clock
	}
	return r.cid.KeyString() > o.cid.KeyString()
}

// byHeadRule orders refs best first.
func byHeadRule(a, b ref) int {
	switch {
	case a.after(b):
		return -1
	case b.after(a):
		return 1
	}
	return 0
}

// defaultKind is the kind of an entry whose front matter names none.
const defaultKind = "note"

// docState is what the store keeps about a document between Puts.
// Every field is a function of the set of the document's revisions,
// whatever order they were added in (see apply).
type docState struct {
	id      cid.Cid
	text    string             // id.String(), its key in the indexes
	author  protocol.AuthorKey // author of the first revision
	created protocol.Clock     // clock of the first revision
	updated protocol.Clock     // highest clock of any revision
	heads   []ref              // revisions with no child held, best first
	winner  ref                // the put revision that wins by the head rule
	retract ref                // the retract that wins by the head rule; cid.Undef if none
	kind    string             // of the winner
	title   string             // of the winner
}

// newDocState returns the state of a document made of its first
// revision only.
func newDocState(r ref, rev *protocol.Revision) *docState {
	st := &docState{id: r.cid, text: r.cid.String(), author: rev.Author, created: r.clock}
	st.apply(r, rev)
	return st
}

// apply adds a revision whose parents are all already applied. Heads
// lose its parents and gain it (it can have no child yet, since a
// child needs its parents held); the other fields are maxima, so the
// final state does not depend on the order of application.
func (st *docState) apply(r ref, rev *protocol.Revision) {
	heads := make([]ref, 0, len(st.heads)+1)
	for _, h := range st.heads {
		if !slices.ContainsFunc(rev.Parents, h.cid.Equals) {
			heads = append(heads, h)
		}
	}
	heads = append(heads, r)
	slices.SortFunc(heads, byHeadRule)
	st.heads = heads
	if r.clock > st.updated {
		st.updated = r.clock
	}
	switch rev.Op {
	case protocol.OpRetract:
		if !st.retract.cid.Defined() || r.after(st.retract) {
			st.retract = r
		}
	default:
		if !st.winner.cid.Defined() || r.after(st.winner) {
			st.winner = r
			st.kind, st.title = kindAndTitle(rev)
		}
	}
}

// clone returns a copy that apply may change without touching st.
func (st *docState) clone() *docState {
	c := *st
	c.heads = slices.Clone(st.heads)
	return &c
}

func (st *docState) equal(o *docState) bool {
	return st.id.Equals(o.id) && st.text == o.text && st.author == o.author && st.created == o.created &&
		st.updated == o.updated && slices.Equal(st.heads, o.heads) && st.winner == o.winner &&
		st.retract == o.retract && st.kind == o.kind && st.title == o.title
}

// kindAndTitle reads the entry's kind and title from its front matter.
func kindAndTitle(rev *protocol.Revision) (kind, title string) {
	kind = defaultKind
	if rev.Entry == nil {
		return kind, ""
	}
	if k, ok := rev.Entry.Meta["kind"].(string); ok && k != "" {
		kind = k
	}
	title, _ = rev.Entry.Meta["title"].(string)
	return kind, title
}

// stateRecord is the stored form of a docState, encoded with the
// canonical encoding of protocol so that it is compact and exact.
type stateRecord struct {
	Author  []byte      `cbor:"a"`
	Created uint64      `cbor:"c"`
	Updated uint64      `cbor:"u"`
	Heads   []refRecord `cbor:"h"`
	Winner  refRecord   `cbor:"w"`
	Retract *refRecord  `cbor:"r,omitempty"`
	Kind    string      `cbor:"k"`
	Title   string      `cbor:"t"`
}

type refRecord struct {
	Clock uint64 `cbor:"c"`
	CID   []byte `cbor:"i"`
}

func toRecord(r ref) refRecord { return refRecord{Clock: uint64(r.clock), CID: r.cid.Bytes()} }

func (r refRecord) ref() (ref, error) {
	c, err := cid.Cast(r.CID)
	if err != nil {
		return ref{}, err
	}
	return ref{clock: protocol.Clock(r.Clock), cid: c}, nil
}

func (st *docState) encode() ([]byte, error) {
	rec := stateRecord{
		Author:  st.author[:],
		Created: uint64(st.created),
		Updated: uint64(st.updated),
		Winner:  toRecord(st.winner),
		Kind:    st.kind,
		Title:   st.title,
	}
	for _, h := range st.heads {
		rec.Heads = append(rec.Heads, toRecord(h))
	}
	if st.retract.cid.Defined() {
		r := toRecord(st.retract)
		rec.Retract = &r
	}
	b, err := protocol.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode state of document %s: %w", st.id, err)
	}
	return b, nil
}

// decodeDocState decodes the s/ record of document id, whose text form
// is text.
func decodeDocState(id cid.Cid, text string, b []byte) (*docState, error) {
	var rec stateRecord
	if err := protocol.Unmarshal(b, &rec); err != nil {
		return nil, corruptf("state of document %s: %v", id, err)
	}
	if len(rec.Author) != len(protocol.AuthorKey{}) || len(rec.Heads) == 0 {
		return nil, corruptf("state of document %s: no author or no heads", id)
	}
	st := &docState{
		id:      id,
		text:    text,
		created: protocol.Clock(rec.Created),
		updated: protocol.Clock(rec.Updated),
		kind:    rec.Kind,
		title:   rec.Title,
		heads:   make([]ref, len(rec.Heads)),
	}
	copy(st.author[:], rec.Author)
	var err error
	for i, h := range rec.Heads {
		if st.heads[i], err = h.ref(); err != nil {
			return nil, corruptf("state of document %s: head: %v", id, err)
		}
	}
	if st.winner, err = rec.Winner.ref(); err != nil {
		return nil, corruptf("state of document %s: winner: %v", id, err)
	}
	if rec.Retract != nil {
		if st.retract, err = rec.Retract.ref(); err != nil {
			return nil, corruptf("state of document %s: retract: %v", id, err)
		}
	}
	return st, nil
}
