package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// fakeNet is a running node as the API sees it.
type fakeNet struct{}

func (fakeNet) Status() Status {
	return Status{PeerID: "12D3KooWpeer", Network: "bafyreinetwork", Addrs: []string{"/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWpeer"}}
}
func (fakeNet) Peers() []Peer { return nil }
func (fakeNet) Fetch(context.Context, []cid.Cid) (BlockFetch, error) {
	return BlockFetch{}, nil
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// closedNetwork serves, with the token "token", a Local whose node
// (key coord) founded a closed network, in which member is admitted and
// has relayed the join request of joiner.
func closedNetwork(t *testing.T) (srv *httptest.Server, l *Local, coord, member, joiner ed25519.PrivateKey) {
	t.Helper()
	srv, l = newTestServer(t)
	coord, member, joiner = newKey(t), newKey(t), newKey(t)
	ctx := context.Background()
	if _, err := l.Cat.CreateNetwork(ctx, coord, trust.Charter{Name: "Réseau de test", Policy: trust.PolicyClosed,
		Coordinators: []trust.Key{protocol.PublicKey(coord)}}, trust.Admission{Label: "Bassin A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Cat.AddTrust(ctx, coord, &trust.Admission{Node: protocol.PublicKey(member), Role: trust.RoleMember, Label: "Bassin B"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Cat.AddTrust(ctx, member, &trust.JoinRequest{Node: protocol.PublicKey(joiner), Label: "Bassin C", Academie: "Lyon", Invitation: "0102030405060708"}); err != nil {
		t.Fatal(err)
	}
	l.NodeKey = coord
	return srv, l, coord, member, joiner
}

func call(t *testing.T, srv *httptest.Server, method, path, token string, body any, out any) (int, *Error) {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return resp.StatusCode, apiError(t, resp)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, nil
}

// TestStatusHidesNetworkAndAddressesFromAnonymousCallersOfAClosedNetwork:
// the invitation code is the secret that lets a node in; the status of
// a closed network tells its identifier and addresses only to who holds
// the token. An open network's status is as before.
func TestStatusHidesNetworkAndAddressesFromAnonymousCallersOfAClosedNetwork(t *testing.T) {
	open, lo := newTestServer(t)
	lo.Net = fakeNet{}
	var st Status
	if code, e := call(t, open, "GET", "/api/v1/status", "", nil, &st); code != 200 || st.Network == "" || len(st.Addrs) != 1 || st.Closed {
		t.Fatalf("open network, anonymous: %d %v %+v", code, e, st)
	}

	srv, l, _, _, _ := closedNetwork(t)
	l.Net = fakeNet{}
	st = Status{}
	if code, e := call(t, srv, "GET", "/api/v1/status", "", nil, &st); code != 200 || st.Network != "" || len(st.Addrs) != 0 || st.PeerID != "" || !st.Closed {
		t.Fatalf("closed network, anonymous: %d %v %+v", code, e, st)
	}
	st = Status{}
	if code, e := call(t, srv, "GET", "/api/v1/status", "token", nil, &st); code != 200 || st.Network == "" || len(st.Addrs) != 1 {
		t.Fatalf("closed network, with the token: %d %v %+v", code, e, st)
	}
	st = Status{}
	if code, e := call(t, srv, "GET", "/api/v1/status", "wrong", nil, &st); code != 200 || st.Network != "" || len(st.Addrs) != 0 {
		t.Fatalf("closed network, a wrong token: %d %v %+v", code, e, st)
	}
}

// TestMembersAndInvitationsNeedTheToken: the roster (contacts,
// addresses) and the invitations are the operator's.
func TestMembersAndInvitationsNeedTheToken(t *testing.T) {
	srv, _, _, _, _ := closedNetwork(t)
	for _, path := range []string{"/api/v1/members", "/api/v1/invitations"} {
		if code, e := call(t, srv, "GET", path, "", nil, nil); code != http.StatusForbidden || e.Kind != KindForbidden {
			t.Errorf("GET %s without the token: %d %+v", path, code, e)
		}
	}
	var ms Members
	if code, e := call(t, srv, "GET", "/api/v1/members", "token", nil, &ms); code != 200 || !ms.Closed || len(ms.Members) != 2 || len(ms.Pending) != 1 || ms.Pending[0].Label != "Bassin C" {
		t.Fatalf("members: %d %v %+v", code, e, ms)
	}
	var invs []Invitation
	if code, e := call(t, srv, "GET", "/api/v1/invitations", "token", nil, &invs); code != 200 || invs == nil {
		t.Fatalf("invitations of a node that issued none: %d %v %v", code, e, invs)
	}
}

// TestNetworkRouteShowsTheCharter: name, policy, coordinators, and this
// node's role.
func TestNetworkRouteShowsTheCharter(t *testing.T) {
	srv, _, coord, _, _ := closedNetwork(t)
	var n NetworkInfo
	if code, e := call(t, srv, "GET", "/api/v1/network", "", nil, &n); code != 200 {
		t.Fatalf("network: %d %v", code, e)
	}
	k := protocol.PublicKey(coord).String()
	if n.Name != "Réseau de test" || n.Policy != "closed" || len(n.Coordinators) != 1 || n.Coordinators[0] != k || n.Node != k || n.Role != "coordinator" || !strings.HasPrefix(n.ID, "bafyrei") {
		t.Fatalf("network: %+v", n)
	}
}

// TestApproveAndRevokeThroughTheAPI: a coordinator's node admits the
// node of a waiting request, then revokes it with a reason; a member's
// node may do neither.
func TestApproveAndRevokeThroughTheAPI(t *testing.T) {
	srv, l, _, member, joiner := closedNetwork(t)
	node := protocol.PublicKey(joiner).String()

	// Without the token: refused.
	if code, _ := call(t, srv, "POST", "/api/v1/members/"+node+"/approve", "", struct{}{}, nil); code != http.StatusForbidden {
		t.Fatalf("approve without the token: %d", code)
	}
	var m Member
	if code, e := call(t, srv, "POST", "/api/v1/members/"+node+"/approve", "token", struct{}{}, &m); code != 200 || m.Label != "Bassin C" || m.Academie != "Lyon" || m.Role != "member" || m.Revoked {
		t.Fatalf("approve: %d %v %+v", code, e, m)
	}
	if !l.Cat.Roster().Active(protocol.PublicKey(joiner)) || len(l.Cat.Roster().Pending()) != 0 {
		t.Fatal("the approved node is not active, or its request still waits")
	}
	if code, e := call(t, srv, "POST", "/api/v1/members/"+node+"/approve", "token", struct{}{}, nil); code != http.StatusUnprocessableEntity || e.Kind != KindInput {
		t.Fatalf("approve a member: %d %+v", code, e)
	}
	if code, e := call(t, srv, "POST", "/api/v1/members/"+node+"/revoke", "token", RevokeRequest{Reason: strings.Repeat("é", MaxReason+1)}, nil); code != http.StatusUnprocessableEntity || !strings.Contains(e.Message, "500") {
		t.Fatalf("revoke with a reason over the limit: %d %+v", code, e)
	}
	m = Member{}
	if code, e := call(t, srv, "POST", "/api/v1/members/"+node+"/revoke", "token", RevokeRequest{Reason: "Poste fermé"}, &m); code != 200 || !m.Revoked || m.Reason != "Poste fermé" {
		t.Fatalf("revoke: %d %v %+v", code, e, m)
	}
	if code, e := call(t, srv, "POST", "/api/v1/members/not-a-key/revoke", "token", RevokeRequest{}, nil); code != http.StatusUnprocessableEntity || !strings.Contains(e.Message, "not a node key") {
		t.Fatalf("revoke a bad key: %d %+v", code, e)
	}

	// The member's node.
	l.NodeKey = member
	if code, e := call(t, srv, "POST", "/api/v1/members/"+protocol.PublicKey(member).String()+"/revoke", "token", RevokeRequest{}, nil); code != http.StatusForbidden || !strings.Contains(e.Message, "coordinator") {
		t.Fatalf("revoke by a member: %d %+v", code, e)
	}
}

// TestInviteNeedsARunningNode: the code carries the node's current
// addresses: without a node, the API says so (unavailable), and an
// open network has no members to admit.
func TestInviteNeedsARunningNode(t *testing.T) {
	srv, _, _, _, _ := closedNetwork(t)
	if code, e := call(t, srv, "POST", "/api/v1/invitations", "token", InviteRequest{Label: "Lycée"}, nil); code != http.StatusServiceUnavailable || !strings.Contains(e.Message, "mutu run") {
		t.Fatalf("invite without a node: %d %+v", code, e)
	}
	open, _ := newServer(t, "", catalogue.Options{InMemory: true, Network: "mutu"})
	if code, e := call(t, open, "POST", "/api/v1/members/ed25519:aaaa/approve", "token", struct{}{}, nil); code != http.StatusUnprocessableEntity || !strings.Contains(e.Message, "open") {
		t.Fatalf("approve in an open network: %d %+v", code, e)
	}
}

// TestNetworkBodiesOverTheirLimitAreTooLarge: the body of a network
// route is 64 KiB at most, and the answer says so.
func TestNetworkBodiesOverTheirLimitAreTooLarge(t *testing.T) {
	srv, _, _, member, _ := closedNetwork(t)
	big := RevokeRequest{Reason: strings.Repeat("a", maxSmallBody)}
	code, e := call(t, srv, "POST", "/api/v1/members/"+protocol.PublicKey(member).String()+"/revoke", "token", big, nil)
	if code != http.StatusRequestEntityTooLarge || e.Kind != KindTooLarge || !strings.Contains(e.Message, "64 KiB") {
		t.Fatalf("a body over 64 KiB: %d %+v", code, e)
	}
}

// TestCertificatesThroughTheAPI: a member's node certifies an author
// key and ends the certificate; the roster then vouches for the author,
// then no longer does; a field the record refuses is the request's
// fault.
func TestCertificatesThroughTheAPI(t *testing.T) {
	srv, l, _, _, _ := closedNetwork(t)
	author := protocol.PublicKey(newKey(t))
	req := CertifyRequest{Author: author.String(), Name: "Mme Durand", Function: "gestionnaire", Etablissement: "Collège Jean Moulin", UAI: "0691234A"}
	if code, _ := call(t, srv, "POST", "/api/v1/certificates", "", req, nil); code != http.StatusForbidden {
		t.Fatalf("certify without the token: %d", code)
	}
	var c Certificate
	if code, e := call(t, srv, "POST", "/api/v1/certificates", "token", req, &c); code != 200 || c.Name != "Mme Durand" || c.UAI != "0691234A" || c.End != "" {
		t.Fatalf("certify: %d %v %+v", code, e, c)
	}
	if l.Cat.Roster().VouchEnd(author) != trust.Forever {
		t.Fatal("the author is not vouched for after its certificate")
	}
	bad := req
	bad.UAI = "1234"
	if code, e := call(t, srv, "POST", "/api/v1/certificates", "token", bad, nil); code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad UAI: %d %+v", code, e)
	}
	c = Certificate{}
	if code, e := call(t, srv, "DELETE", "/api/v1/certificates/"+author.String(), "token", nil, &c); code != 200 || c.End == "" {
		t.Fatalf("end: %d %v %+v", code, e, c)
	}
	if l.Cat.Roster().VouchEnd(author) == trust.Forever {
		t.Fatal("the author is still vouched for after the end of its certificate")
	}
	if code, e := call(t, srv, "DELETE", "/api/v1/certificates/"+author.String(), "token", nil, nil); code != http.StatusUnprocessableEntity || !strings.Contains(e.Message, "no certificate in force") {
		t.Fatalf("end again: %d %+v", code, e)
	}
}
