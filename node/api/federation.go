package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// Federation is what the command line asks of a node about its network
// (docs/protocol.md, Part 4): its charter, its members and their
// requests, the invitations it issued. Local serves it in-process,
// Client through a running daemon.
type Federation interface {
	Network(ctx context.Context) (*NetworkInfo, error)
	Members(ctx context.Context) (*Members, error)
	// Approve admits a node whose join request waits (coordinators).
	Approve(ctx context.Context, node string) (*Member, error)
	// Revoke revokes an admitted node (coordinators).
	Revoke(ctx context.Context, node, reason string) (*Member, error)
	// Invite issues an invitation; it needs a running node (its code
	// carries the node's current addresses).
	Invite(ctx context.Context, req InviteRequest) (*Invitation, error)
	Invitations(ctx context.Context) ([]Invitation, error)
	WithdrawInvitation(ctx context.Context, id string) (*Invitation, error)
	// Certify vouches for an author key with a certificate signed by
	// this node (closed networks); EndCertificate ends it.
	Certify(ctx context.Context, req CertifyRequest) (*Certificate, error)
	EndCertificate(ctx context.Context, author string) (*Certificate, error)
}

// CertifyRequest names the person an author key belongs to.
type CertifyRequest struct {
	Author        string `json:"author"`
	Name          string `json:"name"`
	Function      string `json:"function"`
	Etablissement string `json:"etablissement,omitempty"`
	UAI           string `json:"uai,omitempty"`
}

// Certificate is an author's certificate as the roster holds it.
type Certificate struct {
	CertifyRequest
	Issuer string `json:"issuer"`
	Since  string `json:"since"`
	End    string `json:"end,omitempty"` // empty while in force
}

// NetworkInfo is the network a node belongs to: its charter, or only
// its name for a network made before charters (open).
type NetworkInfo struct {
	ID           string   `json:"id"` // the charter's CID, or the open network's name
	Name         string   `json:"name,omitempty"`
	Policy       string   `json:"policy"` // closed or open
	Coordinators []string `json:"coordinators,omitempty"`
	Closes       string   `json:"closes,omitempty"`
	Text         string   `json:"text,omitempty"`
	Since        string   `json:"since,omitempty"` // the charter's clock, RFC 3339
	// Node is this node's key, and Role its role ("" when not active).
	Node string `json:"node,omitempty"`
	Role string `json:"role,omitempty"`
}

// Member is a node ever admitted to the network.
type Member struct {
	Node       string   `json:"node"`
	Role       string   `json:"role"`
	Label      string   `json:"label"`
	Academie   string   `json:"academie,omitempty"`
	Contact    string   `json:"contact,omitempty"`
	AdmittedBy string   `json:"admitted_by"`
	Since      string   `json:"since"`
	Revoked    bool     `json:"revoked"`
	RevokedBy  string   `json:"revoked_by,omitempty"`
	RevokedAt  string   `json:"revoked_at,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Addrs      []string `json:"addrs,omitempty"`
	// LastSeen is when its latest addresses record was signed: the
	// last sign of life this node holds of it.
	LastSeen string `json:"last_seen,omitempty"`
}

// JoinRequest is a join request waiting for a coordinator.
type JoinRequest struct {
	Node       string `json:"node"`
	Label      string `json:"label"`
	Academie   string `json:"academie,omitempty"`
	Contact    string `json:"contact,omitempty"`
	Invitation string `json:"invitation,omitempty"`
	Via        string `json:"via"` // the member that relayed it
	At         string `json:"at"`
}

// Members is the roster: every node ever admitted, by label, and the
// join requests that wait.
type Members struct {
	Network string        `json:"network"`
	Closed  bool          `json:"closed"`
	Members []Member      `json:"members"`
	Pending []JoinRequest `json:"pending"`
	// Certificates are the authors' certificates, in force and ended.
	Certificates []Certificate `json:"certificates"`
}

// InviteRequest is what an invitation is made with.
type InviteRequest struct {
	Label string `json:"label,omitempty"`
	// Expires is the code's lifetime: 7 days when 0, at most 90.
	Expires Duration `json:"expires,omitempty"`
}

// Duration is a time.Duration written as Go writes it ("168h0m0s").
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return inputErrorf("expires %q: want a duration such as 168h", b)
	}
	*d = Duration(v)
	return nil
}

// Invitation is an invitation the node issued; Code only when it was
// just made (the node keeps no secret).
type Invitation struct {
	ID      string    `json:"id"`
	Code    string    `json:"code,omitempty"`
	Network string    `json:"network"`
	Label   string    `json:"label,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// State is pending, expired, used or withdrawn.
	State   string    `json:"state"`
	Node    string    `json:"node,omitempty"`
	Changed time.Time `json:"changed,omitzero"`
}

// Inviter is what Local needs to issue and list invitations: the
// running node (Invite), or the home's invitations file alone.
type Inviter interface {
	Invite(ctx context.Context, req InviteRequest) (Invitation, error)
	Invitations() ([]Invitation, error)
	Withdraw(ctx context.Context, id string) (Invitation, error)
}

// ErrNotCoordinator is the error of an act only a coordinator's node
// may sign.
var ErrNotCoordinator = errors.New("only a coordinator of the network may do this")

var _ Federation = (*Local)(nil)

// clockText writes a clock as RFC 3339, UTC, to the second.
func clockText(c protocol.Clock) string {
	if c == 0 {
		return ""
	}
	return c.Time().UTC().Format(time.RFC3339)
}

// Network describes the catalogue's network.
func (l *Local) Network(ctx context.Context) (*NetworkInfo, error) {
	r := l.Cat.Roster()
	out := &NetworkInfo{ID: r.Network(), Policy: string(trust.PolicyOpen)}
	if rec, ok := r.Charter(); ok {
		ch := rec.Body.(*trust.Charter)
		out.Name, out.Policy, out.Closes, out.Text = ch.Name, string(ch.Policy), ch.Closes, ch.Text
		for _, k := range ch.Coordinators {
			out.Coordinators = append(out.Coordinators, k.String())
		}
		out.Since = clockText(r.CharterClock())
	}
	if l.NodeKey != nil {
		k := protocol.PublicKey(l.NodeKey)
		out.Node = k.String()
		if n, ok := r.Node(k); ok && r.Active(k) {
			out.Role = string(n.Role)
		}
	}
	return out, nil
}

func member(n trust.NodeInfo) Member {
	m := Member{
		Node: n.Key.String(), Role: string(n.Role), Label: n.Label, Academie: n.Academie, Contact: n.Contact,
		AdmittedBy: n.AdmittedBy.String(), Since: clockText(n.Since), Revoked: n.Revoked,
		Reason: n.Reason, Addrs: n.Addrs, LastSeen: clockText(n.AddrsClock),
	}
	if n.Revoked {
		m.RevokedBy, m.RevokedAt = n.RevokedBy.String(), clockText(n.RevokedAt)
	}
	return m
}

// Members lists the roster.
func (l *Local) Members(ctx context.Context) (*Members, error) {
	r := l.Cat.Roster()
	out := &Members{Network: r.Network(), Closed: r.Closed(), Members: []Member{}, Pending: []JoinRequest{}, Certificates: []Certificate{}}
	for _, c := range r.Certificates() {
		out.Certificates = append(out.Certificates, *certificate(c))
	}
	for _, n := range r.Nodes() {
		out.Members = append(out.Members, member(n))
	}
	for _, p := range r.Pending() {
		out.Pending = append(out.Pending, JoinRequest{
			Node: p.Node.String(), Label: p.Label, Academie: p.Academie, Contact: p.Contact,
			Invitation: p.Invitation, Via: p.Via.String(), At: clockText(p.Clock),
		})
	}
	return out, nil
}

// coordinator checks that this node may sign admissions and
// revocations, and parses the node key named.
func (l *Local) coordinator(node string) (*trust.Roster, trust.Key, error) {
	r := l.Cat.Roster()
	if !r.Closed() {
		return nil, trust.Key{}, inputErrorf("the network %s is open: it has no members to admit or revoke (close it first: mutu network close)", r.Network())
	}
	if l.NodeKey == nil || !r.Coordinator(protocol.PublicKey(l.NodeKey)) {
		return nil, trust.Key{}, fmt.Errorf("%w: this node is not one (see mutu network)", ErrNotCoordinator)
	}
	k, err := protocol.ParseAuthorKey(node)
	if err != nil {
		return nil, trust.Key{}, inputErrorf("node %q is not a node key (ed25519:…, as mutu members --json prints it)", node)
	}
	return r, k, nil
}

// Approve admits the node of a waiting join request, with the details
// it gave.
func (l *Local) Approve(ctx context.Context, node string) (*Member, error) {
	r, k, err := l.coordinator(node)
	if err != nil {
		return nil, err
	}
	if r.Active(k) {
		return nil, inputErrorf("node %s is a member already", node)
	}
	var req *trust.PendingRequest
	for _, p := range r.Pending() {
		if p.Node == k {
			req = &p
			break
		}
	}
	if req == nil {
		return nil, inputErrorf("no join request of node %s waits (mutu members lists them)", node)
	}
	if _, err := l.Cat.AddTrust(ctx, l.NodeKey, &trust.Admission{
		Node: k, Role: trust.RoleMember, Label: req.Label, Academie: req.Academie, Contact: req.Contact,
		Invitation: req.Invitation, Request: req.CID.String(),
	}); err != nil {
		return nil, err
	}
	n, _ := l.Cat.Roster().Node(k)
	m := member(n)
	return &m, nil
}

// MaxReason bounds a revocation's reason, in characters.
const MaxReason = 500

// Revoke revokes an admitted node.
func (l *Local) Revoke(ctx context.Context, node, reason string) (*Member, error) {
	r, k, err := l.coordinator(node)
	if err != nil {
		return nil, err
	}
	if _, ok := r.Node(k); !ok {
		return nil, inputErrorf("node %s was never admitted to this network (mutu members lists its nodes)", node)
	}
	if !r.Active(k) {
		return nil, inputErrorf("node %s is revoked already", node)
	}
	if utf8.RuneCountInString(reason) > MaxReason {
		return nil, inputErrorf("the reason is over %d characters; shorten it", MaxReason)
	}
	if _, err := l.Cat.AddTrust(ctx, l.NodeKey, &trust.Revocation{Node: k, Reason: reason}); err != nil {
		return nil, err
	}
	n, _ := l.Cat.Roster().Node(k)
	m := member(n)
	return &m, nil
}

// Invite issues an invitation through the running node.
func (l *Local) Invite(ctx context.Context, req InviteRequest) (*Invitation, error) {
	if l.Invites == nil {
		return nil, fmt.Errorf("%w: start it with `mutu run` to make an invitation (the code carries its current addresses)", ErrOffline)
	}
	inv, err := l.Invites.Invite(ctx, req)
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// Invitations lists the invitations the node issued, oldest first.
func (l *Local) Invitations(ctx context.Context) ([]Invitation, error) {
	if l.Invites == nil {
		return []Invitation{}, nil
	}
	out, err := l.Invites.Invitations()
	if out == nil {
		out = []Invitation{}
	}
	return out, err
}

// WithdrawInvitation withdraws an invitation the node issued.
func (l *Local) WithdrawInvitation(ctx context.Context, id string) (*Invitation, error) {
	if l.Invites == nil {
		return nil, inputErrorf("no invitation %q: this node issued none", id)
	}
	inv, err := l.Invites.Withdraw(ctx, id)
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// The client's side.

var _ Federation = (*Client)(nil)

func (c *Client) Network(ctx context.Context) (*NetworkInfo, error) {
	var out NetworkInfo
	return &out, c.do(ctx, http.MethodGet, "/api/v1/network", nil, &out)
}

func (c *Client) Members(ctx context.Context) (*Members, error) {
	var out Members
	return &out, c.do(ctx, http.MethodGet, "/api/v1/members", nil, &out)
}

func (c *Client) Approve(ctx context.Context, node string) (*Member, error) {
	var out Member
	return &out, c.do(ctx, http.MethodPost, "/api/v1/members/"+url.PathEscape(node)+"/approve", struct{}{}, &out)
}

func (c *Client) Revoke(ctx context.Context, node, reason string) (*Member, error) {
	var out Member
	return &out, c.do(ctx, http.MethodPost, "/api/v1/members/"+url.PathEscape(node)+"/revoke", RevokeRequest{Reason: reason}, &out)
}

func (c *Client) Invite(ctx context.Context, req InviteRequest) (*Invitation, error) {
	var out Invitation
	return &out, c.do(ctx, http.MethodPost, "/api/v1/invitations", req, &out)
}

func (c *Client) Invitations(ctx context.Context) ([]Invitation, error) {
	var out []Invitation
	return out, c.do(ctx, http.MethodGet, "/api/v1/invitations", nil, &out)
}

func (c *Client) WithdrawInvitation(ctx context.Context, id string) (*Invitation, error) {
	var out Invitation
	return &out, c.do(ctx, http.MethodDelete, "/api/v1/invitations/"+url.PathEscape(id), nil, &out)
}

// RevokeRequest is the body of a revocation.
type RevokeRequest struct {
	Reason string `json:"reason,omitempty"`
}

// The handler's side.

// federation returns the handler's Federation, or answers that the
// service has none.
func (h *handler) federation(w http.ResponseWriter) Federation {
	f, ok := h.svc.(Federation)
	if !ok {
		h.fail(w, &Error{Kind: KindUnavailable, Message: "this node serves no network API"})
	}
	return f
}

// authorized reports whether r carries the write token.
func (h *handler) authorized(r *http.Request) bool {
	return h.token != "" && constantEq(r.Header.Get("Authorization"), "Bearer "+h.token)
}

// private refuses a read that only the node's operator may make: the
// roster (contacts, addresses) and the invitations.
func (h *handler) private(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.authorized(r) {
			h.fail(w, &Error{Kind: KindForbidden, Message: "this read needs the token in the node's home (file api.token); the mutu command sends it"})
			return
		}
		next(w, r)
	}
}

func (h *handler) network(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.Network(r.Context())
		h.reply(w, out, err)
	}
}

func (h *handler) members(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.Members(r.Context())
		h.reply(w, out, err)
	}
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.Approve(r.Context(), r.PathValue("node"))
		h.reply(w, out, err)
	}
}

// maxSmallBody caps the JSON body of a network request.
const maxSmallBody = 64 << 10

// decodeSmall reads the JSON body of a network request, of at most
// maxSmallBody bytes.
func decodeSmall(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxSmallBody)
	err := decode(r, v)
	var e *Error
	if errors.As(err, &e) && e.Kind == KindTooLarge {
		return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the request is over %d bytes (64 KiB), the limit of the body of %s (docs/api.md)", maxSmallBody, r.URL.Path)}
	}
	return err
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	f := h.federation(w)
	if f == nil {
		return
	}
	var req RevokeRequest
	if err := decodeSmall(w, r, &req); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := f.Revoke(r.Context(), r.PathValue("node"), req.Reason)
	h.reply(w, out, err)
}

func (h *handler) invite(w http.ResponseWriter, r *http.Request) {
	f := h.federation(w)
	if f == nil {
		return
	}
	var req InviteRequest
	if err := decodeSmall(w, r, &req); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := f.Invite(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) invitations(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.Invitations(r.Context())
		h.reply(w, out, err)
	}
}

func (h *handler) withdrawInvitation(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.WithdrawInvitation(r.Context(), r.PathValue("id"))
		h.reply(w, out, err)
	}
}

// memberKey is this node's key, which must be active in a closed
// network to sign certificates.
func (l *Local) memberKey() (*trust.Roster, error) {
	r := l.Cat.Roster()
	if !r.Closed() {
		return nil, inputErrorf("the network %s is open: every author is vouched for, certificates are for closed networks", r.Network())
	}
	if l.NodeKey == nil || !r.Active(protocol.PublicKey(l.NodeKey)) {
		return nil, fmt.Errorf("%w: this node is not an active member of the network", ErrNotCoordinator)
	}
	return r, nil
}

func certificate(c trust.CertInfo) *Certificate {
	return &Certificate{
		CertifyRequest: CertifyRequest{Author: c.Author.String(), Name: c.Name, Function: c.Function, Etablissement: c.Etablissement, UAI: c.UAI},
		Issuer:         c.Issuer.String(), Since: clockText(c.Clock), End: clockText(c.End),
	}
}

// Certify signs a certificate for an author key.
func (l *Local) Certify(ctx context.Context, req CertifyRequest) (*Certificate, error) {
	if _, err := l.memberKey(); err != nil {
		return nil, err
	}
	k, err := protocol.ParseAuthorKey(req.Author)
	if err != nil {
		return nil, inputErrorf("author %q is not an author key (ed25519:…)", req.Author)
	}
	rec, err := l.Cat.AddTrust(ctx, l.NodeKey, &trust.Certificate{Author: k, Name: req.Name, Function: req.Function, Etablissement: req.Etablissement, UAI: req.UAI})
	if err != nil {
		return nil, err
	}
	c := rec.Body.(*trust.Certificate)
	return certificate(trust.CertInfo{Certificate: *c, CID: rec.CID, Issuer: rec.Signer, Clock: rec.Clock}), nil
}

// EndCertificate ends the current certificate of an author key, which
// this node issued (or any, for a coordinator).
func (l *Local) EndCertificate(ctx context.Context, author string) (*Certificate, error) {
	r, err := l.memberKey()
	if err != nil {
		return nil, err
	}
	k, err := protocol.ParseAuthorKey(author)
	if err != nil {
		return nil, inputErrorf("author %q is not an author key (ed25519:…)", author)
	}
	cur, ok := r.CertificateAt(k, trust.Forever-1)
	if !ok || cur.End != 0 {
		return nil, inputErrorf("author %s has no certificate in force", author)
	}
	me := protocol.PublicKey(l.NodeKey)
	if cur.Issuer != me && !r.Coordinator(me) {
		return nil, fmt.Errorf("%w: another node certified author %s; only it or a coordinator may end it", ErrNotCoordinator, author)
	}
	rec, err := l.Cat.AddTrust(ctx, l.NodeKey, &trust.CertificateEnd{Author: k})
	if err != nil {
		return nil, err
	}
	cur.End = rec.Clock
	return certificate(cur), nil
}

func (c *Client) Certify(ctx context.Context, req CertifyRequest) (*Certificate, error) {
	var out Certificate
	return &out, c.do(ctx, http.MethodPost, "/api/v1/certificates", req, &out)
}

func (c *Client) EndCertificate(ctx context.Context, author string) (*Certificate, error) {
	var out Certificate
	return &out, c.do(ctx, http.MethodDelete, "/api/v1/certificates/"+url.PathEscape(author), nil, &out)
}

func (h *handler) certify(w http.ResponseWriter, r *http.Request) {
	f := h.federation(w)
	if f == nil {
		return
	}
	var req CertifyRequest
	if err := decodeSmall(w, r, &req); err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := f.Certify(r.Context(), req)
	h.reply(w, out, err)
}

func (h *handler) endCertificate(w http.ResponseWriter, r *http.Request) {
	if f := h.federation(w); f != nil {
		out, err := f.EndCertificate(r.Context(), r.PathValue("author"))
		h.reply(w, out, err)
	}
}
