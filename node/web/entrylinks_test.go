package web

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mutu-network/mutu/catalogue"
)

// TestEntryPageMakesNoRequestIntoTheNode: the entry that brought nodes
// down carried an image whose address was a search of 480,000
// characters on the reader's own node. Its page now loads no image but
// the entry's own attachments, and links nowhere into the API or to a
// page that acts.
func TestEntryPageMakesNoRequestIntoTheNode(t *testing.T) {
	e := newEnv(t)
	body := "![logo](/api/v1/search?q=b" + strings.Repeat("x", 480_000) + ")\n\n" +
		"![plan](plan.png) [le modèle](modele.ods) [statut](http://127.0.0.1:6888/api/v1/status) [quitter](/deconnexion)\n"
	id := e.publish(nil, map[string]any{"title": "Piège pour les nœuds"}, body,
		catalogue.File{Name: "plan.png", Type: "image/png", Data: strings.NewReader("\x89PNG")},
		catalogue.File{Name: "modele.ods", Type: "application/vnd.oasis.opendocument.spreadsheet", Data: strings.NewReader("ods")})
	res := e.client().get("/entree/" + id)
	if res.status != http.StatusOK {
		t.Fatalf("entry page: %d", res.status)
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self';") {
		t.Errorf("Content-Security-Policy %q lets images come from elsewhere", csp)
	}
	var images, links []string
	z := html.NewTokenizer(strings.NewReader(res.body))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		for _, a := range tok.Attr {
			switch {
			case tok.Data == "img" && a.Key == "src":
				images = append(images, a.Val)
			case tok.Data == "a" && a.Key == "href":
				links = append(links, a.Val)
			}
		}
	}
	// The body's image is the attachment; the gallery of the page
	// shows it again, from the route that checks it is an image.
	plan, shown := "/entree/"+id+"/piece/plan.png", "/entree/"+id+"/image/plan.png"
	for _, img := range images {
		if img != plan && img != shown {
			t.Errorf("images of the page %q, want only %s and %s", images, plan, shown)
		}
	}
	if len(images) == 0 || images[0] != plan {
		t.Errorf("images of the page %q, want the body's to be %s", images, plan)
	}
	for _, l := range links {
		if strings.Contains(l, "/api/") || strings.Contains(l, "deconnexion") {
			t.Errorf("the page links to %s", l)
		}
	}
	if !strings.Contains(res.body, `href="/entree/`+id+`/piece/modele.ods" rel="nofollow noopener noreferrer">le modèle</a>`) {
		t.Errorf("the link to the attachment by its name does not lead to it")
	}
}

// TestOtherSitesCannotLoadThePages: a page of another site may link to
// the node's pages, but not make the browser load them as an image, a
// script or a frame (and so run a search or fetch a file with the
// reader's cookies).
func TestOtherSitesCannotLoadThePages(t *testing.T) {
	e := newEnv(t)
	id := e.publish(nil, map[string]any{"title": "Plan"}, "x", catalogue.File{Name: "plan.png", Type: "image/png", Data: strings.NewReader("\x89PNG")})
	c := e.client()
	get := func(path string, h map[string]string) int {
		req, _ := http.NewRequest(http.MethodGet, e.ts.URL+path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return c.do(req).status
	}
	image := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
	for _, p := range []string{"/recherche?q=" + strings.Repeat("x", 100), "/entree/" + id + "/piece/plan.png", "/flux.atom"} {
		if got := get(p, image); got != http.StatusForbidden {
			t.Errorf("%s as an image of another site: %d, want 403", p, got)
		}
		if got := get(p, map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}); got != http.StatusForbidden {
			t.Errorf("%s fetched by a script of a sibling site: %d, want 403", p, got)
		}
	}
	for name, h := range map[string]map[string]string{
		"link from another site": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		"image of the page":      {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
		"typed address":          {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		"feed reader":            nil,
	} {
		if got := get("/entree/"+id+"/piece/plan.png", h); got != http.StatusOK {
			t.Errorf("attachment, %s: %d, want 200", name, got)
		}
	}
}
