package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// wordTokenizer splits text into words by the rules of Unicode word
// segmentation (UAX #29) that matter for Latin-script text:
//
//   - letters, digits and combining marks form words, and a letter next
//     to a digit does not break ("0691234A", "3e");
//   - an apostrophe, a period or a colon between two letters does not
//     break ("l'avance", "aujourd’hui", "beta.gouv.fr"), nor does a
//     period, comma or apostrophe between two digits ("3,5", "4.0");
//   - an underscore joins what surrounds it ("snake_case");
//   - a narrow no-break space breaks ("40 000" is two words: bleve's
//     segmenter follows a Unicode version older than the rule joining
//     them);
//   - format characters (soft hyphen, zero-width joiner) stay inside a
//     word;
//   - ideographs and hiragana are one token each, a run of katakana one
//     token.
//
// It gives the same tokens as bleve's unicode tokenizer, which runs the
// full UAX #29 state machine (a test compares both on the relevance
// corpus), in about half the time: that tokenizer alone took a fifth of
// the time spent building an index, and this one lifts the build rate by
// about a quarter (go test -bench Tokenizer).
type wordTokenizer struct{}

// wbClass is a character class of UAX #29, reduced to what the rules
// above use.
type wbClass uint8

const (
	wbOther     wbClass = iota
	wbLetter            // ALetter, Hebrew_Letter
	wbNumeric           // Numeric
	wbMidLetter         // MidLetter: joins two letters
	wbMidNum            // MidNum: joins two digits
	wbMidNumLet         // MidNumLet, Single_Quote: join two letters or two digits
	wbExtendNum         // ExtendNumLet
	wbExtend            // Extend, Format, ZWJ: kept inside a word
	wbIdeo              // ideographs and hiragana: one token each
	wbKatakana          // Katakana: a run is one token
)

// asciiClass holds the class of every ASCII character.
var asciiClass = func() (t [utf8.RuneSelf]wbClass) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = wbLetter, wbLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = wbNumeric
	}
	t['\''], t['.'] = wbMidNumLet, wbMidNumLet
	t[':'] = wbMidLetter
	t[','], t[';'] = wbMidNum, wbMidNum
	t['_'] = wbExtendNum
	return t
}()

func classify(r rune) wbClass {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch r {
	case '’', '‘', '\u2024', '\uFE52', '\uFF07', '\uFF0E':
		return wbMidNumLet
	case '·', '\u0387', '\u05F4', '\u2027', '\uFE13', '\uFE55', '\uFF1A':
		return wbMidLetter
	case '\u037E', '\u0589', '\u060C', '\u060D', '\u066C', '\u07F8', '\u2044', '\uFE10', '\uFE14', '\uFE50', '\uFE54', '\uFF0C', '\uFF1B':
		return wbMidNum
	case '\u203F', '\u2040', '\u2054', '\uFE33', '\uFE34', '\uFE4D', '\uFE4E', '\uFE4F', '\uFF3F':
		return wbExtendNum
	case '\u200B': // zero width space: a Cf that UAX #29 does not treat as Format
		return wbOther
	}
	switch {
	case unicode.IsLetter(r):
		switch {
		case unicode.Is(unicode.Katakana, r):
			return wbKatakana
		case unicode.In(r, unicode.Han, unicode.Hiragana):
			return wbIdeo
		}
		return wbLetter
	case unicode.IsDigit(r):
		return wbNumeric
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf):
		return wbExtend
	}
	return wbOther
}

// decodeRune is utf8.DecodeRune with a fast path for ASCII; its size is
// 0 at the end of p.
func decodeRune(p []byte) (rune, int) {
	if len(p) == 0 {
		return utf8.RuneError, 0
	}
	if p[0] < utf8.RuneSelf {
		return rune(p[0]), 1
	}
	return utf8.DecodeRune(p)
}

// Tokenize implements analysis.Tokenizer.
func (wordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	stream := make(analysis.TokenStream, 0, len(input)/6+1)
	var slab []analysis.Token // tokens are allocated in blocks
	for i, pos := 0, 1; ; pos++ {
		start, end, typ := nextWord(input, i)
		if start == end {
			return stream
		}
		if len(slab) == cap(slab) {
			slab = make([]analysis.Token, 0, min(256, max(16, (len(input)-start)/6)))
		}
		slab = append(slab, analysis.Token{Term: input[start:end], Start: start, End: end, Position: pos, Type: typ})
		stream = append(stream, &slab[len(slab)-1])
		i = end
	}
}

// nextWord returns the bounds and type of the first word of input at or
// after i; start == end when there is none.
func nextWord(input []byte, i int) (start, end int, typ analysis.TokenType) {
	for i < len(input) {
		r, size := decodeRune(input[i:])
		c := classify(r)
		switch c {
		case wbIdeo:
			return i, i + size, analysis.Ideographic
		case wbKatakana:
			start := i
			for i += size; i < len(input); i += size {
				r, size = decodeRune(input[i:])
				if c := classify(r); c != wbKatakana && c != wbExtend {
					break
				}
			}
			return start, i, analysis.Ideographic
		case wbLetter, wbNumeric, wbExtendNum:
			end := wordEnd(input, i+size, c)
			return i, end, wordType(input[i:end])
		}
		i += size
	}
	return len(input), len(input), analysis.AlphaNumeric
}

// wordEnd returns the end of the word whose first character, of class
// last, ends at i.
func wordEnd(input []byte, i int, last wbClass) int {
	for i < len(input) {
		r, size := decodeRune(input[i:])
		switch c := classify(r); c {
		case wbLetter, wbNumeric, wbExtendNum:
			last = c
			i += size
		case wbExtend:
			i += size
		case wbMidLetter, wbMidNum, wbMidNumLet:
			next, nsize := decodeRune(input[i+size:])
			nc := classify(next)
			if nsize == 0 || !(last == wbLetter && nc == wbLetter && c != wbMidNum ||
				last == wbNumeric && nc == wbNumeric && c != wbMidLetter) {
				return i
			}
			i += size
		default:
			return i
		}
	}
	return i
}

// wordType is AlphaNumeric for a word holding a letter, Numeric otherwise.
func wordType(word []byte) analysis.TokenType {
	for i := 0; i < len(word); {
		r, size := decodeRune(word[i:])
		if classify(r) == wbLetter {
			return analysis.AlphaNumeric
		}
		i += size
	}
	return analysis.Numeric
}
