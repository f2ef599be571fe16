package catalogue

import "github.com/mutu-network/mutu/catalogue/search"

// The search index's terms, as Search takes and returns them: the rest
// of mutu goes through the catalogue, never the index itself.
type (
	// SearchQuery is a search: words, filters, order and page.
	SearchQuery = search.Query
	// SearchResult is a page of hits with the total and the facets.
	SearchResult = search.Result
)

// Orders of a search, and the largest page.
const (
	SortRelevance  = search.SortRelevance
	SortUpdated    = search.SortUpdated
	MaxSearchLimit = search.MaxLimit
)

// ErrInvalidQuery marks a search that cannot be run as asked.
var ErrInvalidQuery = search.ErrInvalidQuery
