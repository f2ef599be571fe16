package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserToolbarImageAndWordDiff is the first hour of a
// gestionnaire who writes: a note typed with the toolbar and its
// shortcuts, under the page's strict policy; an image attached and
// seen in the entry page; a sentence added in an edit and read, word
// by word, on the history page.
func TestBrowserToolbarImageAndWordDiff(t *testing.T) {
	e := newEnv(t)
	b := newTab(t, e)
	t.Logf("screenshots in %s", b.dir)
	token, err := AddAccount(e.users, "marie", AddOptions{Now: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	b.open(ActivationPath + "?jeton=" + token)
	b.do("choose the password",
		chromedp.SendKeys(chromedp.CSS("#mot_de_passe"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#confirmation"), testPassword))
	b.submit(`form[action="/compte/activer"] button[type=submit]`)
	b.expect("Connecté·e : marie")

	// The toolbar shows only because its script ran under the policy.
	b.open("/publier")
	if !b.eval(`!document.querySelector(".barre-edition").hidden && getComputedStyle(document.querySelector(".barre-edition")).display !== "none"`) {
		t.Fatalf("the toolbar is not shown: its script did not run")
	}
	b.do("type with the toolbar",
		chromedp.SendKeys(chromedp.CSS("#champ-title"), "Sortie scolaire"),
		chromedp.Click(chromedp.CSS("#champ-body")),
		chromedp.KeyEvent("Le montant est "),
		chromedp.Click(chromedp.CSS(`.barre-edition button[data-md="gras"]`)),
		chromedp.KeyEvent("plafonné"),
		chromedp.KeyEvent(kb.End),
		chromedp.KeyEvent(" par la délibération. Voir "),
		chromedp.KeyEvent("i", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent("annexe"),
		chromedp.KeyEvent(kb.End),
		chromedp.KeyEvent(".\n"),
		chromedp.Click(chromedp.CSS(`.barre-edition button[data-md="liste"]`)),
		chromedp.KeyEvent("premier point"))
	const typed = "Le montant est **plafonné** par la délibération. Voir *annexe*.\n- premier point"
	if got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS("#champ-body"))); err != nil || got != typed {
		t.Fatalf("text typed with the toolbar = %q (%v), want %q", got, err, typed)
	}
	// The buttons are reached with the keyboard: one Tab stop, arrows
	// within.
	b.do("move in the toolbar",
		chromedp.Focus(chromedp.CSS(`.barre-edition button[data-md="gras"]`)),
		chromedp.KeyEvent(kb.ArrowRight))
	if !b.eval(`document.activeElement.getAttribute("data-md") === "italique" && document.activeElement.tabIndex === 0`) {
		t.Errorf("the right arrow does not move to the next button")
	}
	b.screenshot("barre-d-outils")

	image := filepath.Join(t.TempDir(), "plan-du-car.png")
	if err := os.WriteFile(image, testImage(t, "png"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("attach an image", chromedp.SetUploadFiles(chromedp.CSS("#pieces"), []string{image}))
	b.submit(`button[value=publier]`)
	b.expect("L'entrée est publiée", "Image jointe", "plan-du-car.png")
	if !b.eval(`document.querySelector(".corps strong").textContent === "plafonné" && document.querySelector(".corps em").textContent === "annexe" && document.querySelector(".corps li").textContent === "premier point"`) {
		t.Errorf("the entry page does not show the bold, italic and list typed")
	}
	// The image is loaded under img-src 'self' and decoded.
	if _, err := chromedp.Run(b.ctx, chromedp.ScrollIntoView(chromedp.CSS(".images-jointes img"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](`document.querySelector(".images-jointes img").complete && document.querySelector(".images-jointes img").naturalWidth === 40`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the attached image is not shown in the entry page: %v", err)
	}
	b.screenshot("fiche-avec-image")

	// Edit: a sentence added inside the first line.
	entryURL := strings.Split(b.location(), "?")[0]
	b.submit(`a[href$="/modifier"]`)
	const sentence = "Le conseil d'administration la vote chaque année."
	edited := strings.Replace(typed, " Voir", " "+sentence+" Voir", 1)
	b.do("add a sentence", chromedp.SetValue(chromedp.CSS("#champ-body"), edited))
	b.submit(`button[value=enregistrer]`)
	b.expect("Vos modifications sont enregistrées")

	b.open(strings.TrimPrefix(entryURL, e.ts.URL) + "/historique")
	b.submit(`a[href*="/diff?"]`)
	if !b.eval(`document.querySelectorAll(".diff tr.mod").length === 1 && document.querySelectorAll(".diff tr.add, .diff tr.del, .diff tr.mod del").length === 0`) {
		t.Errorf("the changes are not one line changed in place with words added only")
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".diff tr.mod ins")).map(e => Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join("")).join("|")`))
	if err != nil || strings.TrimSpace(got) != sentence {
		t.Errorf("words marked as added: %q (%v), want only %q", got, err, sentence)
	}
	b.expect("1 ligne modifiée")
	b.screenshot("modifications-mot-a-mot")
}
