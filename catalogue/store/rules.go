package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"
	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// pending is a revision of a Put call that keeps the rules.
type pending struct {
	ref   ref
	doc   cid.Cid // the document's ID; ref.cid for a first revision
	v     protocol.Verified
	first bool
}

// plan is the outcome of checking a Put call against the store: what
// to write, and why the rest is refused.
type plan struct {
	accepted []*pending // in clock order, so parents come first
	errs     []error    // by index in the call; nil if accepted or held
	firstErr error      // the first refusal in clock order
	// initial holds the stored state of every existing document the
	// call touches, before the call.
	initial map[string]*docState
}

// planner checks the revisions of one call, in clock order, against
// the store as read in txn plus the revisions of the call accepted so
// far.
type planner struct {
	txn      *badger.Txn
	revs     []protocol.Verified
	inCall   map[string]int       // CID key → index of its first occurrence in revs
	accepted map[string]revInfo   // revisions of the call accepted so far
	infos    map[string]revInfo   // revisions read from the store
	states   map[string]*docState // working state of every document touched
	decoded  map[string]*protocol.Revision
	p        *plan
}

// plan checks revs; it returns an error only if the store cannot be
// read. The caller holds putMu, so the plan stays true until written.
func (s *Store) plan(revs []protocol.Verified) (*plan, error) {
	p := &plan{errs: make([]error, len(revs)), initial: make(map[string]*docState)}
	order := make([]int, 0, len(revs))
	pl := &planner{
		revs:     revs,
		inCall:   make(map[string]int, len(revs)),
		accepted: make(map[string]revInfo, len(revs)),
		infos:    make(map[string]revInfo),
		states:   make(map[string]*docState),
		decoded:  make(map[string]*protocol.Revision),
		p:        p,
	}
	for i, v := range revs {
		if err := checkShape(v, s.maxValue); err != nil {
			p.errs[i] = &RevisionError{CID: v.Block.CID, Err: err}
			continue
		}
		k := v.Block.CID.KeyString()
		if _, dup := pl.inCall[k]; !dup {
			pl.inCall[k] = i
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return compareRefs(ref{revs[a].Rev.Clock, revs[a].Block.CID}, ref{revs[b].Rev.Clock, revs[b].Block.CID})
	})
	err := s.view(func(txn *badger.Txn) error {
		pl.txn = txn
		for _, i := range order {
			if err := pl.add(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Duplicates share the fate of their first occurrence.
	for i, v := range revs {
		if p.errs[i] == nil && v.Rev != nil {
			if j := pl.inCall[v.Block.CID.KeyString()]; j != i {
				p.errs[i] = p.errs[j]
			}
		}
	}
	if p.firstErr == nil {
		for _, e := range p.errs {
			if e != nil {
				p.firstErr = e
				break
			}
		}
	}
	return p, nil
}

// checkShape refuses what a protocol.Verified revision cannot be; the store
// does not check signatures or hashes again.
func checkShape(v protocol.Verified, maxValue int) error {
	switch {
	case v.Rev == nil:
		return protocol.Errorf(protocol.CodeInvalid, "no decoded revision")
	case !isRevisionCID(v.Block.CID):
		return protocol.Errorf(protocol.CodeBadCID, "a revision CID must be a dag-cbor CID")
	case len(v.Block.Data) == 0:
		return protocol.Errorf(protocol.CodeMalformed, "empty revision block")
	case len(v.Block.Data) > min(maxValue, protocol.MaxRevisionSize):
		return protocol.Errorf(protocol.CodeTooLarge, "revision is %d bytes, limit %d", len(v.Block.Data), min(maxValue, protocol.MaxRevisionSize))
	}
	return nil
}

// add checks revision i and, if it keeps the rules, applies it to the
// working state.
func (pl *planner) add(i int) error {
	v := pl.revs[i]
	c, rev := v.Block.CID, v.Rev
	if err := refuseErased(pl.txn, c); err != nil {
		if protocol.CodeOf(err) != protocol.CodeErased {
			return err
		}
		pl.p.errs[i] = &RevisionError{CID: c, Err: err}
		if pl.p.firstErr == nil {
			pl.p.firstErr = pl.p.errs[i]
		}
		return nil
	}
	held, err := pl.held(c)
	if err != nil || held {
		return err
	}
	r := ref{clock: rev.Clock, cid: c}
	if !rev.Doc.Defined() {
		st := newDocState(r, rev)
		pl.states[c.KeyString()] = st
		pl.accept(i, &pending{ref: r, doc: c, v: v, first: true})
		return nil
	}
	ruleErr, err := pl.check(rev, r)
	if err != nil {
		return err
	}
	if ruleErr != nil {
		pl.p.errs[i] = &RevisionError{CID: c, Err: ruleErr}
		if pl.p.firstErr == nil {
			pl.p.firstErr = pl.p.errs[i]
		}
		return nil
	}
	pl.states[rev.Doc.KeyString()].apply(r, rev)
	pl.accept(i, &pending{ref: r, doc: rev.Doc, v: v})
	return nil
}

func (pl *planner) accept(i int, pd *pending) {
	pl.accepted[pd.ref.cid.KeyString()] = revInfo{clock: pd.ref.clock, retract: pd.v.Rev.Op == protocol.OpRetract, doc: pd.doc}
	pl.p.accepted = append(pl.p.accepted, pd)
}

// check applies the DAG rules to a revision that is not a first one.
// It returns the rule broken, or an error if the store cannot be read.
func (pl *planner) check(rev *protocol.Revision, r ref) (rule error, err error) {
	st, err := pl.state(rev.Doc)
	if err != nil {
		return nil, err
	}
	var missing []cid.Cid
	if st == nil {
		// The document ID may name a revision that is held but is not
		// a first revision.
		if info, ok, err := pl.info(rev.Doc); err != nil {
			return nil, err
		} else if ok && !info.doc.Equals(rev.Doc) {
			return protocol.Errorf(protocol.CodeInvalid, "document ID %s names a revision that is not the first of a document", rev.Doc), nil
		}
		missing = append(missing, rev.Doc)
	}
	parents := make([]revInfo, len(rev.Parents))
	for j, pc := range rev.Parents {
		info, ok, err := pl.info(pc)
		if err != nil {
			return nil, err
		}
		if ok {
			parents[j] = info
			continue
		}
		// A parent later in the call's clock order has a clock that
		// is not below this revision's.
		if k, in := pl.inCall[pc.KeyString()]; in && pl.revs[k].Rev.Clock >= rev.Clock {
			return protocol.Errorf(protocol.CodeInvalid, "clock %d is not after the clock %d of parent %s", rev.Clock, pl.revs[k].Rev.Clock, pc), nil
		}
		if !slices.ContainsFunc(missing, pc.Equals) {
			missing = append(missing, pc)
		}
	}
	if len(missing) > 0 {
		return &MissingParentError{Missing: missing}, nil
	}
	for j, info := range parents {
		if !info.doc.Equals(rev.Doc) {
			return protocol.Errorf(protocol.CodeInvalid, "parent %s belongs to document %s, not %s", rev.Parents[j], info.doc, rev.Doc), nil
		}
		if info.clock >= rev.Clock {
			return protocol.Errorf(protocol.CodeInvalid, "clock %d is not after the clock %d of parent %s", rev.Clock, info.clock, rev.Parents[j]), nil
		}
	}
	if rev.Author == st.author {
		return nil, nil
	}
	// An editor may revise the document, but only its author says who
	// edits it: an editor's put keeps the list of the parent naming it.
	named := false
	for _, pc := range rev.Parents {
		prev, err := pl.revision(pc)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(prev.Editors, rev.Author) {
			continue
		}
		if rev.Op == protocol.OpRetract || slices.Equal(prev.Editors, rev.Editors) {
			return nil, nil
		}
		named = true
	}
	if named {
		return protocol.Errorf(protocol.CodeNotAuthorized, "%s edits document %s but changes its editors, which only its author %s may do", rev.Author, rev.Doc, st.author), nil
	}
	return protocol.Errorf(protocol.CodeNotAuthorized, "%s is neither the author of document %s nor an editor named by a parent", rev.Author, rev.Doc), nil
}

// held reports whether revision c is stored, or was accepted earlier
// in the call.
func (pl *planner) held(c cid.Cid) (bool, error) {
	if _, ok := pl.accepted[c.KeyString()]; ok {
		return true, nil
	}
	_, ok, err := pl.info(c)
	return ok, err
}

// info returns what the store, or the call so far, knows of revision c.
func (pl *planner) info(c cid.Cid) (revInfo, bool, error) {
	k := c.KeyString()
	if info, ok := pl.accepted[k]; ok {
		return info, true, nil
	}
	if info, ok := pl.infos[k]; ok {
		return info, true, nil
	}
	v, err := getValue(pl.txn, infoKey(c))
	if errors.Is(err, ErrNotFound) {
		return revInfo{}, false, nil
	}
	if err != nil {
		return revInfo{}, false, fmt.Errorf("read revision %s: %w", c, err)
	}
	info, err := decodeRevInfo(v)
	if err != nil {
		return revInfo{}, false, err
	}
	pl.infos[k] = info
	return info, true, nil
}

// state returns the working state of document id, read from the store
// the first time; nil if the document is not held.
func (pl *planner) state(id cid.Cid) (*docState, error) {
	k := id.KeyString()
	if st, ok := pl.states[k]; ok {
		return st, nil
	}
	st, err := readState(pl.txn, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pl.p.initial[k] = st.clone()
	pl.states[k] = st
	return st, nil
}

// revision returns parent c decoded, from the call or from the store.
// Only the authorship rule needs it, for authors other than the
// document's.
func (pl *planner) revision(c cid.Cid) (*protocol.Revision, error) {
	k := c.KeyString()
	if i, ok := pl.inCall[k]; ok {
		if _, acc := pl.accepted[k]; acc {
			return pl.revs[i].Rev, nil
		}
	}
	if rev, ok := pl.decoded[k]; ok {
		return rev, nil
	}
	rev, err := readForRules(pl.txn, c)
	if err != nil {
		return nil, err
	}
	pl.decoded[k] = rev
	return rev, nil
}

// readState reads the stored state of document id.
func readState(txn *badger.Txn, id cid.Cid) (*docState, error) {
	text := id.String()
	v, err := getValue(txn, stateKey(text))
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", text, err)
	}
	return decodeDocState(id, text, v)
}

// compareRefs orders refs by clock then CID, oldest first.
func compareRefs(a, b ref) int {
	return cmp.Or(cmp.Compare(a.clock, b.clock), cmp.Compare(a.cid.KeyString(), b.cid.KeyString()))
}
