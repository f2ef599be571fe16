package web

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// TestImportedToolsShowTheirLink: the betagouv corpus gives each
// service's address as link; imported as tools, the tools page and the
// entry pages link to it.
func TestImportedToolsShowTheirLink(t *testing.T) {
	e := newEnv(t)
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	corpus := filepath.Join("..", "..", "catalogue", "testdata", "corpus", "betagouv-startups")
	res, err := e.cat.Import(context.Background(), key, corpus, catalogue.ImportOptions{Kind: entry.KindTool})
	if err != nil || len(res.Published) != 660 {
		t.Fatalf("import: %d published, %v %v", len(res.Published), res.Failed, err)
	}
	e.srv.recent.invalidate()
	c := e.client()
	page := c.get("/outils")
	if n := strings.Count(page.body, "Ouvrir<span"); page.status != 200 || n == 0 {
		t.Fatalf("/outils: status %d, %d links to the tools", page.status, n)
	}
	var id string
	for _, f := range res.Published {
		if filepath.Base(f.Path) == "1-eleve-1-stage.md" {
			id = f.ID.String()
		}
	}
	page = c.get("/entree/" + id)
	if !strings.Contains(page.body, `<a href="https://1eleve1stage.education.gouv.fr" rel="nofollow noopener noreferrer">`) {
		t.Errorf("the entry page of 1 élève, 1 stage lacks its address:\n%s", page.body)
	}
}
