package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// maxProblems caps the problems Check reports.
const maxProblems = 20

// Check verifies the whole store, for `mutu check` and for tests: every
// block matches its CID; every document's state is what its revisions
// give when replayed by the DAG rules; every revision has its block,
// info, document and clock index entries and nothing else is indexed;
// the counts, the update index, the authors' sequence numbers and the
// change log agree: it names every document held, and the revisions
// its records stored minus those they withdrew are the revisions held
// (unless it holds records of format 1, which list no revision). An
// author's sequence number may be above those of the revisions held,
// and kept for an author with none: Withdraw leaves them. It blocks
// Put and Withdraw while it runs and reads every block.
// The error wraps ErrCorrupt and lists the first problems found.
func (s *Store) Check() error {
	s.putMu.Lock()
	defer s.putMu.Unlock()
	c := &checker{s: s, seqs: make(map[protocol.AuthorKey]uint64), logged: make(map[string]bool), held: make(map[string]protocol.Clock)}
	steps := []func() error{c.docs, c.indexes, c.blocks, c.authors, c.changeLog}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("check store %s: %w", s.dir, err)
		}
	}
	if len(c.problems) > 0 {
		return fmt.Errorf("check store %s: %w: %w", s.dir, ErrCorrupt, errors.Join(c.problems...))
	}
	return nil
}

type checker struct {
	s        *Store
	problems []error
	docCount uint64
	// retractedCount counts the documents whose stored state is
	// retracted.
	retractedCount uint64
	revCount       uint64 // revisions found through documents
	erased         uint64 // of those, the erased ones (a stub, no block)
	seqs           map[protocol.AuthorKey]uint64
	logged         map[string]bool           // documents named by the change log
	held           map[string]protocol.Clock // every revision found through documents, by CID key
	docIDs         []cid.Cid                 // every document held
}

func (c *checker) problem(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	}
}

// docs replays every document and compares the result with its state.
func (c *checker) docs() error {
	prefix := []byte(prefixState)
	return c.s.scanKeys(scan{prefix: prefix, values: true}, func(k, v []byte) error {
		c.docCount++
		id, err := cid.Decode(string(k[len(prefix):]))
		if err != nil {
			c.problem("document key %q: %v", k, err)
			return nil
		}
		c.docIDs = append(c.docIDs, id)
		stored, err := decodeDocState(id, string(k[len(prefix):]), v)
		if err != nil {
			c.problem("%v", err)
			return nil
		}
		if stored.retract.cid.Defined() {
			c.retractedCount++
		}
		replayed, err := c.replay(id)
		if err != nil || replayed == nil {
			return err
		}
		if !replayed.equal(stored) {
			c.problem("document %s: stored state %+v, its revisions give %+v", id, *stored.doc(), *replayed.doc())
		}
		return c.s.view(func(txn *badger.Txn) error {
			ok, err := exists(txn, updatedKey(stored.updated, stored.text))
			if err == nil && !ok {
				c.problem("document %s: missing from the update index", id)
			}
			return err
		})
	})
}

// replay rebuilds the state of document id from its revisions, in
// clock order, checking each against the DAG rules and its indexes.
func (c *checker) replay(id cid.Cid) (*docState, error) {
	var (
		st      *docState
		editors = make(map[string][]protocol.AuthorKey)
		prefix  = docRevsPrefix(id.String())
	)
	err := c.s.scanKeys(scan{prefix: prefix}, func(k, _ []byte) error {
		r, err := parseRefKey(k[len(prefix):])
		if err != nil {
			c.problem("document %s: %v", id, err)
			return nil
		}
		c.revCount++
		c.held[r.cid.KeyString()] = r.clock
		return c.s.view(func(txn *badger.Txn) error {
			rev, ok, err := c.revision(txn, id, r)
			if err != nil || !ok {
				return err
			}
			if st == nil {
				if !r.cid.Equals(id) || rev.Doc.Defined() {
					c.problem("document %s: its oldest revision %s is not its first", id, r.cid)
					return nil
				}
				st = newDocState(r, rev)
			} else {
				if !rev.Doc.Equals(id) {
					c.problem("revision %s: indexed under document %s, names %s", r.cid, id, rev.Doc)
					return nil
				}
				allowed := rev.Author == st.author
				for _, p := range rev.Parents {
					pe, held := editors[p.KeyString()]
					if !held {
						c.problem("revision %s: parent %s is not an older revision of document %s", r.cid, p, id)
					}
					allowed = allowed || slices.Contains(pe, rev.Author)
				}
				if !allowed {
					c.problem("revision %s: author %s may not revise document %s", r.cid, rev.Author, id)
				}
				st.apply(r, rev)
			}
			editors[r.cid.KeyString()] = rev.Editors
			c.seqs[rev.Author] = max(c.seqs[rev.Author], rev.Seq)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if st == nil {
		c.problem("document %s: a state but no revisions", id)
	}
	return st, nil
}

// revision reads and checks revision r of document id: its block, info
// and clock index entry.
func (c *checker) revision(txn *badger.Txn, id cid.Cid, r ref) (*protocol.Revision, bool, error) {
	v, err := getValue(txn, infoKey(r.cid))
	if errors.Is(err, ErrNotFound) {
		c.problem("revision %s of document %s: no info record", r.cid, id)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	info, err := decodeRevInfo(v)
	if err != nil {
		c.problem("revision %s: %v", r.cid, err)
		return nil, false, nil
	}
	if info.clock != r.clock || !info.doc.Equals(id) {
		c.problem("revision %s: info says clock %d of document %s, index says clock %d of %s", r.cid, info.clock, info.doc, r.clock, id)
	}
	if ok, err := exists(txn, clockKey(r)); err != nil {
		return nil, false, err
	} else if !ok {
		c.problem("revision %s: missing from the clock index", r.cid)
	}
	data, err := getValue(txn, blockKey(r.cid))
	if errors.Is(err, ErrNotFound) {
		e, erased, err := readErasure(txn, r.cid)
		switch {
		case err != nil:
			c.problem("revision %s: %v", r.cid, err)
		case !erased || e.Stub == nil:
			c.problem("revision %s: no block", r.cid)
		default:
			c.erased++
			if e.Stub.Clock != r.clock || (e.Stub.Op == protocol.OpRetract) != info.retract {
				c.problem("revision %s: clock or operation of its erased stub differ from its info record", r.cid)
			}
			return e.Stub, true, nil
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if err := protocol.CheckCID(r.cid, data); err != nil {
		c.problem("revision %s: %v", r.cid, err)
		return nil, false, nil
	}
	rev, err := protocol.DecodeRevision(data)
	if err != nil {
		c.problem("revision %s: %v", r.cid, err)
		return nil, false, nil
	}
	if rev.Clock != r.clock || (rev.Op == protocol.OpRetract) != info.retract {
		c.problem("revision %s: clock or operation differ from its info record", r.cid)
	}
	return rev, true, nil
}

// indexes checks that the info, clock and update indexes and the
// counts hold exactly the revisions and documents found by docs.
func (c *checker) indexes() error {
	for _, idx := range []struct {
		prefix string
		want   uint64
	}{
		{prefixInfo, c.revCount},
		{prefixClock, c.revCount},
		{prefixUpdated, c.docCount},
	} {
		n, err := c.count(idx.prefix)
		if err != nil {
			return err
		}
		if n != idx.want {
			c.problem("index %s has %d entries, the documents account for %d", idx.prefix, n, idx.want)
		}
	}
	return c.s.view(func(txn *badger.Txn) error {
		v, err := getValue(txn, []byte(keyCounts))
		if errors.Is(err, ErrNotFound) && c.revCount == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		got, err := decodeCounts(v)
		if err != nil || got != (counts{c.revCount, c.docCount, c.retractedCount}) {
			c.problem("counts record %x, found %d revisions, %d documents, %d retracted", v, c.revCount, c.docCount, c.retractedCount)
		}
		return nil
	})
}

func (c *checker) count(prefix string) (uint64, error) {
	var n uint64
	err := c.s.scanKeys(scan{prefix: []byte(prefix)}, func([]byte, []byte) error {
		n++
		return nil
	})
	return n, err
}

// blocks checks every raw block against its CID, and that every
// revision block was reached through a document.
func (c *checker) blocks() error {
	prefix := []byte(prefixBlock)
	var revBlocks uint64
	err := c.s.scanKeys(scan{prefix: prefix, values: true}, func(k, v []byte) error {
		id, err := cid.Cast(k[len(prefix):])
		if err != nil {
			c.problem("block key %x: %v", k, err)
			return nil
		}
		if isRevisionCID(id) {
			revBlocks++
			return nil
		}
		if err := protocol.CheckCID(id, v); err != nil {
			c.problem("block %s: %v", id, err)
		}
		return nil
	})
	if err == nil && revBlocks+c.erased != c.revCount {
		c.problem("%d revision blocks and %d erased, the documents account for %d", revBlocks, c.erased, c.revCount)
	}
	return err
}

// authors checks the highest sequence number kept for every author: it
// may be above the revisions held (some were withdrawn), never below.
func (c *checker) authors() error {
	kept := make(map[protocol.AuthorKey]bool)
	prefix := []byte(prefixAuthor)
	err := c.s.scanKeys(scan{prefix: prefix, values: true}, func(k, v []byte) error {
		var a protocol.AuthorKey
		if len(k) != len(prefix)+len(a) || len(v) != 8 {
			c.problem("author record %x", k)
			return nil
		}
		copy(a[:], k[len(prefix):])
		kept[a] = true
		if got, want := binary.BigEndian.Uint64(v), c.seqs[a]; got < want {
			c.problem("author %s: highest sequence number kept %d, revisions say %d", a, got, want)
		}
		return nil
	})
	for a := range c.seqs {
		if !kept[a] {
			c.problem("author %s: no sequence number kept", a)
		}
	}
	return err
}

// changeLog checks that the change log is dense, ends at ChangeSeq,
// names every document held, and that replaying it gives the revisions
// held.
func (c *checker) changeLog() error {
	var last uint64
	net := make(map[string]protocol.Clock)
	complete := true // no record of format 1
	err := c.s.ChangesSince(0, func(ch Change) error {
		if ch.Seq != last+1 {
			c.problem("change log jumps from %d to %d", last, ch.Seq)
		}
		last = ch.Seq
		c.logged[ch.Doc.KeyString()] = true
		if len(ch.Revs) == 0 && len(ch.Removed) == 0 && !ch.Erased {
			complete = false
		}
		for _, it := range ch.Revs {
			net[it.ID.KeyString()] = it.Clock
		}
		for _, it := range ch.Removed {
			if clock, ok := net[it.ID.KeyString()]; complete && (!ok || clock != it.Clock) {
				c.problem("change log record %d withdraws %s, which it does not hold", ch.Seq, it)
			}
			delete(net, it.ID.KeyString())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if last != c.s.ChangeSeq() {
		c.problem("change log ends at %d, the store counts %d", last, c.s.ChangeSeq())
	}
	for _, id := range c.docIDs {
		if !c.logged[id.KeyString()] {
			c.problem("document %s: not in the change log", id)
		}
	}
	if !complete {
		return nil
	}
	for k, clock := range net {
		if held, ok := c.held[k]; !ok || held != clock {
			c.problem("change log stores revision %d/%s, which is not held", clock, cidOfKey(k))
		}
	}
	for k, clock := range c.held {
		if _, ok := net[k]; !ok {
			c.problem("revision %d/%s is held but not in the change log", clock, cidOfKey(k))
		}
	}
	return nil
}

// cidOfKey returns the CID whose KeyString is k, for messages.
func cidOfKey(k string) cid.Cid {
	c, err := cid.Cast([]byte(k))
	if err != nil {
		return cid.Undef
	}
	return c
}
