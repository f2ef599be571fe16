package store

import (
	"bytes"
	"encoding/binary"
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

// withdrawal is what Withdraw does to one document: the revisions it
// removes, and the document's state before and after.
type withdrawal struct {
	id      cid.Cid
	text    string
	old     *docState
	new     *docState // nil when no revision is left: the document goes
	removed []ref     // in clock order
	// dropped and kept are the attachment blocks named by the
	// revisions removed and by those left, by CID key.
	dropped, kept map[string]cid.Cid
}

// withdrawPlan is what one Withdraw call writes.
type withdrawPlan struct {
	docs   []*withdrawal // ordered by the documents' text
	blocks []cid.Cid     // attachment blocks no revision left names, held
}

// Withdraw removes the revisions cids and every revision that descends
// from one of them (a child, a grandchild…, through parents), as a
// closed network does with the revisions it no longer vouches for
// (docs/protocol.md §4.4). The state of each document concerned is
// computed again from the revisions left, as Put would have made it
// from them: heads, winner, kind, title and update time are those of
// a store that never received what was removed, a retraction withdrawn
// no longer hides its document, and a document left with no revision
// is no longer held (not counted, not listed). Every index follows,
// and the change log records, per document, the revisions removed
// (Change.Removed), so that a reader of the log learns of it. The
// attachment blocks that the removed revisions named and that no
// revision left names are removed too. Authors' sequence numbers stay
// as they were, so that an author's next revision never reuses one.
//
// Withdraw returns the revisions removed, in (clock, CID) order. CIDs
// not held, or not revision CIDs, are ignored: withdrawing again what
// was withdrawn does nothing and logs nothing.
//
// It reads every revision of each document concerned; when the
// removed revisions name attachment blocks that the documents' other
// revisions do not, it also reads every revision held, to find whether
// another names them. Its writes go in one transaction when they fit
// (a few megabytes: thousands of revisions). A larger withdrawal is
// committed in several, split between documents and, for a document
// too large on its own, between its revisions newest first, the
// attachment blocks last; each transaction leaves the store consistent
// (every revision held has its parents, every state is that of the
// revisions held). If a crash or a storage error stops it midway, what
// was removed is removed, and calling it again with the same CIDs
// removes the rest, except the attachment blocks of revisions already
// removed: unreferenced blocks that take room and do no harm.
//
// A block stored by PutBlocks for a revision not stored yet (a bundle
// import stores blocks first) may be removed if a revision removed
// names it too; the node fetches it again once the new revision names
// it.
func (s *Store) Withdraw(cids []cid.Cid) ([]reconcile.Item, error) {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	p, err := s.planWithdrawal(cids)
	if err != nil || len(p.docs) == 0 {
		return nil, err
	}
	err = s.commitWithdrawal(p.docs, p.blocks)
	if errors.Is(err, errTxnTooBig) {
		return s.withdrawInSteps(p)
	}
	if err != nil {
		return nil, fmt.Errorf("withdraw revisions of %d documents: %w", len(p.docs), err)
	}
	var removed []reconcile.Item
	for _, w := range p.docs {
		removed = appendItems(removed, w.removed)
	}
	return sortItems(removed), nil
}

// withdrawInSteps commits p in as many transactions as it needs:
// groups of documents, halved until they fit, a document too large on
// its own in parts, then the blocks.
func (s *Store) withdrawInSteps(p *withdrawPlan) ([]reconcile.Item, error) {
	var removed []reconcile.Item
	ws := p.docs
	for start := 0; start < len(ws); {
		n := len(ws) - start
		var err error
		for {
			err = s.commitWithdrawal(ws[start:start+n], nil)
			if errors.Is(err, errTxnTooBig) && n > 1 {
				n /= 2
				continue
			}
			if errors.Is(err, errTxnTooBig) {
				var part []reconcile.Item
				part, err = s.withdrawInParts(ws[start])
				removed = append(removed, part...)
			} else if err == nil {
				for _, w := range ws[start : start+n] {
					removed = appendItems(removed, w.removed)
				}
			}
			break
		}
		if err != nil {
			return sortItems(removed), fmt.Errorf("withdraw revisions of document %s: %w", ws[start].id, err)
		}
		start += n
	}
	for start := 0; start < len(p.blocks); {
		n := len(p.blocks) - start
		for {
			err := s.commitWithdrawal(nil, p.blocks[start:start+n])
			if errors.Is(err, errTxnTooBig) && n > 1 {
				n /= 2
				continue
			}
			if err != nil {
				return sortItems(removed), fmt.Errorf("remove %d attachment blocks no revision names: %w", len(p.blocks)-start, err)
			}
			break
		}
		start += n
	}
	return sortItems(removed), nil
}

// withdrawInParts withdraws from one document, too large for one
// transaction, the revisions of w: its newest ones first, as many as a
// transaction holds. Revisions descend only from revisions with a
// lower clock, so what is left at each step still holds every parent
// of what it holds. It returns what it removed.
func (s *Store) withdrawInParts(w *withdrawal) ([]reconcile.Item, error) {
	var removed []reconcile.Item
	left := w.removed
	for len(left) > 0 {
		k := len(left)
		for {
			part, err := s.replanDoc(w.id, left[len(left)-k:])
			if err != nil {
				return removed, err
			}
			err = s.commitWithdrawal([]*withdrawal{part}, nil)
			if errors.Is(err, errTxnTooBig) && k > 1 {
				k /= 2
				continue
			}
			if err != nil {
				return removed, err
			}
			removed = appendItems(removed, part.removed)
			break
		}
		left = left[:len(left)-k]
	}
	return removed, nil
}

// replanDoc plans the withdrawal of refs from document id, as the
// store holds it now.
func (s *Store) replanDoc(id cid.Cid, refs []ref) (*withdrawal, error) {
	seeds := make(map[string]bool, len(refs))
	for _, r := range refs {
		seeds[r.cid.KeyString()] = true
	}
	var w *withdrawal
	err := s.view(func(txn *badger.Txn) error {
		var err error
		w, err = planDoc(txn, id, seeds)
		return err
	})
	return w, err
}

func appendItems(items []reconcile.Item, refs []ref) []reconcile.Item {
	for _, r := range refs {
		items = append(items, reconcile.Item{Clock: r.clock, ID: r.cid})
	}
	return items
}

func sortItems(items []reconcile.Item) []reconcile.Item {
	slices.SortFunc(items, reconcile.Item.Compare)
	return items
}

// planWithdrawal finds the documents of cids, plans the withdrawal
// from each, and finds the attachment blocks left unnamed. The caller
// holds putMu, so the plan stays true until written.
func (s *Store) planWithdrawal(cids []cid.Cid) (*withdrawPlan, error) {
	p := &withdrawPlan{}
	err := s.view(func(txn *badger.Txn) error {
		seeds := make(map[string]map[string]bool) // document key → revisions asked
		docs := make(map[string]cid.Cid)
		for _, c := range cids {
			if !isRevisionCID(c) {
				continue
			}
			v, err := getValue(txn, infoKey(c))
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read revision %s: %w", c, err)
			}
			info, err := decodeRevInfo(v)
			if err != nil {
				return err
			}
			k := info.doc.KeyString()
			if seeds[k] == nil {
				seeds[k] = make(map[string]bool)
				docs[k] = info.doc
			}
			seeds[k][c.KeyString()] = true
		}
		dropped := make(map[string]cid.Cid)
		removed := make(map[string]bool)
		for k, id := range docs {
			w, err := planDoc(txn, id, seeds[k])
			if err != nil {
				return err
			}
			p.docs = append(p.docs, w)
			maps.Copy(dropped, w.dropped)
			for _, r := range w.removed {
				removed[r.cid.KeyString()] = true
			}
		}
		for _, w := range p.docs {
			for k := range w.kept {
				delete(dropped, k)
			}
		}
		var err error
		p.blocks, err = unnamedBlocks(txn, dropped, removed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan withdrawal: %w", err)
	}
	slices.SortFunc(p.docs, func(a, b *withdrawal) int { return strings.Compare(a.text, b.text) })
	return p, nil
}

// planDoc reads every revision of document id in clock order, removes
// those of seeds (CID keys) and their descendants, and replays the
// others into the document's new state. Parents have lower clocks than
// their children, so a revision is read after its parents.
func planDoc(txn *badger.Txn, id cid.Cid, seeds map[string]bool) (*withdrawal, error) {
	old, err := readState(txn, id)
	if err != nil {
		return nil, err
	}
	w := &withdrawal{id: id, text: old.text, old: old, dropped: make(map[string]cid.Cid), kept: make(map[string]cid.Cid)}
	gone := make(map[string]bool)
	prefix := docRevsPrefix(old.text)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		r, err := parseRefKey(it.Item().Key()[len(prefix):])
		if err != nil {
			return nil, err
		}
		rev, err := readForRules(txn, r.cid)
		if err != nil {
			return nil, err
		}
		k := r.cid.KeyString()
		if seeds[k] || slices.ContainsFunc(rev.Parents, func(p cid.Cid) bool { return gone[p.KeyString()] }) {
			gone[k] = true
			w.removed = append(w.removed, r)
			addBlocks(w.dropped, rev)
			continue
		}
		addBlocks(w.kept, rev)
		switch {
		case w.new != nil:
			w.new.apply(r, rev)
		case rev.Doc.Defined():
			// Every revision but the first names parents, so the
			// first has the lowest clock.
			return nil, corruptf("document %s: revision %s comes before its first", id, r.cid)
		default:
			w.new = newDocState(r, rev)
		}
	}
	return w, nil
}

// addBlocks adds to m the attachment blocks rev names.
func addBlocks(m map[string]cid.Cid, rev *protocol.Revision) {
	for _, a := range rev.Attachments {
		for _, b := range a.Blocks {
			m[b.KeyString()] = b
		}
	}
}

// revisionBlocksPrefix is the start of the b/ keys of revisions: a
// CIDv1 begins with its version, then its codec, and every revision is
// dag-cbor. Raw blocks sort before them (codec 0x55 < 0x71).
var revisionBlocksPrefix = binary.AppendUvarint(binary.AppendUvarint([]byte(prefixBlock), 1), protocol.CodecDagCBOR)

// unnamedBlocks returns those of candidates that are held and that no
// revision held names, leaving out the revisions of skip (CID keys).
// It reads every revision block once, and stops when every candidate
// is named. A revision names a block by the block's CID bytes in its
// encoding, so it looks for those bytes instead of decoding each
// revision; bytes that merely happened to match (a chance of 2^-256)
// would keep a block: the safe side.
func unnamedBlocks(txn *badger.Txn, candidates map[string]cid.Cid, skip map[string]bool) ([]cid.Cid, error) {
	for k, c := range candidates {
		if held, err := exists(txn, blockKey(c)); err != nil {
			return nil, fmt.Errorf("read block %s: %w", c, err)
		} else if !held {
			delete(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	prefix := revisionBlocksPrefix
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix) && len(candidates) > 0; it.Next() {
		item := it.Item()
		if skip[string(item.Key()[len(prefixBlock):])] {
			continue
		}
		err := item.Value(func(v []byte) error {
			for k, c := range candidates {
				if bytes.Contains(v, c.Bytes()) {
					delete(candidates, k)
				}
			}
			return nil
		})
		if err != nil {
			return nil, storageError("read revision blocks", err)
		}
	}
	out := slices.Collect(maps.Values(candidates))
	slices.SortFunc(out, func(a, b cid.Cid) int { return strings.Compare(a.KeyString(), b.KeyString()) })
	return out, nil
}

// commitWithdrawal writes ws and the removal of blocks in one
// transaction: for each removed revision, the deletion of its block,
// info, document and clock index entries; for each document, its new
// state and update index entry (or their deletion) and a change log
// record; the counts. It returns errTxnTooBig if they do not fit.
func (s *Store) commitWithdrawal(ws []*withdrawal, blocks []cid.Cid) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.db == nil {
		return ErrClosed
	}
	keys := len(blocks)
	for _, w := range ws {
		keys += 4*len(w.removed) + 3
	}
	// A deletion writes its key, about 64 bytes with badger's own.
	if err := s.RoomFor(fmt.Sprintf("withdraw revisions of %d documents", len(ws)), 64*keys); err != nil {
		return err
	}
	s.mu.Lock()
	changeSeq, cnt := s.changeSeq, s.counts
	s.mu.Unlock()

	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	set := func(k, v []byte) error { return writeError(txn.Set(k, v)) }
	del := func(k []byte) error { return writeError(txn.Delete(k)) }
	for _, w := range ws {
		for _, r := range w.removed {
			for _, k := range [][]byte{blockKey(r.cid), infoKey(r.cid), docRevKey(w.text, r), clockKey(r)} {
				if err := del(k); err != nil {
					return err
				}
			}
		}
		cnt.revisions -= uint64(len(w.removed))
		if w.old.retract.cid.Defined() && (w.new == nil || !w.new.retract.cid.Defined()) {
			cnt.retracted--
		}
		switch {
		case w.new == nil:
			cnt.docs--
			if err := del(stateKey(w.text)); err != nil {
				return err
			}
			if err := del(updatedKey(w.old.updated, w.text)); err != nil {
				return err
			}
		default:
			rec, err := w.new.encode()
			if err != nil {
				return err
			}
			if err := set(stateKey(w.text), rec); err != nil {
				return err
			}
			if w.new.updated != w.old.updated {
				if err := del(updatedKey(w.old.updated, w.text)); err != nil {
					return err
				}
				if err := set(updatedKey(w.new.updated, w.text), nil); err != nil {
					return err
				}
			}
		}
		changeSeq++
		if err := set(logKey(changeSeq), encodeRemoval(w.id, appendItems(nil, w.removed))); err != nil {
			return err
		}
	}
	for _, b := range blocks {
		if err := del(blockKey(b)); err != nil {
			return err
		}
	}
	if len(ws) == 0 {
		return storageError(fmt.Sprintf("commit the removal of %d attachment blocks", len(blocks)), txn.Commit())
	}
	if err := set([]byte(keyCounts), cnt.encode()); err != nil {
		return err
	}
	// The transaction's iterators see its own deletions.
	var maxClock protocol.Clock
	if k, ok := lastKeyWith(txn, []byte(prefixClock)); ok {
		r, err := parseRefKey(k[len(prefixClock):])
		if err != nil {
			return err
		}
		maxClock = r.clock
	}
	if err := txn.Commit(); err != nil {
		return storageError(fmt.Sprintf("commit the withdrawal of revisions of %d documents", len(ws)), err)
	}

	s.mu.Lock()
	s.changeSeq, s.counts, s.maxClock = changeSeq, cnt, maxClock
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// RevisionsOf calls fn for every revision held of author with a clock
// from from (inclusive) until until (exclusive), in (clock, CID) order:
// what a closed network withdraws when the author is no longer
// vouched for in that span (docs/protocol.md §4.4).
//
// The store keeps no index by author: RevisionsOf walks the clock
// index over the span and reads every revision in it, of any author,
// decoding only those whose bytes hold the author's key, so its cost
// is that of reading the revisions of the span (the whole store for
// the span [0, protocol.Clock max)). An error from fn stops the walk
// and is returned as is; fn runs with no transaction open.
func (s *Store) RevisionsOf(author protocol.AuthorKey, from, until protocol.Clock, fn func(protocol.Clock, cid.Cid) error) error {
	if until <= from {
		return nil
	}
	prefix := []byte(prefixClock)
	err := s.scanKeys(scan{prefix: prefix, from: key(prefix, be64(uint64(from)))}, func(k, _ []byte) error {
		r, err := parseRefKey(k[len(prefix):])
		if err != nil {
			return err
		}
		if r.clock >= until {
			return errEndOfSpan
		}
		var rev *protocol.Revision
		err = s.view(func(txn *badger.Txn) error {
			data, err := getValue(txn, blockKey(r.cid))
			if errors.Is(err, ErrNotFound) {
				// An erased revision: its stub names its author.
				e, ok, eerr := readErasure(txn, r.cid)
				if eerr != nil || !ok || e.Stub == nil {
					return errors.Join(eerr, err)
				}
				rev = e.Stub
				return nil
			}
			if err != nil || !bytes.Contains(data, author[:]) {
				return err
			}
			if rev, err = protocol.DecodeRevision(data); err != nil {
				return fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			return nil
		})
		if errors.Is(err, ErrNotFound) {
			return nil // withdrawn since the page was read
		}
		if err != nil {
			return fmt.Errorf("read revision %s: %w", r.cid, err)
		}
		if rev == nil || rev.Author != author {
			return nil
		}
		return callback(fn(r.clock, r.cid))
	})
	if errors.Is(err, errEndOfSpan) {
		return nil
	}
	return iterationError(err, fmt.Sprintf("list revisions of %s from clock %d until %d", author, from, until))
}

// errEndOfSpan stops RevisionsOf's walk past its span.
var errEndOfSpan = errors.New("store: end of span")
