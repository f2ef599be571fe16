package web

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
)

// Atom feeds (RFC 4287) of new and updated entries: all of them at
// /flux.atom, one category at /flux/{categorie}.atom.
const feedSize = 50

const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName  xml.Name    `xml:"feed"`
	NS       string      `xml:"xmlns,attr"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Author   atomPerson  `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Author     atomPerson     `xml:"author"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	s.writeFeed(w, r, "")
}

func (s *Server) categoryFeed(w http.ResponseWriter, r *http.Request) {
	cat, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok || cat == "" {
		s.notFound(w, r)
		return
	}
	s.writeFeed(w, r, cat)
}

// feedCache keeps built feeds until the catalogue changes: feed
// readers poll, and a feed sorts the whole index by date.
type feedCache struct {
	mu    sync.Mutex // guards feeds
	feeds map[string]cachedFeed
}

type cachedFeed struct {
	revisions uint64
	body      []byte
}

// maxCachedFeeds bounds the cache; categories are free text.
const maxCachedFeeds = 64

func (fc *feedCache) get(key string, revisions uint64) []byte {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if f, ok := fc.feeds[key]; ok && f.revisions == revisions {
		return f.body
	}
	return nil
}

func (fc *feedCache) put(key string, revisions uint64, body []byte) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.feeds == nil || len(fc.feeds) >= maxCachedFeeds {
		fc.feeds = make(map[string]cachedFeed)
	}
	fc.feeds[key] = cachedFeed{revisions: revisions, body: body}
}

// writeFeed answers the feed of category ("" for every entry).
func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, category string) {
	revs := s.cat.Indexed()
	origin := siteOrigin(r, s.sessions.secure)
	// What the moderation hides changes the feeds as a new revision does.
	key := fmt.Sprintf("%s %d %s", origin, s.cat.ModerationVersion(), category)
	body := s.feeds.get(key, revs)
	if body == nil {
		var err error
		body, err = s.buildFeed(r, origin, category)
		if errors.Is(err, errUnknownCategory) || errors.Is(err, catalogue.ErrInvalidQuery) {
			s.notFound(w, r)
			return
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.feeds.put(key, revs, body)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(body)
}

// errUnknownCategory: the feed of a category that is neither in the
// list nor held by any entry.
var errUnknownCategory = errors.New("web: unknown category")

// buildFeed returns the Atom document of category. A category of the
// list has a feed, empty until an entry has it; a free-text category
// has one while entries have it; any other is errUnknownCategory.
func (s *Server) buildFeed(r *http.Request, origin, category string) ([]byte, error) {
	now := s.now()
	res, err := s.cat.Search(r.Context(), catalogue.SearchQuery{Category: category, Sort: catalogue.SortUpdated, Limit: feedSize, Now: now})
	if err != nil {
		return nil, err
	}
	if category != "" && res.Total == 0 && !slices.Contains(entry.Categories(), strings.ToLower(category)) {
		return nil, errUnknownCategory
	}
	self := origin + "/flux.atom"
	title := "mutu — nouveautés"
	id := "urn:mutu:flux"
	if category != "" {
		self = origin + "/flux/" + url.PathEscape(category) + ".atom"
		title = "mutu — " + label(categoryLabels, category)
		id = "urn:mutu:flux:" + category
	}
	f := atomFeed{
		NS: atomNS, Lang: "fr", ID: id, Title: title,
		Subtitle: "Fiches pratiques, outils et logiciels publiés ou mis à jour sur le réseau mutu",
		Links:    []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: origin + "/"}},
		Author:   atomPerson{Name: "Réseau mutu"},
		Updated:  now.UTC().Format(time.RFC3339),
	}
	var newest time.Time
	for _, h := range res.Hits {
		c, err := cid.Decode(h.ID)
		if err != nil {
			continue
		}
		d, err := s.cat.Get(c)
		if err != nil || d.Retracted || d.Entry == nil {
			continue
		}
		if d.Updated.After(newest) {
			newest = d.Updated
		}
		e := atomEntry{
			ID:         "urn:mutu:" + d.ID.String(),
			Title:      d.Entry.Title(),
			Updated:    d.Updated.UTC().Format(time.RFC3339),
			Published:  d.Created.UTC().Format(time.RFC3339),
			Author:     atomPerson{Name: s.authorName(d.Author)},
			Links:      []atomLink{{Rel: "alternate", Type: "text/html", Href: origin + entryPath(d.ID)}},
			Categories: []atomCategory{{Term: string(d.Entry.Kind()), Label: label(kindLabels, string(d.Entry.Kind()))}},
		}
		if cat := d.Entry.Category(); cat != "" {
			e.Categories = append(e.Categories, atomCategory{Term: cat, Label: label(categoryLabels, cat)})
		}
		if sum := d.Entry.Summary(); sum != "" {
			e.Summary = &atomText{Type: "text", Body: sum}
		}
		f.Entries = append(f.Entries, e)
	}
	if !newest.IsZero() {
		f.Updated = newest.UTC().Format(time.RFC3339)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web: encode feed: %w", err)
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}

// siteOrigin is the scheme and host the request was made to, for the
// absolute links a feed needs.
func siteOrigin(r *http.Request, secure bool) string {
	scheme := "http"
	if r.TLS != nil || secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
