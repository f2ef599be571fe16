package web

import (
	"fmt"
	"sync"

	"github.com/mutu-network/mutu/catalogue"
)

// resultCache keeps search results, with the cards of their hits,
// until the catalogue changes. The same few searches come back all the
// time (the menu's "Fiches pratiques", a category's link, a facet),
// and ranking every entry again for them costs tens of milliseconds on
// a large catalogue. Entries are keyed by the query and the
// catalogue's revision count and moderation, so that any change makes them
// unreachable; the cache is emptied when full.
type resultCache struct {
	mu      sync.Mutex // guards results
	results map[string]*searchData
}

// searchData is a search result as the pages use it.
type searchData struct {
	res   *catalogue.SearchResult
	cards []card // the hits, read from the catalogue
}

// maxCachedResults bounds the cache: a few megabytes at most.
const maxCachedResults = 256

func newResultCache() *resultCache { return &resultCache{results: make(map[string]*searchData)} }

// resultKey identifies query q run on the catalogue at revision count
// revs and moderation version mod (what the node's moderation hides).
// Review dates are compared with the day, not the instant.
func resultKey(revs, mod uint64, q catalogue.SearchQuery) string {
	return fmt.Sprintf("%d|%d|%s|%q|%q|%q|%q|%q|%q|%v|%s|%d|%d", revs, mod, q.Now.Format("2006-01-02"),
		q.Text, q.Kind, q.Category, q.Tag, q.Academie, q.Audience, q.Outdated, q.Sort, q.Offset, q.Limit)
}

// get returns the data kept under key; nil if none, or if the cache
// is nil (disabled).
func (rc *resultCache) get(key string) *searchData {
	if rc == nil {
		return nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.results[key]
}

func (rc *resultCache) put(key string, d *searchData) {
	if rc == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.results) >= maxCachedResults {
		clear(rc.results)
	}
	rc.results[key] = d
}
