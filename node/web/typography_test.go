package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/httplimit"
)

// badSpace is an ordinary space (or a line break) where French
// typography wants a no-break one: before : ; ? ! » and after «.
var badSpace = regexp.MustCompile(`\s[:;?!»]|«\s`)

// textOnly are the elements whose text is not the page's own prose:
// what a form sends back as typed, and code.
var textOnly = map[string]bool{"textarea": true, "pre": true, "code": true, "script": true, "style": true}

// typographyFaults returns the places of page where a line may break
// before a French punctuation mark: in its text, and in the attributes
// a reader sees or hears (title, placeholder, alt, aria-label).
func typographyFaults(page string) ([]string, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, err
	}
	var text strings.Builder
	var faults []string
	check := func(s string) {
		for _, m := range badSpace.FindAllStringIndex(s, -1) {
			from, to := max(0, m[0]-40), min(len(s), m[1]+20)
			faults = append(faults, strings.ReplaceAll(s[from:to], "\n", "⏎"))
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if textOnly[n.Data] {
				return
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "title", "placeholder", "alt", "aria-label":
					check(a.Val)
				}
			}
		}
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	check(text.String())
	return faults, nil
}

// TestTypographyFaultsFound: the check finds a break before a colon,
// inside guillemets and at a line end, and leaves alone the text of a
// text area and a page set right.
func TestTypographyFaultsFound(t *testing.T) {
	for _, tt := range []struct {
		page   string
		faults int
	}{
		{"<p>Titre : x</p>", 1},
		{"<p>« mot »</p>", 2},
		{"<p>avant le <b>2027</b>\n?</p>", 1},
		{"<p title='Vraiment ?'>x</p>", 1},
		{"<p>" + typo("Titre : « mot » ; vraiment ? oui !") + "</p><textarea>a : b</textarea><code>x ? y</code>", 0},
	} {
		got, err := typographyFaults(tt.page)
		if err != nil || len(got) != tt.faults {
			t.Errorf("typographyFaults(%q) = %q, %v; want %d", tt.page, got, err, tt.faults)
		}
	}
}

// TestEveryPageHasFrenchTypography renders every page of the site, in
// the states that change its text, and checks that none can break a
// line before : ; ? ! or inside « ». The entries' own text is their
// authors'; these are written without such spaces, so that every fault
// found is the pages' own.
func TestEveryPageHasFrenchTypography(t *testing.T) {
	e := newEnv(t)
	e.cfg.Guard = httplimit.NewGuard(httplimit.Limits{Search: httplimit.Rate{PerSecond: 0.001, Burst: 3}, LimitLoopback: true})
	e.restart()
	e.srv.net = &fakeNet{id: "12D3KooWnoeud"}
	if _, err := AddAccount(e.users, "operatrice", AddOptions{Operator: true, Now: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	marie, key := e.account("marie")
	note := e.publish(key, map[string]any{"title": "Régie d'avances", "category": "regies", "tags": []any{"regies"},
		"academie": "lyon", "audience": []any{"gestionnaire"}, "review_by": "2020-01-31", "license": "cc-by-sa-4.0"},
		"L'acte constitutif fixe le montant.\n\n| Compte | Solde |\n|---|---|\n| 4111 | 12,50 |\n",
		catalogue.File{Name: "bareme.csv", Data: strings.NewReader("a;b\n")},
		catalogue.File{Name: "plan.png", Data: bytes.NewReader(testImage(t, "png"))})
	e.publish(nil, map[string]any{"kind": "tool", "title": "Chorus Pro", "url": "https://chorus-pro.gouv.fr", "tool_type": "outil-etat",
		"access": "compte-agent", "cost": "gratuit", "category": "comptabilite"}, "Dépôt des factures.")
	e.publish(nil, map[string]any{"kind": "software", "title": "Inventaire libre", "repository": "https://forge.example/inventaire",
		"license": "EUPL-1.2", "status": "beta", "contributors_wanted": true, "maintainers": []any{"DANE"}}, "Un logiciel.")
	d := getDoc(t, e.cat, note)
	edit := "/entree/" + note + "/modifier"
	res := marie.submit(edit, edit, url.Values{"title": {"Régie d'avances"}, "category": {"regies"}, "license": {"cc-by-sa-4.0"},
		"body": {"L'acte constitutif fixe le montant maximal.\n"}, "version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	revs, err := e.cat.History(d.ID)
	if err != nil || len(revs) != 2 {
		t.Fatalf("history: %v, %v", revs, err)
	}
	retracted := e.publish(key, map[string]any{"title": "Ancienne fiche"}, "Texte.")
	if res := marie.submit("/entree/"+retracted+"/retirer", "/entree/"+retracted+"/retirer", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("retract: %d", res.status)
	}
	reader := e.client()
	operator := e.client()
	if res := operator.submit("/connexion", "/connexion", url.Values{"nom": {"operatrice"}, "mot_de_passe": {"faux mot de passe"}}); res.status == 0 {
		t.Fatal("login")
	}

	type page struct {
		name   string
		status int
		get    func() response
	}
	get := func(c *client, path string) func() response { return func() response { return c.get(path) } }
	pages := []page{
		{"accueil", 200, get(reader, "/")},
		{"accueil connecté", 200, get(marie, "/?msg=retiree")},
		{"recherche trop longue", 400, get(marie, "/recherche?q="+url.QueryEscape(strings.Repeat("mot ", 40)))},
		{"recherche", 200, get(reader, "/recherche?q=regie&category=regies")},
		{"fiches", 200, get(marie, "/recherche?kind=note")},
		{"trop de requêtes", 429, func() response {
			for range 20 {
				if res := marie.get("/outils"); res.status == http.StatusTooManyRequests {
					return res
				}
			}
			return marie.get("/outils")
		}},
		{"entrée", 200, get(reader, "/entree/"+note)},
		{"entrée après écriture", 200, get(marie, "/entree/"+note+"?msg=modifiee")},
		{"entrée retirée", 410, get(reader, "/entree/"+retracted)},
		{"entrée introuvable", 404, get(reader, "/entree/bafyreiaaaaaaaaaaaaaaaa")},
		{"historique", 200, get(reader, "/entree/"+note+"/historique")},
		{"modifications", 200, get(reader, diffPath(d.ID, revs[1].CID, revs[0].CID))},
		{"pièce introuvable", 404, get(reader, "/entree/"+note+"/piece/absente.pdf")},
		{"pas une image", 404, get(reader, "/entree/"+note+"/image/bareme.csv")},
		{"publier", 200, get(marie, "/publier")},
		{"publier, erreurs", 422, func() response {
			return marie.submit("/publier", "/publier", url.Values{"kind": {"software"}, "title": {"Logiciel"}, "body": {"Texte."}, "action": {"publier"}})
		}},
		{"publier, aperçu et remarques", 200, func() response {
			return marie.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Fiche"}, "category": {"cantine"},
				"license": {"cc-by-sa-4.0"}, "body": {"Texte **gras**."}, "action": {"apercu"}})
		}},
		{"publier, trop volumineux", 413, func() response {
			return marie.sendLarge("/publier", []field{{"csrf", marie.csrf("/publier"), ""}, {"title", "Fiche", ""}, {"pieces", "", "gros.bin"}}, maxUploadSize+1<<20)
		}},
		{"modifier", 200, get(marie, edit)},
		{"modifier, version dépassée", 409, func() response {
			return marie.submit(edit, edit, url.Values{"title": {"Régie"}, "body": {"Texte."}, "version": {d.Head.String()}, "action": {"enregistrer"}})
		}},
		{"retirer", 200, get(marie, "/entree/"+note+"/retirer")},
		{"pas l'auteur", 403, get(e.mustAccount("paul"), edit)},
		{"réseau", 200, get(reader, "/reseau")},
		{"réseau, opératrice", 200, get(e.loggedIn("operatrice"), "/reseau")},
		{"connexion", 200, get(reader, "/connexion")},
		{"connexion refusée", 401, func() response {
			return reader.submit("/connexion", "/connexion", url.Values{"nom": {"marie"}, "mot_de_passe": {"mauvais mot de passe"}})
		}},
		{"activation", 200, get(reader, ActivationPath+"?jeton="+e.activationToken("jeanne"))},
		{"activation refusée", 422, func() response {
			tok := e.activationToken("luc")
			return reader.submit(ActivationPath+"?jeton="+tok, ActivationPath, url.Values{"jeton": {tok}, "mot_de_passe": {"court"}, "confirmation": {"court"}})
		}},
		{"lien d'activation non valable", 404, get(reader, ActivationPath+"?jeton=faux")},
		{"formulaire refusé", 403, func() response { return marie.post("/publier", url.Values{"title": {"x"}}) }},
		{"page introuvable", 404, get(reader, "/nulle-part")},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			res := p.get()
			if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, Content-Type %q: not a page", res.status, res.header.Get("Content-Type"))
			}
			if res.status != p.status {
				t.Fatalf("status %d, want %d", res.status, p.status)
			}
			faults, err := typographyFaults(res.body)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range faults {
				t.Errorf("status %d: ordinary space in %q", res.status, f)
			}
		})
	}
}

// mustAccount is a client logged in with a new account name.
func (e *env) mustAccount(name string) *client {
	c, _ := e.account(name)
	return c
}

// loggedIn is a new client logged in as the existing account name.
func (e *env) loggedIn(name string) *client {
	e.t.Helper()
	token, err := ResetAccount(e.users, name, e.clock.Now())
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

// activationToken makes an account and returns its activation token.
func (e *env) activationToken(name string) string {
	e.t.Helper()
	token, err := AddAccount(e.users, name, AddOptions{Now: e.clock.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}
