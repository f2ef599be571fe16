package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
)

// readPubliccodeCorpus reads a real publiccode.yml of the corpus kept
// by catalogue/publiccode.
func readPubliccodeCorpus(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "catalogue", "publiccode", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sendPubliccode posts the publish form with a publiccode.yml.
func sendPubliccode(t *testing.T, e *env, c *client, action string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf("/publier"))
	mw.WriteField("kind", "note")
	mw.WriteField("title", "")
	mw.WriteField("action", action)
	fw, _ := mw.CreateFormFile("publiccode", "publiccode.yml")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/publier", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestPublishFormTakesPubliccode: the publish form takes a
// publiccode.yml in place of its fields. A file with errors publishes
// nothing and says each in French with its key path and line; a valid
// one, checked first with « Aperçu », is published as a software entry,
// with its remarks listed in French.
func TestPublishFormTakesPubliccode(t *testing.T) {
	e := newEnv(t)
	c, _ := e.account("marie")
	if res := c.get("/publier"); !strings.Contains(res.body, `name="publiccode" type="file"`) {
		t.Fatalf("the publish form has no publiccode.yml field")
	}

	broken := readPubliccodeCorpus(t, "Chrisdo82__kolibri.publiccode.yml")
	res := sendPubliccode(t, e, c, "publier", broken)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "clé description.de.features, ligne 31") ||
		!strings.Contains(res.body, "absente ou vide, alors que le standard l’exige") {
		t.Fatalf("broken file: %d\n%s", res.status, res.body)
	}
	if n := entryCount(t, e, ""); n != 0 {
		t.Fatalf("a broken file published %d entries", n)
	}

	onyxia := readPubliccodeCorpus(t, "InseeFrLab__onyxia.publiccode.yml")
	res = sendPubliccode(t, e, c, "apercu", onyxia)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Aperçu du texte") ||
		!strings.Contains(res.body, "clé fundedBy[0].url, ligne 27") || entryCount(t, e, "") != 0 {
		t.Fatalf("preview: %d\n%s", res.status, res.body)
	}

	res = sendPubliccode(t, e, c, "publier", onyxia)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Logiciel publié") ||
		!strings.Contains(res.body, "la clé s’appelle uri, pas url") {
		t.Fatalf("publish: %d\n%s", res.status, res.body)
	}
	list := summariesOf(t, e, "software")
	if len(list) != 1 || list[0].Title != "Onyxia" {
		t.Fatalf("published: %+v", list)
	}
	href := regexp.MustCompile(`href="(/entree/[^"/]+)"`).FindStringSubmatch(res.body)
	if href == nil {
		t.Fatalf("no link to the entry:\n%s", res.body)
	}
	page := c.get(href[1])
	if !strings.Contains(page.body, "Onyxia est une application web open-source") {
		t.Errorf("the entry page does not show the French description")
	}
}

func summariesOf(t *testing.T, e *env, kind entry.Kind) []catalogue.Summary {
	t.Helper()
	l, err := e.cat.List(catalogue.ListOptions{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func entryCount(t *testing.T, e *env, kind entry.Kind) int { return len(summariesOf(t, e, kind)) }

// TestSoftwarePageOffersPubliccode: a software entry's page links to
// its publiccode.yml, which downloads as a file of the current version;
// a note has none.
func TestSoftwarePageOffersPubliccode(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	id := e.publish(nil, map[string]any{"kind": "software", "title": "Régies", "repository": "https://forge.example.fr/regies",
		"license": "EUPL-1.2", "summary": "Suivi des régies"}, "Un outil pour les régies.\n")
	page := c.get("/entree/" + id)
	link := `href="/entree/` + id + `/publiccode.yml"`
	if !strings.Contains(page.body, link) {
		t.Fatalf("no link %s in the software page", link)
	}
	res := c.get("/entree/" + id + "/publiccode.yml")
	if res.status != http.StatusOK || !strings.HasPrefix(res.body, "publiccodeYmlVersion: \"0.5\"\nname: Régies\n") ||
		!strings.Contains(res.header.Get("Content-Disposition"), `attachment; filename=publiccode.yml`) ||
		!strings.Contains(res.body, "    shortDescription: Suivi des régies\n") {
		t.Fatalf("download: %d %v\n%s", res.status, res.header, res.body)
	}
	note := e.publish(nil, map[string]any{"kind": "note", "title": "Régie d'avances"}, "Texte.\n")
	if strings.Contains(c.get("/entree/"+note).body, "publiccode.yml") {
		t.Errorf("a note's page offers a publiccode.yml")
	}
	if res := c.get("/entree/" + note + "/publiccode.yml"); res.status != http.StatusNotFound {
		t.Errorf("a note's publiccode.yml: %d", res.status)
	}
}

// TestPublishFormWithoutPubliccode: the file field left empty, as a
// browser sends it, leaves the form to publish what its fields say.
func TestPublishFormWithoutPubliccode(t *testing.T) {
	e := newEnv(t)
	c, _ := e.account("marie")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf("/publier"))
	mw.WriteField("kind", "note")
	mw.WriteField("title", "Régie d'avances")
	mw.WriteField("body", "Texte.")
	mw.WriteField("action", "publier")
	mw.CreateFormFile("publiccode", "")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/publier", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res := c.do(req); res.status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", res.status, res.body)
	}
	if l := summariesOf(t, e, entry.KindNote); len(l) != 1 || l[0].Title != "Régie d'avances" {
		t.Fatalf("published: %+v", l)
	}
}
