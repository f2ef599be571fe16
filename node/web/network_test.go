package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol/wire"
)

// fakeNet is a running node as the web interface sees it.
type fakeNet struct {
	id string
	// fetch answers Fetch; nil fetches nothing and reports no error.
	fetch func(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error)
}

func (f *fakeNet) Fetch(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
	if f.fetch == nil {
		return api.BlockFetch{Wanted: len(cids)}, nil
	}
	return f.fetch(ctx, cids)
}

func (f *fakeNet) Status() api.Status {
	return api.Status{PeerID: f.id, Network: "bassin-lyon", PeersConnected: 1,
		Addrs: []string{"/ip4/127.0.0.1/tcp/4001/p2p/" + f.id, "/ip4/192.0.2.7/tcp/4001/p2p/" + f.id},
		Sync:  []api.PeerSync{{Peer: "12D3KooWpair", LastSync: time.Now(), Result: "ok", ReceivedTotal: 4217}}}
}

func (f *fakeNet) Peers() []api.Peer {
	return []api.Peer{{ID: "12D3KooWpair", Addrs: []string{"/ip4/192.0.2.8/tcp/4001"}}}
}

func TestNetworkPage(t *testing.T) {
	_, pub, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.srv.net = &fakeNet{id: id.String()}
	if _, err := AddAccount(e.users, "operatrice", AddOptions{Operator: true, Now: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	reader := e.client()
	res := reader.get("/reseau")
	for _, want := range []string{"bassin-lyon", "12D3KooWpair", "/ip4/192.0.2.8/tcp/4001", "réussie", "<td>4217</td>"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("network page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "mutu1") {
		t.Errorf("a visitor sees the invitation code")
	}
	marie, _ := e.account("marie")
	if res := marie.get("/reseau"); strings.Contains(res.body, "mutu1") {
		t.Errorf("an account that is not an operator sees the invitation code")
	}
	op := e.client()
	token, _ := ResetAccount(e.users, "operatrice", e.clock.Now())
	op.submit(ActivationPath+"?jeton="+token, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword}})
	res = op.get("/reseau")
	i := strings.Index(res.body, "mutu1")
	if i < 0 {
		t.Fatalf("the operator does not see the invitation code:\n%s", res.body)
	}
	code := res.body[i : i+strings.IndexByte(res.body[i:], '<')]
	inv, err := wire.DecodeInvite(code)
	network, addrs := inv.Network, inv.Addrs
	if err != nil || network != "bassin-lyon" || len(addrs) != 1 || !strings.HasPrefix(addrs[0].String(), "/ip4/192.0.2.7/") {
		t.Errorf("invitation code %q decodes to %q %v, %v; want the network and the non-loopback address", code, network, addrs, err)
	}
}

// TestSearchPageSaysWhatIsNotIndexed renders the search page of a node
// whose index lags its store, as during a catch-up, and of one that
// does not.
func TestSearchPageSaysWhatIsNotIndexed(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		backlog uint64
		want    bool
	}{{0, false}, {1200, true}} {
		rec := httptest.NewRecorder()
		e.srv.render(rec, httptest.NewRequest(http.MethodGet, "/recherche?q=budget", nil), http.StatusOK, "search", &searchView{Backlog: tt.backlog})
		if got := strings.Contains(rec.Body.String(), "Ce nœud indexe encore 1200 modifications reçues"); got != tt.want {
			t.Errorf("backlog %d: the page says what is not indexed yet: %v, want %v", tt.backlog, got, tt.want)
		}
	}
	// A node whose search is up to date says nothing.
	if body := e.client().get("/recherche?q=budget").body; strings.Contains(body, "indexe encore") {
		t.Error("an up-to-date node says it is still indexing")
	}
}
