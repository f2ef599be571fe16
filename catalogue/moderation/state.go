package moderation

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// State is what a node's moderation hides and blocks: for each target,
// the act that has the last word. It is never changed once made; a new
// act makes a new State.
type State struct {
	// effective is, per target, the act in force: the node's own last
	// act on it if it has any, else the last followed one.
	effective map[string]Act
}

// Effective returns the state that the node's own acts (local, in the
// journal's order) and the shared decisions it follows (followed, as
// acts: By the issuer's node key, Decision their CID) make. Target by
// target, the node's own last act wins over any followed one, so that
// a local unhide undoes a followed hide; among followed acts, the
// latest by Time wins (the caller may pass them resolved already,
// trust.Resolve's way). Invalid acts count for nothing; erase acts
// hide nothing here (the catalogue erases).
func Effective(local, followed []Act) *State {
	s := &State{effective: make(map[string]Act)}
	for _, a := range followed {
		if a.Check() != nil || a.Action == trust.ActionErase {
			continue
		}
		if prev, ok := s.effective[a.Target]; ok && prev.Time.After(a.Time) {
			continue
		}
		s.effective[a.Target] = a
	}
	for _, a := range local {
		if a.Check() != nil || a.Action == trust.ActionErase {
			continue
		}
		s.effective[a.Target] = a
	}
	return s
}

// on returns the act in force on target if its action is action.
func (s *State) on(target string, action trust.Action) (Act, bool) {
	if s == nil {
		return Act{}, false
	}
	a, ok := s.effective[target]
	if !ok || a.Action != action {
		return Act{}, false
	}
	return a, true
}

// HiddenEntry returns the act that hides document doc, if one does.
func (s *State) HiddenEntry(doc cid.Cid) (Act, bool) {
	return s.on(EntryTarget(doc), trust.ActionHide)
}

// HiddenRevision returns the act that hides revision rev, if one does.
func (s *State) HiddenRevision(rev cid.Cid) (Act, bool) {
	return s.on(RevisionTarget(rev), trust.ActionHide)
}

// BlockedAuthor returns the act that blocks author k, if one does.
func (s *State) BlockedAuthor(k protocol.AuthorKey) (Act, bool) {
	return s.on(AuthorTarget(k), trust.ActionBlockAuthor)
}

// BlockedNode returns the act that blocks node k, if one does.
func (s *State) BlockedNode(k protocol.AuthorKey) (Act, bool) {
	return s.on(NodeTarget(k), trust.ActionBlockNode)
}

// InForce returns the acts that hide or block something now: hides,
// blocks of authors and of nodes, by time.
func (s *State) InForce() []Act {
	if s == nil {
		return nil
	}
	var out []Act
	for _, a := range s.effective {
		switch a.Action {
		case trust.ActionHide, trust.ActionBlockAuthor, trust.ActionBlockNode:
			out = append(out, a)
		}
	}
	sortActs(out)
	return out
}

// Empty reports whether the state hides and blocks nothing.
func (s *State) Empty() bool { return len(s.InForce()) == 0 }

// Moderator is a node's moderation: its journal, the decisions it
// follows, and whoever takes the state they make (the catalogue's
// SetModeration), told at once of every change. It is safe for
// concurrent use.
type Moderator struct {
	journal *Journal
	apply   func(*State)
	now     func() time.Time

	mu       sync.Mutex // guards followed and state, and orders apply's calls
	followed []Act
	state    *State
}

// New returns the moderation of journal, which hands its state to
// apply now and at every change; now is the wall clock (nil:
// time.Now).
func New(journal *Journal, apply func(*State), now func() time.Time) *Moderator {
	if now == nil {
		now = time.Now
	}
	m := &Moderator{journal: journal, apply: apply, now: now}
	m.mu.Lock()
	m.updateLocked()
	m.mu.Unlock()
	return m
}

func (m *Moderator) updateLocked() {
	m.state = Effective(m.journal.Acts(), m.followed)
	if m.apply != nil {
		m.apply(m.state)
	}
}

// Act records a in the journal, stamped with the time now if it has
// none, and applies the new state before it returns. It returns the
// act as recorded.
func (m *Moderator) Act(a Act) (Act, error) {
	if a.Time.IsZero() {
		a.Time = m.now().UTC()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.journal.Append(a); err != nil {
		return Act{}, err
	}
	m.updateLocked()
	return a, nil
}

// SetFollowed replaces the shared decisions the node follows, as acts,
// and applies the new state.
func (m *Moderator) SetFollowed(followed []Act) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.followed = append([]Act(nil), followed...)
	m.updateLocked()
}

// State returns the state in force.
func (m *Moderator) State() *State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state
}

// Journal returns the node's own acts, oldest first.
func (m *Moderator) Journal() []Act { return m.journal.Acts() }

// Followed returns the shared decisions followed, as given to
// SetFollowed.
func (m *Moderator) Followed() []Act {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Act(nil), m.followed...)
}

// sortActs orders acts by time, then target.
func sortActs(acts []Act) {
	slices.SortFunc(acts, func(a, b Act) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Target, b.Target))
	})
}

// Follow is whose shared decisions a node follows (config.yaml,
// moderation.follow): every coordinator of its network (All), none, or
// the coordinators named (Keys). Only decisions that the network's
// roster entitles count at all (trust.Resolve); Follow picks among
// them.
type Follow struct {
	All  bool
	Keys []protocol.AuthorKey
}

// ParseFollow reads the value of moderation.follow: "all", "none", or
// a list of node keys (ed25519:…).
func ParseFollow(word string, keys []string) (Follow, error) {
	if keys != nil {
		f := Follow{Keys: make([]protocol.AuthorKey, 0, len(keys))}
		for _, s := range keys {
			k, err := protocol.ParseAuthorKey(s)
			if err != nil {
				return Follow{}, fmt.Errorf("moderation.follow: %q is not a node key (ed25519:…, as mutu members --json prints it)", s)
			}
			f.Keys = append(f.Keys, k)
		}
		return f, nil
	}
	switch word {
	case "all", "":
		return Follow{All: true}, nil
	case "none":
		return Follow{}, nil
	}
	return Follow{}, fmt.Errorf("moderation.follow is %q: give all, none, or a list of coordinators' node keys", word)
}

// Follows reports whether the node follows the decisions of issuer.
func (f Follow) Follows(issuer protocol.AuthorKey) bool {
	return f.All || slices.Contains(f.Keys, issuer)
}
