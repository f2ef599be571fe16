package trust

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// NodeInfo is what the roster knows of a node ever admitted.
type NodeInfo struct {
	Key        Key
	Role       Role
	Label      string
	Academie   string
	Contact    string
	AdmittedBy Key            // the coordinator whose admission made it active last (the charter's signer for a founder)
	Since      protocol.Clock // the clock of that admission (the charter's for a founder)
	Revoked    bool
	RevokedBy  Key
	RevokedAt  protocol.Clock
	Reason     string
	Addrs      []string // from its latest addresses record
	AddrsClock protocol.Clock
}

// CertInfo is a certificate that counted, with its end: 0 while it is
// in force, else the clock of the act that ended it.
type CertInfo struct {
	Certificate
	CID    cid.Cid
	Issuer Key
	Clock  protocol.Clock
	End    protocol.Clock
}

// PendingRequest is a join request that no admission has answered yet.
type PendingRequest struct {
	JoinRequest
	CID   cid.Cid
	Via   Key // the member that relayed it
	Clock protocol.Clock
}

// Withdrawal says that the revisions of Author with From <= clock <
// Until are no longer vouched for.
type Withdrawal struct {
	Author      Key
	From, Until protocol.Clock
}

// Roster is what the trust records of a network mean (docs/protocol.md,
// §4.3). It is immutable and safe for concurrent use.
type Roster struct {
	network      string
	charter      Record
	hasCharter   bool
	open         bool // every author is vouched for: a network by name, or an open charter
	closed       bool
	charterClock protocol.Clock
	nodes        map[Key]*NodeInfo
	byLabel      []Key      // every node, by label then key
	certs        []CertInfo // in the order of the replay
	certsOf      map[Key][]int
	vouchEnd     map[Key]protocol.Clock
	pending      []PendingRequest      // by clock then CID
	history      map[Key][]stateChange // node -> what it was from each point of the replay on, in replay order
}

// stateChange is what a node is from a point of the replay on: the
// record at (clock, CID) made it active or not, with a role.
type stateChange struct {
	clock  protocol.Clock
	cid    string // the record's CID.KeyString(); "" for the charter's coordinators, before every record
	active bool
	role   Role
}

// Fold computes the roster of network from trust records held, in any
// order and of any network: those of other networks are ignored, and
// so is a record given twice. The network is a charter's CID in text;
// or the name of a network made before charters (see IsName), which is
// open and has no nodes.
//
// A network identified by a CID whose charter is not among records is
// neither open nor closed yet: its roster has no nodes and vouches for
// no entry, since whether the network is open, and since when it is
// closed, are the charter's to say. The charter comes first in a join
// (docs/protocol.md, §4.7), so this lasts only while a node is
// misconfigured or catching up.
func Fold(network string, records []Record) *Roster {
	r := &Roster{
		network:  network,
		nodes:    make(map[Key]*NodeInfo),
		certsOf:  make(map[Key][]int),
		vouchEnd: make(map[Key]protocol.Clock),
		history:  make(map[Key][]stateChange),
	}
	if IsName(network) {
		r.open = true
		return r
	}
	id, _ := cid.Decode(network)
	for _, rec := range records {
		if ch, ok := pointer(rec.Body).(*Charter); ok && rec.CID.Equals(id) {
			c := *ch
			c.Coordinators = slices.Clone(ch.Coordinators)
			rec.Body = &c
			r.charter, r.hasCharter = rec, true
			break
		}
	}
	if !r.hasCharter {
		return r
	}
	ch := r.charter.Body.(*Charter)
	r.open = ch.Policy == PolicyOpen
	r.closed = ch.Policy == PolicyClosed
	r.charterClock = r.charter.Clock
	f := folder{Roster: r, current: make(map[Key]int), issued: make(map[Key][]int), requests: make(map[Key]PendingRequest)}
	for _, k := range ch.Coordinators {
		if _, ok := r.nodes[k]; !ok {
			r.nodes[k] = &NodeInfo{Key: k, Role: RoleCoordinator, AdmittedBy: r.charter.Signer, Since: r.charterClock}
			r.history[k] = []stateChange{{clock: r.charterClock, active: true, role: RoleCoordinator}}
		}
	}
	netText := id.String()
	replay := make([]Record, 0, len(records))
	for _, rec := range records {
		if rec.Network == netText && rec.Clock >= r.charterClock {
			if rec.Body = pointer(rec.Body); rec.Body != nil {
				replay = append(replay, rec)
			}
		}
	}
	slices.SortFunc(replay, func(a, b Record) int {
		if c := cmp.Compare(a.Clock, b.Clock); c != 0 {
			return c
		}
		return cmp.Compare(a.CID.KeyString(), b.CID.KeyString())
	})
	for i, rec := range replay {
		if i > 0 && rec.CID.Equals(replay[i-1].CID) {
			continue
		}
		f.apply(rec)
	}
	f.finish()
	return r
}

// IsName reports whether network is the name of a network made before
// charters (docs/protocol.md, §4.1: mutu, e2e-1234), rather than the
// identifier of a network with a charter: the text of a revision's CID
// (CIDv1, dag-cbor, sha2-256). A CID of another kind, which no charter
// has, is a name too.
func IsName(network string) bool {
	c, err := protocol.ParseCID(network)
	return err != nil || c.Prefix().Codec != protocol.CodecDagCBOR
}

// folder is the state of the replay beyond what the roster keeps.
type folder struct {
	*Roster
	current  map[Key]int            // author -> its certificate in force, an index in certs
	issued   map[Key][]int          // node -> the certificates it issued
	requests map[Key]PendingRequest // node -> its latest join request not answered
}

func (f *folder) active(k Key) bool {
	n, ok := f.nodes[k]
	return ok && !n.Revoked
}

func (f *folder) coordinator(k Key) bool {
	n, ok := f.nodes[k]
	return ok && !n.Revoked && n.Role == RoleCoordinator
}

// apply replays one record, in (clock, CID) order, over the state the
// records before it made.
func (f *folder) apply(rec Record) {
	switch b := rec.Body.(type) {
	case *Admission:
		if !f.coordinator(rec.Signer) {
			return
		}
		n, ok := f.nodes[b.Node]
		if !ok || n.Revoked {
			if !ok {
				n = &NodeInfo{Key: b.Node}
				f.nodes[b.Node] = n
			}
			n.AdmittedBy, n.Since = rec.Signer, rec.Clock
			n.Revoked, n.RevokedBy, n.RevokedAt, n.Reason = false, Key{}, 0, ""
		}
		if !ok || n.Revoked || n.Role != b.Role {
			f.history[b.Node] = append(f.history[b.Node], stateChange{clock: rec.Clock, cid: rec.CID.KeyString(), active: true, role: b.Role})
		}
		n.Role, n.Label, n.Academie, n.Contact = b.Role, b.Label, b.Academie, b.Contact
		delete(f.requests, b.Node)
	case *Revocation:
		if !f.coordinator(rec.Signer) || !f.active(b.Node) {
			return
		}
		n := f.nodes[b.Node]
		n.Revoked, n.RevokedBy, n.RevokedAt, n.Reason = true, rec.Signer, rec.Clock, b.Reason
		f.history[b.Node] = append(f.history[b.Node], stateChange{clock: rec.Clock, cid: rec.CID.KeyString(), role: n.Role})
		for _, i := range f.issued[b.Node] {
			f.end(i, rec.Clock)
		}
		delete(f.issued, b.Node)
	case *Certificate:
		if !f.active(rec.Signer) {
			return
		}
		if i, ok := f.current[b.Author]; ok {
			f.end(i, rec.Clock)
		}
		i := len(f.certs)
		f.certs = append(f.certs, CertInfo{Certificate: *b, CID: rec.CID, Issuer: rec.Signer, Clock: rec.Clock})
		f.current[b.Author] = i
		f.issued[rec.Signer] = append(f.issued[rec.Signer], i)
		f.certsOf[b.Author] = append(f.certsOf[b.Author], i)
	case *CertificateEnd:
		i, ok := f.current[b.Author]
		if ok && (f.certs[i].Issuer == rec.Signer || f.coordinator(rec.Signer)) {
			f.end(i, rec.Clock)
		}
	case *Addresses:
		if f.active(rec.Signer) {
			n := f.nodes[rec.Signer]
			n.Addrs, n.AddrsClock = slices.Clone(b.Addrs), rec.Clock
		}
	case *JoinRequest:
		if f.active(rec.Signer) && !f.active(b.Node) {
			f.requests[b.Node] = PendingRequest{JoinRequest: *b, CID: rec.CID, Via: rec.Signer, Clock: rec.Clock}
		}
	}
}

// end ends certificate i at clock t, unless it has ended already.
func (f *folder) end(i int, t protocol.Clock) {
	c := &f.certs[i]
	if c.End != 0 {
		return
	}
	c.End = t
	if f.current[c.Author] == i {
		delete(f.current, c.Author)
	}
}

// finish computes, once the replay is over, what the roster answers
// in constant time or sorted.
func (f *folder) finish() {
	for _, c := range f.certs {
		end := c.End
		if end == 0 {
			end = Forever
		}
		f.vouchEnd[c.Author] = max(f.vouchEnd[c.Author], end)
	}
	f.byLabel = make([]Key, 0, len(f.nodes))
	for k := range f.nodes {
		f.byLabel = append(f.byLabel, k)
	}
	slices.SortFunc(f.byLabel, func(a, b Key) int {
		if c := cmp.Compare(f.nodes[a].Label, f.nodes[b].Label); c != 0 {
			return c
		}
		return bytes.Compare(a[:], b[:])
	})
	for _, p := range f.requests {
		f.pending = append(f.pending, p)
	}
	slices.SortFunc(f.pending, func(a, b PendingRequest) int {
		if c := cmp.Compare(a.Clock, b.Clock); c != 0 {
			return c
		}
		return cmp.Compare(a.CID.KeyString(), b.CID.KeyString())
	})
}

// Network returns the network's identifier, as given to Fold.
func (r *Roster) Network() string { return r.network }

// Charter returns the network's charter, if held; its Body is a
// *Charter.
func (r *Roster) Charter() (Record, bool) {
	if !r.hasCharter {
		return Record{}, false
	}
	rec := r.charter
	ch := *rec.Body.(*Charter)
	ch.Coordinators = slices.Clone(ch.Coordinators)
	rec.Body = &ch
	return rec, true
}

// Closed reports whether the network is closed: its charter is held
// and says so.
func (r *Roster) Closed() bool { return r.closed }

// CharterClock returns the charter's clock, 0 without a charter.
func (r *Roster) CharterClock() protocol.Clock { return r.charterClock }

// Active reports whether k is a node of the network now: admitted (or
// named coordinator by the charter) and not revoked since.
func (r *Roster) Active(k Key) bool {
	n, ok := r.nodes[k]
	return ok && !n.Revoked
}

// Coordinator reports whether k is an active node with the role of
// coordinator.
func (r *Roster) Coordinator(k Key) bool {
	n, ok := r.nodes[k]
	return ok && !n.Revoked && n.Role == RoleCoordinator
}

// ActiveAt reports whether k was an active node at the point of the
// replay (docs/protocol.md, §4.3) where a record with clock t and CID
// id falls: after every record before it in (clock, CID) order. Never
// before the charter's clock, nor without the charter.
func (r *Roster) ActiveAt(k Key, t protocol.Clock, id cid.Cid) bool {
	s, ok := r.stateAt(k, t, id)
	return ok && s.active
}

// CoordinatorAt reports whether k was an active coordinator at the
// point of the replay where a record with clock t and CID id falls,
// as ActiveAt.
func (r *Roster) CoordinatorAt(k Key, t protocol.Clock, id cid.Cid) bool {
	s, ok := r.stateAt(k, t, id)
	return ok && s.active && s.role == RoleCoordinator
}

func (r *Roster) stateAt(k Key, t protocol.Clock, id cid.Cid) (stateChange, bool) {
	if !r.hasCharter || t < r.charterClock {
		return stateChange{}, false
	}
	h, key := r.history[k], id.KeyString()
	// The first change at or after (t, id); the one before it holds.
	i, _ := slices.BinarySearchFunc(h, stateChange{clock: t, cid: key}, func(a, b stateChange) int {
		return cmp.Or(cmp.Compare(a.clock, b.clock), cmp.Compare(a.cid, b.cid))
	})
	if i == 0 {
		return stateChange{}, false
	}
	return h[i-1], true
}

// CertifiedAt reports whether author held, at clock t, a certificate
// that counted: issued at or before t and not ended by t. Unlike
// Vouched, it does not reach back before a certificate, nor before
// the charter, and it says nothing of an open network (Open), where
// no author needs a certificate.
func (r *Roster) CertifiedAt(author Key, t protocol.Clock) bool {
	for _, i := range r.certsOf[author] {
		if c := r.certs[i]; c.Clock <= t && (c.End == 0 || c.End > t) {
			return true
		}
	}
	return false
}

// Open reports whether every author is vouched for: a network by name,
// or one whose charter, held, says it is open.
func (r *Roster) Open() bool { return r.open }

// Node returns what the roster knows of k, active or revoked.
func (r *Roster) Node(k Key) (NodeInfo, bool) {
	n, ok := r.nodes[k]
	if !ok {
		return NodeInfo{}, false
	}
	return n.clone(), true
}

// Nodes returns every node ever admitted, active or revoked, by label
// (then key).
func (r *Roster) Nodes() []NodeInfo {
	out := make([]NodeInfo, len(r.byLabel))
	for i, k := range r.byLabel {
		out[i] = r.nodes[k].clone()
	}
	return out
}

func (n *NodeInfo) clone() NodeInfo {
	c := *n
	c.Addrs = slices.Clone(n.Addrs)
	return c
}

// Vouched reports whether an entry revision by author with clock t is
// vouched for (docs/protocol.md, §4.3): always in an open network;
// in a closed one, when t is before the charter's clock or before the
// latest end of the author's certificates; never while the charter of
// a network identified by CID is not held (see Fold). It is a map
// lookup.
func (r *Roster) Vouched(author Key, t protocol.Clock) bool {
	switch {
	case r.open:
		return true
	case !r.hasCharter:
		return false
	case t < r.charterClock:
		return true
	}
	return t < r.vouchEnd[author]
}

// VouchEnd returns the clock before which author's revisions are
// vouched for by a certificate: the latest end of its certificates,
// Forever while one is in force, 0 for an author never certified (or
// any author, while the charter is not held). In an open network,
// where every author is vouched for, it is Forever. Revisions before
// the charter's clock are vouched for whatever it says.
func (r *Roster) VouchEnd(author Key) protocol.Clock {
	if r.open {
		return Forever
	}
	return r.vouchEnd[author]
}

// CertificateAt returns the certificate that vouches for a revision of
// author with clock t: the first one (by clock) that had not ended by
// t. A certificate vouches for the revisions before it too, so a
// revision older than every certificate of its author is attributed
// to the first.
func (r *Roster) CertificateAt(author Key, t protocol.Clock) (CertInfo, bool) {
	for _, i := range r.certsOf[author] {
		if c := r.certs[i]; c.End == 0 || c.End > t {
			return c, true
		}
	}
	return CertInfo{}, false
}

// Certificates returns every certificate that counted, in force or
// ended, by clock.
func (r *Roster) Certificates() []CertInfo { return slices.Clone(r.certs) }

// Pending returns the join requests that no admission has answered:
// the latest for each node, by clock.
func (r *Roster) Pending() []PendingRequest { return slices.Clone(r.pending) }

// Withdrawals lists the authors whose revisions r vouches for less
// than prev did, by author key: the revisions of Author with From <=
// clock < Until are no longer vouched for (From is never before the
// charter's clock). prev is an earlier roster of the same network,
// folded from fewer records (or other ones). Only a closed network
// withdraws: an open one vouches for everyone whatever its records,
// and a roster without its charter vouched for no one. Rosters of two
// networks are not compared (nil): a node that changes networks checks
// what it holds against the new roster with Vouched.
func (r *Roster) Withdrawals(prev *Roster) []Withdrawal {
	if prev == nil || !prev.closed || !r.closed || prev.network != r.network {
		return nil
	}
	var out []Withdrawal
	for author, old := range prev.vouchEnd {
		from := max(r.vouchEnd[author], r.charterClock)
		if old > from {
			out = append(out, Withdrawal{Author: author, From: from, Until: old})
		}
	}
	slices.SortFunc(out, func(a, b Withdrawal) int { return bytes.Compare(a.Author[:], b.Author[:]) })
	return out
}
