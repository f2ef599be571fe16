package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// logInThroughActivation makes the account name with opts, as `mutu
// user add` does, and has the tab open its link and choose the
// password: the tab is then logged in as name.
func (b *tab) logInThroughActivation(name string, opts AddOptions) {
	b.t.Helper()
	opts.Now = b.e.clock.Now()
	token, err := AddAccount(b.e.users, name, opts)
	if err != nil {
		b.t.Fatal(err)
	}
	b.open(ActivationPath + "?jeton=" + token)
	b.do("type the password of "+name,
		chromedp.SendKeys(chromedp.CSS("#mot_de_passe"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), testPassword))
	b.submit(`form[action="/compte/activer"] button[type=submit]`)
	b.expect("Connecté·e : " + name)
}

// TestBrowserReportHideAndBanner is the moderation of a closed network
// in a browser: a reader reports an entry from its page (category,
// comment); a moderator finds the report on the Modération page and
// hides the entry from it (category, motif); the entry's page shows the
// moderator the banner « Masqué par … le … : motif », and a visitor no
// longer finds the entry on the home page or in the search.
func TestBrowserReportHideAndBanner(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	m := e.moderator()
	_, key := e.account("marie")
	if _, err := e.cat.AddTrust(context.Background(), coord, &trust.Certificate{Author: protocol.PublicKey(key), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	id := e.publish(key, map[string]any{"title": "Achetez Zorglub", "category": "regies"}, "Régie miracle : la caisse qui ne se trompe jamais.")
	e.publish(key, map[string]any{"title": "Régie de recettes : les pièces", "category": "regies"}, "Régie ordinaire, arrêté et nomination.")
	page := "/entree/" + id
	b := newTab(t, e)
	t.Logf("screenshots in %s", b.dir)

	// Paul, a reader with an account, reports the entry.
	b.logInThroughActivation("paul", AddOptions{})
	b.open("/")
	b.expect("Achetez Zorglub", "Régie de recettes : les pièces")
	b.open(page)
	b.expect("Achetez Zorglub", "Signaler", "Signaler cette entrée")
	if b.eval(`document.querySelector('form[action="/moderation/agir"]') !== null`) {
		t.Fatalf("a reader without the moderator role has a moderation form")
	}
	b.do("fill the report",
		chromedp.SetValue(chromedp.CSS("#categorie-signalement"), string(trust.CategorySpam)),
		chromedp.SendKeys(chromedp.CSS("#commentaire-signalement"), "Une publicité pour un produit, pas une pratique."))
	b.screenshot("signaler")
	b.submit(`form.signalement button[type=submit]`)
	b.expect("Votre signalement est envoyé aux modérateurs", "Achetez Zorglub")
	if !strings.HasPrefix(strings.TrimPrefix(b.location(), e.ts.URL), page) {
		t.Fatalf("the report leads to %s, want the entry's page", b.location())
	}
	b.screenshot("signale")
	b.submit(`form[action="/deconnexion"] button`)

	// Claire, a moderator, finds it on the Modération page and hides
	// the entry from there.
	b.logInThroughActivation("claire", AddOptions{Moderator: true})
	b.submit(`nav a[href="/moderation"]`)
	b.expect("Signalements", "« Achetez Zorglub »", "publicité ou spam : Une publicité pour un produit, pas une pratique.", "anonyme", "fait ici",
		"Rien n'est masqué ni bloqué sur ce nœud")
	report := `ul.signalements li form[action="/moderation/agir"]`
	if !b.eval(`document.querySelector('` + report + ` select[name=categorie]').value === "spam"`) {
		t.Errorf("the report's form does not preset the report's category")
	}
	b.do("choose the category and the motif",
		chromedp.SetValue(chromedp.CSS(report+` select[name=categorie]`), string(trust.CategorySpam)),
		chromedp.SendKeys(chromedp.CSS(report+` input[name=motif]`), "publicité déguisée"))
	b.screenshot("moderation-signalement")
	b.submit(report + ` button[type=submit]`)
	b.expect("L'action de modération est enregistrée", "entrée masquée")
	if b.eval(`document.querySelector('` + report + `') !== null`) {
		t.Errorf("the queue still offers to hide the hidden entry")
	}
	inForce := b.text(`section[aria-labelledby="titre-en-vigueur"] table`)
	for _, want := range []string{"« Achetez Zorglub »", "masquage", "claire", "publicité déguisée", "publicité ou spam"} {
		if !strings.Contains(inForce, want) {
			t.Errorf("the table of what is hidden lacks %q:\n%s", want, inForce)
		}
	}
	if journal := b.text(`ol.journal`); !strings.Contains(journal, "claire") || !strings.Contains(journal, "masquage") || !strings.Contains(journal, "publicité déguisée") {
		t.Errorf("the journal does not list the act:\n%s", journal)
	}
	b.screenshot("moderation-masquee")
	acts := m.Journal()
	if len(acts) != 1 || acts[0].By != "claire" || acts[0].Action != trust.ActionHide {
		t.Fatalf("the journal holds %+v, want claire's hide", acts)
	}

	// The entry's page shows her the banner.
	b.submit(`ul.signalements a[href="` + page + `"]`)
	banner := b.text(`.masquee`)
	want := "Masqué par claire le " + frenchDate(acts[0].Time) + " : publicité déguisée"
	if !strings.Contains(banner, want) && !strings.Contains(banner, typo(want)) {
		t.Errorf("the banner says %q, want %q", banner, want)
	}
	b.expect("Entrée masquée sur ce nœud", "Achetez Zorglub", "Ne plus masquer")
	b.screenshot("fiche-bandeau")
	b.submit(`form[action="/deconnexion"] button`)

	// A visitor no longer finds it.
	b.open("/")
	b.expect("Se connecter", "Régie de recettes : les pièces")
	if strings.Contains(b.text("main"), "Zorglub") {
		t.Errorf("the home page lists the hidden entry")
	}
	b.do("search", chromedp.SendKeys(chromedp.CSS("#q-accueil"), "regie"))
	b.submit(`form.recherche-principale button`)
	b.expect("Régie de recettes : les pièces")
	if strings.Contains(b.text("main"), "Zorglub") {
		t.Errorf("the search finds the hidden entry")
	}
	b.screenshot("recherche-lecteur")
	b.open(page)
	b.expect("Entrée masquée", "masquée sur ce nœud par claire le ")
	if strings.Contains(b.text("main"), "Zorglub") {
		t.Errorf("a visitor sees the hidden entry's page")
	}
	b.screenshot("fiche-lecteur")
}
