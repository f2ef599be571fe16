package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Result is one page of search results.
type Result struct {
	// Total is the number of entries that match, over all pages.
	Total uint64
	// Hits is the requested page.
	Hits []Hit
	// Facets counts, over all matching entries, the values of "kind",
	// "category", "tags", "academie" and "audience", most frequent first,
	// and under "outdated" the entries that may be outdated ("true") or
	// not ("false"). Values with no entry are left out.
	Facets map[string][]FacetCount
	// Took is the time the search took.
	Took time.Duration
}

// Hit is one matching entry.
type Hit struct {
	// ID, Title and Kind are those of the Doc, as plain text.
	ID, Title, Kind string
	// Score ranks the hits of a search; it means nothing across searches.
	Score float64
	// Snippet is an extract of the entry around the words that matched,
	// HTML-escaped, with each match inside <mark>…</mark>.
	Snippet string
	Updated time.Time // zero when the entry has no date
}

// FacetCount is the number of matching entries with one value of a field.
type FacetCount struct {
	Value string
	Count int
}

// facetNames are the facets of Result.Facets counted from term values.
var facetNames = []string{facetKind, facetCategory, facetTags, facetAcademie, facetAudience}

// Search runs q. Words match whatever their accents, case, number,
// elision or gender; when no entry holds every word, words may differ by
// a typo; when still none does, entries holding all the words but one
// match (either word, for a query of two).
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	q, err := q.normalize()
	if err != nil {
		return nil, err
	}
	terms := ix.fa.analyzeQuery(q.Text)

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, ErrClosed
	}

	var (
		res    *bleve.SearchResult
		counts *facetCounts
		mode   textMode
	)
	filters := q.filters()
	switch {
	case len(terms) > 0:
		for _, mode = range fallbacks(terms) {
			if mode != modeAll && terms[0].completions == nil {
				if err = ix.complete(terms); err != nil {
					break
				}
			}
			match, boost := textQuery(terms, mode, filters)
			res, counts, err = ix.run(ctx, q, match, boost, q.Sort)
			if err != nil || res.Total > 0 {
				break
			}
		}
	case len(filters) > 0:
		res, counts, err = ix.run(ctx, q, query.NewConjunctionQuery(filters), nil, SortUpdated)
	default:
		res, counts, err = ix.run(ctx, q, query.NewMatchAllQuery(), nil, SortUpdated)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Text, err)
	}

	out := &Result{
		Total:  res.Total,
		Facets: counts.result(res.Total, q.Now, ix.opts.FacetSize),
		Hits:   make([]Hit, 0, len(res.Hits)),
	}
	sn := ix.newSnippeter(terms, mode != modeAll)
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, Hit{
			ID:      h.ID,
			Title:   stringField(h.Fields, fieldTitle),
			Kind:    stringField(h.Fields, fieldKind),
			Score:   h.Score,
			Snippet: sn.snippet(stringField(h.Fields, fieldBody), stringField(h.Fields, fieldSummary)),
			Updated: timeField(h.Fields, fieldUpdated),
		})
	}
	out.Took = time.Since(start)
	return out, nil
}

// complete looks up the completions of the terms that may be prefixes:
// the maxCompletions words of the index starting with them that the
// most entries hold, in index order. It sets completions of every term,
// to an empty list when there is none.
func (ix *Index) complete(terms []queryTerm) error {
	for i := range terms {
		terms[i].completions = []string{}
		if !terms[i].prefix() {
			continue
		}
		dict, err := ix.idx.FieldDictPrefix(fieldExact, []byte(terms[i].exact))
		if err != nil {
			return err
		}
		var found []index.DictEntry
		for {
			e, err := dict.Next()
			if err != nil || e == nil {
				dict.Close()
				if err != nil {
					return err
				}
				break
			}
			found = append(found, *e)
		}
		if len(found) > maxCompletions {
			slices.SortStableFunc(found, func(a, b index.DictEntry) int { return cmp.Compare(b.Count, a.Count) })
			found = found[:maxCompletions]
			slices.SortFunc(found, func(a, b index.DictEntry) int { return strings.Compare(a.Term, b.Term) })
		}
		for _, e := range found {
			terms[i].completions = append(terms[i].completions, e.Term)
		}
	}
	return nil
}

// hitFields are the stored fields a hit shows.
var hitFields = []string{fieldTitle, fieldKind, fieldUpdated, fieldBody, fieldSummary}

// run sends one request to bleve for the entries bq matches, counting
// facets. Sorted by relevance, entries that boost also matches score
// higher; sorted by update, boost is left out, and bleve is asked for
// no hits: the facet searcher keeps the latest matches, and a second
// request reads their fields.
func (ix *Index) run(ctx context.Context, q Query, bq, boost query.Query, sort string) (*bleve.SearchResult, *facetCounts, error) {
	counts := newFacetCounts(ix.dict.view())
	fq := facetQuery{Query: bq, boost: boost, values: ix.values, counts: counts}
	size, from := q.Limit, q.Offset
	if sort == SortUpdated {
		fq.latest = newLatest(q.Offset + q.Limit)
		fq.boost = nil
		size, from = 0, 0
	}
	req := bleve.NewSearchRequestOptions(fq, size, from, false)
	req.Fields = hitFields
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil || fq.latest == nil {
		return res, counts, err
	}
	res.Hits, err = ix.latestHits(ctx, fq.latest, q.Offset)
	return res, counts, err
}

// latestHits reads the fields of the latest matches from the offset-th
// on, in their order. An entry deleted since the search is left out.
func (ix *Index) latestHits(ctx context.Context, l *latest, offset int) (bsearch.DocumentMatchCollection, error) {
	if offset >= len(l.hits) {
		return nil, nil
	}
	kept := l.hits[offset:]
	ids := make([]string, len(kept))
	for i, k := range kept {
		ids[i] = k.ext
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(kept), 0, false)
	req.Fields = hitFields
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	hits := make(bsearch.DocumentMatchCollection, 0, len(kept))
	for _, k := range kept {
		if h := byID[k.ext]; h != nil {
			h.Score = k.score
			hits = append(hits, h)
		}
	}
	return hits, nil
}

func stringField(fields map[string]interface{}, name string) string {
	s, _ := fields[name].(string)
	return s
}

func timeField(fields map[string]interface{}, name string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, stringField(fields, name))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
