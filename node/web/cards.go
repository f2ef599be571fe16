package web

import (
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// card is an entry as listings show it: the home page, search results,
// the tool table and the software directory.
type card struct {
	ID       string
	Kind     string
	Title    string
	Summary  string
	Snippet  template.HTML // search results only: text with <mark>
	Updated  time.Time
	ReviewBy time.Time // zero when none
	Outdated bool      // set for the day of the request
	Conflict bool
	Category string
	Tags     []string
	Academie string

	URL, ToolType, Provider, Access, Cost string // tools
	Repository, License, Status           string // software
	Maintainers                           []string
	ContributorsWanted                    bool
}

// cardOf makes the card of a document that has content. The summary,
// which may need the body parsed, is left out unless withSummary.
func cardOf(d *catalogue.Doc, now time.Time, withSummary bool) card {
	e := d.Entry
	c := card{
		ID: d.ID.String(), Kind: string(e.Kind()), Title: e.Title(),
		Updated: d.Updated, Conflict: d.Conflict(), Category: e.Category(), Tags: e.Tags(), Academie: e.Academie(),
		URL: safeURL(e.URL()), ToolType: e.ToolType(), Provider: e.Provider(), Access: e.Access(), Cost: e.Cost(),
		Repository: safeURL(e.Repository()), License: e.License(), Status: e.Status(),
		Maintainers: e.Maintainers(), ContributorsWanted: e.ContributorsWanted(),
	}
	if t, ok := e.ReviewBy(); ok {
		c.ReviewBy = t
	}
	c.Outdated = e.Outdated(now)
	if withSummary {
		c.Summary = e.Summary()
	}
	return c
}

// refresh sets the fields that depend on the day of the request.
func (c *card) refresh(now time.Time) {
	if !c.ReviewBy.IsZero() {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		c.Outdated = today.After(c.ReviewBy)
	}
}

// safeURL returns u when it is an http or https address, "" otherwise:
// entries come from the network, and a link a tool entry declares must
// not run code. (html/template would also neutralise it.)
func safeURL(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return strings.TrimSpace(u)
	}
	return ""
}

// loadCards gets the documents of ids, in order, skipping any that
// vanished or were retracted since the index was read. Documents in
// noSummary get no summary: a search snippet stands in for it.
func (s *Server) loadCards(ids []string, now time.Time, noSummary map[string]bool) []card {
	out := make([]card, 0, len(ids))
	for _, id := range ids {
		c, err := cid.Decode(id)
		if err != nil {
			continue
		}
		d, err := s.cat.Get(c)
		if err != nil || d.Retracted || d.Entry == nil {
			continue
		}
		out = append(out, cardOf(d, now, !noSummary[id]))
	}
	return out
}

// authorName is how an author is shown: the name of a local account,
// or the start of the key of an author from elsewhere in the network.
func (s *Server) authorName(k protocol.AuthorKey) string {
	if n := s.accounts.nameOf(k); n != "" {
		return n
	}
	return "clé " + k.Short()
}

// Markers of a search snippet: the search package escapes the text and
// puts each match between them.
const (
	markOpen  = "<mark>"
	markClose = "</mark>"
)

// markOnly turns a search snippet into HTML in which only <mark>
// elements survive: the text between the markers is unescaped and
// escaped again, so that whatever else it holds shows as text, and
// the markers are balanced.
func markOnly(snippet string) template.HTML {
	var b strings.Builder
	text := func(s string) { b.WriteString(template.HTMLEscapeString(html.UnescapeString(s))) }
	open := false
	rest := snippet
	for rest != "" {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			text(rest)
			break
		}
		text(rest[:i])
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, markOpen):
			if !open {
				b.WriteString(markOpen)
				open = true
			}
			rest = rest[len(markOpen):]
		case strings.HasPrefix(rest, markClose):
			if open {
				b.WriteString(markClose)
				open = false
			}
			rest = rest[len(markClose):]
		default:
			text("<")
			rest = rest[1:]
		}
	}
	if open {
		b.WriteString(markClose)
	}
	return template.HTML(b.String())
}
