package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Erasure is why and when the content of a block was erased: the
// moderation decision that asked for it (docs/protocol.md §4.14).
type Erasure struct {
	Decision cid.Cid   // the decision record
	Time     time.Time // when the decision was taken
	Category string    // the decision's category, e.g. "donnees-personnelles"
	// Stub is what the store keeps of an erased revision for the DAG
	// rules and the history: its operation, document, parents, author,
	// sequence number, clock, editors and kind, no title, body nor
	// attachment. It has no signature and must never be sent. Nil for
	// an attachment block, and for a revision not held when erased.
	Stub *protocol.Revision
}

// ErrErased means the block was erased (Erase): it is not held, and
// is never stored again. It matches ErrNotFound too, so that readers
// that serve blocks answer it as not held.
var ErrErased = errors.New("store: erased")

// erasedError is the error of a read of an erased block.
type erasedError struct{ c cid.Cid }

func (e erasedError) Error() string { return "block " + e.c.String() + " was erased" }

func (e erasedError) Is(target error) bool { return target == ErrErased || target == ErrNotFound }

// Erased is what one Erase call removed.
type Erased struct {
	Revisions []cid.Cid // revisions whose block was removed, ordered by CID
	Blocks    []cid.Cid // attachment blocks removed, ordered by CID
	Docs      []cid.Cid // documents whose content or title changed, ordered by ID text
}

// erasureRecord is the stored form of an Erasure (e/ keys).
type erasureRecord struct {
	Decision []byte      `cbor:"d"`
	Time     uint64      `cbor:"t"` // Unix milliseconds
	Category string      `cbor:"k"`
	Stub     *stubRecord `cbor:"s,omitempty"`
}

type stubRecord struct {
	Op      string   `cbor:"o"`
	Doc     []byte   `cbor:"d,omitempty"`
	Parents [][]byte `cbor:"p"`
	Author  []byte   `cbor:"a"`
	Seq     uint64   `cbor:"q"`
	Clock   uint64   `cbor:"c"`
	Kind    string   `cbor:"k,omitempty"`
	Editors [][]byte `cbor:"e,omitempty"`
}

func erasedKey(c cid.Cid) []byte { return key([]byte(prefixErased), c.Bytes()) }

func (e Erasure) encode() ([]byte, error) {
	rec := erasureRecord{Decision: e.Decision.Bytes(), Time: uint64(max(e.Time.UnixMilli(), 0)), Category: e.Category}
	if r := e.Stub; r != nil {
		st := &stubRecord{Op: string(r.Op), Author: r.Author[:], Seq: r.Seq, Clock: uint64(r.Clock), Parents: [][]byte{}}
		if r.Doc.Defined() {
			st.Doc = r.Doc.Bytes()
		}
		for _, p := range r.Parents {
			st.Parents = append(st.Parents, p.Bytes())
		}
		for _, ed := range r.Editors {
			st.Editors = append(st.Editors, ed[:])
		}
		if r.Op != protocol.OpRetract {
			st.Kind, _ = kindAndTitle(r)
		}
		rec.Stub = st
	}
	return protocol.Marshal(rec)
}

func decodeErasure(c cid.Cid, b []byte) (Erasure, error) {
	var rec erasureRecord
	if err := protocol.Unmarshal(b, &rec); err != nil {
		return Erasure{}, corruptf("erasure of %s: %v", c, err)
	}
	dec, err := cid.Cast(rec.Decision)
	if err != nil {
		return Erasure{}, corruptf("erasure of %s: decision: %v", c, err)
	}
	e := Erasure{Decision: dec, Time: time.UnixMilli(int64(rec.Time)).UTC(), Category: rec.Category}
	if st := rec.Stub; st != nil {
		r := &protocol.Revision{Op: protocol.Op(st.Op), Seq: st.Seq, Clock: protocol.Clock(st.Clock)}
		if len(st.Author) != len(r.Author) {
			return Erasure{}, corruptf("erasure of %s: author of %d bytes", c, len(st.Author))
		}
		copy(r.Author[:], st.Author)
		if len(st.Doc) > 0 {
			if r.Doc, err = cid.Cast(st.Doc); err != nil {
				return Erasure{}, corruptf("erasure of %s: document: %v", c, err)
			}
		}
		for _, p := range st.Parents {
			pc, err := cid.Cast(p)
			if err != nil {
				return Erasure{}, corruptf("erasure of %s: parent: %v", c, err)
			}
			r.Parents = append(r.Parents, pc)
		}
		for _, ed := range st.Editors {
			var k protocol.AuthorKey
			if len(ed) != len(k) {
				return Erasure{}, corruptf("erasure of %s: editor of %d bytes", c, len(ed))
			}
			copy(k[:], ed)
			r.Editors = append(r.Editors, k)
		}
		if r.Op != protocol.OpRetract {
			r.Entry = &protocol.Entry{Meta: map[string]any{"kind": st.Kind}}
		}
		e.Stub = r
	}
	return e, nil
}

// readErasure returns the erasure of c; ok is false if c was not erased.
func readErasure(txn *badger.Txn, c cid.Cid) (e Erasure, ok bool, err error) {
	v, err := getValue(txn, erasedKey(c))
	if errors.Is(err, ErrNotFound) {
		return Erasure{}, false, nil
	}
	if err != nil {
		return Erasure{}, false, fmt.Errorf("read erasure of %s: %w", c, err)
	}
	e, err = decodeErasure(c, v)
	return e, err == nil, err
}

// Erased returns the erasure of block c; ok is false if c was never
// erased.
func (s *Store) Erased(c cid.Cid) (e Erasure, ok bool, err error) {
	err = s.view(func(txn *badger.Txn) error {
		e, ok, err = readErasure(txn, c)
		return err
	})
	return e, ok, err
}

// Erasures calls fn for every erased block, in the order of their CID
// bytes: the erased set. fn runs with no transaction open.
func (s *Store) Erasures(fn func(cid.Cid, Erasure) error) error {
	prefix := []byte(prefixErased)
	err := s.scanKeys(scan{prefix: prefix, values: true}, func(k, v []byte) error {
		c, err := cid.Cast(k[len(prefix):])
		if err != nil {
			return corruptf("erasure key %x: %v", k, err)
		}
		e, err := decodeErasure(c, v)
		if err != nil {
			return err
		}
		return callback(fn(c, e))
	})
	return iterationError(err, "list erasures")
}

// readForRules returns revision c decoded, or the stub of an erased
// revision: what the DAG rules and the replay of a document's state
// need, never content to show or send.
func readForRules(txn *badger.Txn, c cid.Cid) (*protocol.Revision, error) {
	rev, _, err := readRevision(txn, c)
	if !errors.Is(err, ErrErased) {
		return rev, err
	}
	e, ok, err := readErasure(txn, c)
	if err != nil {
		return nil, err
	}
	if !ok || e.Stub == nil {
		return nil, fmt.Errorf("read revision %s: %w", c, corruptf("erased without a stub, yet indexed"))
	}
	return e.Stub, nil
}

// Erase removes the content of the revisions revs: each one's block
// (its entry, body and the names of its attachments) and the
// attachment blocks that no revision left names, keeping of each a
// stub (see Erasure) so that heads, history and reconciliation stay
// as they were. The CIDs of revs and of the blocks removed enter the
// erased set with by: Put, PutEach and PutBlocks refuse them from
// then on with protocol.CodeErased, and Block, Revision and Has say
// they are not held. A CID of revs that is not held enters the erased
// set all the same, so that it is never stored; one already erased is
// left as it is. by.Stub is ignored.
//
// A document whose winning revision is erased keeps its kind and
// loses its title. Each document touched gets a change log record
// (Change.Erased), so that derived data (the search index) reads it
// again.
//
// On disk, Erase then rewrites the database into a fresh directory and
// swaps it in (see rewrite), so that no file of the store keeps the
// erased bytes; the store is unavailable meanwhile. If that fails, the
// erasure is committed all the same and the rewrite is taken up again
// by the next Erase or Open.
func (s *Store) Erase(revs []cid.Cid, by Erasure) (Erased, error) {
	if !by.Decision.Defined() {
		return Erased{}, fmt.Errorf("erase: no decision CID: name the decision record that asks for the erasure")
	}
	for _, c := range revs {
		if !c.Defined() {
			return Erased{}, fmt.Errorf("erase: an undefined CID among the revisions")
		}
	}
	by.Stub = nil
	s.putMu.Lock()
	defer s.putMu.Unlock()
	plan, err := s.planErasure(revs, by)
	if err != nil {
		return Erased{}, err
	}
	if len(plan.records) == 0 {
		return Erased{}, nil
	}
	if err := s.commitErasure(plan); err != nil {
		return Erased{}, err
	}
	out := Erased{Revisions: plan.revisions, Blocks: plan.blocks}
	for _, st := range plan.states {
		out.Docs = append(out.Docs, st.id)
	}
	slices.SortFunc(out.Docs, func(a, b cid.Cid) int { return strings.Compare(a.String(), b.String()) })
	if len(out.Revisions)+len(out.Blocks) == 0 {
		return out, nil // CIDs never held: no file holds their bytes
	}
	if err := s.rewrite(); err != nil {
		return out, fmt.Errorf("erase: the content is erased, but the store's files may keep its bytes until the next erasure or start: %w", err)
	}
	return out, nil
}

// erasurePlan is what one Erase writes.
type erasurePlan struct {
	records   map[string][]byte    // e/ key → record, for revisions and blocks
	revisions []cid.Cid            // revision blocks to delete
	blocks    []cid.Cid            // attachment blocks to delete
	states    map[string]*docState // documents whose title changes, by ID text
}

func (s *Store) planErasure(revs []cid.Cid, by Erasure) (*erasurePlan, error) {
	p := &erasurePlan{records: make(map[string][]byte), states: make(map[string]*docState)}
	err := s.view(func(txn *badger.Txn) error {
		skip := make(map[string]bool)
		candidates := make(map[string]cid.Cid)
		for _, c := range revs {
			k := string(erasedKey(c))
			if _, dup := p.records[k]; dup {
				continue
			}
			if _, done, err := readErasure(txn, c); err != nil || done {
				return err
			}
			e := by
			if isRevisionCID(c) {
				rev, _, err := readRevision(txn, c)
				switch {
				case errors.Is(err, ErrNotFound):
				case err != nil:
					return err
				default:
					e.Stub = rev
					addBlocks(candidates, rev)
					skip[string(c.Bytes())] = true
					p.revisions = append(p.revisions, c)
					if err := p.retitle(txn, c, rev); err != nil {
						return err
					}
				}
			} else if held, err := exists(txn, blockKey(c)); err != nil {
				return err
			} else if held {
				p.blocks = append(p.blocks, c)
			}
			rec, err := e.encode()
			if err != nil {
				return fmt.Errorf("erase %s: %w", c, err)
			}
			p.records[k] = rec
		}
		blocks, err := unnamedBlocks(txn, candidates, skip)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			k := string(erasedKey(b))
			if _, dup := p.records[k]; dup {
				continue
			}
			rec, err := by.encode()
			if err != nil {
				return err
			}
			p.records[k] = rec
			p.blocks = append(p.blocks, b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	byBytes := func(a, b cid.Cid) int { return strings.Compare(a.KeyString(), b.KeyString()) }
	slices.SortFunc(p.revisions, byBytes)
	slices.SortFunc(p.blocks, byBytes)
	return p, nil
}

// retitle notes the document of revision c, erased, and clears its
// title if c is its winner: the state replayed from the stubs.
func (p *erasurePlan) retitle(txn *badger.Txn, c cid.Cid, rev *protocol.Revision) error {
	id := rev.Doc
	if !id.Defined() {
		id = c
	}
	text := id.String()
	st, ok := p.states[text]
	if !ok {
		var err error
		if st, err = readState(txn, id); err != nil {
			return err
		}
		p.states[text] = st
	}
	if st.winner.cid.Equals(c) {
		st.title = ""
	}
	return nil
}

// commitErasure writes p in one transaction, with the mark that asks
// for a rewrite of the files.
func (s *Store) commitErasure(p *erasurePlan) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	s.mu.Lock()
	changeSeq := s.changeSeq
	s.mu.Unlock()
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	for _, k := range slices.Sorted(maps.Keys(p.records)) {
		if err := writeError(txn.Set([]byte(k), p.records[k])); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	for _, c := range append(slices.Clone(p.revisions), p.blocks...) {
		if err := writeError(txn.Delete(blockKey(c))); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	for _, text := range slices.Sorted(maps.Keys(p.states)) {
		st := p.states[text]
		rec, err := st.encode()
		if err != nil {
			return err
		}
		changeSeq++
		if err := writeError(txn.Set(stateKey(text), rec)); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
		if err := writeError(txn.Set(logKey(changeSeq), encodeErasure(st.id))); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	if s.onDisk() && len(p.revisions)+len(p.blocks) > 0 {
		if err := writeError(txn.Set([]byte(keyRewrite), nil)); err != nil {
			return fmt.Errorf("erase: %w", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return storageError(fmt.Sprintf("commit the erasure of %d revisions and %d blocks", len(p.revisions), len(p.blocks)), err)
	}
	s.mu.Lock()
	if changeSeq != s.changeSeq {
		s.changeSeq = changeSeq
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
	return nil
}

// refuseErased returns an error with protocol.CodeErased if c was
// erased, nil otherwise.
func refuseErased(txn *badger.Txn, c cid.Cid) error {
	e, ok, err := readErasure(txn, c)
	if err != nil || !ok {
		return err
	}
	return protocol.Errorf(protocol.CodeErased, "%s was erased on %s by decision %s (%s): it is never stored again", c, e.Time.Format(time.DateOnly), e.Decision, e.Category)
}
