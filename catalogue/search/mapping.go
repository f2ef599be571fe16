package search

import (
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// mappingVersion numbers the analysis chain and the field layout. It is
// stored inside every index; Open recreates an index built under another
// number. Increase it whenever analysis.go or this file changes what gets
// indexed.
const mappingVersion = 6

// Field names inside the index.
//
// Every searchable word of an entry is in fieldAll, so that a query
// selects its entries with one posting list per word: conjunctions of
// single terms skip through the index quickly, where conjunctions of
// per-field disjunctions advance every field at each step. The title,
// tags and summary are indexed once more, on their own, only to raise the
// score of the entries that match there.
const (
	fieldAll      = "all"       // title, tags, summary, body, extra: stemmed
	fieldTitle    = "title"     // stemmed, stored; raises the score
	fieldTags     = "tags"      // tags as stemmed text; raises the score
	fieldSummary  = "summary"   // stemmed, stored; raises the score
	fieldBody     = "body"      // stored only, for snippets
	fieldExact    = "exact"     // title, tags, summary and extra, unstemmed
	fieldKind     = "kind"      // stored only, for hits
	fieldFacet    = "facet"     // "name:value" terms, for filters
	fieldPacked   = "packed"    // update time and facet term numbers, packed (see facets.go)
	fieldUpdated  = "updated"   // date, stored only
	fieldReviewBy = "review_by" // date, for the Outdated filter
)

// Facet names, as they prefix the terms of fieldFacet and key
// Result.Facets.
const (
	facetKind     = "kind"
	facetCategory = "category"
	facetTags     = "tags"
	facetAcademie = "academie"
	facetAudience = "audience"
	facetReview   = "review" // review date, RFC 3339; counted as "outdated"
	facetOutdated = "outdated"
)

// facetTerm is the term of fieldFacet for one value of a facet.
func facetTerm(name, value string) string {
	return name + ":" + value
}

// Indexing options per kind of field. No field keeps term vectors: they
// would double the size of the index, and snippets are built from the
// stored body instead (see snippet.go). The one doc value, read by every
// search (fieldPacked), is neither chunked nor compressed, a few bytes per
// entry, so that reading one is a slice lookup rather than the
// decompression of a chunk.
const (
	optText      = index.IndexField
	optTextStore = index.IndexField | index.StoreField
	optStore     = index.StoreField
	optFilter    = index.IndexField | index.SkipFreqNorm
	optPacked    = index.IndexField | index.DocValues | index.SkipFreqNorm | index.SkipDVChunking | index.SkipDVCompression
	optDate      = index.IndexField
	optDateStore = index.StoreField
)

// newMapping describes the fields to bleve. Documents are built by
// bleveDocument() with the same options; the mapping is what bleve saves in
// the index and checks at open.
func newMapping() *mapping.IndexMappingImpl {
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		m := mapping.NewTextFieldMapping()
		m.Analyzer = analyzer
		m.Store = store
		m.IncludeTermVectors = false
		m.IncludeInAll = false
		m.DocValues = false
		return m
	}
	stored := mapping.NewKeywordFieldMapping()
	stored.Index, stored.IncludeTermVectors, stored.IncludeInAll, stored.DocValues = false, false, false, false
	filter := mapping.NewKeywordFieldMapping()
	filter.Store, filter.IncludeTermVectors, filter.IncludeInAll, filter.DocValues, filter.SkipFreqNorm = false, false, false, false, true
	packed := mapping.NewKeywordFieldMapping()
	packed.Store, packed.IncludeTermVectors, packed.IncludeInAll, packed.SkipFreqNorm = false, false, false, true
	date := func(index, store bool) *mapping.FieldMapping {
		m := mapping.NewDateTimeFieldMapping()
		m.Index, m.Store, m.DocValues, m.IncludeInAll = index, store, false, false
		return m
	}

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldAll, text(analyzerText, false))
	dm.AddFieldMappingsAt(fieldTitle, text(analyzerText, true))
	dm.AddFieldMappingsAt(fieldTags, text(analyzerText, false))
	dm.AddFieldMappingsAt(fieldSummary, text(analyzerText, true))
	dm.AddFieldMappingsAt(fieldBody, stored)
	dm.AddFieldMappingsAt(fieldExact, text(analyzerExact, false))
	dm.AddFieldMappingsAt(fieldKind, stored)
	dm.AddFieldMappingsAt(fieldFacet, filter)
	dm.AddFieldMappingsAt(fieldPacked, packed)
	dm.AddFieldMappingsAt(fieldUpdated, date(false, true))
	dm.AddFieldMappingsAt(fieldReviewBy, date(true, false))

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerText
	im.ScoringModel = index.BM25Scoring
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}

// normKeyword is how filter values and facet terms are compared: trimmed
// and lowercased, accents kept (they are shown back in facets).
func normKeyword(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// bleveDocument turns a Doc into the bleve document that Apply indexes,
// numbering its facet terms in dict. The caller holds wmu.
func bleveDocument(fa *frenchAnalysis, dict *facetDict, d Doc) (*document.Document, error) {
	if d.ID == "" {
		return nil, fmt.Errorf("search: document %q: %w", d.Title, ErrNoID)
	}
	doc := document.NewDocument(d.ID)
	addText := func(name, value string, opts index.FieldIndexingOptions) {
		if value != "" {
			doc.AddField(document.NewTextFieldCustom(name, nil, []byte(value), opts, fa.text))
		}
	}
	var facetIDs []uint32
	addFacet := func(name string, values ...string) {
		for _, v := range values {
			if v = normKeyword(v); v != "" {
				term := facetTerm(name, v)
				facetIDs = append(facetIDs, dict.id(term))
				if name != facetReview { // filtered on as a date, in fieldReviewBy
					// A nil analyzer indexes the whole value as one term.
					doc.AddField(document.NewTextFieldCustom(fieldFacet, nil, []byte(term), optFilter, nil))
				}
			}
		}
	}
	addDate := func(name string, t time.Time, opts index.FieldIndexingOptions) bool {
		if t.IsZero() {
			return false
		}
		// Dates bleve cannot represent (before 1678, after 2262) are
		// left out rather than failing the whole batch.
		f, err := document.NewDateTimeFieldWithIndexingOptions(name, nil, t.UTC(), time.RFC3339Nano, opts)
		if err != nil {
			return false
		}
		doc.AddField(f)
		return true
	}

	tags := strings.Join(d.Tags, " ")
	addText(fieldAll, joinNonEmpty(d.Title, tags, d.Summary, d.Body, d.Extra), optText)
	addText(fieldTitle, d.Title, optTextStore)
	addText(fieldTags, tags, optText)
	addText(fieldSummary, d.Summary, optTextStore)
	if d.Body != "" {
		doc.AddField(document.NewTextFieldCustom(fieldBody, nil, []byte(d.Body), optStore, nil))
	}
	if exact := joinNonEmpty(d.Title, tags, d.Summary, d.Extra); exact != "" {
		doc.AddField(document.NewTextFieldCustom(fieldExact, nil, []byte(exact), optText, fa.exact))
	}
	if d.Kind != "" {
		doc.AddField(document.NewTextFieldCustom(fieldKind, nil, []byte(d.Kind), optStore, nil))
	}
	addFacet(facetKind, d.Kind)
	addFacet(facetCategory, d.Category)
	addFacet(facetTags, d.Tags...)
	addFacet(facetAcademie, d.Academie)
	addFacet(facetAudience, d.Audience...)
	addDate(fieldUpdated, d.Updated, optDateStore)
	if addDate(fieldReviewBy, d.ReviewBy, optDate) {
		addFacet(facetReview, d.ReviewBy.UTC().Format(time.RFC3339))
	}
	doc.AddField(document.NewTextFieldCustom(fieldPacked, nil, packDocValue(d.Updated, facetIDs), optPacked, nil))
	return doc, nil
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p)
	}
	return b.String()
}
