package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// Changes reports what a Put stored.
type Changes struct {
	Added []cid.Cid // revisions stored, in clock order
	Docs  []cid.Cid // documents whose state changed, ordered by ID text
}

// Put stores revs, skipping those already held, and enforces the DAG
// rules (see the package documentation). Revisions of one call may
// depend on each other in any order: they are applied by clock, and a
// parent must be held or in the same call.
//
// Put is all-or-nothing: if any revision breaks a rule, nothing is
// written and the error is a *RevisionError naming the first such
// revision in clock order; errors.Is matches protocol.ErrInvalid,
// protocol.ErrNotAuthorized or ErrMissingParent. See PutEach for the
// best-effort form.
//
// Writes are committed in one transaction when they fit (a few
// megabytes); a larger call is split between revisions, and if it then
// fails with a storage error, Changes reports the part written.
func (s *Store) Put(revs []protocol.Verified) (Changes, error) {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	p, err := s.plan(revs)
	if err != nil {
		return Changes{}, err
	}
	if p.firstErr != nil {
		return Changes{}, p.firstErr
	}
	return s.write(p)
}

// PutEach is the best-effort form of Put: it stores every revision of
// revs that keeps the rules, and reports the others in rejected,
// indexed like revs, each a *RevisionError (nil where the revision was
// stored or already held). A revision whose parent is rejected is
// rejected too, with ErrMissingParent, so a sync client can fetch what
// is missing and retry. rejected is nil when nothing was refused; err
// is a storage error.
func (s *Store) PutEach(revs []protocol.Verified) (ch Changes, rejected []error, err error) {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	p, err := s.plan(revs)
	if err != nil {
		return Changes{}, nil, err
	}
	if p.firstErr != nil {
		rejected = p.errs
	}
	ch, err = s.write(p)
	return ch, rejected, err
}

// errTxnTooBig says a chunk does not fit one badger transaction.
var errTxnTooBig = errors.New("store: transaction too big")

// write commits the accepted revisions of p in as few transactions as
// they fit in, split between revisions in clock order.
func (s *Store) write(p *plan) (Changes, error) {
	var ch Changes
	docs := make(map[string]cid.Cid) // by text form
	committed := p.initial
	for start := 0; start < len(p.accepted); {
		n := len(p.accepted) - start
		for {
			states, fitted, err := s.commitChunk(p.accepted[start:start+n], committed)
			if errors.Is(err, errTxnTooBig) && n > 1 {
				// The document states, update index and change log
				// entries written after the revisions take at most as
				// much room as the revisions' own entries.
				n = max(1, min(fitted, n)/2)
				continue
			}
			if err != nil {
				ch.Docs = sortedDocs(docs)
				return ch, fmt.Errorf("write %d revisions from %s: %w", n, p.accepted[start].ref.cid, err)
			}
			for k, st := range states {
				committed[k] = st
				docs[st.text] = st.id
			}
			for _, pd := range p.accepted[start : start+n] {
				ch.Added = append(ch.Added, pd.ref.cid)
			}
			break
		}
		start += n
	}
	ch.Docs = sortedDocs(docs)
	return ch, nil
}

// sortedDocs returns the documents of m ordered by their text form.
func sortedDocs(m map[string]cid.Cid) []cid.Cid {
	var out []cid.Cid
	for _, text := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[text])
	}
	return out
}

// commitChunk writes chunk in one transaction: for each revision its
// block, info, document and clock index entries; then the new state,
// update index entry and change log record of each document touched,
// the authors' sequence numbers and the counts. It returns the states
// written, by document key. If the chunk does not fit, it returns
// errTxnTooBig and how many revisions fitted whole.
func (s *Store) commitChunk(chunk []*pending, committed map[string]*docState) (map[string]*docState, int, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return nil, 0, ErrClosed
	}
	size := 0
	for _, pd := range chunk {
		size += len(pd.v.Data)
	}
	if err := s.RoomFor(fmt.Sprintf("write %d revisions", len(chunk)), size); err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	changeSeq, cnt, maxClock := s.changeSeq, s.counts, s.maxClock
	s.mu.Unlock()

	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	set := func(k, v []byte) error { return writeError(txn.Set(k, v)) }

	states := make(map[string]*docState)
	added := make(map[string][]reconcile.Item) // by document key
	seqs := make(map[protocol.AuthorKey]uint64)
	for i, pd := range chunk {
		k := pd.doc.KeyString()
		added[k] = append(added[k], reconcile.Item{Clock: pd.ref.clock, ID: pd.ref.cid})
		st, ok := states[k]
		switch {
		case pd.first:
			st = newDocState(pd.ref, pd.v.Rev)
			cnt.docs++
		case !ok:
			base := committed[k]
			if base == nil {
				return nil, i, fmt.Errorf("write revision %s: no state for document %s", pd.ref.cid, pd.doc)
			}
			st = base.clone()
			fallthrough
		default:
			st.apply(pd.ref, pd.v.Rev)
		}
		states[k] = st
		info := revInfo{clock: pd.ref.clock, retract: pd.v.Rev.Op == protocol.OpRetract, doc: pd.doc}
		for _, e := range [][2][]byte{
			{blockKey(pd.ref.cid), pd.v.Block.Data},
			{infoKey(pd.ref.cid), info.encode()},
			{docRevKey(st.text, pd.ref), nil},
			{clockKey(pd.ref), nil},
		} {
			if err := set(e[0], e[1]); err != nil {
				return nil, i, err
			}
		}
		if a := pd.v.Rev.Author; pd.v.Rev.Seq > max(seqs[a], s.seq(a)) {
			seqs[a] = pd.v.Rev.Seq
		}
		cnt.revisions++
		maxClock = max(maxClock, pd.ref.clock)
	}
	fitted := len(chunk)

	keys := make([]string, 0, len(states))
	for k := range states {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(states[a].text, states[b].text) })
	for _, k := range keys {
		st := states[k]
		if base := committed[k]; st.retract.cid.Defined() && (base == nil || !base.retract.cid.Defined()) {
			cnt.retracted++ // a retraction is final: the count only grows
		}
		rec, err := st.encode()
		if err != nil {
			return nil, fitted, err
		}
		if err := set(stateKey(st.text), rec); err != nil {
			return nil, fitted, err
		}
		if base := committed[k]; base != nil && base.updated != st.updated {
			if err := writeError(txn.Delete(updatedKey(base.updated, st.text))); err != nil {
				return nil, fitted, err
			}
		}
		if err := set(updatedKey(st.updated, st.text), nil); err != nil {
			return nil, fitted, err
		}
		changeSeq++
		if err := set(logKey(changeSeq), encodeChange(st.id, added[k])); err != nil {
			return nil, fitted, err
		}
	}
	for a, seq := range seqs {
		if err := set(authorKey(a), be64(seq)); err != nil {
			return nil, fitted, err
		}
	}
	if err := set([]byte(keyCounts), cnt.encode()); err != nil {
		return nil, fitted, err
	}
	if err := txn.Commit(); err != nil {
		return nil, fitted, storageError(fmt.Sprintf("commit %d revisions", len(chunk)), err)
	}

	s.mu.Lock()
	s.changeSeq, s.counts, s.maxClock = changeSeq, cnt, maxClock
	for a, seq := range seqs {
		s.seqs[a] = seq
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return states, fitted, nil
}

// writeError translates the error of a write to a transaction.
func writeError(err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return errTxnTooBig
	}
	return storageError("write", err)
}

// seq returns the highest sequence number stored for author a.
func (s *Store) seq(a protocol.AuthorKey) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seqs[a]
}
