package search

import (
	"fmt"
	"sync"

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
		stopWords.AddToken(fold(w))
	}

	tokenizer := wordTokenizer{}
	common := []analysis.TokenFilter{
		lowercase.NewLowerCaseFilter(),
		elision.NewElisionFilter(articles),
		foldFilter{},
		stop.NewStopTokensFilter(stopWords),
	}
	stem := stemFilter{light: fr.NewFrenchLightStemmerFilter(), cache: newStemCache()}
	fa := &frenchAnalysis{
		exact: &analysis.DefaultAnalyzer{Tokenizer: tokenizer, TokenFilters: common},
		text: &analysis.DefaultAnalyzer{Tokenizer: tokenizer,
			TokenFilters: append(common[:len(common):len(common)], stem)},
		stem:     stem,
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

// stemFilter applies bleve's French light stemmer to words and leaves
// codes alone: a token holding a digit (UAI 0691234A, account 4116,
// version 3.0) must match only itself, while the stemmer would cut a
// final "e" or "r" and make 0691234E meet 0691234R.
//
// Stems are cached: words follow Zipf's law, so a small table answers
// most tokens without the stemmer's conversions to and from runes.
type stemFilter struct {
	light *fr.FrenchLightStemmerFilter
	cache *stemCache
}

// Filter implements analysis.TokenFilter.
func (f stemFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	var misses analysis.TokenStream
	var words []string
	for _, tok := range input {
		if isCode(tok.Term) {
			continue
		}
		if stem, ok := f.cache.get(tok.Term); ok {
			tok.Term = stem
			continue
		}
		misses = append(misses, tok)
		words = append(words, string(tok.Term))
	}
	if len(misses) == 0 {
		return input
	}
	f.light.Filter(misses)
	for i, tok := range misses {
		f.cache.put(words[i], tok.Term)
	}
	return input
}

// stemCache maps words to their stems. It stops growing at
// stemCacheMax entries; the words seen first are the frequent ones.
type stemCache struct {
	mu sync.RWMutex // guards m
	m  map[string][]byte
}

const (
	stemCacheMax     = 1 << 18
	stemCacheWordMax = 24 // longer words are rare and not cached
)

func newStemCache() *stemCache {
	return &stemCache{m: make(map[string][]byte, 1<<12)}
}

// get returns the stem of word. The stem is shared: callers must not
// modify it.
func (c *stemCache) get(word []byte) ([]byte, bool) {
	c.mu.RLock()
	stem, ok := c.m[string(word)]
	c.mu.RUnlock()
	return stem, ok
}

func (c *stemCache) put(word string, stem []byte) {
	if len(word) > stemCacheWordMax {
		return
	}
	c.mu.Lock()
	if len(c.m) < stemCacheMax {
		c.m[word] = stem
	}
	c.mu.Unlock()
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

// stemWord returns the stemmed form of one folded word.
func (fa *frenchAnalysis) stemWord(word string) string {
	if isCode(word) {
		return word
	}
	toks := fa.stem.Filter(analysis.TokenStream{{Term: []byte(word)}})
	return string(toks[0].Term)
}
