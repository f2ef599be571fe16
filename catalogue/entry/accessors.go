package entry

import (
	"strings"
	"time"
	"unicode"

	"github.com/mutu-network/mutu/catalogue/render"
)

const (
	// MaxTitleLen is the most characters (runes) a title may have: it
	// is shown whole in lists, feeds and page titles.
	MaxTitleLen = 200
	// MaxSummaryLen is the most characters (runes) a summary may have.
	MaxSummaryLen = 200
	// DefaultNoteLicense is the license of a note that names none.
	DefaultNoteLicense = "CC-BY-SA-4.0"
	// dateLayout is how review_by is written.
	dateLayout = "2006-01-02"
)

// The accessors below read Meta. A key that is absent, or whose value
// is not of the type the schema gives it, reads as the zero value;
// Validate is what reports such values. Text is returned with
// surrounding white space trimmed.

// Kind returns the entry's kind: the kind key, or KindNote when it is
// absent or empty. The result is not checked; Validate reports unknown kinds.
func (e *Entry) Kind() Kind {
	s := e.text(keyKind)
	if k, err := ParseKind(s); err == nil {
		return k
	}
	return Kind(s)
}

// Title returns the title.
func (e *Entry) Title() string { return e.text(keyTitle) }

// Summary returns the summary key or, when there is none, the plain
// text of the body's first paragraph, shortened to MaxSummaryLen
// characters at a word boundary with a trailing "…".
func (e *Entry) Summary() string {
	if s := e.text(keySummary); s != "" {
		return s
	}
	return shorten(render.FirstParagraph(e.Body), MaxSummaryLen)
}

// SummaryWith is Summary for a caller that has the body's first
// paragraph already (render.Text gives it with the plain text), so
// that the body is not parsed again.
func (e *Entry) SummaryWith(firstParagraph string) string {
	if s := e.text(keySummary); s != "" {
		return s
	}
	return shorten(firstParagraph, MaxSummaryLen)
}

// Tags returns the tags lowercased, in order, without duplicates or
// empty tags: the form the search index and tag pages use.
func (e *Entry) Tags() []string {
	var tags []string
	seen := make(map[string]bool)
	for _, t := range e.texts(keyTags) {
		t = strings.ToLower(t)
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return tags
}

// Category returns the category, which may be free text.
func (e *Entry) Category() string { return e.text(keyCategory) }

// Audience returns the audience list.
func (e *Entry) Audience() []string { return e.texts(keyAudience) }

// Academie returns the académie, e.g. "aix-marseille".
func (e *Entry) Academie() string { return e.text(keyAcademie) }

// License returns the SPDX license expression; a note without one is
// under DefaultNoteLicense.
func (e *Entry) License() string {
	if l := e.text(keyLicense); l != "" || e.Kind() != KindNote {
		return l
	}
	return DefaultNoteLicense
}

// ReviewBy returns the review_by date, at midnight UTC, and whether
// the entry has a valid one.
func (e *Entry) ReviewBy() (time.Time, bool) {
	s := e.text(keyReviewBy)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, s)
	return t, err == nil
}

// Outdated reports whether the entry should show as "may be outdated"
// on the day of now, in now's location: its review_by day is past.
func (e *Entry) Outdated(now time.Time) bool {
	due, ok := e.ReviewBy()
	if !ok {
		return false
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return today.After(due)
}

// URL returns a tool's address.
func (e *Entry) URL() string { return e.text(keyURL) }

// ToolType returns a tool's tool_type, e.g. "tableur-modele".
func (e *Entry) ToolType() string { return e.text(keyToolType) }

// Provider returns who provides a tool.
func (e *Entry) Provider() string { return e.text(keyProvider) }

// Access returns how a tool is reached: public, compte-agent or ent.
func (e *Entry) Access() string { return e.text(keyAccess) }

// Cost returns gratuit or payant.
func (e *Entry) Cost() string { return e.text(keyCost) }

// Repository returns a software's source repository URL.
func (e *Entry) Repository() string { return e.text(keyRepository) }

// Status returns a software's development status, e.g. "beta".
func (e *Entry) Status() string { return e.text(keyStatus) }

// SoftwareType returns a software's publiccode.yml software type.
func (e *Entry) SoftwareType() string { return e.text(keySoftwareType) }

// Platforms returns the platforms a software runs on.
func (e *Entry) Platforms() []string { return e.texts(keyPlatforms) }

// Maintainers returns a software's maintainers: each item written as
// text, or the name of each item written as a mapping.
func (e *Entry) Maintainers() []string {
	items, _ := e.Meta[keyMaintainers].([]any)
	var names []string
	for _, it := range items {
		var s string
		switch v := it.(type) {
		case string:
			s = v
		case map[string]any:
			s, _ = v["name"].(string)
		}
		if s = strings.TrimSpace(s); s != "" {
			names = append(names, s)
		}
	}
	return names
}

// ContributorsWanted reports whether a software's maintainers ask for
// contributors.
func (e *Entry) ContributorsWanted() bool {
	b, _ := e.Meta[keyContributorsWanted].(bool)
	return b
}

// text returns the trimmed text under key, or "".
func (e *Entry) text(key string) string {
	s, _ := e.Meta[key].(string)
	return strings.TrimSpace(s)
}

// texts returns the trimmed, non-empty text items of the list under
// key.
func (e *Entry) texts(key string) []string {
	items, _ := e.Meta[key].([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// shorten collapses white space in s and, when it is longer than max
// characters, cuts it at the last word boundary that leaves room for
// a trailing "…".
func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	all := []rune(s)
	if len(all) <= max {
		return s
	}
	r := all[:max-1]
	if all[max-1] != ' ' { // the cut falls inside a word: drop it
		if i := lastSpace(r); i > 0 {
			r = r[:i]
		}
	}
	cut := strings.TrimRightFunc(string(r), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) && c != ')' && c != '»' && c != '"'
	})
	if cut == "" {
		cut = string(r)
	}
	return cut + "…"
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ' ' {
			return i
		}
	}
	return -1
}
