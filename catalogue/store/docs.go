package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Doc is the state of a document, as every node that holds the same
// revisions computes it.
type Doc struct {
	ID     cid.Cid            // CID of the first revision
	Author protocol.AuthorKey // author of the first revision
	// Heads are the revisions with no child held, best first by the
	// head rule: highest clock, then highest CID. More than one head
	// means concurrent edits (see Conflict).
	Heads []cid.Cid
	// Winner is, of all the document's put revisions, the one that
	// wins by the head rule: the content to show. For a live document
	// it is Heads[0]. For a retracted one it is the last content
	// written, to be shown as withdrawn; the retract itself is Retract.
	Winner cid.Cid
	// Rev is Winner decoded. Docs leaves it nil unless asked
	// WithRevisions; it is nil too when Winner was erased.
	Rev *protocol.Revision
	// Erased is the erasure of Winner, nil if its content is held
	// (read with Rev only).
	Erased *Erasure
	// Retracted is final: it is true as soon as any retract revision
	// of the document is held.
	Retracted bool
	// Retract is the retract revision that wins by the head rule;
	// cid.Undef if Retracted is false.
	Retract cid.Cid
	Created protocol.Clock // clock of the first revision
	Updated protocol.Clock // highest clock of any revision, retracts included
	Kind    string         // of Winner: front matter "kind", "note" if absent
	Title   string         // of Winner: front matter "title"
}

// Conflict reports whether the document has concurrent edits that no
// revision merges yet. A retracted document has none to show.
func (d *Doc) Conflict() bool { return !d.Retracted && len(d.Heads) > 1 }

func (st *docState) doc() *Doc {
	d := &Doc{
		ID:        st.id,
		Author:    st.author,
		Heads:     make([]cid.Cid, len(st.heads)),
		Winner:    st.winner.cid,
		Retracted: st.retract.cid.Defined(),
		Retract:   st.retract.cid,
		Created:   st.created,
		Updated:   st.updated,
		Kind:      st.kind,
		Title:     st.title,
	}
	for i, h := range st.heads {
		d.Heads[i] = h.cid
	}
	return d
}

// Doc returns document id with its winning revision decoded;
// ErrNotFound if it is not held.
func (s *Store) Doc(id cid.Cid) (*Doc, error) {
	var d *Doc
	err := s.view(func(txn *badger.Txn) error {
		var err error
		d, err = readDoc(txn, id, true)
		return err
	})
	return d, err
}

func readDoc(txn *badger.Txn, id cid.Cid, withRev bool) (*Doc, error) {
	st, err := readState(txn, id)
	if err != nil {
		return nil, err
	}
	d := st.doc()
	if withRev {
		d.Rev, _, err = readRevision(txn, d.Winner)
		if errors.Is(err, ErrErased) {
			e, _, eerr := readErasure(txn, d.Winner)
			if eerr != nil {
				return nil, fmt.Errorf("read document %s: %w", id, eerr)
			}
			d.Rev, d.Erased, err = nil, &e, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read document %s: %w", id, err)
		}
	}
	return d, nil
}

// DocsOption selects and orders the documents Docs visits.
type DocsOption func(*docsOptions)

type docsOptions struct {
	kind      string
	retracted bool
	byUpdated bool
	withRev   bool
}

// OfKind visits only documents of the given kind ("note", "tool",
// "software").
func OfKind(kind string) DocsOption { return func(o *docsOptions) { o.kind = kind } }

// IncludeRetracted visits retracted documents too; they are skipped by
// default.
func IncludeRetracted() DocsOption { return func(o *docsOptions) { o.retracted = true } }

// ByUpdated visits the most recently updated documents first, instead
// of in the order of their ID text.
func ByUpdated() DocsOption { return func(o *docsOptions) { o.byUpdated = true } }

// WithRevisions decodes each document's winning revision into Doc.Rev.
func WithRevisions() DocsOption { return func(o *docsOptions) { o.withRev = true } }

// Docs calls fn for every document that the options select, by ID text
// or ByUpdated. An error from fn stops the iteration and is returned
// as is. fn runs with no transaction open and may call the store.
func (s *Store) Docs(fn func(*Doc) error, opts ...DocsOption) error {
	var o docsOptions
	for _, opt := range opts {
		opt(&o)
	}
	visit := func(d *Doc) error {
		if (o.kind != "" && d.Kind != o.kind) || (d.Retracted && !o.retracted) {
			return nil
		}
		if o.withRev {
			rev, _, err := s.Revision(d.Winner)
			if errors.Is(err, ErrErased) {
				e, _, eerr := s.Erased(d.Winner)
				rev, d.Erased, err = nil, &e, eerr
			}
			if err != nil {
				return fmt.Errorf("read document %s: %w", d.ID, err)
			}
			d.Rev = rev
		}
		return callback(fn(d))
	}
	if o.byUpdated {
		return iterationError(s.docsByUpdate(visit), "list documents by update")
	}
	return iterationError(s.docsByID(visit), "list documents")
}

// docsByID calls visit for every document, reading the states in the
// order of their keys.
func (s *Store) docsByID(visit func(*Doc) error) error {
	prefix := []byte(prefixState)
	return s.scanKeys(scan{prefix: prefix, values: true}, func(k, v []byte) error {
		text := string(k[len(prefix):])
		id, err := cid.Decode(text)
		if err != nil {
			return corruptf("document key %q: %v", k, err)
		}
		st, err := decodeDocState(id, text, v)
		if err != nil {
			return err
		}
		return visit(st.doc())
	})
}

// docsByUpdate calls visit for every document, newest update first,
// following the update index.
func (s *Store) docsByUpdate(visit func(*Doc) error) error {
	prefix := []byte(prefixUpdated)
	return s.scanKeys(scan{prefix: prefix, reverse: true}, func(k, _ []byte) error {
		if len(k) <= len(prefix)+8 {
			return corruptf("update index key %x", k)
		}
		id, err := cid.Decode(string(k[len(prefix)+8:]))
		if err != nil {
			return corruptf("update index key %x: %v", k, err)
		}
		var d *Doc
		if err := s.view(func(txn *badger.Txn) error {
			d, err = readDoc(txn, id, false)
			return err
		}); err != nil {
			return err
		}
		return visit(d)
	})
}

// DocsByPrefix returns the IDs of the documents whose text form starts
// with prefix, in text order: one for a unique prefix, several for an
// ambiguous one, none if no document matches.
func (s *Store) DocsByPrefix(prefix string) ([]cid.Cid, error) {
	var ids []cid.Cid
	p := key([]byte(prefixState), []byte(prefix))
	err := s.scanKeys(scan{prefix: p}, func(k, _ []byte) error {
		id, err := cid.Decode(string(k[len(prefixState):]))
		if err != nil {
			return corruptf("document key %q: %v", k, err)
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find documents with prefix %q: %w", prefix, err)
	}
	return ids, nil
}

// History returns every revision of document id, newest first: by
// clock, then by CID. ErrNotFound if the document is not held.
func (s *Store) History(id cid.Cid) ([]cid.Cid, error) {
	var revs []cid.Cid
	prefix := docRevsPrefix(id.String())
	err := s.scanKeys(scan{prefix: prefix, reverse: true}, func(k, _ []byte) error {
		r, err := parseRefKey(k[len(prefix):])
		if err != nil {
			return err
		}
		revs = append(revs, r.cid)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read history of document %s: %w", id, err)
	}
	if len(revs) == 0 {
		return nil, fmt.Errorf("read history of document %s: %w", id, ErrNotFound)
	}
	return revs, nil
}
