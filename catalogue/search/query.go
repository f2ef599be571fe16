package search

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
)

// Sort orders accepted in Query.Sort.
const (
	SortRelevance = "relevance" // best match first (the default)
	SortUpdated   = "updated"   // most recently updated first
)

// DefaultLimit is the page size of a Query whose Limit is 0.
const DefaultLimit = 10

// Limits of a query: what one search may cost the node, whoever asks
// (the API, the web pages and the command line all search through
// Search, which refuses a query over them with a *LimitError).
// docs/api.md and docs/web.md list them.
const (
	// MaxTextBytes caps Query.Text: a long text is many words, and the
	// web form never sends more.
	MaxTextBytes = 500
	// MaxWords caps the words of Query.Text: each costs a lookup,
	// prefixes and typo automatons.
	MaxWords = 32
	// MaxFilterBytes caps each filter value (Kind, Category, Tag,
	// Academie, Audience).
	MaxFilterBytes = 200
	// MaxLimit caps Query.Limit, the hits of one page.
	MaxLimit = 100
	// MaxOffset caps Query.Offset: deeper pages cost the index more
	// than they help anyone; filters narrow a search better.
	MaxOffset = 10_000
)

// ErrInvalidQuery is returned by Search for a query it cannot run.
var ErrInvalidQuery = errors.New("search: invalid query")

// LimitError is a query over one of the limits above. It is an
// ErrInvalidQuery.
type LimitError struct {
	What string // "text", "words", "offset", "limit", or a filter: "tag"…
	Got  int    // bytes for text and filters, a count otherwise
	Max  int
}

func (e *LimitError) Error() string {
	switch e.What {
	case "text":
		return fmt.Sprintf("the query is %d bytes long, over the limit of %d bytes; shorten it", e.Got, e.Max)
	case "words":
		return fmt.Sprintf("the query has %d words, over the limit of %d words; remove some", e.Got, e.Max)
	case "offset":
		return fmt.Sprintf("offset %d is over the limit of %d; narrow the search with words or filters instead", e.Got, e.Max)
	case "limit":
		return fmt.Sprintf("limit %d is over the limit of %d hits a page; page further with the offset", e.Got, e.Max)
	}
	return fmt.Sprintf("the %s filter is %d bytes long, over the limit of %d bytes", e.What, e.Got, e.Max)
}

func (e *LimitError) Is(target error) bool { return target == ErrInvalidQuery }

// Query is a search request. Every filter that is set must hold; an empty
// Text lists the entries that pass the filters, most recently updated
// first.
type Query struct {
	// Text is what the user typed, in French, with or without accents.
	Text string
	// Kind, Category, Tag, Academie and Audience keep entries whose field
	// has this value (case is ignored). Empty means no filter.
	Kind, Category, Tag, Academie, Audience string
	// Outdated keeps only the entries that may be outdated: a review date
	// before Now.
	Outdated bool
	// Sort is SortRelevance (or "") or SortUpdated.
	Sort string
	// Offset skips that many hits; Limit returns at most that many
	// (DefaultLimit when 0, at most MaxLimit).
	Offset, Limit int
	// Now is the time review dates are compared to; time.Now() when zero.
	Now time.Time
	// Exclude lists entries (their IDs) left out of the search as if
	// they were not indexed: totals, facets and pages count without
	// them. The catalogue fills it with what its moderation hides.
	Exclude []string
}

// Check returns an error, an ErrInvalidQuery, if Search would refuse
// q: an unknown sort, a negative offset or limit, or a value over the
// limits above (a *LimitError). It costs little, whatever q holds.
func (q Query) Check() error {
	switch q.Sort {
	case "", SortRelevance, SortUpdated:
	default:
		return fmt.Errorf("%w: unknown sort %q (want %q or %q)", ErrInvalidQuery, q.Sort, SortRelevance, SortUpdated)
	}
	if q.Offset < 0 || q.Limit < 0 {
		return fmt.Errorf("%w: negative offset or limit", ErrInvalidQuery)
	}
	if len(q.Text) > MaxTextBytes {
		return &LimitError{What: "text", Got: len(q.Text), Max: MaxTextBytes}
	}
	if n := len(wordTokenizer{}.Tokenize([]byte(q.Text))); n > MaxWords {
		return &LimitError{What: "words", Got: n, Max: MaxWords}
	}
	for _, f := range []struct{ name, value string }{
		{"kind", q.Kind}, {"category", q.Category}, {"tag", q.Tag}, {"academie", q.Academie}, {"audience", q.Audience},
	} {
		if len(f.value) > MaxFilterBytes {
			return &LimitError{What: f.name, Got: len(f.value), Max: MaxFilterBytes}
		}
	}
	if q.Limit > MaxLimit {
		return &LimitError{What: "limit", Got: q.Limit, Max: MaxLimit}
	}
	if q.Offset > MaxOffset {
		return &LimitError{What: "offset", Got: q.Offset, Max: MaxOffset}
	}
	return nil
}

// Shorten returns the longest start of text within the limits of
// Query.Text (MaxTextBytes, MaxWords), cut between two characters and
// after a word: what a search form can offer back to be sent again.
func Shorten(text string) string {
	if len(text) > MaxTextBytes {
		cut := MaxTextBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if toks := (wordTokenizer{}).Tokenize([]byte(text)); len(toks) > MaxWords {
		text = text[:toks[MaxWords-1].End]
	}
	return text
}

// normalize checks q and fills in its defaults.
func (q Query) normalize() (Query, error) {
	if err := q.Check(); err != nil {
		return q, err
	}
	if q.Sort == "" {
		q.Sort = SortRelevance
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	return q, nil
}

// filters returns the clauses that the filters of q make. They score
// nothing: they join the words of the query in a conjunction, which skips
// straight to the entries that pass a selective filter, where bleve's
// non-scoring filter clause would visit every entry the words match.
func (q Query) filters() []query.Query {
	var must []query.Query
	for _, f := range []struct{ facet, value string }{
		{facetKind, q.Kind},
		{facetCategory, q.Category},
		{facetTags, q.Tag},
		{facetAcademie, q.Academie},
		{facetAudience, q.Audience},
	} {
		if v := normKeyword(f.value); v != "" {
			must = append(must, termQuery(fieldFacet, facetTerm(f.facet, v), 0))
		}
	}
	if q.Outdated {
		dq := query.NewDateRangeQuery(time.Time{}, q.Now)
		dq.SetField(fieldReviewBy)
		dq.SetBoost(0)
		must = append(must, dq)
	}
	if len(q.Exclude) > 0 {
		// Alone in a boolean query, a must-not clause keeps every
		// other entry.
		ex := query.NewBooleanQuery(nil, nil, []query.Query{query.NewDocIDQuery(q.Exclude)})
		ex.SetBoost(0)
		must = append(must, ex)
	}
	return must
}

// Weights. Every word must be in fieldAll, which gives the base score;
// a word of the title or the tags says more about an entry than one of
// its summary, which says more than one of its body, so matches there
// add to it. Prefix and typo matches only complete exact words.
const (
	boostAll     = 1.0
	boostTitle   = 4.0
	boostTags    = 3.0
	boostSummary = 2.0
	boostPrefix  = 0.5
	boostFuzzy   = 0.3
)

// Typo tolerance. Short words and codes get none: "bource" (6 letters)
// finds "bourse", "ca" finds only "ca", and 0691234A only itself. The
// first letter must be right, which keeps the automaton small. Long
// words get none either: the automaton of a word grows with its length
// (about 70 KB a letter), and no French word needs typos forgiven past
// fuzzyMaxLen letters.
const (
	prefixMinLen = 4  // shortest word completed as a prefix
	fuzzyLen1    = 5  // one edit from this many letters
	fuzzyLen2    = 9  // two edits from this many letters
	fuzzyMaxLen  = 20 // no typos past this many letters
	fuzzyPrefix  = 1  // letters that must match exactly
)

// maxCompletions caps the words of the index that complete a prefix of
// the query: the most frequent are kept. Each costs a posting list to
// read, and a short prefix may start thousands.
const maxCompletions = 64

// fuzziness returns the number of edits a word of the query may differ by.
func fuzziness(t queryTerm) int {
	if t.code {
		return 0
	}
	switch n := utf8.RuneCountInString(t.exact); {
	case n > fuzzyMaxLen:
		return 0
	case n >= fuzzyLen2:
		return 2
	case n >= fuzzyLen1:
		return 1
	}
	return 0
}

// textMode says how forgiving the text part of a query is.
type textMode int

const (
	modeAll      textMode = iota // every word, as typed (folded and stemmed)
	modeAllTypos                 // every word, also as a prefix or with typos
	modeAnyTypos                 // all words but one, also with typos
)

// fallbacks returns the modes to try in turn until one matches: those
// that would not change the query are left out, so that a search that
// finds nothing costs one request, not three, when no word can be a typo.
func fallbacks(terms []queryTerm) []textMode {
	modes := []textMode{modeAll}
	loose := false
	for _, t := range terms {
		loose = loose || fuzziness(t) > 0 || t.prefix()
	}
	if loose {
		modes = append(modes, modeAllTypos)
	}
	if len(terms) > 1 {
		modes = append(modes, modeAnyTypos)
	}
	return modes
}

// textQuery builds the two parts of a query: match, one clause per word,
// which selects the entries holding it (all of them, or all but one in
// modeAnyTypos), and the filters; and boost, which raises the score of
// the entries holding the words in their title, tags or summary. Words
// and filters form one conjunction of posting lists, which bleve
// intersects by skipping; the boost is looked up only for the entries
// that match (see facetSearcher).
func textQuery(terms []queryTerm, mode textMode, filters []query.Query) (match, boost query.Query) {
	clauses := make([]query.Query, 0, len(terms))
	var boosts []query.Query
	for _, t := range terms {
		alts := []query.Query{termQuery(fieldAll, t.stem, boostAll)}
		// Prefixes complete words typed in part, typos forgive words
		// typed wrong: both only once the words as typed found nothing.
		// As complements to every query, they cost a third of the time
		// of a search and only ever add entries ranked below.
		if mode != modeAll && len(t.completions) > 0 {
			// Completions are what bleve's prefix query expands to,
			// at most maxCompletions of them (see completions).
			pq := make([]query.Query, len(t.completions))
			for i, c := range t.completions {
				pq[i] = termQuery(fieldExact, c, boostPrefix)
			}
			alts = append(alts, query.NewDisjunctionQuery(pq))
		}
		if f := fuzziness(t); f > 0 && mode != modeAll {
			alts = append(alts, fuzzyQuery(fieldExact, t.exact, f))
			// Stems forgive what the exact forms cannot: "bource" is two
			// edits from "bourses" but its stem "bourc" is one from "bours".
			if fs := min(f, fuzziness(queryTerm{exact: t.stem})); fs > 0 {
				for _, field := range []string{fieldTitle, fieldTags, fieldSummary} {
					alts = append(alts, fuzzyQuery(field, t.stem, fs))
				}
			}
		}
		if len(alts) == 1 {
			clauses = append(clauses, alts[0])
		} else {
			clauses = append(clauses, query.NewDisjunctionQuery(alts))
		}
		boosts = append(boosts,
			termQuery(fieldTitle, t.stem, boostTitle),
			termQuery(fieldTags, t.stem, boostTags),
			termQuery(fieldSummary, t.stem, boostSummary))
	}
	if mode == modeAnyTypos && len(clauses) > 1 {
		// A word found nowhere, even with a typo, must not hide the
		// entries holding the others; a query of two words then finds
		// the entries holding either.
		any := query.NewDisjunctionQuery(clauses)
		any.SetMin(float64(len(clauses) - 1))
		clauses = []query.Query{any}
	}
	return query.NewConjunctionQuery(append(clauses, filters...)), query.NewDisjunctionQuery(boosts)
}

func fuzzyQuery(field, term string, fuzziness int) query.Query {
	fq := query.NewFuzzyQuery(term)
	fq.SetField(field)
	fq.SetFuzziness(fuzziness)
	fq.SetPrefix(fuzzyPrefix)
	fq.SetBoost(boostFuzzy)
	return fq
}

func termQuery(field, term string, boost float64) query.Query {
	tq := query.NewTermQuery(term)
	tq.SetField(field)
	tq.SetBoost(boost)
	return tq
}
