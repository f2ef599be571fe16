package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// memCatalogue is an in-memory Catalogue for the node's tests. It
// really verifies what it stores (protocol.Verify and
// protocol.CheckCID), refuses a revision whose parents or document are
// not held with a *protocol.MissingError, walks revisions in (clock,
// CID) order, and keeps a change feed of what it stored. It is a test
// double for the node's logic; the real store is exercised by the
// end-to-end tests.
type memCatalogue struct {
	mu    sync.Mutex // guards every field below
	revs  map[cid.Cid]memRev
	order []reconcile.Item // sorted when !dirty
	dirty bool
	// feed lists the revisions stored, in the order stored; position p
	// of the feed is after feed[:p]. changed is closed and replaced
	// when it grows.
	feed    []reconcile.Item
	changed chan struct{}
	blocks  map[cid.Cid][]byte
	// gate, when set, is called by AddRevisions before it stores
	// anything; an error it returns is returned as is.
	gate func(ctx context.Context, held int) error
	// onAdd, when set, is called with every revision newly stored.
	onAdd func(cid.Cid)
	// onStore, when set, is called after AddVerified with the
	// revisions it stored, outside the lock (memtrust_test.go).
	onStore func([]protocol.Verified)
	adds    int // AddRevisions calls
	// maxAddBytes is the most revision bytes one AddVerified call was
	// given: what the node held at once to store them.
	maxAddBytes int
}

type memRev struct {
	data []byte
	rev  *protocol.Revision
}

var _ Catalogue = (*memCatalogue)(nil)

func newMemCatalogue() *memCatalogue {
	return &memCatalogue{revs: make(map[cid.Cid]memRev), blocks: make(map[cid.Cid][]byte), changed: make(chan struct{})}
}

// rejectedError lists refused revisions, like catalogue.RejectedError.
type rejectedError struct{ errs []error }

func (e *rejectedError) Error() string {
	return fmt.Sprintf("%d revisions refused: %v", len(e.errs), errors.Join(e.errs...))
}
func (e *rejectedError) Unwrap() []error { return e.errs }

// AddRevisions verifies blocks and stores the valid ones, as the real
// catalogue does: tests preload catalogues with it.
func (m *memCatalogue) AddRevisions(ctx context.Context, blocks []protocol.Block) ([]cid.Cid, error) {
	var revs []protocol.Verified
	var errs []error
	for _, b := range blocks {
		v, err := protocol.Verify(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		revs = append(revs, v)
	}
	added, err := m.AddVerified(ctx, revs)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return added, &rejectedError{errs}
	}
	return added, nil
}

func (m *memCatalogue) AddVerified(ctx context.Context, revs []protocol.Verified) ([]cid.Cid, error) {
	size := 0
	for _, v := range revs {
		size += len(v.Data)
	}
	m.mu.Lock()
	gate, held := m.gate, len(m.revs)
	m.adds++
	m.maxAddBytes = max(m.maxAddBytes, size)
	m.mu.Unlock()
	if gate != nil {
		if err := gate(ctx, held); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	var stored []protocol.Verified
	onStore := m.onStore
	defer func() {
		m.mu.Unlock()
		if onStore != nil && len(stored) > 0 {
			onStore(stored)
		}
	}()
	var added []cid.Cid
	var errs []error
	for _, v := range revs {
		b, rev := v.Block, v.Rev
		if _, ok := m.revs[b.CID]; ok {
			continue
		}
		var missing []cid.Cid
		for _, p := range rev.Parents {
			if _, ok := m.revs[p]; !ok {
				missing = append(missing, p)
			}
		}
		if rev.Doc.Defined() {
			if _, ok := m.revs[rev.Doc]; !ok && !slices.Contains(missing, rev.Doc) {
				missing = append(missing, rev.Doc)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("revision %s: %w", b.CID, &protocol.MissingError{CIDs: missing}))
			continue
		}
		m.revs[b.CID] = memRev{data: b.Data, rev: rev}
		m.order = append(m.order, reconcile.Item{Clock: rev.Clock, ID: b.CID})
		m.feed = append(m.feed, reconcile.Item{Clock: rev.Clock, ID: b.CID})
		m.dirty = true
		added = append(added, b.CID)
		stored = append(stored, v)
		if m.onAdd != nil {
			m.onAdd(b.CID)
		}
	}
	if len(added) > 0 {
		close(m.changed)
		m.changed = make(chan struct{})
	}
	if len(errs) > 0 {
		return added, &rejectedError{errs}
	}
	return added, nil
}

func (m *memCatalogue) FeedPosition() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.feed))
}

func (m *memCatalogue) Follow(ctx context.Context, after uint64, limit int) (FeedBatch, uint64, error) {
	for {
		m.mu.Lock()
		changed := m.changed
		if end := uint64(len(m.feed)); after < end {
			next := min(end, after+uint64(limit))
			out := slices.Clone(m.feed[after:next])
			m.mu.Unlock()
			return FeedBatch{Added: out}, next, nil
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return FeedBatch{}, after, ctx.Err()
		case <-changed:
		}
	}
}

func (m *memCatalogue) AddBlocks(ctx context.Context, blocks []protocol.Block) error {
	for _, b := range blocks {
		if err := checkBlock(b); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range blocks {
		m.blocks[b.CID] = b.Data
	}
	return nil
}

func (m *memCatalogue) Block(ctx context.Context, c cid.Cid) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.revs[c]; ok {
		return r.data, nil
	}
	if b, ok := m.blocks[c]; ok {
		return b, nil
	}
	return nil, protocol.Errorf(protocol.CodeNotFound, "%s not held", c)
}

func (m *memCatalogue) Has(ctx context.Context, c cid.Cid) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.revs[c]
	_, ok2 := m.blocks[c]
	return ok || ok2, nil
}

func (m *memCatalogue) RevisionsByClock(ctx context.Context, after protocol.Clock, afterCID cid.Cid, fn func(protocol.Clock, cid.Cid) error) error {
	m.mu.Lock()
	if m.dirty {
		slices.SortFunc(m.order, reconcile.Item.Compare)
		m.dirty = false
	}
	order := m.order[:len(m.order):len(m.order)]
	m.mu.Unlock()
	start := 0
	if afterCID.Defined() {
		cursor := reconcile.Item{Clock: after, ID: afterCID}
		start, _ = slices.BinarySearchFunc(order, cursor, reconcile.Item.Compare)
		if start < len(order) && order[start].Compare(cursor) == 0 {
			start++
		}
	}
	for _, it := range order[start:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(it.Clock, it.ID); err != nil {
			return err
		}
	}
	return nil
}

func (m *memCatalogue) MissingBlocks(ctx context.Context) ([]MissingBlock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []MissingBlock
	for c, r := range m.revs {
		var total uint64
		for _, a := range r.rev.Attachments {
			total += a.Size
		}
		doc := r.rev.Doc
		if !doc.Defined() {
			doc = c
		}
		for _, a := range r.rev.Attachments {
			for _, b := range a.Blocks {
				if _, ok := m.blocks[b]; !ok {
					out = append(out, MissingBlock{CID: b, Doc: doc, AttachmentSize: a.Size, EntrySize: total})
				}
			}
		}
	}
	return out, nil
}

// len returns the number of revisions held.
func (m *memCatalogue) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.revs)
}

// cids returns the held revisions, sorted.
func (m *memCatalogue) cids() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.revs))
	for c := range m.revs {
		out = append(out, c.String())
	}
	slices.Sort(out)
	return out
}

// hasBlock reports whether a raw block is held.
func (m *memCatalogue) hasBlock(c cid.Cid) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blocks[c]
	return ok
}

// largestAdd returns maxAddBytes.
func (m *memCatalogue) largestAdd() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxAddBytes
}

// setGate installs a gate (see memCatalogue.gate).
func (m *memCatalogue) setGate(g func(ctx context.Context, held int) error) {
	m.mu.Lock()
	m.gate = g
	m.mu.Unlock()
}
