package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium, headless, through
// chromedp. Without Chromium they skip, except under CI=true, where
// they fail: CI must install it (apt-get install chromium).

// chromiumPath finds the browser: $MUTU_CHROMIUM, else chromium on the
// PATH.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("MUTU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found (install it with `apt-get install chromium`, or set MUTU_CHROMIUM): browser tests not run"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactName turns a test name into a directory name.
var artifactName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// tab is a headless Chromium tab on the test server.
type tab struct {
	t    *testing.T
	e    *env
	ctx  context.Context
	dir  string // screenshots
	shot int
}

func newTab(t *testing.T, e *env) *tab {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
	})
	dir := os.Getenv("MUTU_SCREENSHOTS")
	if dir == "" {
		// Test artefacts, kept after the run (and ignored by git), as
		// the e2e tests keep their logs.
		dir = filepath.Join("artifacts", "screenshots", artifactName.ReplaceAllString(t.Name(), "_"))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tb := &tab{t: t, e: e, ctx: ctx, dir: dir}
	// A download must never open anything: deny them all.
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return tb
}

// do runs actions, failing the test on error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.location())
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.e.ts.URL+path))
}

// submit clicks sel and waits for the page it loads.
func (b *tab) submit(sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		b.t.Fatalf("click %s: %v (page %s)", sel, err, b.location())
	}
}

func (b *tab) location() string {
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	return loc
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (page %s)", sel, err, b.location())
	}
	return s
}

func (b *tab) eval(js string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return ok
}

// expect fails the test when the page's text lacks any of want, as
// written or with French typography (the pages' own text has it, an
// entry's text is shown as its author typed it).
func (b *tab) expect(want ...string) {
	b.t.Helper()
	body := b.text("body")
	for _, w := range want {
		if !strings.Contains(body, w) && !strings.Contains(body, typo(w)) {
			b.t.Errorf("page %s lacks %q", b.location(), w)
		}
	}
}

// screenshot writes the whole page as a PNG test artefact.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shot++
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// noScriptRan checks that no payload ran in the current page.
func (b *tab) noScriptRan() {
	b.t.Helper()
	if !b.eval(`window.__pwned === undefined && document.title !== "pwned" && window.top.__pwned === undefined`) {
		ran, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`String(window.__pwned) + " / " + document.title`))
		b.t.Errorf("a script from an entry ran on %s: %s", b.location(), ran)
	}
}

// TestBrowserJourney is what a gestionnaire does: activate the account
// the operator made, log in, publish a note with a table and an
// attachment, find it by searching without accents, open it, edit it,
// read its history and the changes, and retract it.
func TestBrowserJourney(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e)
	t.Logf("screenshots in %s", b.dir)
	e.publish(nil, map[string]any{"kind": "tool", "title": "Chorus Pro", "summary": "Dépôt et suivi des factures de l'État", "url": "https://chorus-pro.gouv.fr",
		"tool_type": "outil-etat", "provider": "AIFE", "access": "compte-agent", "cost": "gratuit", "category": "comptabilite"}, "Le portail des factures.")
	e.publish(nil, map[string]any{"kind": "software", "title": "GestInventaire", "summary": "Inventaire des biens des EPLE", "repository": "https://forge.example/gestinventaire",
		"license": "EUPL-1.2", "status": "beta", "maintainers": []any{"Académie de Lyon"}, "contributors_wanted": true}, "Un logiciel libre d'inventaire.")
	e.publish(nil, map[string]any{"title": "Bourses nationales : le calendrier de campagne", "category": "bourses-aides", "review_by": "2021-06-30",
		"tags": []any{"bourses"}}, "Les dates de la campagne de bourses.")

	// The operator runs `mutu user add marie`; marie opens the link.
	token, err := AddAccount(e.users, "marie", AddOptions{Now: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b.open(ActivationPath + "?jeton=" + token)
	b.screenshot("activation")
	b.do("type the password",
		chromedp.SendKeys(chromedp.CSS("#mot_de_passe"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), testPassword))
	b.submit(`form[action="/compte/activer"] button[type=submit]`)
	b.expect("Connecté·e : marie", "Votre mot de passe est enregistré")

	// Log out, and in again through the login page.
	b.submit(`form[action="/deconnexion"] button`)
	b.expect("Se connecter", "Vous êtes déconnecté·e")
	b.open("/connexion")
	b.screenshot("connexion")
	b.do("log in",
		chromedp.SendKeys(chromedp.CSS("#nom"), "marie"),
		chromedp.SendKeys(chromedp.CSS("#mot_de_passe"), testPassword))
	b.submit(`form[action="/connexion"] button[type=submit]`)
	b.expect("Connecté·e : marie")
	b.screenshot("accueil")

	// Publish a note with a GFM table and an attachment, previewing it
	// first: the attachment survives the preview.
	attachment := filepath.Join(t.TempDir(), "bareme-sorties.csv")
	if err := os.WriteFile(attachment, []byte("sortie;tarif\nmusée;4,50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := "## Étapes\n\n1. Délibération du conseil d'administration.\n2. Arrêté de création de la sous-régie.\n\n" +
		"| Pièce | Qui la signe |\n|---|---|\n| Acte constitutif | Ordonnateur |\n| Nomination du régisseur | Ordonnateur, agent comptable |\n\nVoir le barème joint.\n"
	b.open("/publier")
	b.do("fill the form",
		chromedp.SendKeys(chromedp.CSS("#champ-title"), "Régie d'avances : ouvrir une sous-régie pour le voyage à Séville"),
		chromedp.SendKeys(chromedp.CSS("#champ-tags"), "regies, voyages"),
		chromedp.SetValue(chromedp.CSS("#champ-category"), "regies"),
		chromedp.Click(chromedp.CSS(`input[name=audience][value=gestionnaire]`)),
		chromedp.SetValue(chromedp.CSS("#champ-body"), body),
		chromedp.SetUploadFiles(chromedp.CSS("#pieces"), []string{attachment}))
	b.submit(`button[value=apercu]`)
	if !b.eval(`document.querySelector(".apercu table") !== null && document.querySelectorAll(".apercu td").length === 4`) {
		t.Errorf("the preview does not show the table")
	}
	if !b.eval(`document.querySelector('input[name=garder]') !== null`) {
		t.Fatalf("the preview did not keep the attachment")
	}
	b.screenshot("publier-apercu")
	b.submit(`button[value=publier]`)
	b.expect("L'entrée est publiée", "signature vérifiée", "bareme-sorties.csv", "Régies", "Gestionnaires")
	if !b.eval(`document.querySelectorAll(".corps table td").length === 4`) {
		t.Errorf("the entry page does not show the table")
	}
	entryURL := strings.Split(b.location(), "?")[0]
	b.screenshot("fiche")

	// Find it from the home page without accents.
	b.open("/")
	b.do("search", chromedp.SendKeys(chromedp.CSS("#q-accueil"), "regie avances seville"))
	b.submit(`form.recherche-principale button`)
	b.expect("Résultats pour « regie avances seville »", "Régie d'avances : ouvrir une sous-régie pour le voyage à Séville")
	if !b.eval(`document.querySelectorAll(".resultats mark").length > 0`) {
		t.Errorf("no highlighted word in the results")
	}
	b.screenshot("recherche")
	b.submit(`.resultats .carte h3 a`)
	if got := strings.Split(b.location(), "?")[0]; got != entryURL {
		t.Fatalf("the result leads to %s, want %s", got, entryURL)
	}

	// Edit it.
	b.submit(`a[href$="/modifier"]`)
	b.do("edit",
		chromedp.SetValue(chromedp.CSS("#champ-body"), strings.Replace(body, "Voir le barème joint.", "Voir le barème joint, mis à jour pour 2026.", 1)),
		chromedp.SetValue(chromedp.CSS("#champ-summary"), "Les pièces et les signatures d'une sous-régie de voyage."))
	b.screenshot("modifier")
	b.submit(`button[value=enregistrer]`)
	b.expect("Vos modifications sont enregistrées", "Les pièces et les signatures d'une sous-régie de voyage.")

	// Its history, and the changes.
	b.submit(`a[href$="/historique"]`)
	b.expect("Publication", "Modification", "2 versions")
	b.screenshot("historique")
	b.submit(`a[href*="/diff?"]`)
	// The summary is a line changed in place: only its new words are
	// marked.
	if !b.eval(`document.querySelector(".diff tr.mod ins") !== null && Array.from(document.querySelectorAll(".diff tr.mod ins")).some(e => e.textContent.includes("mis à jour pour 2026"))`) {
		t.Errorf("the diff does not mark the words added to a line")
	}
	b.expect("mis à jour pour 2026")
	b.screenshot("modifications")

	// The other pages, for the record.
	for _, p := range []struct{ path, name string }{{"/outils", "outils"}, {"/logiciels", "logiciels"}, {"/reseau", "reseau"}, {"/recherche?kind=note", "fiches"}} {
		b.open(p.path)
		b.screenshot(p.name)
	}

	// A form with errors keeps what was typed.
	b.open("/publier")
	b.do("fill an invalid software entry",
		chromedp.SetValue(chromedp.CSS("#champ-kind"), "software"),
		chromedp.SendKeys(chromedp.CSS("#champ-title"), "Logiciel sans dépôt"),
		chromedp.SetValue(chromedp.CSS("#champ-body"), "Un texte qui ne doit pas se perdre."))
	b.submit(`button[value=publier]`)
	b.expect("problèmes empêchent l'enregistrement", "Dépôt : l'adresse web du code source")
	if !b.eval(`document.querySelector("#champ-title").value === "Logiciel sans dépôt" && document.querySelector("#champ-body").value === "Un texte qui ne doit pas se perdre."`) {
		t.Errorf("the form lost what was typed")
	}
	b.screenshot("publier-erreurs")

	// Retract it, after confirming.
	b.open(strings.TrimPrefix(entryURL, e.ts.URL))
	b.submit(`a[href$="/retirer"]`)
	b.expect("Le retrait est définitif")
	b.screenshot("retirer")
	b.submit(`button.danger`)
	b.expect("L'entrée est retirée")
	if strings.Contains(b.text("main"), "Séville") {
		t.Errorf("the retracted entry is still listed on the home page")
	}
	b.open(strings.TrimPrefix(entryURL, e.ts.URL))
	b.expect("Entrée retirée")
}

// TestBrowserHostileContent opens the pages that show hostile entries
// and the hostile attachment, and checks that none of their scripts
// ran.
func TestBrowserHostileContent(t *testing.T) {
	e := newEnv(t)
	note, tool := publishHostile(e)
	b := newTab(t, e)
	for _, p := range []string{"/", "/entree/" + note, "/entree/" + tool, "/recherche?q=piegemarque", "/outils", "/outils?q=javascript", "/entree/" + note + "/historique"} {
		b.open(p)
		b.noScriptRan()
		if b.eval(`document.querySelector("a[href^='javascript' i], [onerror], [onload], [onclick], iframe, script") !== null`) {
			t.Errorf("%s: a link or element that runs script is in the page", p)
		}
	}
	b.open("/entree/" + note)
	b.screenshot("fiche-piegee")
	// As the browser itself parses them, no link runs script and no
	// element carries an event handler. (Links are not clicked: some
	// lead off this machine.)
	if !b.eval(`Array.from(document.links).every(a => a.protocol === "http:" || a.protocol === "https:" || a.protocol === "mailto:")`) {
		t.Errorf("a link of the entry page has a scheme that runs code")
	}
	if !b.eval(`Array.from(document.querySelectorAll("*")).every(el => Array.from(el.attributes).every(a => !a.name.toLowerCase().startsWith("on")))`) {
		t.Errorf("an element of the entry page has an event handler")
	}
	// The SVG with a script is a download, which the browser refuses:
	// it is never displayed, so its script never runs.
	b.open("/entree/" + note)
	err := chromedp.Do(b.ctx, chromedp.Navigate(b.e.ts.URL+"/entree/"+note+"/piece/evil.svg"))
	if err == nil {
		t.Logf("navigating to the SVG gave no error; checking the page it left")
	} else if !strings.Contains(err.Error(), "ERR_ABORTED") && !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("navigate to the SVG: %v", err)
	}
	b.noScriptRan()
	if strings.HasSuffix(b.location(), "evil.svg") && b.eval(`document.querySelector("svg") !== null`) {
		t.Errorf("the SVG attachment was displayed as a page")
	}
}
