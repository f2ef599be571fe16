package web

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// closedEnv is a web server whose node (the key it returns) founded a
// closed network « Réseau de Lyon », in which the node « Bassin B »
// is a member and has relayed the join request of « Bassin C ».
func closedEnv(t *testing.T) (e *env, coord, member, joiner ed25519.PrivateKey) {
	t.Helper()
	e = newEnvWith(t, "", catalogue.Options{InMemory: true})
	coord, member, joiner = newTestKey(t), newTestKey(t), newTestKey(t)
	ctx := context.Background()
	if _, err := e.cat.CreateNetwork(ctx, coord, trust.Charter{Name: "Réseau de Lyon", Policy: trust.PolicyClosed,
		Coordinators: []trust.Key{protocol.PublicKey(coord)}}, trust.Admission{Label: "Bassin A", Academie: "Lyon"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.AddTrust(ctx, coord, &trust.Admission{Node: protocol.PublicKey(member), Role: trust.RoleMember, Label: "Bassin B"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.AddTrust(ctx, member, &trust.JoinRequest{Node: protocol.PublicKey(joiner), Label: "Bassin C", Academie: "Grenoble", Invitation: "0102030405060708"}); err != nil {
		t.Fatal(err)
	}
	e.cfg.NodeKey = coord
	e.restart()
	return e, coord, member, joiner
}

func newTestKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// operator logs in an operator's account.
func (e *env) operator(name string) *client {
	e.t.Helper()
	token, err := AddAccount(e.users, name, AddOptions{Operator: true, Now: e.clock.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.client()
	page := ActivationPath + "?jeton=" + token
	if res := c.submit(page, ActivationPath, url.Values{"jeton": {token}, "mot_de_passe": {testPassword}, "confirmation": {testPassword}}); res.status != http.StatusSeeOther {
		e.t.Fatalf("activate %s: %d", name, res.status)
	}
	return c
}

// TestReseauPageShowsTheCharterAndTheRoster: anyone sees the network's
// name, its coordinators and its nodes (label, académie, role, who
// admitted them, since when), and no button.
func TestReseauPageShowsTheCharterAndTheRoster(t *testing.T) {
	e, _, _, _ := closedEnv(t)
	res := e.client().get("/reseau")
	if res.status != http.StatusOK {
		t.Fatalf("GET /reseau: %d", res.status)
	}
	for _, want := range []string{"Réseau de Lyon", "Réseau fermé", "Bassin A", "Lyon", "Bassin B", "coordinateur", "membre"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, not := range []string{"Admettre", "Révoquer", "Bassin C"} {
		if strings.Contains(res.body, not) {
			t.Errorf("an anonymous visitor sees %q", not)
		}
	}
}

// TestNonCoordinatorSeesNoButtons: an operator of a node that is only a
// member sees the roster, but neither the requests nor the buttons, and
// its forms are refused.
func TestNonCoordinatorSeesNoButtons(t *testing.T) {
	e, _, member, joiner := closedEnv(t)
	e.cfg.NodeKey = member
	e.restart()
	c := e.operator("marie")
	res := c.get("/reseau")
	if res.status != http.StatusOK || !strings.Contains(res.body, "Bassin B") {
		t.Fatalf("GET /reseau: %d", res.status)
	}
	if strings.Contains(res.body, "Admettre") || strings.Contains(res.body, "Révoquer") {
		t.Error("the operator of a member's node sees the coordinators' buttons")
	}
	res = c.submit("/reseau", "/reseau/admettre", url.Values{"noeud": {protocol.PublicKey(joiner).String()}})
	if res.status != http.StatusForbidden || e.cat.Roster().Active(protocol.PublicKey(joiner)) {
		t.Fatalf("admit from a member's node: %d, active %v", res.status, e.cat.Roster().Active(protocol.PublicKey(joiner)))
	}
}

// TestCoordinatorAdmitsAndRevokesFromTheReseauPage: the operator of a
// coordinator's node admits the waiting node with « Admettre », then
// revokes it with « Révoquer » after a confirmation, with a reason; the
// page shows the revocation.
func TestCoordinatorAdmitsAndRevokesFromTheReseauPage(t *testing.T) {
	e, _, _, joiner := closedEnv(t)
	c := e.operator("paul")
	res := c.get("/reseau")
	if !strings.Contains(res.body, "Bassin C") || !strings.Contains(res.body, ">Admettre<") {
		t.Fatalf("the coordinator's operator does not see the request:\n%s", res.body)
	}
	key := protocol.PublicKey(joiner).String()
	res = c.submit("/reseau", "/reseau/admettre", url.Values{"noeud": {key}})
	if res.status != http.StatusSeeOther || !e.cat.Roster().Active(protocol.PublicKey(joiner)) {
		t.Fatalf("admit: %d %s", res.status, res.body)
	}
	if res = c.get("/reseau?msg=admis"); !strings.Contains(res.body, "Le nœud est admis") || !strings.Contains(res.body, revokeHref(key)) {
		t.Fatalf("after the admission, the page lacks the message or the button Révoquer")
	}

	confirm := revokeHref(key)
	if res = c.get(confirm); res.status != http.StatusOK || !strings.Contains(res.body, typo("Révoquer « Bassin C » ?")) {
		t.Fatalf("the confirmation page: %d", res.status)
	}
	res = c.submit(confirm, "/reseau/revoquer", url.Values{"noeud": {key}, "raison": {"Poste fermé"}})
	if res.status != http.StatusSeeOther || e.cat.Roster().Active(protocol.PublicKey(joiner)) {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	if res = c.get("/reseau"); !strings.Contains(res.body, "Poste fermé") {
		t.Error("the page does not show the revocation's reason")
	}
}

// TestReseauFormsWithoutTheCSRFTokenAreRefused: a form posted from
// elsewhere admits and revokes nothing.
func TestReseauFormsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	e, _, member, joiner := closedEnv(t)
	c := e.operator("paul")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/reseau/admettre", url.Values{"noeud": {protocol.PublicKey(joiner).String()}}},
		{"/reseau/revoquer", url.Values{"noeud": {protocol.PublicKey(member).String()}, "raison": {"x"}}},
	} {
		tc.form.Set("csrf", "faux")
		if res := c.post(tc.path, tc.form); res.status != http.StatusForbidden {
			t.Errorf("POST %s with a wrong token: %d", tc.path, res.status)
		}
	}
	r := e.cat.Roster()
	if r.Active(protocol.PublicKey(joiner)) || !r.Active(protocol.PublicKey(member)) {
		t.Fatal("a form without the CSRF token changed the roster")
	}
}

// TestEntryPageShowsTheAttributionOfTheCertificate: an entry's page
// says who vouches for its author at the revision's clock.
func TestEntryPageShowsTheAttributionOfTheCertificate(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	author := newTestKey(t)
	if _, err := e.cat.AddTrust(context.Background(), coord, &trust.Certificate{Author: protocol.PublicKey(author),
		Name: "Mme Durand", Function: "gestionnaire", Etablissement: "collège Jean Moulin"}); err != nil {
		t.Fatal(err)
	}
	id := e.publish(author, map[string]any{"title": "Régie d'avances"}, "Corps.")
	res := e.client().get("/entree/" + id)
	want := "par Mme Durand, gestionnaire, collège Jean Moulin — Bassin A"
	if res.status != http.StatusOK || !strings.Contains(res.body, want) {
		t.Fatalf("the entry page lacks %q (%d)", want, res.status)
	}
}

// TestReseauPageKeepsAddressesForOperatorsInAClosedNetwork: in a closed
// network, an invitation code lets a node in, not an address; the page
// shows the nodes' addresses and the network's identifier to the node's
// operators only.
func TestReseauPageKeepsAddressesForOperatorsInAClosedNetwork(t *testing.T) {
	e, _, _, _ := closedEnv(t)
	e.cfg.Net = &fakeNet{id: "12D3KooWself"}
	e.restart()
	id := e.cat.Network()
	res := e.client().get("/reseau")
	if res.status != http.StatusOK || strings.Contains(res.body, "192.0.2.8") || strings.Contains(res.body, id) {
		t.Fatalf("an anonymous visitor sees an address or the network's identifier (%d)", res.status)
	}
	res = e.operator("paul").get("/reseau")
	if !strings.Contains(res.body, "192.0.2.8") || !strings.Contains(res.body, id) {
		t.Fatal("the operator does not see the addresses and the network's identifier")
	}
}
