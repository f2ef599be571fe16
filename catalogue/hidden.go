package catalogue

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// A node's moderation (package moderation) hides entries from readers:
// those hidden whole, those whose shown revision is hidden, those of a
// blocked author (who created them or signed their shown revision), and
// those of the authors a blocked node certifies. The catalogue takes
// the moderation's state (SetModeration) and keeps the documents it
// hides, each with the act that hides it; List, Search and Counts leave
// them out, Get and Version name the act. It refuses a blocked
// author's new revisions on every write path (judge). Hidden entries
// are still held, served to peers and exported: hiding is this node's
// view, not the network's (erasure is).
//
// hiddenHeld is that set.
type hiddenHeld struct {
	mu      sync.RWMutex // guards the fields below; those that change them hold writeMu too
	state   *moderation.State
	authors map[protocol.AuthorKey]moderation.Act // blocked authors, and those certified by a blocked node
	docs    map[cid.Cid]moderation.Act            // documents hidden, held or not
	ids     []string                              // docs' IDs in text, for searches
	version atomic.Uint64                         // changes at every change of docs
}

// SetModeration makes s the moderation state of the catalogue: from
// its return on, what s hides is absent from lists, searches and
// counts, and what s blocks is refused. nil hides nothing.
// moderation.Moderator calls it at each act and each change of the
// decisions followed.
func (c *Catalogue) SetModeration(s *moderation.State) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mod.mu.Lock()
	c.mod.state = s
	c.mod.mu.Unlock()
	if err := c.hideAllLocked(); err != nil {
		c.log.Error("moderation not applied to every entry", "err", err)
	}
}

// ModerationState returns the state SetModeration gave; nil if none.
func (c *Catalogue) ModerationState() *moderation.State {
	c.mod.mu.RLock()
	defer c.mod.mu.RUnlock()
	return c.mod.state
}

// ModerationVersion changes whenever what the moderation hides does:
// pages that keep lists key them with it.
func (c *Catalogue) ModerationVersion() uint64 { return c.mod.version.Load() }

// Hidden returns the act that hides document id from readers, if any.
func (c *Catalogue) Hidden(id cid.Cid) (moderation.Act, bool) {
	c.mod.mu.RLock()
	defer c.mod.mu.RUnlock()
	a, ok := c.mod.docs[id]
	return a, ok
}

// isHidden reports whether document id is hidden from readers.
func (h *hiddenHeld) isHidden(id cid.Cid) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, ok := h.docs[id]
	return ok
}

// hiddenIDs returns the IDs of the documents hidden, for a search.
func (h *hiddenHeld) hiddenIDs() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.ids
}

// blocked returns the act that blocks author k's new revisions.
func (h *hiddenHeld) blocked(k protocol.AuthorKey) (moderation.Act, bool) {
	h.mu.RLock()
	s := h.state
	h.mu.RUnlock()
	return s.BlockedAuthor(k)
}

// hideAllLocked computes again, from the state, the roster and every
// document held, what is hidden. The caller holds writeMu.
func (c *Catalogue) hideAllLocked() error {
	h := &c.mod
	h.mu.RLock()
	s := h.state
	h.mu.RUnlock()
	authors := hiddenAuthors(s, c.Roster())
	docs := make(map[cid.Cid]moderation.Act)
	revHidden := false
	for _, a := range s.InForce() {
		kind, value := moderation.SplitTarget(a.Target)
		switch kind {
		case moderation.TargetEntry:
			if id, err := cid.Parse(value); err == nil {
				docs[id] = a
			}
		case moderation.TargetRevision:
			revHidden = true
		}
	}
	var err error
	if len(authors) > 0 || revHidden {
		err = c.store.Docs(func(d *store.Doc) error {
			if a, ok := docHidden(s, authors, d); ok {
				docs[d.ID] = a
			}
			return nil
		}, store.IncludeRetracted(), store.WithRevisions())
		if err != nil {
			err = fmt.Errorf("catalogue: read entries to hide: %w", err)
		}
	}
	h.mu.Lock()
	h.authors, h.docs = authors, docs
	h.refreshLocked()
	h.mu.Unlock()
	return err
}

// refreshLocked updates ids and version from docs. The caller holds
// mu.
func (h *hiddenHeld) refreshLocked() {
	ids := make([]string, 0, len(h.docs))
	for id := range h.docs {
		ids = append(ids, id.String())
	}
	slices.Sort(ids)
	h.ids = ids
	h.version.Add(1)
}

// hiddenAuthors returns the authors whose entries s hides: those it
// blocks, and those whom a node it blocks certifies (roster r), each
// with the act.
func hiddenAuthors(s *moderation.State, r *trust.Roster) map[protocol.AuthorKey]moderation.Act {
	out := make(map[protocol.AuthorKey]moderation.Act)
	for _, a := range s.InForce() {
		kind, value := moderation.SplitTarget(a.Target)
		k, err := protocol.ParseAuthorKey(value)
		if err != nil {
			continue
		}
		switch kind {
		case moderation.TargetAuthor:
			out[k] = a
		case moderation.TargetNode:
			if r == nil {
				continue
			}
			for _, cert := range r.Certificates() {
				if cert.Issuer == k {
					if _, ok := out[cert.Author]; !ok {
						out[cert.Author] = a
					}
				}
			}
		}
	}
	return out
}

// docHidden returns the act that hides d, if one does: d hidden whole,
// its shown revision hidden, or its author or the author of its shown
// revision among authors. d.Rev is read.
func docHidden(s *moderation.State, authors map[protocol.AuthorKey]moderation.Act, d *store.Doc) (moderation.Act, bool) {
	if a, ok := s.HiddenEntry(d.ID); ok {
		return a, true
	}
	if d.Winner.Defined() {
		if a, ok := s.HiddenRevision(d.Winner); ok {
			return a, true
		}
	}
	if a, ok := authors[d.Author]; ok {
		return a, true
	}
	if d.Rev != nil {
		if a, ok := authors[d.Rev.Author]; ok {
			return a, true
		}
	}
	return moderation.Act{}, false
}

// hideStored updates what is hidden after revs were stored: their
// documents may now show a hidden revision, or one of a hidden author,
// or be the first revision of a document hidden by name. When the
// roster changed (rosterChanged) and the state blocks nodes, every
// document is looked at again: the nodes may certify other authors.
// The caller holds writeMu.
func (c *Catalogue) hideStored(revs []protocol.Verified, added map[cid.Cid]bool, rosterChanged bool) {
	h := &c.mod
	h.mu.RLock()
	s := h.state
	h.mu.RUnlock()
	if s.Empty() {
		return
	}
	if rosterChanged {
		for _, a := range s.InForce() {
			if kind, _ := moderation.SplitTarget(a.Target); kind == moderation.TargetNode {
				if err := c.hideAllLocked(); err != nil {
					c.log.Error("moderation not applied to every entry", "err", err)
				}
				return
			}
		}
	}
	h.mu.RLock()
	authors := h.authors
	h.mu.RUnlock()
	seen := make(map[cid.Cid]bool)
	changed := make(map[cid.Cid]*moderation.Act)
	for _, v := range revs {
		if !added[v.CID] || trust.IsTrust(v.Rev) {
			continue
		}
		id := v.Rev.Doc
		if !id.Defined() {
			id = v.CID
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		d, err := c.store.Doc(id)
		if err != nil {
			continue
		}
		if a, ok := docHidden(s, authors, d); ok {
			changed[id] = &a
		} else {
			changed[id] = nil
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	diff := false
	for id, a := range changed {
		prev, was := h.docs[id]
		switch {
		case a != nil && (!was || prev != *a):
			h.docs[id], diff = *a, true
		case a == nil && was:
			delete(h.docs, id)
			diff = true
		}
	}
	if diff {
		h.refreshLocked()
	}
}

// blockedRevision is the refusal of a revision whose author the
// node's moderation blocks: no fault of the peer that sent it.
func blockedRevision(v protocol.Verified, a moderation.Act) error {
	return protocol.Errorf(protocol.CodeBlocked, "author %s of revision %s is blocked by this node's moderation since %s (%s): its revisions are not stored",
		v.Rev.Author.Short(), v.CID, a.Time.UTC().Format("2006-01-02"), a.Category.Label())
}

// blockedAuthor is the refusal of a local write by an author the
// node's moderation blocks.
func blockedAuthor(k protocol.AuthorKey, a moderation.Act) error {
	return errorf(protocol.ErrBlocked, "author %s is blocked by this node's moderation (by %s on %s, %s: %s): nothing they sign is stored here; "+
		"the operator lifts it with `mutu moderate unblock-author %s`", k, a.By, a.Time.UTC().Format("2006-01-02"), a.Category.Label(), a.Reason, k)
}
