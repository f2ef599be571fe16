package search

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/elision"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names under which the analyzers are registered with bleve, so that the
// mapping saved inside an index names them.
const (
	analyzerText  = "mutu_fr"       // folded and stemmed: what ranking uses
	analyzerExact = "mutu_fr_exact" // folded, not stemmed: prefix and typos
)

// keptStopWords are words of the snowball French stop list that carry
// meaning for a bursar once accents are folded: "ça" would fold into
// "ca" (conseil d'administration) and "été" is also the summer.
var keptStopWords = []string{"ça", "été"}

// frenchAnalysis holds the analysis chain shared by indexing and
// querying. Both analyzers run the same steps — Unicode word
// segmentation (wordTokenizer), lowercase, elision (l', d', qu', jusqu'…), ASCII folding
// and French stop words — and text then adds light stemming, so a query
// analysed once yields both forms of every term.
type frenchAnalysis struct {
	text     analysis.Analyzer
	exact    analysis.Analyzer
	stem     stemFilter
	textMemo memoFilter        // the filters of text, remembered per word
	articles analysis.TokenMap // elided words: l, d, qu, jusqu…
}

// loadAnalysis builds the analyzers once and registers them with bleve's
// registry, which checks the mapping of every index it opens.
var loadAnalysis = sync.OnceValues(func() (*frenchAnalysis, error) {
	articles := analysis.NewTokenMap()
	if err := articles.LoadBytes(fr.FrenchArticles); err != nil {
		return nil, fmt.Errorf("search: load French elisions: %w", err)
	}
	snowball := analysis.NewTokenMap()
	if err := snowball.LoadBytes(fr.FrenchStopWords); err != nil {
		return nil, fmt.Errorf("search: load French stop words: %w", err)
	}
	for _, w := range keptStopWords {
		delete(snowball, w)
	}
	stopWords := analysis.NewTokenMap()
	for w := range snowball {
		stopWords.AddToken(Fold(w))
	}

	tokenizer := wordTokenizer{}
	common := []analysis.TokenFilter{
		lowercase.NewLowerCaseFilter(),
		elision.NewElisionFilter(articles),
		foldFilter{},
		stop.NewStopTokensFilter(stopWords),
	}
	stem := stemFilter{light: fr.NewFrenchLightStemmerFilter()}
	textMemo := newMemoFilter(append(common[:len(common):len(common)], stem)...)
	fa := &frenchAnalysis{
		exact: &analysis.DefaultAnalyzer{Tokenizer: tokenizer,
			TokenFilters: []analysis.TokenFilter{newMemoFilter(common...)}},
		text:     &analysis.DefaultAnalyzer{Tokenizer: tokenizer, TokenFilters: []analysis.TokenFilter{textMemo}},
		stem:     stem,
		textMemo: textMemo,
		articles: articles,
	}
	for name, a := range map[string]analysis.Analyzer{analyzerText: fa.text, analyzerExact: fa.exact} {
		err := registry.RegisterAnalyzer(name, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
			return a, nil
		})
		if err != nil {
			return nil, fmt.Errorf("search: register analyzer %s: %w", name, err)
		}
	}
	return fa, nil
})

// memoFilter runs a chain of token filters that each map one token on
// its own (lowercase, elision, folding, stop words, stemming), and
// remembers what the chain made of every word: words follow Zipf's law,
// so one lookup answers most tokens of a body, where the chain would
// rewrite every token five times. Terms it returns are shared: bleve
// copies them and never modifies them.
type memoFilter struct {
	chain []analysis.TokenFilter
	mu    *sync.RWMutex // guards memo
	memo  map[string]memoTerm
}

// memoTerm is what the chain made of a word: its term, or nothing.
type memoTerm struct {
	term    []byte
	dropped bool
}

// memoMax bounds the words remembered, and memoWordMax their length;
// the words seen first are the frequent ones.
const (
	memoMax     = 1 << 18
	memoWordMax = 24
)

func newMemoFilter(chain ...analysis.TokenFilter) memoFilter {
	return memoFilter{chain: chain, mu: new(sync.RWMutex), memo: make(map[string]memoTerm, 1<<12)}
}

// remembered returns what the chain made of word, if it ran on it.
func (f memoFilter) remembered(word []byte) (memoTerm, bool) {
	f.mu.RLock()
	m, ok := f.memo[string(word)]
	f.mu.RUnlock()
	return m, ok
}

// word returns what the chain makes of one word.
func (f memoFilter) word(w []byte) memoTerm {
	if m, ok := f.remembered(w); ok {
		return m
	}
	return f.run(&analysis.Token{Term: w})
}

// Filter implements analysis.TokenFilter.
func (f memoFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	out := input[:0]
	for _, tok := range input {
		m, ok := f.remembered(tok.Term)
		if !ok {
			m = f.run(tok)
		}
		if !m.dropped {
			tok.Term = m.term
			out = append(out, tok)
		}
	}
	return out
}

// run passes one token through the chain and remembers the outcome.
func (f memoFilter) run(tok *analysis.Token) memoTerm {
	word := string(tok.Term)
	one := analysis.TokenStream{{Term: []byte(word), Start: tok.Start, End: tok.End, Position: tok.Position, Type: tok.Type}}
	for _, filter := range f.chain {
		one = filter.Filter(one)
	}
	m := memoTerm{dropped: len(one) == 0}
	if !m.dropped {
		m.term = one[0].Term
	}
	if len(word) <= memoWordMax {
		f.mu.Lock()
		if len(f.memo) < memoMax {
			f.memo[word] = m
		}
		f.mu.Unlock()
	}
	return m
}

// stemFilter applies bleve's French light stemmer to words and leaves
// codes alone: a token holding a digit (UAI 0691234A, account 4116,
// version 3.0) must match only itself, while the stemmer would cut a
// final "e" or "r" and make 0691234E meet 0691234R.
type stemFilter struct {
	light *fr.FrenchLightStemmerFilter
}

// Filter implements analysis.TokenFilter.
func (f stemFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	var words analysis.TokenStream
	for _, tok := range input {
		if !isCode(tok.Term) {
			words = append(words, tok)
		}
	}
	f.light.Filter(words) // in place: the tokens are shared with input
	return input
}

// isCode reports whether a term holds a digit; such terms are matched
// exactly, without stemming, prefix or typo tolerance.
func isCode[T string | []byte](term T) bool {
	for i := 0; i < len(term); i++ {
		if term[i] >= '0' && term[i] <= '9' {
			return true
		}
	}
	return false
}

// queryTerm is one word of a query in the two forms the index holds.
type queryTerm struct {
	exact string // folded, unstemmed: matched against the exact field
	stem  string // folded, stemmed: matched against the text fields
	code  bool   // holds a digit: exact match only
	// completions are the words of the index that start with exact, when
	// it may be a prefix (see Index.complete); nil until looked up.
	completions []string
}

// prefix reports whether t may be a word typed in part.
func (t queryTerm) prefix() bool {
	return !t.code && utf8.RuneCountInString(t.exact) >= prefixMinLen
}

// analyzeQuery splits a query into distinct terms, in query order, with
// the same chain as the indexed text.
func (fa *frenchAnalysis) analyzeQuery(text string) []queryTerm {
	toks := fa.exact.Analyze([]byte(text))
	exact := make([]string, len(toks))
	for i, tok := range toks {
		exact[i] = string(tok.Term)
	}
	toks = fa.stem.Filter(toks)
	seen := make(map[string]bool, len(toks))
	terms := make([]queryTerm, 0, len(toks))
	for i, tok := range toks {
		if seen[exact[i]] {
			continue
		}
		seen[exact[i]] = true
		terms = append(terms, queryTerm{exact: exact[i], stem: string(tok.Term), code: isCode(exact[i])})
	}
	return terms
}
