package api

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Moderation is the node's own moderation as the command line asks
// for it (docs/operator.md, "Moderation"). Local and Client serve it.
type Moderation interface {
	// Moderate records a moderation act of the node's operator, and
	// with req.Network publishes it as a shared decision first.
	Moderate(ctx context.Context, req ModerateRequest) (*moderation.Act, error)
	// ModerationJournal returns the node's moderation journal, oldest
	// act first.
	ModerationJournal(ctx context.Context) ([]moderation.Act, error)
}

var (
	_ Moderation = (*Local)(nil)
	_ Moderation = (*Client)(nil)
)

// ModerateRequest is a moderation act asked of the node.
type ModerateRequest struct {
	Action trust.Action `json:"action"`
	// Target is an entry's ID (whole, short, or a unique prefix) for
	// hide and unhide, an author key for block-author and
	// unblock-author, a node key for block-node and unblock-node (keys
	// as ed25519:…).
	Target string `json:"target"`
	// Revision, for hide and unhide, names one revision of the entry
	// (its CID or a unique prefix); "" for the whole entry.
	Revision string         `json:"revision,omitempty"`
	Category trust.Category `json:"category"`
	Reason   string         `json:"reason"`
	// Network publishes the act as a decision of the network's
	// coordinators (trust.Decision), signed with this node's key: only
	// a coordinator's node may.
	Network bool `json:"network,omitempty"`
}

// Moderate records a moderation act of the operator.
func (l *Local) Moderate(ctx context.Context, req ModerateRequest) (*moderation.Act, error) {
	if l.Moderation == nil {
		return nil, fmt.Errorf("%w: this node keeps no moderation journal", ErrOffline)
	}
	if req.Action == trust.ActionErase {
		return EraseAs(ctx, l.Cat, l.Moderation, l.NodeKey, l.Author, moderation.Operator, req)
	}
	return ModerateAs(ctx, l.Cat, l.Moderation, l.NodeKey, moderation.Operator, req)
}

// ModerationJournal returns the node's moderation journal.
func (l *Local) ModerationJournal(ctx context.Context) ([]moderation.Act, error) {
	if l.Moderation == nil {
		return []moderation.Act{}, nil
	}
	acts := l.Moderation.Journal()
	if acts == nil {
		acts = []moderation.Act{}
	}
	return acts, nil
}

// ModerateAs records an act of by (moderation.Operator or a web
// account's name) in m, with the target of req resolved in cat: an
// entry's whole ID, a revision's whole CID. With req.Network, the act
// is first published as a decision signed by nodeKey, which must be a
// coordinator's, and the act records the decision's CID.
func ModerateAs(ctx context.Context, cat *catalogue.Catalogue, m *moderation.Moderator, nodeKey ed25519.PrivateKey, by string, req ModerateRequest) (*moderation.Act, error) {
	a := moderation.Act{By: by, Action: req.Action, Category: req.Category, Reason: strings.TrimSpace(req.Reason)}
	d := trust.Decision{Action: req.Action, Category: req.Category, Reason: a.Reason}
	target := strings.TrimSpace(req.Target)
	switch req.Action {
	case trust.ActionHide, trust.ActionUnhide:
		id, err := cat.Resolve(target)
		if err != nil {
			return nil, err
		}
		a.Target, d.Entry = moderation.EntryTarget(id), id.String()
		if req.Revision != "" {
			v, err := cat.Version(id, req.Revision)
			if err != nil {
				return nil, err
			}
			a.Target, a.Entry = moderation.RevisionTarget(v.CID), id.String()
			d.Revisions = []string{v.CID.String()}
		}
	case trust.ActionBlockAuthor, trust.ActionUnblockAuthor, trust.ActionBlockNode, trust.ActionUnblockNode:
		if req.Revision != "" {
			return nil, inputErrorf("--revision goes with hide and unhide only")
		}
		k, err := protocol.ParseAuthorKey(target)
		if err != nil {
			what := "an author key"
			if req.Action == trust.ActionBlockNode || req.Action == trust.ActionUnblockNode {
				what = "a node key (mutu members --json lists them)"
			}
			return nil, inputErrorf("%q is not %s: give it as ed25519:…", target, what)
		}
		if req.Action == trust.ActionBlockNode || req.Action == trust.ActionUnblockNode {
			a.Target = moderation.NodeTarget(k)
		} else {
			a.Target, d.Author = moderation.AuthorTarget(k), k
		}
	case trust.ActionErase:
		return nil, inputErrorf("an erasure removes content from every node: the node's operator makes it, with `mutu moderate erase`")
	default:
		return nil, inputErrorf("unknown moderation action %q: want hide, unhide, block-author, unblock-author, block-node or unblock-node", req.Action)
	}
	if err := checkWhy(req.Category, a.Reason); err != nil {
		return nil, err
	}
	if req.Network {
		if req.Action == trust.ActionBlockNode || req.Action == trust.ActionUnblockNode {
			return nil, inputErrorf("a node is not blocked for the whole network by a decision: a coordinator revokes it (mutu members revoke NODE)")
		}
		if err := checkCoordinator(cat, nodeKey); err != nil {
			return nil, err
		}
		rec, err := cat.AddTrust(ctx, nodeKey, &d)
		if err != nil {
			return nil, err
		}
		a.Decision = rec.CID.String()
	}
	if req.Action == trust.ActionBlockNode {
		report, err := askRevocation(ctx, cat, nodeKey, target, a)
		if err != nil {
			return nil, err
		}
		a.Report = report
	}
	done, err := m.Act(a) // checked above: what fails now is the journal's disk
	if err != nil {
		return nil, err
	}
	return &done, nil
}

// Moderate asks the daemon to record a moderation act.
func (c *Client) Moderate(ctx context.Context, req ModerateRequest) (*moderation.Act, error) {
	var out moderation.Act
	return &out, c.do(ctx, http.MethodPost, "/api/v1/moderation", req, &out)
}

// ModerationJournal reads the daemon's moderation journal.
func (c *Client) ModerationJournal(ctx context.Context) ([]moderation.Act, error) {
	var out []moderation.Act
	return out, c.do(ctx, http.MethodGet, "/api/v1/moderation/journal", nil, &out)
}

// moderation returns the service's Moderation, or answers 503.
func (h *handler) moderation(w http.ResponseWriter) Moderation {
	m, ok := h.svc.(Moderation)
	if !ok {
		h.fail(w, &Error{Kind: KindUnavailable, Message: "this node serves no moderation"})
		return nil
	}
	return m
}

func (h *handler) moderate(w http.ResponseWriter, r *http.Request) {
	m := h.moderation(w)
	if m == nil {
		return
	}
	var req ModerateRequest
	if err := decodeSmall(w, r, &req); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := m.Moderate(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) moderationJournal(w http.ResponseWriter, r *http.Request) {
	if m := h.moderation(w); m != nil {
		out, err := m.ModerationJournal(r.Context())
		h.reply(w, out, err)
	}
}

// checkWhy checks the category and the reason of a moderation act.
func checkWhy(category trust.Category, reason string) error {
	if !category.Valid() {
		return inputErrorf("category %q is not one of %s", category, moderation.CategoryList())
	}
	if reason == "" {
		return inputErrorf("the reason is missing: say in a few words why (it is kept in the moderation journal)")
	}
	if n := len([]rune(reason)); n > moderation.MaxReason {
		return inputErrorf("the reason is %d characters, over %d: shorten it", n, moderation.MaxReason)
	}
	return nil
}

// checkCoordinator returns ErrNotCoordinator unless nodeKey is a
// coordinator's of cat's closed network.
func checkCoordinator(cat *catalogue.Catalogue, nodeKey ed25519.PrivateKey) error {
	r := cat.Roster()
	if !r.Closed() {
		return fmt.Errorf("%w: the network %s is open, it has none; --network needs a closed network", ErrNotCoordinator, r.Network())
	}
	if nodeKey == nil || !r.Coordinator(protocol.PublicKey(nodeKey)) {
		return fmt.Errorf("%w: this node is not one (see mutu network); without --network the act applies to this node only", ErrNotCoordinator)
	}
	return nil
}

// EraseAs erases the content of an entry's revisions (all those not
// erased yet, or req.Revision alone) on this node at once and on every
// node that applies the decision it publishes (docs/protocol.md
// §4.12, §4.14): with req.Network, a coordinator's decision signed by
// nodeKey; without, the author's erasure of their own revisions,
// signed by author, for personal data only. The act is kept in m's
// journal with the decision's CID.
func EraseAs(ctx context.Context, cat *catalogue.Catalogue, m *moderation.Moderator, nodeKey, author ed25519.PrivateKey, by string, req ModerateRequest) (*moderation.Act, error) {
	id, err := cat.Resolve(strings.TrimSpace(req.Target))
	if err != nil {
		return nil, err
	}
	a := moderation.Act{By: by, Action: trust.ActionErase, Target: moderation.EntryTarget(id), Category: req.Category, Reason: strings.TrimSpace(req.Reason)}
	if err := checkWhy(req.Category, a.Reason); err != nil {
		return nil, err
	}
	signer := author
	if req.Network {
		if err := checkCoordinator(cat, nodeKey); err != nil {
			return nil, err
		}
		signer = nodeKey
	} else if req.Category != trust.CategoryPersonalData {
		return nil, inputErrorf("without --network, only an entry's author erases it, and only for personal data (--category %s); a coordinator erases with --network, and `mutu moderate hide` hides it on this node", trust.CategoryPersonalData)
	}
	var only cid.Cid
	if req.Revision != "" {
		v, err := cat.Version(id, req.Revision)
		if err != nil {
			return nil, err
		}
		only = v.CID
		a.Target, a.Entry = moderation.RevisionTarget(v.CID), id.String()
	}
	hist, err := cat.History(id)
	if err != nil {
		return nil, err
	}
	var revs []cid.Cid
	for _, h := range hist {
		if h.Erased != nil || (only.Defined() && h.CID != only) || (!req.Network && h.Author != protocol.PublicKey(author)) {
			continue
		}
		revs = append(revs, h.CID)
	}
	switch {
	case len(revs) == 0 && !req.Network:
		return nil, inputErrorf("no revision of %s left to erase is yours: only its author, or a coordinator with --network, erases it", id)
	case len(revs) == 0:
		return nil, inputErrorf("the content of %s is erased already", id)
	case len(revs) > trust.MaxErased:
		return nil, inputErrorf("%s has %d revisions to erase, and one erasure names at most %d: erase them in parts with --revision", id, len(revs), trust.MaxErased)
	}
	d := trust.Decision{Action: trust.ActionErase, Entry: id.String(), Category: req.Category, Reason: a.Reason}
	for _, r := range revs {
		d.Revisions = append(d.Revisions, r.String())
	}
	rec, err := cat.AddTrust(ctx, signer, &d)
	if err != nil {
		return nil, err
	}
	a.Decision = rec.CID.String()
	if err := cat.Erase(ctx, revs, catalogue.ErasedBy{Decision: rec.CID, Time: rec.Clock.Time(), Category: req.Category}); err != nil {
		return nil, err
	}
	done, err := m.Act(a)
	if err != nil {
		return nil, err
	}
	return &done, nil
}

// askRevocation asks the coordinators of cat's closed network, by a
// report signed with nodeKey (docs/protocol.md §4.13), to revoke the
// node that act blocks here, and returns the report's CID: "" when
// there is no one to ask (an open network, a node that is not active,
// or this node not a member).
func askRevocation(ctx context.Context, cat *catalogue.Catalogue, nodeKey ed25519.PrivateKey, target string, a moderation.Act) (string, error) {
	r := cat.Roster()
	k, err := protocol.ParseAuthorKey(target)
	if err != nil || !r.Closed() || nodeKey == nil || !r.Active(protocol.PublicKey(nodeKey)) || !r.Active(k) {
		return "", nil
	}
	rec, err := cat.AddTrust(ctx, nodeKey, &trust.Report{Node: k, Category: a.Category, Comment: a.Reason})
	if err != nil {
		return "", fmt.Errorf("ask the coordinators to revoke node %s: %w", k, err)
	}
	return rec.CID.String(), nil
}
