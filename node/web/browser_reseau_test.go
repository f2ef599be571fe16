package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mutu-network/mutu/protocol"
)

// TestBrowserCoordinatorAdmitsAndRevokesOnTheReseauPage is what the
// operator of a coordinator's node does in a browser: on the Réseau
// page, admit the node whose join request waits (« Bassin C ») with
// « Admettre », then revoke the member « Bassin B » with « Révoquer »,
// giving a reason on the confirmation page. The roster the catalogue
// holds says so, and so does the page.
func TestBrowserCoordinatorAdmitsAndRevokesOnTheReseauPage(t *testing.T) {
	e, _, member, joiner := closedEnv(t)
	b := newTab(t, e)
	t.Logf("screenshots in %s", b.dir)

	token, err := AddAccount(e.users, "paul", AddOptions{Operator: true, Now: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b.open(ActivationPath + "?jeton=" + token)
	b.do("type the password",
		chromedp.SendKeys(chromedp.CSS("#mot_de_passe"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), testPassword))
	b.submit(`form[action="/compte/activer"] button[type=submit]`)
	b.expect("Connecté·e : paul")

	b.open("/reseau")
	b.expect("Réseau de Lyon", "Bassin A", "Bassin B", "Bassin C", "Admettre")
	b.screenshot("reseau-demande")

	joinerKey := protocol.PublicKey(joiner).String()
	b.submit(`form[action="/reseau/admettre"] input[name=noeud][value="` + joinerKey + `"] ~ button[type=submit]`)
	b.expect("Le nœud est admis")
	if !e.cat.Roster().Active(protocol.PublicKey(joiner)) {
		t.Fatalf("« Admettre » did not admit Bassin C")
	}
	if b.eval(`document.querySelector('form[action="/reseau/admettre"]') !== null`) {
		t.Errorf("the page still offers to admit a node after the only request was answered")
	}
	b.screenshot("reseau-admis")

	memberKey := protocol.PublicKey(member).String()
	b.submit(`a[href="` + revokeHref(memberKey) + `"]`)
	b.expect("Révoquer « Bassin B » ?", "Révoquer définitivement")
	b.do("give a reason", chromedp.SendKeys(chromedp.CSS("#raison"), "Poste fermé"))
	b.screenshot("revoquer")
	b.submit(`form[action="/reseau/revoquer"] button.danger`)
	if e.cat.Roster().Active(protocol.PublicKey(member)) {
		t.Fatalf("« Révoquer définitivement » did not revoke Bassin B")
	}
	if !e.cat.Roster().Active(protocol.PublicKey(joiner)) {
		t.Errorf("revoking Bassin B revoked Bassin C too")
	}
	b.expect("Le nœud est révoqué", "Poste fermé")
	row := b.text(`table`)
	if !strings.Contains(row, "Bassin B") {
		t.Errorf("the roster no longer lists the revoked Bassin B:\n%s", row)
	}
	if b.eval(`document.querySelector('a[href="` + revokeHref(memberKey) + `"]') !== null`) {
		t.Errorf("the page still offers to revoke Bassin B")
	}
	b.screenshot("reseau-revoque")
}
