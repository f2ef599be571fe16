package search

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// foldGroups lists, for each ASCII replacement, the letters that fold to
// it. It covers Latin-1 Supplement and Latin Extended-A, which hold every
// letter written in French (é, è, ê, ë, à, â, î, ï, ô, ù, û, ü, ÿ, ç, œ,
// æ) and in the names of places and people that French text quotes.
// bleve's French light stemmer folds only à, á, â, ô, è, é, ê, ù, û, î
// and ç, and only in words longer than four letters.
var foldGroups = [...]struct{ to, from string }{
	{"a", "àáâãäåāăą"}, {"A", "ÀÁÂÃÄÅĀĂĄ"},
	{"ae", "æ"}, {"AE", "Æ"},
	{"c", "çćĉċč"}, {"C", "ÇĆĈĊČ"},
	{"d", "ďđð"}, {"D", "ĎĐÐ"},
	{"e", "èéêëēĕėęě"}, {"E", "ÈÉÊËĒĔĖĘĚ"},
	{"g", "ĝğġģ"}, {"G", "ĜĞĠĢ"},
	{"h", "ĥħ"}, {"H", "ĤĦ"},
	{"i", "ìíîïĩīĭįı"}, {"I", "ÌÍÎÏĨĪĬĮİ"},
	{"ij", "ĳ"}, {"IJ", "Ĳ"},
	{"j", "ĵ"}, {"J", "Ĵ"},
	{"k", "ķĸ"}, {"K", "Ķ"},
	{"l", "ĺļľŀł"}, {"L", "ĹĻĽĿŁ"},
	{"n", "ñńņňŉŋ"}, {"N", "ÑŃŅŇŊ"},
	{"o", "òóôõöøōŏő"}, {"O", "ÒÓÔÕÖØŌŎŐ"},
	{"oe", "œ"}, {"OE", "Œ"},
	{"r", "ŕŗř"}, {"R", "ŔŖŘ"},
	{"s", "śŝşšſ"}, {"S", "ŚŜŞŠ"},
	{"ss", "ß"},
	{"t", "ţťŧ"}, {"T", "ŢŤŦ"},
	{"th", "þ"}, {"TH", "Þ"},
	{"u", "ùúûüũūŭůűų"}, {"U", "ÙÚÛÜŨŪŬŮŰŲ"},
	{"w", "ŵ"}, {"W", "Ŵ"},
	{"y", "ýÿŷ"}, {"Y", "ÝŶŸ"},
	{"z", "źżž"}, {"Z", "ŹŻŽ"},
	{"fi", "ﬁ"}, {"fl", "ﬂ"}, {"ff", "ﬀ"},
	{"'", "’‘ʼ"},
}

// foldTable maps a rune to its ASCII folding; runes absent from it are
// kept as they are.
var foldTable = func() map[rune]string {
	t := make(map[rune]string, 256)
	for _, g := range foldGroups {
		for _, r := range g.from {
			t[r] = g.to
		}
	}
	return t
}()

// isCombiningMark reports whether r is a combining diacritical mark, as
// found in decomposed (NFD) text such as "e\u0301" for "é".
func isCombiningMark(r rune) bool {
	return r >= 0x0300 && r <= 0x036f
}

// Fold returns s with accents and ligatures replaced by plain ASCII
// letters: "Régie" → "Regie", "œuvre" → "oeuvre". Other characters are
// kept. It does not allocate when s is already ASCII. It is the one
// folding table of mutu: search indexes with it, and export names
// files with it.
func Fold(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case isCombiningMark(r):
		default:
			if to, ok := foldTable[r]; ok {
				b.WriteString(to)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// foldFilter is the bleve token filter that applies fold to every term.
// It changes terms only, never offsets, so positions found by analysing
// a text still point into the original text.
type foldFilter struct{}

// Filter implements analysis.TokenFilter.
func (foldFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, tok := range input {
		if !isASCII(tok.Term) {
			tok.Term = []byte(Fold(string(tok.Term)))
		}
	}
	return input
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
