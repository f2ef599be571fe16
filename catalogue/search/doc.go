// Package search is the full-text index of the catalogue: French
// analysis, ranking, filters, facets and snippets, on bleve.
//
// Users type "bourse college", "regie d'avances" or "marches publics":
// without accents, in the singular or the plural, with elisions, now and
// then with a typo. The index folds accents and ligatures (é → e,
// œ → oe), removes elisions and French stop words, and reduces words
// with bleve's French light stemmer, so "régies" meets "regie" and
// "marchés publics" meets "marche public". A second, unstemmed field of
// the title, tags, summary and extra text completes words typed as
// prefixes and forgives typos (one edit from 5 letters, two from 9) when
// the exact words find nothing. Codes — any word holding a digit, such as
// the UAI 0691234A or the account 4116 — only ever match themselves.
//
// The index is derived data. Apply records the caller's change-log
// sequence in the same atomic batch as the changes, so that after a crash
// Mark tells where to resume; an index that is missing, damaged, or built
// by another version of the analysis is recreated empty by Open, which
// then reports NeedsRebuild.
//
// No bleve type appears in this package's API.
package search

import "time"

// Doc is one catalogue entry as the index sees it. The caller converts
// its entries (notes, tools, software) to Docs.
type Doc struct {
	// ID identifies the entry; it is required.
	ID string
	// Kind is the entry kind: note, tool or software.
	Kind string
	// Title and Summary are shown in results and weigh most in ranking.
	Title, Summary string
	// Tags are short words; they weigh as much as the title.
	Tags []string
	// Category and Academie are single values used as filters.
	Category, Academie string
	// Audience lists who the entry is for.
	Audience []string
	// Body is the plain text of the entry; the caller strips Markdown.
	Body string
	// Extra is other searchable text: provider, URL, maintainers…
	Extra string
	// Updated is when the entry last changed; zero when unknown.
	Updated time.Time
	// ReviewBy is the date after which the entry may be outdated; zero
	// when absent.
	ReviewBy time.Time
}
