package search

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facets are counted here rather than by bleve's facet builders. Those
// read, for every matching entry, each of its facet terms from the doc
// values and count it in a map keyed by a new string: with about eight
// terms per entry, that took up to two fifths of the time of a search
// matching thousands of entries. Instead, the index numbers its facet
// terms ("category:budget", "tags:regie") in a facetDict kept inside the
// index, and each entry carries one doc value, fieldPacked, that packs
// its update time and the numbers of its terms. A search looks that
// value up per match, decoded once per segment (see values.go), counts
// into an array and, when sorted by update, keeps the latest matches
// itself (see latest.go).

// facetDict numbers the facet terms of one index. Numbers are never
// reused: a term stays numbered after its last entry is deleted.
//
// Writers (Apply, Rebuild) hold the index's wmu; searches read the
// terms published last, which cover every entry already indexed.
type facetDict struct {
	ids       map[string]uint32 // term → number; guarded by wmu
	terms     []string          // number → term; guarded by wmu, append only
	saved     int               // terms already stored in the index; guarded by wmu
	published atomic.Pointer[[]string]
}

func newFacetDict(terms []string) *facetDict {
	d := &facetDict{ids: make(map[string]uint32, len(terms)), terms: terms, saved: len(terms)}
	for i, t := range terms {
		d.ids[t] = uint32(i)
	}
	d.publish()
	return d
}

// id returns the number of term, numbering it if it is new.
func (d *facetDict) id(term string) uint32 {
	if id, ok := d.ids[term]; ok {
		return id
	}
	id := uint32(len(d.terms))
	d.ids[term] = id
	d.terms = append(d.terms, term)
	return id
}

// publish makes the terms numbered so far visible to searches. Writers
// call it before the batch holding the new numbers reaches the index.
func (d *facetDict) publish() {
	terms := d.terms[:len(d.terms):len(d.terms)]
	d.published.Store(&terms)
}

// view returns the terms published last.
func (d *facetDict) view() []string {
	return *d.published.Load()
}

// unsaved reports whether terms were numbered since the index last
// stored the dictionary.
func (d *facetDict) unsaved() bool { return len(d.terms) > d.saved }

// encode returns the dictionary as stored in the index: the number of
// terms, then each term with its length, as uvarints.
func (d *facetDict) encode() []byte {
	b := binary.AppendUvarint(nil, uint64(len(d.terms)))
	for _, t := range d.terms {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	return b
}

var errFacetDict = errors.New("search: damaged facet dictionary")

func decodeFacetDict(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errFacetDict
	}
	b = b[k:]
	terms := make([]string, 0, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, errFacetDict
		}
		terms = append(terms, string(b[k:k+int(l)]))
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, errFacetDict
	}
	return terms, nil
}

// appendPacked appends n to a packed doc value: six bits per byte, low
// bits first, the high bit set on every byte but the last. Bytes stay
// below 0xC0, clear of 0xFF, which separates terms in bleve's doc values.
func appendPacked(dst []byte, n uint64) []byte {
	for n >= 0x40 {
		dst = append(dst, 0x80|byte(n&0x3f))
		n >>= 6
	}
	return append(dst, byte(n))
}

// updateKey orders entries by update time: milliseconds since 1970 plus
// one, and 0 for an entry without a date (or dated before 1970), which
// sorts last.
func updateKey(t time.Time) uint64 {
	if ms := t.UnixMilli(); !t.IsZero() && ms >= 0 {
		return uint64(ms) + 1
	}
	return 0
}

// packDocValue returns the doc value of an entry: its updateKey, then
// the numbers of its facet terms, sorted.
func packDocValue(updated time.Time, ids []uint32) []byte {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b := appendPacked(make([]byte, 0, 8+2*len(ids)), updateKey(updated))
	for _, id := range ids {
		b = appendPacked(b, uint64(id))
	}
	return b
}

// decodePacked calls fn with each number of a packed doc value, in order.
func decodePacked(packed []byte, fn func(uint64)) {
	var n uint64
	shift := 0
	for _, b := range packed {
		if b&0x80 != 0 {
			if shift < 64 {
				n |= uint64(b&0x3f) << shift
			}
			shift += 6
			continue
		}
		if shift < 64 {
			n |= uint64(b) << shift
		}
		fn(n)
		n, shift = 0, 0
	}
}

// facetCounts holds the counts of one search.
type facetCounts struct {
	terms []string // the dictionary as the search found it
	n     []int32  // matching entries per term number
}

func newFacetCounts(terms []string) *facetCounts {
	return &facetCounts{terms: terms, n: make([]int32, len(terms))}
}

// add counts one entry with the given facet terms. Numbers beyond the
// dictionary the search found belong to entries indexed since: ignored.
func (c *facetCounts) add(terms []uint32) {
	for _, t := range terms {
		if int(t) < len(c.n) {
			c.n[t]++
		}
	}
}

// facetQuery is a query.Query that counts facets as it matches, raises
// the score of the matches that boost also matches, and keeps the latest
// matches when latest is set. It relies on bleve building the searcher
// of a request once, and the collector reading every match from it,
// which holds for a single index without k-NN or hybrid search.
type facetQuery struct {
	query.Query
	boost  query.Query // nil for none
	values *valueCache
	counts *facetCounts
	latest *latest // nil unless sorted by update
}

// Searcher implements query.Query.
func (q facetQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	values, err := q.values.snapshot(r)
	if err != nil {
		return nil, err
	}
	s, err := q.Query.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	fs := &facetSearcher{Searcher: s, r: r, values: values, counts: q.counts, latest: q.latest}
	if w := s.Weight(); q.boost == nil && !(w > 0) {
		// Only filters, which score nothing: bleve normalises scores
		// by 1/√w, infinite (or NaN, in a conjunction) for a weight of
		// 0, and 0·∞ makes every score NaN. A search by filters alone
		// ranks nothing: its matches score 0.
		s.SetQueryNorm(1)
	}
	if q.boost != nil {
		if fs.boost, err = q.boost.Searcher(ctx, r, m, opts); err != nil {
			_ = s.Close()
			return nil, err
		}
		// bleve normalises scores by the weight of the whole query.
		if w := s.Weight() + fs.boost.Weight(); w > 0 {
			norm := 1 / math.Sqrt(w)
			s.SetQueryNorm(norm)
			fs.boost.SetQueryNorm(norm)
		}
		if n, err := r.DocCount(); err == nil && n > 0 {
			fs.density = float64(fs.boost.Count()) / float64(n)
		}
	}
	return fs, nil
}

// facetSearcher counts the facets of the documents it returns, and adds
// to their score that of the boost when it matches them too.
//
// It does what bleve's boolean query does with an optional clause, but
// walks the boost's posting lists (three per word) differently. bleve
// advances them to each match, skipping: a fifth of a broad search. Most
// boosted entries are a few documents apart, where stepping is cheaper
// than skipping, so the boost steps when it expects the next match
// within two of its own, and skips otherwise.
type facetSearcher struct {
	bsearch.Searcher
	r      index.IndexReader
	values *snapshotValues
	counts *facetCounts
	latest *latest

	boost   bsearch.Searcher       // nil for none
	density float64                // boost matches per document, an upper bound
	cur     *bsearch.DocumentMatch // the boost's current match; nil before the first or after the last
	done    bool                   // the boost has no more matches
}

// Next implements search.Searcher.
func (s *facetSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	if err == nil {
		err = s.count(ctx, dm)
	}
	return dm, err
}

// Advance implements search.Searcher.
func (s *facetSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	if err == nil {
		err = s.count(ctx, dm)
	}
	return dm, err
}

func (s *facetSearcher) count(ctx *bsearch.SearchContext, dm *bsearch.DocumentMatch) error {
	if dm == nil {
		return nil
	}
	num := dm.IndexInternalID.Value()
	if s.boost != nil {
		if err := s.boostTo(ctx, dm.IndexInternalID, num); err != nil {
			return err
		}
		if s.cur != nil && s.cur.IndexInternalID.Value() == num {
			dm.Score += s.cur.Score
		}
	}
	updated, terms := s.values.of(num)
	s.counts.add(terms)
	if s.latest != nil {
		s.latest.offer(updated, dm.Score, dm.IndexInternalID)
	}
	return nil
}

// boostStepWithin is the number of boost matches expected before the
// next match within which the boost steps rather than skips; a variable
// so that tests can force either way.
var boostStepWithin = 2.0

// boostTo moves the boost to its first match at or after document num.
func (s *facetSearcher) boostTo(ctx *bsearch.SearchContext, id index.IndexInternalID, num uint64) error {
	for !s.done && (s.cur == nil || s.cur.IndexInternalID.Value() < num) {
		var (
			next *bsearch.DocumentMatch
			err  error
		)
		if s.cur != nil && float64(num-s.cur.IndexInternalID.Value())*s.density < boostStepWithin {
			next, err = s.boost.Next(ctx)
		} else {
			next, err = s.boost.Advance(ctx, id)
		}
		if err != nil {
			return err
		}
		ctx.DocumentMatchPool.Put(s.cur)
		s.cur, s.done = next, next == nil
	}
	return nil
}

// DocumentMatchPoolSize implements search.Searcher.
func (s *facetSearcher) DocumentMatchPoolSize() int {
	n := s.Searcher.DocumentMatchPoolSize()
	if s.boost != nil {
		n += s.boost.DocumentMatchPoolSize() + 1
	}
	return n
}

// Close implements search.Searcher. bleve closes the searcher before the
// index reader, which still names the latest matches.
func (s *facetSearcher) Close() error {
	var err error
	if s.latest != nil {
		err = s.latest.resolve(s.r)
	}
	if s.boost != nil {
		err = errors.Join(err, s.boost.Close())
	}
	return errors.Join(err, s.Searcher.Close())
}

// result splits the counts into the facets of a Result: the size most
// frequent values of each, and the number of entries whose review date
// is before now.
func (c *facetCounts) result(total uint64, now time.Time, size int) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(facetNames)+1)
	outdated := 0
	reviewBefore := facetTerm(facetReview, now.UTC().Format(time.RFC3339))
	for id, n := range c.n {
		if n == 0 {
			continue
		}
		term := c.terms[id]
		name, value, ok := strings.Cut(term, ":")
		switch {
		case !ok:
		case name == facetReview:
			if term < reviewBefore {
				outdated += int(n)
			}
		default:
			out[name] = append(out[name], FacetCount{Value: value, Count: int(n)})
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
