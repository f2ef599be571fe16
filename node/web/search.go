package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
)

// Paging of result lists.
const (
	perPage  = 20
	perTable = 50
	maxPage  = 200 // deeper pages cost the index more than they help anyone
)

// filters is a search as its URL parameters carry it: q, kind,
// category, tag, academie, audience, outdated, page.
type filters struct {
	Q, Kind, Category, Tag, Academie, Audience string
	Outdated                                   bool
	Page                                       int
}

func parseFilters(r *http.Request) filters {
	v := r.URL.Query()
	f := filters{
		Q:        strings.TrimSpace(v.Get("q")),
		Kind:     v.Get("kind"),
		Category: v.Get("category"),
		Tag:      v.Get("tag"),
		Academie: v.Get("academie"),
		Audience: v.Get("audience"),
		Outdated: v.Get("outdated") == "1",
		Page:     1,
	}
	if _, err := entry.ParseKind(f.Kind); err != nil {
		f.Kind = ""
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 {
		f.Page = min(p, maxPage)
	}
	return f
}

// query is the search the filters ask for, one page of size n.
func (f filters) query(n int) catalogue.SearchQuery {
	q := catalogue.SearchQuery{
		Text: f.Q, Kind: f.Kind, Category: f.Category, Tag: f.Tag, Academie: f.Academie,
		Audience: f.Audience, Outdated: f.Outdated, Offset: (f.Page - 1) * n, Limit: n,
	}
	if f.Q == "" {
		q.Sort = catalogue.SortUpdated
	}
	return q
}

// values returns the URL parameters of f, without the page.
func (f filters) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "kind": f.Kind, "category": f.Category, "tag": f.Tag, "academie": f.Academie, "audience": f.Audience} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Outdated {
		v.Set("outdated", "1")
	}
	return v
}

// hiddenField is a form field that carries a filter along.
type hiddenField struct{ Name, Value string }

// Hidden returns the filters other than the words, for a search form
// to keep them.
func (f filters) Hidden() []hiddenField {
	var out []hiddenField
	v := f.values()
	for _, k := range []string{"kind", "category", "tag", "academie", "audience", "outdated"} {
		if s := v.Get(k); s != "" {
			out = append(out, hiddenField{k, s})
		}
	}
	return out
}

// with returns the address of path with f's parameters, key set to
// value ("" removes it), back on page 1.
func (f filters) with(path, key, value string) string {
	v := f.values()
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// page returns the address of page n of f's results.
func (f filters) page(path string, n int) string {
	v := f.values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// facetGroup is one facet of a result: the values found and their
// counts, each a link that filters on it.
type facetGroup struct {
	Name    string
	Heading string
	Values  []facetValue
}

type facetValue struct {
	Label  string
	Count  int
	Href   string
	Active bool
}

// activeFilter is a filter in force, with the link that removes it.
type activeFilter struct {
	Label string
	Href  string
}

// pager links to the neighbouring pages of a result.
type pager struct {
	Page, Pages int
	Prev, Next  string
}

func makePager(f filters, path string, total uint64, size int) pager {
	pages := int((total + uint64(size) - 1) / uint64(size))
	pages = min(max(pages, 1), maxPage)
	p := pager{Page: f.Page, Pages: pages}
	if f.Page > 1 {
		p.Prev = f.page(path, f.Page-1)
	}
	if f.Page < pages {
		p.Next = f.page(path, f.Page+1)
	}
	return p
}

// searchView is the search page, and the tool and software lists.
type searchView struct {
	base
	F        filters
	ListPath string // of the list: /recherche, /outils, /logiciels
	Total    uint64
	Hits     []card
	Groups   []facetGroup
	Active   []activeFilter
	Pager    pager
	Options  listOptions // for the filter forms of the tables
	Outdated int         // entries of the result that may be outdated
	Backlog  uint64      // changes received that search does not find yet
	Error    string      // why the search did not run; F.Q is then shortened
}

// listOptions are the values the filter forms offer.
type listOptions struct {
	Categories, Audiences, Academies []string
}

func formOptions() listOptions {
	return listOptions{Categories: entry.Categories(), Audiences: entry.Audiences(), Academies: academies}
}

// runSearch runs the search of f on path, n hits a page.
func (s *Server) runSearch(w http.ResponseWriter, r *http.Request, f filters, path string, n int) (*searchView, bool) {
	now := s.now()
	q := f.query(n)
	q.Now = now
	if err := q.Check(); err != nil {
		s.queryOverLimits(w, r, f, path, err)
		return nil, false
	}
	data, err := s.searchCards(r.Context(), q, f.Q != "" && n == perPage)
	if errors.Is(err, catalogue.ErrInvalidQuery) {
		s.fail(w, r, http.StatusBadRequest, "Recherche impossible", "Cette recherche n'a pas pu être lancée. Modifiez les mots cherchés ou retirez des filtres.")
		return nil, false
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	res := data.res
	v := &searchView{F: f, ListPath: path, Total: res.Total, Pager: makePager(f, path, res.Total, n), Options: formOptions(), Backlog: s.cat.IndexBacklog()}
	v.Query = f.Q
	v.Hits = make([]card, len(data.cards))
	copy(v.Hits, data.cards)
	for i := range v.Hits {
		v.Hits[i].refresh(now)
	}
	for _, name := range []string{"kind", "category", "tags", "academie", "audience"} {
		param := name
		if name == "tags" {
			param = "tag"
		}
		current := f.values().Get(param)
		if path != "/recherche" && name == "kind" {
			continue
		}
		g := facetGroup{Name: name, Heading: facetHeadings[name]}
		for _, fc := range res.Facets[name] {
			fv := facetValue{Label: facetLabel(name, fc.Value), Count: fc.Count, Href: f.with(path, param, fc.Value), Active: fc.Value == current}
			g.Values = append(g.Values, fv)
		}
		if len(g.Values) > 0 {
			v.Groups = append(v.Groups, g)
		}
		if current != "" {
			v.Active = append(v.Active, activeFilter{Label: facetHeadings[name] + " : " + facetLabel(name, current), Href: f.with(path, param, "")})
		}
	}
	if f.Outdated {
		v.Active = append(v.Active, activeFilter{Label: "Peut être obsolète", Href: f.with(path, "outdated", "")})
	}
	for _, fc := range res.Facets["outdated"] {
		if fc.Value == "true" {
			v.Outdated = fc.Count
		}
	}
	return v, true
}

// queryOverLimits answers a search over the limits of the search
// package (err) with 400 and the search page, which says which limit,
// runs nothing, and offers back the words shortened to fit: a long
// paste is cut, not lost.
func (s *Server) queryOverLimits(w http.ResponseWriter, r *http.Request, f filters, path string, err error) {
	var le *catalogue.SearchLimitError
	if !errors.As(err, &le) || (le.What != "text" && le.What != "words") {
		s.fail(w, r, http.StatusBadRequest, "Recherche impossible", "Cette recherche n'a pas pu être lancée. Modifiez les mots cherchés ou retirez des filtres.")
		return
	}
	f.Q = catalogue.ShortenQuery(f.Q)
	v := &searchView{F: f, ListPath: path, Options: formOptions()}
	v.Title, v.Nav, v.Query = "Recherche trop longue", "recherche", f.Q
	if le.What == "text" {
		v.Error = fmt.Sprintf("Cette recherche est trop longue : %d caractères au plus (un peu moins avec des accents). "+
			"Elle a été raccourcie ci-dessous ; vérifiez-la, puis relancez-la.", catalogue.MaxQueryBytes)
	} else {
		v.Error = fmt.Sprintf("Cette recherche compte %d mots : %d au plus. "+
			"Elle a été raccourcie ci-dessous à ses %d premiers mots ; vérifiez-la, puis relancez-la.", le.Got, catalogue.MaxQueryWords, catalogue.MaxQueryWords)
	}
	s.render(w, r, http.StatusBadRequest, "search", v)
}

// searchCards runs q, through the result cache, and reads its hits.
// With snippets, a hit's search extract stands in for its summary.
func (s *Server) searchCards(ctx context.Context, q catalogue.SearchQuery, snippets bool) (*searchData, error) {
	key := resultKey(s.cat.Indexed(), s.cat.ModerationVersion(), q)
	if d := s.results.get(key); d != nil {
		return d, nil
	}
	res, err := s.cat.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	extract := make(map[string]string, len(res.Hits))
	noSummary := make(map[string]bool, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
		if snippets && h.Snippet != "" {
			extract[h.ID], noSummary[h.ID] = h.Snippet, true
		}
	}
	d := &searchData{res: res, cards: s.loadCards(ids, q.Now, noSummary)}
	for i := range d.cards {
		if sn := extract[d.cards[i].ID]; sn != "" {
			d.cards[i].Snippet = markOnly(sn)
		}
	}
	s.results.put(key, d)
	return d, nil
}

// search is the search page: a query box, facets to narrow the result
// and highlighted extracts.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	f := parseFilters(r)
	v, ok := s.runSearch(w, r, f, "/recherche", perPage)
	if !ok {
		return
	}
	v.Title, v.Nav = "Rechercher", "recherche"
	switch {
	case f.Q != "":
		v.Title = "Recherche : " + f.Q
	case f.Kind != "":
		v.Title, v.Nav = label(kindPlurals, f.Kind), map[string]string{"note": "fiches", "tool": "outils", "software": "logiciels"}[f.Kind]
	}
	if f.Page > 1 {
		v.Title += " (page " + strconv.Itoa(f.Page) + ")"
	}
	s.render(w, r, http.StatusOK, "search", v)
}

// table serves the catalogue of one kind as a table with filters: the
// tools (/outils) and the software built in common (/logiciels).
func (s *Server) table(kind entry.Kind, path, title, nav, page string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := parseFilters(r)
		f.Kind = string(kind)
		v, ok := s.runSearch(w, r, f, path, perTable)
		if !ok {
			return
		}
		v.Title, v.Nav = title, nav
		s.render(w, r, http.StatusOK, page, v)
	}
}
