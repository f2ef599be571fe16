package catalogue

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// The trust records of a network (docs/protocol.md, Part 4: its
// charter, admissions, certificates…) are revisions like entries, and
// reach the store by the same paths: a local write (AddTrust,
// CreateNetwork), a peer (AddVerified), a bundle. Every path that
// stores revisions goes through judge, then storeJudged, under
// writeMu:
//
//   - judge reads the trust records of the batch (trust.Decode),
//     refuses those of other networks, folds the others into the
//     roster with the records held, and only then judges the batch's
//     moderation records (decisions, reports: Roster.Entitled) and
//     entries against that roster: an admission entitles the
//     decisions, a certificate vouches for the entries, that come
//     with it;
//   - storeJudged stores what judge kept; once the store holds new
//     trust records, the roster is folded again from every record
//     held (trust.Fold, a pure function of the set), RosterChanged
//     fires, and what the new roster vouches for less than the old one
//     goes to withdraw; moderation is folded again
//     (trust.FoldModeration) and ModerationChanged fires. Decisions
//     and reports alone leave the roster as it was.
//
// Trust records are no entries: the catalogue keeps the IDs of their
// documents (each record is its own document) and leaves them out of
// lists, searches, counts and exports of entries. Bundles of the whole
// catalogue carry them, as the revisions they are.
//
// trustHeld is what the catalogue knows of the trust records it holds.
type trustHeld struct {
	mu      sync.RWMutex // guards the fields below; those that change them hold writeMu too
	loaded  bool
	network string
	records []trust.Record   // every trust record held, of any network, in the order stored
	ids     map[cid.Cid]bool // the records' CIDs, and those of a batch being stored: documents that are trust records
	roster  *trust.Roster
	changed chan struct{} // closed when roster changes
	mark    uint64        // the change log position the saved list covers
	saved   int           // records in the saved list: the first ones of records

	moderation *trust.Moderation // the decisions and reports of records that count, by roster
	modChanged chan struct{}     // closed when moderation is folded again
}

// isDoc reports whether document id is a trust record.
func (t *trustHeld) isDoc(id cid.Cid) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.ids[id]
}

// count returns the number of trust records held.
func (t *trustHeld) count() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.records)
}

// Network returns the identifier of the network the catalogue belongs
// to (docs/protocol.md, §4.1): a charter's CID in text, or the name of
// an open network made before charters.
func (c *Catalogue) Network() string {
	c.trust.mu.RLock()
	defer c.trust.mu.RUnlock()
	return c.trust.network
}

// Roster returns what the trust records held mean for the catalogue's
// network: its nodes, its certificates, who is vouched for. It is never
// nil, and is replaced, not changed, when records arrive.
func (c *Catalogue) Roster() *trust.Roster {
	c.trust.mu.RLock()
	defer c.trust.mu.RUnlock()
	return c.trust.roster
}

// RosterChanged returns a channel closed at the next change of the
// roster (new trust records, another network): take it, read Roster,
// then wait on it.
func (c *Catalogue) RosterChanged() <-chan struct{} {
	c.trust.mu.RLock()
	defer c.trust.mu.RUnlock()
	return c.trust.changed
}

// Moderation returns the moderation decisions and reports held that
// count in the catalogue's network (docs/protocol.md, §4.12, §4.13):
// trust.FoldModeration of the trust records held by the roster. It is
// never nil, and is replaced, not changed, when records arrive or the
// roster changes.
func (c *Catalogue) Moderation() *trust.Moderation {
	c.trust.mu.RLock()
	defer c.trust.mu.RUnlock()
	return c.trust.moderation
}

// ModerationChanged returns a channel closed when Moderation is folded
// again (new decisions or reports, or a new roster, which may change
// which count): take it, read Moderation, then wait on it.
func (c *Catalogue) ModerationChanged() <-chan struct{} {
	c.trust.mu.RLock()
	defer c.trust.mu.RUnlock()
	return c.trust.modChanged
}

// TrustRecords returns every trust record held, of the catalogue's
// network and of the networks that close it (docs/protocol.md, §4.9),
// by clock then CID: what `mutu network` and the Réseau page list.
// Roster tells what they mean.
func (c *Catalogue) TrustRecords() []trust.Record {
	c.trust.mu.RLock()
	out := slices.Clone(c.trust.records)
	c.trust.mu.RUnlock()
	slices.SortFunc(out, func(a, b trust.Record) int {
		return cmp.Or(cmp.Compare(a.Clock, b.Clock), cmp.Compare(a.CID.KeyString(), b.CID.KeyString()))
	})
	return out
}

// SetNetwork makes the catalogue a node of network id: after a join,
// or once an open network is closed (docs/protocol.md, §4.7 and §4.9).
// The roster is folded again for it from the trust records held, and
// what the catalogue holds that it does not vouch for is withdrawn.
// The caller records the network (in the home's config) for the next
// Open.
func (c *Catalogue) SetNetwork(ctx context.Context, id string) error {
	if id == "" {
		return errorf(protocol.ErrInvalid, "the network identifier is empty: give a charter's CID (bafyrei…) or the name of an open network")
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	t := &c.trust
	t.mu.Lock()
	if t.network == id {
		t.mu.Unlock()
		return nil
	}
	t.network = id
	c.setRosterLocked(trust.Fold(id, t.records))
	t.mu.Unlock()
	return c.networkChanged(ctx)
}

// AddTrust signs a trust record with key (the node's key), with the
// signer's next sequence number and the catalogue's clock, and stores
// it as every revision is stored: it appears in the change feed, and
// the roster takes it in. A record for another network than the
// catalogue's is refused with protocol.ErrWrongNetwork; a charter goes
// through CreateNetwork. Whether a membership act counts is the fold's
// to say (an admission signed by a member counts for nothing): it is
// stored all the same, as a peer would store it.
//
// Moderation records are judged before they are stored, as from a
// peer (docs/protocol.md, §4.12, §4.13): a decision signed with the
// key of a node that is not a coordinator now, or a report with the
// key of a node that is not a member, is refused with
// protocol.ErrNotEntitled. An author publishes the erasure of personal
// data from their own revisions with their author key as key: each
// revision it names must be held here and signed by that key
// (protocol.ErrNotAuthorized otherwise), unless key is a coordinator's.
// A hide or an erasure that names a revision held here of another
// entry than its Entry is refused with protocol.ErrInvalid.
func (c *Catalogue) AddTrust(ctx context.Context, key ed25519.PrivateKey, b trust.Body) (trust.Record, error) {
	network := c.Network()
	switch b.(type) {
	case trust.Charter, *trust.Charter:
		network = ""
	}
	rev, err := trust.NewRevision(network, b)
	if err != nil {
		return trust.Record{}, err
	}
	var decision *trust.Decision
	switch d := b.(type) {
	case trust.Decision:
		decision = &d
	case *trust.Decision:
		decision = d
	}
	if decision != nil {
		if err := c.checkDecision(decision, protocol.PublicKey(key)); err != nil {
			return trust.Record{}, err
		}
	}
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	rev.Seq = c.store.NextSeq(protocol.PublicKey(key))
	rev.Clock = c.clock.NowAfter(0)
	v, err := rev.Sign(key)
	if err != nil {
		return trust.Record{}, fmt.Errorf("catalogue: sign trust record: %w", err)
	}
	if err := c.storeLocal(ctx, "", []protocol.Verified{v}); err != nil {
		return trust.Record{}, err
	}
	c.wakeIndexer() // which passes over it
	return trust.Decode(v)
}

// checkDecision refuses, before it is signed here, a decision about a
// trust record, one that names a revision held of another entry than
// its own, and an author's erasure of revisions not held or signed by
// another key (signer is not a coordinator now).
func (c *Catalogue) checkDecision(d *trust.Decision, signer trust.Key) error {
	if d.Entry != "" {
		if id, err := cid.Decode(d.Entry); err == nil && c.trust.isDoc(id) {
			return errorf(protocol.ErrInvalid, "%s is a trust record, not an entry: a decision hides or erases entries", d.Entry)
		}
	}
	byAuthor := d.Action == trust.ActionErase && !c.Roster().Coordinator(signer)
	for _, text := range d.Revisions {
		id, err := cid.Decode(text)
		if err != nil {
			return errorf(protocol.ErrInvalid, "revision %q: %v", text, err) // NewRevision checked it
		}
		rev, _, err := c.store.Revision(id)
		switch {
		case errors.Is(err, store.ErrNotFound) && byAuthor:
			return errorf(protocol.ErrNotAuthorized, "revision %s is not held here: an author erases personal data from their own revisions, held on their node; check its ID with `mutu history`", id)
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return fmt.Errorf("catalogue: read revision %s: %w", id, err)
		}
		doc := rev.Doc
		if !doc.Defined() {
			doc = id
		}
		if doc.String() != d.Entry {
			return errorf(protocol.ErrInvalid, "revision %s is of entry %s, not of %s: name revisions of the entry the decision is about", id, doc, d.Entry)
		}
		if byAuthor && rev.Author != signer {
			return errorf(protocol.ErrNotAuthorized, "revision %s was signed by %s, not by you (%s): an author erases personal data from their own revisions only; ask a coordinator for the others", id, rev.Author, signer)
		}
	}
	return nil
}

// CreateNetwork founds a network: it signs with key a charter ch and
// the admission of key's node, founder (Node and Role are filled in
// when empty: the founder coordinates), so that the founder is listed
// with its label like every other node; stores both in one batch, and
// makes the catalogue a node of the new network, whose identifier, the
// charter's CID, it returns. The charter must name key among its
// coordinators. The caller records the network for the next Open.
func (c *Catalogue) CreateNetwork(ctx context.Context, key ed25519.PrivateKey, ch trust.Charter, founder trust.Admission) (string, error) {
	me := protocol.PublicKey(key)
	if founder.Node == (trust.Key{}) {
		founder.Node = me
	}
	if founder.Role == "" {
		founder.Role = trust.RoleCoordinator
	}
	if founder.Node != me {
		return "", errorf(protocol.ErrInvalid, "the founder's admission names node %s, but the charter is signed by %s: a founder admits itself", founder.Node, me)
	}
	chRev, err := trust.NewRevision("", ch)
	if err != nil {
		return "", err
	}
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	seq := c.store.NextSeq(me)
	chRev.Seq, chRev.Clock = seq, c.clock.NowAfter(0)
	charter, err := chRev.Sign(key)
	if err != nil {
		return "", fmt.Errorf("catalogue: sign charter: %w", err)
	}
	id := charter.CID.String()
	admRev, err := trust.NewRevision(id, founder)
	if err != nil {
		return "", err
	}
	admRev.Seq, admRev.Clock = seq+1, c.clock.NowAfter(chRev.Clock)
	admission, err := admRev.Sign(key)
	if err != nil {
		return "", fmt.Errorf("catalogue: sign admission: %w", err)
	}
	if err := c.storeLocal(ctx, id, []protocol.Verified{charter, admission}); err != nil {
		return "", err
	}
	c.wakeIndexer()
	return id, nil
}

// storeLocal stores revisions signed here, in one atomic batch, by the
// one write path, judged for network (the catalogue's when ""; the
// catalogue then belongs to it). A refusal names the first revision
// refused.
func (c *Catalogue) storeLocal(ctx context.Context, network string, batch []protocol.Verified) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if network == "" {
		network = c.Network()
	}
	rejected := make(map[cid.Cid]error)
	j := c.judge(network, batch, rejected)
	for _, v := range batch {
		err, ok := rejected[v.CID]
		if !ok {
			continue
		}
		if errors.Is(err, protocol.ErrNotVouched) {
			return notVouched(v.Rev.Author, network)
		}
		if a, ok := c.mod.blocked(v.Rev.Author); ok && errors.Is(err, protocol.ErrBlocked) {
			return blockedAuthor(v.Rev.Author, a)
		}
		return err
	}
	_, _, err := c.storeJudged(ctx, j, func(ok []protocol.Verified) (store.Changes, []error, error) {
		ch, err := c.store.Put(ok)
		return ch, nil, err
	})
	if err != nil {
		return fmt.Errorf("catalogue: store revisions: %w", err)
	}
	return nil
}

// checkVouched refuses, before a local write stores its attachments,
// an author the node's moderation blocks or the roster does not vouch
// for now; storeLocal checks the revision itself.
func (c *Catalogue) checkVouched(author ed25519.PrivateKey) error {
	me := protocol.PublicKey(author)
	if a, ok := c.mod.blocked(me); ok {
		return blockedAuthor(me, a)
	}
	if r := c.Roster(); !r.Vouched(me, protocol.MakeClock(c.now())) {
		return notVouched(me, r.Network())
	}
	return nil
}

// notVouched is the refusal of a local write by an author the roster
// of network does not vouch for.
func notVouched(author protocol.AuthorKey, network string) error {
	return errorf(protocol.ErrNotVouched, "you (%s) are not vouched for in network %s: no member node certifies your author key now; "+
		"ask a member node to certify you (`mutu user add` there), then try again", author, network)
}

// judged is a batch of revisions judged against the roster.
type judged struct {
	network string              // the network judged for
	ok      []protocol.Verified // to store: trust records first
	records []trust.Record      // the trust records of ok that are not held yet
	roster  *trust.Roster       // the roster with records folded in
}

// judge sorts batch into what may be stored and what is refused, put
// in rejected with the reason (docs/protocol.md, §4.2 to §4.4): a trust
// record that does not decode (protocol.ErrInvalid) or belongs to
// another network than network (protocol.ErrWrongNetwork); an entry
// revision that revises a trust record (protocol.ErrInvalid), or whose
// author the roster does not vouch for at its clock
// (protocol.ErrNotVouched). The trust records of the batch are folded
// into the roster before its entries are judged. The caller holds
// writeMu.
func (c *Catalogue) judge(network string, batch []protocol.Verified, rejected map[cid.Cid]error) judged {
	t := &c.trust
	t.mu.RLock()
	held, heldIDs, roster := t.records, t.ids, t.roster
	if network != t.network {
		roster = nil
	}
	t.mu.RUnlock()
	j := judged{network: network, roster: roster}

	var fresh []trust.Record
	var freshRevs []protocol.Verified
	for _, v := range batch {
		if !trust.IsTrust(v.Rev) {
			continue
		}
		if heldIDs[v.CID] {
			j.ok = append(j.ok, v) // held: the store skips it
			continue
		}
		rec, err := trust.Decode(v)
		if err != nil {
			rejected[v.CID] = err
			continue
		}
		fresh, freshRevs = append(fresh, rec), append(freshRevs, v)
	}
	networks := acceptedNetworks(network, held, fresh)
	var accepted []int // indexes in fresh
	membership := false
	for i, rec := range fresh {
		err := rec.CheckNetwork(networks...)
		if err == nil && isModeration(rec) && rec.Network != network {
			err = protocol.Errorf(protocol.CodeWrongNetwork, "%s %s: of network %s, this node judges only its own network's moderation, %s", rec.Body.Kind(), rec.CID, rec.Network, network)
		}
		if err != nil {
			rejected[rec.CID] = err
			continue
		}
		accepted = append(accepted, i)
		membership = membership || !isModeration(rec)
	}
	if membership || j.roster == nil {
		var records []trust.Record
		for _, i := range accepted {
			records = append(records, fresh[i])
		}
		j.roster = trust.Fold(network, slices.Concat(held, records))
	}
	// Moderation records are judged against the roster with the
	// batch's membership records in: an admission vouches for the
	// decisions that come with it.
	batchIDs := make(map[cid.Cid]bool, len(accepted))
	for _, i := range accepted {
		rec := fresh[i]
		if _, err := j.roster.Entitled(rec); err != nil {
			rejected[rec.CID] = err
			continue
		}
		j.ok = append(j.ok, freshRevs[i])
		if !batchIDs[rec.CID] {
			batchIDs[rec.CID] = true
			j.records = append(j.records, rec)
		}
	}

	nTrust := len(j.ok)
	var refused map[cid.Cid]bool // entries not vouched for
	for _, v := range batch {
		if trust.IsTrust(v.Rev) {
			continue
		}
		err := judgeEntry(j.roster, heldIDs, batchIDs, v)
		if a, blocked := c.mod.blocked(v.Rev.Author); err == nil && blocked {
			err = blockedRevision(v, a)
		}
		if err != nil {
			rejected[v.CID] = err
			if refused == nil {
				refused = make(map[cid.Cid]bool)
			}
			refused[v.CID] = true
			continue
		}
		j.ok = append(j.ok, v)
	}
	if refused != nil {
		j.ok = append(j.ok[:nTrust], refuseDescendants(j.ok[nTrust:], refused, rejected)...)
	}
	return j
}

// refuseDescendants returns the entries of ok that descend from no
// revision of refused, and puts the others in rejected (and refused):
// what descends from a revision not vouched for, or of a blocked
// author, is not stored either (docs/protocol.md, §4.4), and saying so
// spares the sender a search for a parent it cannot give.
func refuseDescendants(ok []protocol.Verified, refused map[cid.Cid]bool, rejected map[cid.Cid]error) []protocol.Verified {
	for changed := true; changed; {
		changed = false
		kept := ok[:0]
		for _, v := range ok {
			i := slices.IndexFunc(v.Rev.Parents, func(p cid.Cid) bool { return refused[p] })
			if i < 0 {
				kept = append(kept, v)
				continue
			}
			p := v.Rev.Parents[i]
			if code := protocol.CodeOf(rejected[p]); code == protocol.CodeBlocked {
				rejected[v.CID] = protocol.Errorf(code, "revision %s descends from revision %s, whose author is blocked", v.CID, p)
			} else {
				rejected[v.CID] = protocol.Errorf(protocol.CodeNotVouched, "revision %s descends from revision %s, which is not vouched for", v.CID, p)
			}
			refused[v.CID], changed = true, true
		}
		ok = kept
	}
	return ok
}

// judgeEntry returns why entry revision v may not be stored in the
// network of roster r, or nil: it revises a trust record, held
// (heldIDs) or of its batch (batchIDs), or its author is not vouched
// for at its clock. It costs a few map lookups.
func judgeEntry(r *trust.Roster, heldIDs, batchIDs map[cid.Cid]bool, v protocol.Verified) error {
	if doc := v.Rev.Doc; doc.Defined() && (heldIDs[doc] || batchIDs[doc]) {
		return protocol.Errorf(protocol.CodeInvalid, "revision %s revises %s, a trust record: a trust record is the only revision of its document, undone only by a later record", v.CID, doc)
	}
	if !r.Vouched(v.Rev.Author, v.Rev.Clock) {
		// The caller names the revision (a RejectedError's keys): a
		// peer may send thousands, and the message is most of the cost
		// of a refusal.
		return protocol.Errorf(protocol.CodeNotVouched, "no node of network %s vouched for author %s at the revision's time", r.Network(), v.Rev.Author.Short())
	}
	return nil
}

// acceptedNetworks returns the networks whose trust records a node of
// network keeps: its own, and in an open network by name, those of the
// charters that close it, held or among fresh, so that the node learns
// whether it belongs to the closed network (docs/protocol.md, §4.9).
func acceptedNetworks(network string, held, fresh []trust.Record) []string {
	networks := []string{network}
	if !trust.IsName(network) {
		return networks
	}
	for _, recs := range [][]trust.Record{held, fresh} {
		for _, rec := range recs {
			if ch, ok := rec.Body.(*trust.Charter); ok && ch.Closes == network {
				networks = append(networks, rec.CID.String())
			}
		}
	}
	return networks
}

// storeJudged stores j.ok with put (the store's Put or PutEach) and
// takes in the trust records it stored: the roster is folded again and
// what it no longer vouches for is withdrawn. The caller holds
// writeMu.
func (c *Catalogue) storeJudged(ctx context.Context, j judged, put func([]protocol.Verified) (store.Changes, []error, error)) (store.Changes, []error, error) {
	t := &c.trust
	if len(j.records) > 0 {
		// Known as trust records before they are stored, so that the
		// indexer, which reads what is stored, never takes them for
		// entries.
		t.mu.Lock()
		for _, rec := range j.records {
			t.ids[rec.CID] = true
		}
		t.mu.Unlock()
	}
	var ch store.Changes
	var errs []error
	var err error
	if len(j.ok) > 0 {
		ch, errs, err = put(j.ok)
	}
	added := make(map[cid.Cid]bool, len(ch.Added))
	for _, k := range ch.Added {
		added[k] = true
	}
	var stored []trust.Record
	t.mu.Lock()
	for _, rec := range j.records {
		if added[rec.CID] {
			stored = append(stored, rec)
		} else {
			delete(t.ids, rec.CID)
		}
	}
	prev, network := t.roster, t.network
	if len(stored) > 0 {
		t.records = append(t.records, stored...)
		t.network = j.network // another one for CreateNetwork only
		membership := slices.ContainsFunc(stored, func(rec trust.Record) bool { return !isModeration(rec) })
		switch {
		case !membership && j.network == network:
			// The roster stays: only moderation is folded again.
			c.setModerationLocked()
		case len(stored) == len(j.records):
			c.setRosterLocked(j.roster)
		default:
			c.setRosterLocked(trust.Fold(j.network, t.records))
		}
	}
	roster := t.roster
	t.mu.Unlock()
	c.hideStored(j.ok, added, len(stored) > 0)
	switch {
	case len(stored) == 0:
	case j.network != network:
		if err := c.networkChanged(ctx); err != nil {
			c.log.Warn("revisions held not checked against the new network's roster", "err", err)
		}
	default:
		c.withdraw(ctx, roster.Withdrawals(prev))
	}
	c.maybeSaveTrust()
	return ch, errs, err
}

// setRosterLocked makes r the roster and tells those waiting on
// RosterChanged; moderation is folded again by it. The caller holds
// trust.mu.
func (c *Catalogue) setRosterLocked(r *trust.Roster) {
	c.trust.roster = r
	close(c.trust.changed)
	c.trust.changed = make(chan struct{})
	c.setModerationLocked()
}

// setModerationLocked folds moderation again from the records held by
// the roster, and tells those waiting on ModerationChanged. The caller
// holds trust.mu.
func (c *Catalogue) setModerationLocked() {
	c.trust.moderation = trust.FoldModeration(c.trust.roster, c.trust.records)
	close(c.trust.modChanged)
	c.trust.modChanged = make(chan struct{})
}

// isModeration reports whether rec is a decision or a report: a record
// that changes nothing of the roster.
func isModeration(rec trust.Record) bool {
	switch rec.Body.(type) {
	case *trust.Decision, *trust.Report:
		return true
	}
	return false
}

// networkChanged withdraws, once the catalogue belongs to another
// network, what it holds that the new roster does not vouch for:
// Roster.Withdrawals compares rosters of one network only. Only
// revisions from the charter's clock on can be concerned. The caller
// holds writeMu.
func (c *Catalogue) networkChanged(ctx context.Context) error {
	r := c.Roster()
	if !r.Closed() {
		return nil
	}
	found := make(map[trust.Key]trust.Withdrawal)
	var order []trust.Key
	err := c.store.RevisionsByClock(r.CharterClock(), cid.Undef, func(clock protocol.Clock, id cid.Cid) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.trust.isDoc(id) {
			return nil
		}
		rev, _, err := c.store.Revision(id)
		if err != nil {
			return err
		}
		if _, ok := found[rev.Author]; ok || r.Vouched(rev.Author, clock) {
			return nil
		}
		found[rev.Author] = trust.Withdrawal{Author: rev.Author, From: max(r.CharterClock(), r.VouchEnd(rev.Author)), Until: trust.Forever}
		order = append(order, rev.Author)
		return nil
	})
	if err != nil {
		return fmt.Errorf("catalogue: check the revisions held against the roster of network %s: %w", r.Network(), err)
	}
	ws := make([]trust.Withdrawal, len(order))
	for i, k := range order {
		ws[i] = found[k]
	}
	c.withdraw(ctx, ws)
	return nil
}

// withdraw acts on what the roster no longer vouches for
// (docs/protocol.md, §4.4): the revisions of each author with
// From <= clock < Until, and their descendants, leave the store
// (WithdrawAuthor). It runs under writeMu, so that no revision judged
// against the older roster is stored meanwhile. A withdrawal that
// fails is logged; Open hands the records stored after the last saved
// list to withdraw again, so that one cut short is done at the next
// start.
func (c *Catalogue) withdraw(ctx context.Context, ws []trust.Withdrawal) {
	for _, w := range ws {
		n, err := c.WithdrawAuthor(ctx, w.Author, w.From, w.Until)
		until := "forever"
		if w.Until != trust.Forever {
			until = w.Until.Time().UTC().Format(time.RFC3339)
		}
		args := []any{"network", c.Network(), "author", w.Author.String(),
			"from", w.From.Time().UTC().Format(time.RFC3339), "until", until, "removed", n}
		if err != nil {
			c.log.Error("revisions no longer vouched for not all withdrawn", append(args, "err", err)...)
			continue
		}
		if n > 0 {
			c.log.Info("revisions no longer vouched for withdrawn", args...)
		}
	}
}
