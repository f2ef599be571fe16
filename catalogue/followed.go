package catalogue

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol/trust"
)

// FollowedActs returns the shared decisions in force that a node
// following f applies (docs/protocol.md §4.12): per target, the latest
// hide, unhide, block or unblock by a followed coordinator, as
// moderation acts for moderation.Moderator.SetFollowed, ordered by
// target. Erasures are not among them: ApplyErasures carries them out.
func (c *Catalogue) FollowedActs(f moderation.Follow) []moderation.Act {
	inForce := trust.Resolve(c.Moderation().Decisions(), f.Follows)
	acts := make([]moderation.Act, 0, len(inForce))
	for target, d := range inForce {
		a := moderation.Act{
			Time: d.Clock.Time(), By: d.Issuer.String(), Action: d.Action, Target: target,
			Category: d.Category, Reason: d.Reason, Decision: d.CID.String(),
		}
		if kind, _ := moderation.SplitTarget(target); kind == moderation.TargetRevision {
			a.Entry = d.Entry
		}
		acts = append(acts, a)
	}
	slices.SortFunc(acts, func(a, b moderation.Act) int { return strings.Compare(a.Target, b.Target) })
	return acts
}

// ApplyErasures erases the revisions named by every erasure that
// applies on a node following f and that it has not carried out yet:
// those of the coordinators it follows, and every author's erasure of
// their own revisions (docs/protocol.md §4.14). A revision an author
// erasure names is erased once it is held and known to be theirs; a
// revision a coordinator's erasure names is entered in the erased set
// even if it never arrived, so that it never will. It returns how many
// revisions it erased.
func (c *Catalogue) ApplyErasures(ctx context.Context, f moderation.Follow) (int, error) {
	n := 0
	for _, d := range c.Moderation().Decisions() {
		if d.Action != trust.ActionErase || !(d.ByAuthor || f.Follows(d.Issuer)) {
			continue
		}
		revs, err := c.toErase(d)
		if err != nil {
			return n, err
		}
		if len(revs) == 0 {
			continue
		}
		if err := c.Erase(ctx, revs, ErasedBy{Decision: d.CID, Time: d.Clock.Time(), Category: d.Category}); err != nil {
			return n, fmt.Errorf("apply erasure %s: %w", d.CID, err)
		}
		n += len(revs)
	}
	return n, nil
}

// toErase returns the revisions of erasure d not erased yet that d
// applies to on this node.
func (c *Catalogue) toErase(d trust.DecisionInfo) ([]cid.Cid, error) {
	var revs []cid.Cid
	for _, s := range d.Revisions {
		k, err := cid.Decode(s)
		if err != nil {
			continue // Decode refused such a record; nothing to erase
		}
		if _, done, err := c.Erased(k); err != nil {
			return nil, err
		} else if done {
			continue
		}
		if d.ByAuthor {
			r, _, err := c.revisionOrStub(k)
			if err != nil || !d.AppliesTo(r.Author) {
				continue // not held yet, or another author's
			}
		}
		revs = append(revs, k)
	}
	return revs, nil
}
