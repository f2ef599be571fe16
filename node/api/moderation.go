package api

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"strings"

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
		return nil, inputErrorf("erase is not a moderation act of this command: see `mutu moderate erase`")
	default:
		return nil, inputErrorf("unknown moderation action %q: want hide, unhide, block-author, unblock-author, block-node or unblock-node", req.Action)
	}
	if !req.Category.Valid() {
		return nil, inputErrorf("category %q is not one of %s", req.Category, moderation.CategoryList())
	}
	if a.Reason == "" {
		return nil, inputErrorf("the reason is missing: say in a few words why (it is kept in the moderation journal)")
	}
	if n := len([]rune(a.Reason)); n > moderation.MaxReason {
		return nil, inputErrorf("the reason is %d characters, over %d: shorten it", n, moderation.MaxReason)
	}
	if req.Network {
		if req.Action == trust.ActionBlockNode || req.Action == trust.ActionUnblockNode {
			return nil, inputErrorf("a node is not blocked for the whole network by a decision: a coordinator revokes it (mutu members revoke NODE)")
		}
		r := cat.Roster()
		if !r.Closed() {
			return nil, fmt.Errorf("%w: the network %s is open, it has none; --network needs a closed network", ErrNotCoordinator, r.Network())
		}
		if nodeKey == nil || !r.Coordinator(protocol.PublicKey(nodeKey)) {
			return nil, fmt.Errorf("%w: this node is not one (see mutu network); without --network the act applies to this node only", ErrNotCoordinator)
		}
		rec, err := cat.AddTrust(ctx, nodeKey, &d)
		if err != nil {
			return nil, err
		}
		a.Decision = rec.CID.String()
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
