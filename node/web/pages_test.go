package web

import (
	"bytes"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
)

// TestReadingPages checks that every reading page answers in French,
// without an account, with the entries it should show.
func TestReadingPages(t *testing.T) {
	e := newEnv(t)
	note := e.publish(nil, map[string]any{"kind": "note", "title": "Régie d'avances : ouvrir une sous-régie", "category": "regies",
		"tags": []any{"regies", "voyages"}, "academie": "lyon", "audience": []any{"gestionnaire"}, "review_by": "2020-01-31"},
		"L'acte constitutif de la **régie** fixe le montant.\n\n| Compte | Solde |\n|---|---|\n| 4111 | 12,50 |\n")
	tool := e.publish(nil, map[string]any{"kind": "tool", "title": "Chorus Pro", "url": "https://chorus-pro.gouv.fr", "tool_type": "outil-etat", "access": "compte-agent", "cost": "gratuit", "category": "comptabilite"}, "Dépôt des factures.")
	soft := e.publish(nil, map[string]any{"kind": "software", "title": "Inventaire libre", "repository": "https://forge.example/inventaire", "license": "EUPL-1.2", "status": "beta", "contributors_wanted": true}, "Un logiciel d'inventaire.")
	c := e.client()
	tests := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{`<html lang="fr">`, "Fiches pratiques récemment mises à jour", "Régie d&#39;avances", "peut être obsolète", "Chorus Pro", "Inventaire libre"}},
		{"/recherche?q=regie", 200, []string{"Résultats pour « regie »", "<mark>", "Affiner", "Régies"}},
		{"/recherche?kind=note", 200, []string{"Fiches pratiques", "Régie d&#39;avances"}},
		{"/recherche?q=regie&category=regies", 200, []string{"Catégorie : Régies", "(retirer ce filtre)"}},
		{"/outils", 200, []string{"<table", "Chorus Pro", "Outil de l&#39;État", "Compte agent", "Gratuit", `href="https://chorus-pro.gouv.fr"`}},
		{"/logiciels", 200, []string{"Inventaire libre", "Bêta", "EUPL-1.2", "contributions bienvenues"}},
		{"/entree/" + note, 200, []string{"<table>", "signature vérifiée", "Régies", "Gestionnaires", "Lyon", "peut être obsolète", "Historique"}},
		{"/entree/" + tool, 200, []string{"Outil de l&#39;État", "Compte agent"}},
		{"/entree/" + soft, 200, []string{"forge.example/inventaire", "Bêta"}},
		{"/entree/" + note + "/historique", 200, []string{"Publication", "1 version"}},
		{"/reseau", 200, []string{"ne fonctionne pas en réseau", "3 entrées", "La recherche trouve tout ce qu'il détient"}},
		{"/connexion", 200, []string{`autocomplete="current-password"`, `name="csrf"`}},
		{"/entree/bafyreiaaaaaaaaaaaaaaaa", 404, []string{"Entrée introuvable"}},
		{"/nulle-part", 404, []string{"Page introuvable"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := c.get(tt.path)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d:\n%s", res.status, tt.status, res.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.body, typo(w)) {
					t.Errorf("page lacks %q", w)
				}
			}
			if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'none'") || !strings.Contains(got, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q", got)
			}
			for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
				if got := res.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
	}
	// Writing pages send visitors without an account to the login page.
	for _, p := range []string{"/publier", "/entree/" + note + "/modifier", "/entree/" + note + "/retirer"} {
		res := c.get(p)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/connexion?suite=") {
			t.Errorf("GET %s without account: %d to %q, want a redirect to the login page", p, res.status, res.header.Get("Location"))
		}
	}
}

// TestSearchPaging checks the pager and that filters survive paging.
func TestSearchPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 45 {
		e.publish(nil, map[string]any{"title": "Fiche budget numéro " + string(rune('A'+i%26)), "category": "budget"}, "Le budget de l'établissement.")
	}
	c := e.client()
	res := c.get("/recherche?q=budget&category=budget")
	if !strings.Contains(res.body, "Page 1 sur 3") || !strings.Contains(res.body, `rel="next"`) || strings.Contains(res.body, `rel="prev"`) {
		t.Fatalf("page 1 pager wrong:\n%s", res.body)
	}
	res = c.get("/recherche?q=budget&category=budget&page=3")
	if !strings.Contains(res.body, "Page 3 sur 3") || !strings.Contains(res.body, `rel="prev"`) || strings.Contains(res.body, `rel="next"`) {
		t.Fatalf("page 3 pager wrong:\n%s", res.body)
	}
	if n := strings.Count(res.body, `class="carte"`); n != 5 {
		t.Errorf("page 3 shows %d hits, want 5", n)
	}
	if !strings.Contains(res.body, "category=budget") {
		t.Errorf("the pager dropped the filter")
	}
}

// TestPublishForm drives the publish form as a browser without
// JavaScript would: a preview, an error that keeps what was typed and
// the file sent, then the publication.
func TestPublishForm(t *testing.T) {
	e := newEnv(t)
	c, _ := e.account("marie")
	token := c.csrf("/publier")
	body := "Texte avec un tableau :\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n"
	send := func(fields url.Values, files map[string]string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, vs := range fields {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		for name, data := range files {
			fw, _ := mw.CreateFormFile("pieces", name)
			fw.Write([]byte(data))
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/publier", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.do(req)
	}
	// A preview renders the table and keeps the file.
	res := send(url.Values{"csrf": {token}, "kind": {"note"}, "title": {"Titre"}, "body": {body}, "action": {"apercu"}}, map[string]string{"modele.csv": "a;b\n"})
	if res.status != 200 || !strings.Contains(res.body, "Aperçu du texte") || !strings.Contains(res.body, "<table>") {
		t.Fatalf("preview: %d\n%s", res.status, res.body)
	}
	kept := regexp.MustCompile(`name="garder" value="([^"]+)"`).FindStringSubmatch(res.body)
	if kept == nil || !strings.Contains(res.body, "modele.csv") {
		t.Fatalf("preview did not keep the uploaded file:\n%s", res.body)
	}
	// An invalid entry comes back with the errors beside their fields
	// and everything typed.
	res = send(url.Values{"csrf": {token}, "kind": {"software"}, "title": {"Logiciel sans dépôt"}, "summary": {strings.Repeat("long ", 50)},
		"tags": {"gestion, inventaire"}, "body": {body}, "garder": {kept[1]}, "action": {"publier"}}, nil)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid entry: status %d, want 422", res.status)
	}
	for _, want := range []string{`id="erreur-summary"`, `id="erreur-repository"`, `id="erreur-license"`, `href="#champ-repository"`,
		`aria-invalid="true"`, "Logiciel sans dépôt", "gestion, inventaire", "| 1 | 2 |", "modele.csv", "Rien n'a été publié"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("form after error lacks %q", want)
		}
	}
	// Fixed, it publishes with the kept file.
	res = send(url.Values{"csrf": {token}, "kind": {"note"}, "title": {"Fiche avec modèle"}, "tags": {"budget, Modeles"},
		"category": {"budget"}, "audience": {"gestionnaire", "agent-comptable"}, "review_by": {"30/06/2027"},
		"body": {body}, "garder": {kept[1]}, "action": {"publier"}}, nil)
	if res.status != http.StatusSeeOther {
		t.Fatalf("publish: status %d:\n%s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	page := c.get(loc)
	for _, want := range []string{"Fiche avec modèle", "modele.csv", "Agents comptables", "30 juin 2027", "publiée"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	id, _ := strings.CutPrefix(strings.Split(loc, "?")[0], "/entree/")
	d := getDoc(t, e.cat, id)
	if d.Entry.Body != strings.ReplaceAll(body, "\r\n", "\n") {
		t.Errorf("body stored with CRLF: %q", d.Entry.Body)
	}
	if got := d.Entry.Meta["review_by"]; got != "2027-06-30" {
		t.Errorf("review_by = %v, want 2027-06-30", got)
	}
}

// TestAtomFeed checks that the feeds are Atom documents with the
// entries in them.
func TestAtomFeed(t *testing.T) {
	e := newEnv(t)
	e.publish(nil, map[string]any{"title": "Bourses : le calendrier", "category": "bourses-aides", "summary": "Les dates <clés> & le reste"}, "Texte.")
	e.publish(nil, map[string]any{"title": "Marché de restauration", "category": "marches-publics"}, "Texte.")
	c := e.client()
	for _, tt := range []struct {
		path    string
		entries []string
	}{
		{"/flux.atom", []string{"Bourses : le calendrier", "Marché de restauration"}},
		{"/flux/bourses-aides.atom", []string{"Bourses : le calendrier"}},
	} {
		res := c.get(tt.path)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %s", tt.path, res.status, res.header.Get("Content-Type"))
		}
		var f struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			ID      string   `xml:"id"`
			Title   string   `xml:"title"`
			Updated string   `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
				Summary string `xml:"summary"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(res.body), &f); err != nil {
			t.Fatalf("%s is not XML: %v", tt.path, err)
		}
		if f.ID == "" || f.Title == "" || f.Updated == "" || f.Author.Name == "" {
			t.Errorf("%s: feed lacks id, title, updated or author: %+v", tt.path, f)
		}
		var titles []string
		for _, en := range f.Entries {
			if en.ID == "" || en.Updated == "" || !strings.HasPrefix(en.Link.Href, e.ts.URL+"/entree/") {
				t.Errorf("%s: entry %q lacks id, updated or an absolute link", tt.path, en.Title)
			}
			titles = append(titles, en.Title)
		}
		slices.Sort(titles)
		if !slices.Equal(titles, tt.entries) {
			t.Errorf("%s: entries %q, want %q", tt.path, titles, tt.entries)
		}
	}
}

func getDoc(t *testing.T, cat *catalogue.Catalogue, id string) *catalogue.Doc {
	t.Helper()
	c, err := cat.Resolve(id)
	if err != nil {
		t.Fatal(err)
	}
	d, err := cat.Get(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// On a full disk the form comes back with what was typed and says why,
// nothing is published, and the network page warns.
func TestPublishDiskFull(t *testing.T) {
	// A reserve larger than any disk: every write finds it full.
	e := newEnvWith(t, t.TempDir(), catalogue.Options{MinFree: 1 << 62})
	c, _ := e.account("marie")
	res := c.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Clôture de l'exercice"},
		"body": {"Arrêter les comptes avant le 15 janvier."}, "action": {"publier"}})
	if res.status != http.StatusInsufficientStorage {
		t.Fatalf("publish on a full disk: status %d, want 507\n%s", res.status, res.body)
	}
	for _, want := range []string{"Le disque du nœud est plein", "Clôture de l&#39;exercice", "Arrêter les comptes avant le 15 janvier.", "Rien n'a été publié"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("form after a full disk lacks %q", want)
		}
	}
	if n, err := e.cat.Counts(); err != nil || n.Revisions != 0 {
		t.Errorf("%d revisions (%v) after a refused publish", n.Revisions, err)
	}
	if page := c.get("/reseau"); !strings.Contains(page.body, "Le disque du nœud est plein") || !strings.Contains(page.body, "sur son disque") {
		t.Errorf("the network page does not say the disk is full:\n%s", page.body)
	}
}
