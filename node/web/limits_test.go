package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/httplimit"
)

var searchBox = regexp.MustCompile(`<input id="q-page" type="search" name="q" value="([^"]*)"`)

// Finding 1 and 3: a search over the limits of the search package is
// not run. The search page says which limit, with 400, and offers the
// words back shortened to fit, so that a long paste is cut, not lost.
func TestSearchOverTheLimitsShowsAMessage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, tc := range []struct {
		name, path, q, want string
	}{
		{"a long word", "/recherche", "b" + strings.Repeat("a", 600), "500 caractères au plus"},
		{"half a million letters", "/recherche", strings.Repeat("a", 500_000), "500 caractères au plus"},
		{"many words", "/recherche", strings.Repeat("mot ", 40), "compte 40 mots : 32 au plus"},
		{"on the tool list", "/outils", strings.Repeat("mot ", 40), "compte 40 mots : 32 au plus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.get(tc.path + "?q=" + url.QueryEscape(tc.q))
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, typo(tc.want)) || !strings.Contains(res.body, "Recherche trop longue") {
				t.Fatalf("status %d, want 400 and a page saying %q:\n%.2000s", res.status, tc.want, res.body)
			}
			m := searchBox.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no search box in the page")
			}
			got := html.UnescapeString(m[1])
			if got != catalogue.ShortenQuery(tc.q) || (catalogue.SearchQuery{Text: got}).Check() != nil {
				t.Errorf("search box holds %d bytes, want the query shortened within the limits", len(got))
			}
			if len(res.body) > 50_000 {
				t.Errorf("the page is %d bytes: it holds the query whole", len(res.body))
			}
		})
	}
	// At the limits, the search runs.
	if res := c.get("/recherche?q=" + url.QueryEscape(strings.TrimSpace(strings.Repeat("mot ", 32)))); res.status != http.StatusOK {
		t.Errorf("32 words: status %d, want 200", res.status)
	}
}

// Finding 11: the feed of a category that is neither in the list nor
// held by any entry is a page that does not exist: 404, not an empty
// feed.
func TestUnknownFeedCategoryIs404(t *testing.T) {
	e := newEnv(t)
	e.publish(nil, map[string]any{"title": "Régie de la cantine", "category": "cantine-libre"}, "Corps.")
	c := e.client()
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/flux/budget.atom", http.StatusOK},        // in the list, no entry yet
		{"/flux/cantine-libre.atom", http.StatusOK}, // free text, held by an entry
		{"/flux/nimportequoi.atom", http.StatusNotFound},
		{"/flux/" + strings.Repeat("x", 300) + ".atom", http.StatusNotFound},
	} {
		if res := c.get(tc.path); res.status != tc.want {
			t.Errorf("GET %.60s: %d, want %d", tc.path, res.status, tc.want)
		}
	}
}

// Past its rate of searches, a client gets 429, Retry-After and a page
// in French that says how long to wait; other pages go on.
func TestRateLimitedSearchPageIs429(t *testing.T) {
	e := newEnv(t)
	e.cfg.Guard = httplimit.NewGuard(httplimit.Limits{Search: httplimit.Rate{PerSecond: 0.1, Burst: 2}, LimitLoopback: true})
	e.restart()
	c := e.client()
	for i := range 2 {
		if res := c.get("/recherche?q=regie"); res.status != http.StatusOK {
			t.Fatalf("search %d within the burst: %d", i, res.status)
		}
	}
	res := c.get("/outils")
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" ||
		!strings.Contains(res.body, "Trop de requêtes") || !strings.Contains(res.body, "Réessayez dans") {
		t.Errorf("search past the burst: %d, Retry-After %q:\n%.1500s", res.status, res.header.Get("Retry-After"), res.body)
	}
	if res := c.get("/"); res.status != http.StatusOK {
		t.Errorf("home page while searches are limited: %d", res.status)
	}
}
