package search

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facets are counted here rather than by bleve's facet builders, which
// convert every visited term to a new string: with about eight facet
// terms per entry, that allocation dominated the cost of a search that
// matches thousands of entries. facetQuery wraps the query of a search;
// its searcher reads the facet terms of each document the wrapped
// searcher matches, from the doc values of fieldFacet, and counts them
// without allocating for terms already seen.

// facetCounts holds the counts of one search.
type facetCounts struct {
	terms map[string]*int
	err   error // first error reading doc values
}

func newFacetCounts() *facetCounts {
	return &facetCounts{terms: make(map[string]*int, 64)}
}

func (c *facetCounts) visit(_ string, term []byte) {
	if n, ok := c.terms[string(term)]; ok {
		*n++
		return
	}
	n := 1
	c.terms[string(term)] = &n
}

// facetQuery is a query.Query that counts facets as it matches.
type facetQuery struct {
	query.Query
	counts *facetCounts
}

// Searcher implements query.Query.
func (q facetQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.Query.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	dvr, err := r.DocValueReader([]string{fieldFacet})
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return &facetSearcher{Searcher: s, dvr: dvr, counts: q.counts, visit: q.counts.visit}, nil
}

// facetSearcher counts the facet terms of the documents it returns.
type facetSearcher struct {
	bsearch.Searcher
	dvr    index.DocValueReader
	counts *facetCounts
	visit  index.DocValueVisitor // counts.visit, bound once
}

// Next implements search.Searcher.
func (s *facetSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	s.count(dm)
	return dm, err
}

// Advance implements search.Searcher.
func (s *facetSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	s.count(dm)
	return dm, err
}

func (s *facetSearcher) count(dm *bsearch.DocumentMatch) {
	if dm == nil || s.counts.err != nil {
		return
	}
	s.counts.err = s.dvr.VisitDocValues(dm.IndexInternalID, s.visit)
}

// result splits the counted terms into the facets of a Result: the
// FacetSize most frequent values of each, and the number of entries
// whose review date is before now.
func (c *facetCounts) result(total uint64, now time.Time, size int) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(facetNames)+1)
	outdated := 0
	reviewBefore := facetTerm(facetReview, now.UTC().Format(time.RFC3339))
	for term, n := range c.terms {
		name, value, ok := strings.Cut(term, ":")
		switch {
		case !ok:
		case name == facetReview:
			if term < reviewBefore {
				outdated += *n
			}
		default:
			out[name] = append(out[name], FacetCount{Value: value, Count: *n})
		}
	}
	for name, counts := range out {
		slices.SortFunc(counts, func(a, b FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		if len(counts) > size {
			out[name] = counts[:size]
		}
	}
	var counts []FacetCount
	if outdated > 0 {
		counts = append(counts, FacetCount{Value: "true", Count: outdated})
	}
	if rest := int(total) - outdated; rest > 0 {
		counts = append(counts, FacetCount{Value: "false", Count: rest})
	}
	if counts != nil {
		out[facetOutdated] = counts
	}
	return out
}
