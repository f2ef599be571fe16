// Package moderation holds a node's own moderation (docs/operator.md,
// "Moderation"): the acts of its operator and moderators, written to an
// append-only journal in the home, and the effective state they make
// with the shared decisions the node follows. The catalogue takes the
// state (catalogue.SetModeration) and leaves out of everything a
// reader sees what it hides.
package moderation

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Operator is who of an act done on the command line by the person who
// runs the node.
const Operator = "operator"

// MaxReason is the longest reason of an act, in characters: that of a
// shared decision (trust.MaxReason), so that any act may be published.
const MaxReason = trust.MaxReason

// The kinds of target, the part of Act.Target before the colon.
const (
	TargetEntry    = "entry"    // a document: "entry:<cid>"
	TargetRevision = "revision" // one revision of Act.Entry: "revision:<cid>"
	TargetAuthor   = "author"   // an author key: "author:ed25519:…"
	TargetNode     = "node"     // a node key: "node:ed25519:…"
)

// Act is one moderation act: one line of the journal, or a shared
// decision the node follows.
type Act struct {
	Time   time.Time    `json:"time"`
	By     string       `json:"by"` // Operator, an account name, or the node key of a decision's issuer
	Action trust.Action `json:"action"`
	// Target is what the act is about: "entry:<cid>", "revision:<cid>",
	// "author:<key>" or "node:<key>" (EntryTarget and the others make
	// them).
	Target string `json:"target"`
	// Entry is the document of a revision target.
	Entry    string         `json:"entry,omitempty"`
	Category trust.Category `json:"category"`
	Reason   string         `json:"reason"`
	// Decision is the CID of the shared decision (trust.Decision) that
	// published the act, or that the node follows; "" for a local act
	// kept to this node.
	Decision string `json:"decision,omitempty"`
	// Report is the CID of the report that asked the network's
	// coordinators to revoke the node a block-node act blocks, in a
	// closed network; "" otherwise.
	Report string `json:"report,omitempty"`
}

// EntryTarget names document doc.
func EntryTarget(doc cid.Cid) string { return TargetEntry + ":" + doc.String() }

// RevisionTarget names revision rev.
func RevisionTarget(rev cid.Cid) string { return TargetRevision + ":" + rev.String() }

// AuthorTarget names author key k.
func AuthorTarget(k protocol.AuthorKey) string { return TargetAuthor + ":" + k.String() }

// NodeTarget names node key k.
func NodeTarget(k protocol.AuthorKey) string { return TargetNode + ":" + k.String() }

// SplitTarget returns the kind and the value of a target.
func SplitTarget(target string) (kind, value string) {
	kind, value, _ = strings.Cut(target, ":")
	return kind, value
}

// targetsOf lists the kinds of target each action takes.
var targetsOf = map[trust.Action][]string{
	trust.ActionHide:          {TargetEntry, TargetRevision},
	trust.ActionUnhide:        {TargetEntry, TargetRevision},
	trust.ActionBlockAuthor:   {TargetAuthor},
	trust.ActionUnblockAuthor: {TargetAuthor},
	trust.ActionBlockNode:     {TargetNode},
	trust.ActionUnblockNode:   {TargetNode},
	trust.ActionErase:         {TargetEntry, TargetRevision},
}

// Check returns why a is not a valid act, naming the field and what to
// give instead, or nil.
func (a Act) Check() error {
	kinds, ok := targetsOf[a.Action]
	if !ok {
		return fmt.Errorf("moderation: unknown action %q: want hide, unhide, block-author, unblock-author, block-node, unblock-node or erase", a.Action)
	}
	if !a.Category.Valid() {
		return fmt.Errorf("moderation: unknown category %q: want one of %s", a.Category, CategoryList())
	}
	if strings.TrimSpace(a.Reason) == "" {
		return fmt.Errorf("moderation: the reason is empty: say in a few words why (it is kept in the journal)")
	}
	if n := utf8.RuneCountInString(a.Reason); n > MaxReason || !utf8.ValidString(a.Reason) {
		return fmt.Errorf("moderation: the reason is %d characters, over %d: shorten it", n, MaxReason)
	}
	if strings.TrimSpace(a.By) == "" {
		return fmt.Errorf("moderation: the act names nobody who did it")
	}
	if a.Time.IsZero() {
		return fmt.Errorf("moderation: the act has no time")
	}
	kind, value := SplitTarget(a.Target)
	if !contains(kinds, kind) {
		return fmt.Errorf("moderation: %s takes a target of kind %s, not %q", a.Action, strings.Join(kinds, " or "), a.Target)
	}
	switch kind {
	case TargetEntry, TargetRevision:
		if _, err := cid.Parse(value); err != nil {
			return fmt.Errorf("moderation: target %q: not a CID: %v", a.Target, err)
		}
		if kind == TargetRevision {
			if _, err := cid.Parse(a.Entry); err != nil {
				return fmt.Errorf("moderation: target %q: the entry of the revision is missing or not a CID (%q)", a.Target, a.Entry)
			}
		}
	case TargetAuthor, TargetNode:
		if _, err := protocol.ParseAuthorKey(value); err != nil {
			return fmt.Errorf("moderation: target %q: %v", a.Target, err)
		}
	}
	return nil
}

// CategoryList is the six categories as a command line takes them.
func CategoryList() string {
	s := make([]string, len(trust.Categories))
	for i, c := range trust.Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
