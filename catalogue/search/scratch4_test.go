package search

import (
	"context"
	"testing"
)

func TestScratchDF(t *testing.T) {
	docs := append(loadNotes(t), loadBetagouv(t)...)
	ix := openFilled(t, docs)
	sum := 0.0
	qs := loadQueries(t)
	for _, q := range qs {
		res, _ := ix.Search(context.Background(), Query{Text: q.text})
		sum += float64(res.Total)
	}
	t.Logf("relevance queries: avg %.1f matches of %d (%.1f%%)", sum/float64(len(qs)), len(docs), 100*sum/float64(len(qs))/float64(len(docs)))
	// Generated queries against real corpus
	g := generator{seed: 1}
	sum = 0
	for i := 0; i < 500; i++ {
		q := g.query(i)
		q.Kind, q.Category, q.Tag = "", "", ""
		res, _ := ix.Search(context.Background(), q)
		sum += float64(res.Total)
	}
	t.Logf("generated queries on real corpus: avg %.1f%%", 100*sum/500/float64(len(docs)))
	for _, w := range []string{"service", "donnees", "public", "budget", "regie", "ecole", "plateforme", "outil", "agent", "collectivite"} {
		res, _ := ix.Search(context.Background(), Query{Text: w})
		t.Logf("%s: %.1f%%", w, 100*float64(res.Total)/float64(len(docs)))
	}
}
