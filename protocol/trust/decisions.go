package trust

import (
	"cmp"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// DecisionInfo is a decision that counts (docs/protocol.md, §4.12).
type DecisionInfo struct {
	Decision
	CID    cid.Cid
	Issuer Key // the signer: a coordinator's node key, or the author's key when ByAuthor
	Clock  protocol.Clock
	// ByAuthor marks an author's erasure of personal data from their
	// own revisions: it applies only to the revisions Issuer signed
	// (AppliesTo), and is no coordinator's to follow or not.
	ByAuthor bool
}

// ReportInfo is a report that counts (docs/protocol.md, §4.13).
type ReportInfo struct {
	Report
	CID   cid.Cid
	Node  Key // the member node that signed it, on behalf of one of its accounts
	Clock protocol.Clock
}

// Moderation is what the moderation records of a network mean: the
// decisions and reports that count. It is immutable and safe for
// concurrent use.
type Moderation struct {
	network   string
	decisions []DecisionInfo // by clock, then CID
	reports   []ReportInfo   // by clock, then CID
}

// FoldModeration computes, from moderation records held, in any order
// and of any network, the decisions and reports of the network of r
// that count (docs/protocol.md, §4.12, §4.13): each is judged by
// Roster.Entitled, at its own point of the replay, so that a
// decision signed after its signer stopped coordinating counts for
// nothing however early it arrived. Records of other kinds or
// networks are ignored, and so is a record given twice. Like Fold, it
// is a pure function of the set: O(n log n) in the records given.
func FoldModeration(r *Roster, records []Record) *Moderation {
	m := &Moderation{network: r.Network()}
	var recs []Record
	for _, rec := range records {
		if rec.Network != m.network {
			continue
		}
		switch rec.Body = pointer(rec.Body); rec.Body.(type) {
		case *Decision, *Report:
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, compareRecords)
	for i, rec := range recs {
		if i > 0 && rec.CID.Equals(recs[i-1].CID) {
			continue
		}
		byAuthor, err := r.Entitled(rec)
		if err != nil {
			continue
		}
		switch b := rec.Body.(type) {
		case *Decision:
			d := *b
			d.Revisions = slices.Clone(b.Revisions)
			m.decisions = append(m.decisions, DecisionInfo{Decision: d, CID: rec.CID, Issuer: rec.Signer, Clock: rec.Clock, ByAuthor: byAuthor})
		case *Report:
			m.reports = append(m.reports, ReportInfo{Report: *b, CID: rec.CID, Node: rec.Signer, Clock: rec.Clock})
		}
	}
	return m
}

func compareRecords(a, b Record) int {
	return cmp.Or(cmp.Compare(a.Clock, b.Clock), cmp.Compare(a.CID.KeyString(), b.CID.KeyString()))
}

// Entitled returns nil when the signer of rec may make it at its
// clock, and otherwise an error with protocol.CodeNotEntitled that
// names the record, the signer and the rule (docs/protocol.md, §4.12,
// §4.13):
//
//   - a decision, if its signer is a coordinator at its point of the
//     replay (CoordinatorAt); or, for an erasure of personal data
//     only, if its signer is an author with a certificate at its clock
//     (CertifiedAt), or any author in an open network: byAuthor is
//     then true;
//   - a report, if its signer is an active node at its point of the
//     replay (ActiveAt).
//
// Records of other kinds are the fold's (§4.3): nil. rec belongs to
// r's network; the caller checks that (Record.CheckNetwork).
func (r *Roster) Entitled(rec Record) (byAuthor bool, err error) {
	switch b := pointer(rec.Body).(type) {
	case *Decision:
		if r.CoordinatorAt(rec.Signer, rec.Clock, rec.CID) {
			return false, nil
		}
		if b.Action != ActionErase || b.Category != CategoryPersonalData {
			return false, protocol.Errorf(protocol.CodeNotEntitled,
				"decision %s: %s is not a coordinator of network %s at the decision's clock: only a coordinator's node publishes a decision (an author, only the erasure of personal data from their own revisions)",
				rec.CID, rec.Signer.Short(), r.network)
		}
		if r.CertifiedAt(rec.Signer, rec.Clock) || r.open && r.hasCharter && rec.Clock >= r.charterClock {
			return true, nil
		}
		return false, protocol.Errorf(protocol.CodeNotEntitled,
			"decision %s: %s is neither a coordinator of network %s nor an author with a certificate at the decision's clock: an author erases personal data from their own revisions while a member node certifies them",
			rec.CID, rec.Signer.Short(), r.network)
	case *Report:
		if r.ActiveAt(rec.Signer, rec.Clock, rec.CID) {
			return false, nil
		}
		return false, protocol.Errorf(protocol.CodeNotEntitled,
			"report %s: node %s is not an active node of network %s at the report's clock: a report is signed by the node of the person who reports, a member",
			rec.CID, rec.Signer.Short(), r.network)
	}
	return false, nil
}

// Network returns the network whose records m holds.
func (m *Moderation) Network() string {
	if m == nil {
		return ""
	}
	return m.network
}

// Decisions returns the decisions that count, by clock then CID.
func (m *Moderation) Decisions() []DecisionInfo {
	if m == nil {
		return nil
	}
	out := slices.Clone(m.decisions)
	for i := range out {
		out[i].Revisions = slices.Clone(out[i].Revisions)
	}
	return out
}

// Reports returns the reports that count, by clock then CID.
func (m *Moderation) Reports() []ReportInfo {
	if m == nil {
		return nil
	}
	return slices.Clone(m.reports)
}

// The targets of moderation acts, the keys of what Resolve returns.
func EntryTarget(doc string) string    { return "entry:" + doc }
func RevisionTarget(rev string) string { return "revision:" + rev }
func AuthorTarget(k Key) string        { return "author:" + k.String() }

// Targets returns what d acts on: the entry (EntryTarget) for a hide
// or unhide of all of it, its revision (RevisionTarget) for a hide or
// unhide of one, the author (AuthorTarget) for a block or unblock, and
// each revision named for an erasure.
func (d DecisionInfo) Targets() []string {
	switch d.Action {
	case ActionHide, ActionUnhide:
		if len(d.Revisions) > 0 {
			return []string{RevisionTarget(d.Revisions[0])}
		}
		return []string{EntryTarget(d.Entry)}
	case ActionBlockAuthor, ActionUnblockAuthor:
		return []string{AuthorTarget(d.Author)}
	case ActionErase:
		out := make([]string, len(d.Revisions))
		for i, r := range d.Revisions {
			out[i] = RevisionTarget(r)
		}
		return out
	}
	return nil
}

// AppliesTo reports whether d applies to a revision signed by author:
// a coordinator's decision to any, an author's erasure (ByAuthor) only
// to the revisions that author signed (docs/protocol.md, §4.12).
func (d DecisionInfo) AppliesTo(author Key) bool {
	return !d.ByAuthor || author == d.Issuer
}

// Resolve returns, for each target (Targets), the latest decision
// among decisions whose issuer follow accepts (nil follows every
// issuer): the highest (clock, CID), whatever the order of decisions.
// An unhide after a hide of the same target is what the target maps
// to, and cancels it; so does an unblock-author after a
// block-author. A hide of one revision and a hide of its entry are two
// targets. Erasures are left out: they are final, an unhide does not
// undo them, and those that apply are every one followed (and every
// author's own, AppliesTo).
func Resolve(decisions []DecisionInfo, follow func(issuer Key) bool) map[string]DecisionInfo {
	out := make(map[string]DecisionInfo)
	for _, d := range decisions {
		if d.Action == ActionErase || d.ByAuthor || follow != nil && !follow(d.Issuer) {
			continue
		}
		for _, t := range d.Targets() {
			if prev, ok := out[t]; ok && cmp.Or(cmp.Compare(prev.Clock, d.Clock), cmp.Compare(prev.CID.KeyString(), d.CID.KeyString())) >= 0 {
				continue
			}
			out[t] = d
		}
	}
	return out
}
