package search

import (
	"bytes"
	"html"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippets are built from the stored body rather than by bleve's
// highlighter, which needs term vectors (positions and offsets of every
// word) and would roughly double the size of the index. Only the hits of
// one page are scanned, with the tokenizer's word scanner and the same
// folding, elision and stemming as the index, without allocating tokens.
const (
	snippetWidth   = 200      // bytes of source text in a snippet
	snippetContext = 40       // bytes kept before the first match
	snippetScanMax = 64 << 10 // bytes of a body scanned for matches
	markOpen       = "<mark>"
	markClose      = "</mark>"
)

// snippeter finds the words of one query in the text of its hits.
type snippeter struct {
	fa       *frenchAnalysis
	terms    []queryTerm
	loose    bool           // prefixes and typos matched too
	exact    map[string]int // exact form → term index
	stems    map[string]int // stemmed form → term index
	stemHead map[string]bool
	word     []byte // scratch buffer for the word being matched
}

func (ix *Index) newSnippeter(terms []queryTerm, loose bool) *snippeter {
	s := &snippeter{
		fa:       ix.fa,
		terms:    terms,
		loose:    loose,
		exact:    make(map[string]int, len(terms)),
		stems:    make(map[string]int, len(terms)),
		stemHead: make(map[string]bool, len(terms)),
	}
	for i, t := range terms {
		s.exact[t.exact] = i
		s.stems[t.stem] = i
		s.stemHead[string(head([]byte(t.stem)))] = true
	}
	return s
}

// head is the first two bytes of a word, used to skip stemming words
// that cannot share a stem with the query.
func head(w []byte) []byte {
	return w[:min(len(w), 2)]
}

// match returns the index of the query term that word (already lowered,
// folded and without elision) stands for, or -1. It does not allocate
// for the words that match nothing, which are most of them.
func (s *snippeter) match(w []byte) int {
	if i, ok := s.exact[string(w)]; ok {
		return i
	}
	if isCode(w) {
		return -1
	}
	if s.stemHead[string(head(w))] {
		if i, ok := s.stems[string(s.stemOf(w))]; ok {
			return i
		}
	}
	for i, t := range s.terms {
		if t.code {
			continue
		}
		if !s.loose {
			continue
		}
		if len(t.exact) >= prefixMinLen && len(w) > len(t.exact) && string(w[:len(t.exact)]) == t.exact {
			return i
		}
		if f := fuzziness(t); f > 0 && w[0] == t.exact[0] && abs(len(w)-len(t.exact)) <= 4 {
			if withinEdits(string(w), t.exact, f) {
				return i
			}
			// The index also forgives typos between stems (see textQuery).
			fs := min(f, fuzziness(queryTerm{exact: t.stem}))
			if fs > 0 && withinEdits(string(s.stemOf(w)), t.stem, fs) {
				return i
			}
		}
	}
	return -1
}

// stemOf returns the stem of a folded word, remembered by the text
// chain (a stop word, which no query holds, is its own stem).
func (s *snippeter) stemOf(w []byte) []byte {
	if m := s.fa.textMemo.word(w); !m.dropped {
		return m.term
	}
	return w
}

// span is a matched word in the source text.
type span struct {
	start, end int
	term       int
}

// snippet returns the highlighted extract of body, or of summary when
// the body holds no match, or the start of the summary (or body) when
// neither does.
func (s *snippeter) snippet(body, summary string) string {
	for _, text := range []string{body, summary} {
		if spans := s.find(text); len(spans) > 0 {
			return render(text, spans)
		}
	}
	text := summary
	if text == "" {
		text = body
	}
	return render(text, nil)
}

// find returns the matched words of text, in order. Words are cut as
// the tokenizer cuts them.
func (s *snippeter) find(text string) []span {
	if len(s.terms) == 0 || text == "" {
		return nil
	}
	if len(text) > snippetScanMax {
		text = text[:snippetScanMax]
	}
	input := []byte(text)
	var spans []span
	stopAt := len(input)
	for i := 0; i < stopAt; {
		start, end, _ := nextWord(input, i)
		if start == end {
			break
		}
		i = end
		w := appendLowerFold(s.word[:0], input[start:end])
		s.word = w
		wstart := start
		if k := bytes.IndexByte(w, '\''); k > 0 {
			if _, ok := s.fa.articles[string(w[:k])]; ok {
				// Articles are ASCII, so the apostrophe is at the same
				// offset in w and in text.
				_, asz := utf8.DecodeRune(input[start+k:])
				wstart = start + k + asz
				w = w[k+1:]
			}
		}
		if len(w) == 0 {
			continue
		}
		if t := s.match(w); t >= 0 {
			spans = append(spans, span{wstart, end, t})
			// Once a window holds every term, no later window can
			// beat it: scan to its end and stop.
			if stopAt == len(input) && s.windowComplete(spans) {
				stopAt = min(len(input), end+snippetWidth)
			}
		}
	}
	return spans
}

// windowComplete reports whether the last matches, within one snippet
// window, hold every term of the query.
func (s *snippeter) windowComplete(spans []span) bool {
	last := spans[len(spans)-1]
	var seen uint64
	for j := len(spans) - 1; j >= 0 && last.end-spans[j].start <= snippetWidth-snippetContext; j-- {
		seen |= 1 << (spans[j].term % 64)
	}
	return bits.OnesCount64(seen) >= min(len(s.terms), 64)
}

// appendLowerFold appends word to dst in lower case and folded.
func appendLowerFold(dst []byte, word []byte) []byte {
	for i := 0; i < len(word); {
		c := word[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(word[i:])
		i += size
		r = unicode.ToLower(r)
		switch to, ok := foldTable[r]; {
		case ok:
			dst = append(dst, to...)
		case isCombiningMark(r):
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// render writes the window of text with the most distinct matched terms,
// HTML-escaped, with matches marked and whitespace collapsed.
func render(text string, spans []span) string {
	from, to := 0, min(len(text), snippetWidth)
	if len(spans) > 0 {
		first, last := bestWindow(spans)
		from = max(0, spans[first].start-snippetContext)
		to = min(len(text), from+snippetWidth)
		if to < spans[last].end {
			to = spans[last].end
		}
		spans = spans[first : last+1]
	}
	if from > 0 {
		// Start on a word, or at least on a character.
		if k := strings.IndexAny(text[from:], " \n\t"); k >= 0 && from+k < spans[0].start {
			from += k + 1
		}
		for !utf8.RuneStart(text[from]) {
			from++
		}
	}
	if to < len(text) {
		if k := strings.LastIndexAny(text[from:to], " \n\t"); k > 0 && (len(spans) == 0 || from+k >= spans[len(spans)-1].end) {
			to = from + k
		}
		for to < len(text) && !utf8.RuneStart(text[to]) {
			to++
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	at := from
	for _, sp := range spans {
		writeText(&b, text[at:sp.start])
		b.WriteString(markOpen)
		b.WriteString(html.EscapeString(text[sp.start:sp.end]))
		b.WriteString(markClose)
		at = sp.end
	}
	writeText(&b, text[at:to])
	if to < len(text) {
		b.WriteString(" …")
	}
	return strings.TrimSpace(b.String())
}

// bestWindow returns the first and last span of the window of at most
// snippetWidth bytes that holds the most distinct terms, then the most
// matches.
func bestWindow(spans []span) (first, last int) {
	bestDistinct, bestCount := 0, 0
	for i := range spans {
		var seen uint64 // terms in the window, modulo 64
		j := i
		for ; j < len(spans) && spans[j].end-spans[i].start <= snippetWidth-snippetContext; j++ {
			seen |= 1 << (spans[j].term % 64)
		}
		if d, c := bits.OnesCount64(seen), j-i; d > bestDistinct || (d == bestDistinct && c > bestCount) {
			first, last, bestDistinct, bestCount = i, max(i, j-1), d, c
		}
	}
	return first, last
}

// writeText writes s HTML-escaped, with runs of white space as one space.
func writeText(b *strings.Builder, s string) {
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	if space {
		b.WriteByte(' ')
	}
}

// withinEdits reports whether a and b differ by at most k insertions,
// deletions or substitutions of bytes.
func withinEdits(a, b string, k int) bool {
	if d := len(a) - len(b); d > k || -d > k {
		return false
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= k
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
