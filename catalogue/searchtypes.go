package catalogue

import "github.com/mutu-network/mutu/catalogue/search"

// The search index's terms, as Search takes and returns them: the rest
// of mutu goes through the catalogue, never the index itself.
type (
	// SearchQuery is a search: words, filters, order and page.
	SearchQuery = search.Query
	// SearchResult is a page of hits with the total and the facets.
	SearchResult = search.Result
	// SearchLimitError is a search over one of the limits below.
	SearchLimitError = search.LimitError
)

// Orders of a search, and its limits (docs/api.md lists them).
const (
	SortRelevance  = search.SortRelevance
	SortUpdated    = search.SortUpdated
	MaxSearchLimit = search.MaxLimit
	MaxQueryBytes  = search.MaxTextBytes
	MaxQueryWords  = search.MaxWords
)

// ErrInvalidQuery marks a search that cannot be run as asked, such as
// one over a limit (a *SearchLimitError).
var ErrInvalidQuery = search.ErrInvalidQuery

// ShortenQuery returns the start of a search text that keeps within
// MaxQueryBytes and MaxQueryWords.
func ShortenQuery(text string) string { return search.Shorten(text) }
