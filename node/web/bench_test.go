package web

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/nodetest"
	"github.com/mutu-network/mutu/protocol"
)

// TestServeLargeCatalogue measures how fast a node holding 100,000
// notes of about 5 KB serves its home page and search results, on
// loopback. It fills an on-disk catalogue first, verified and stored as a node stores what peers send,
// the batch path peers' revisions take (verification in parallel,
// atomic batches, one index update per batch), and reports the time.
//
//	MUTU_BENCH=1 go test -run LargeCatalogue -v -timeout 60m ./node/web
//
// MUTU_BENCH_N changes the number of notes; MUTU_BENCH_DIR keeps the
// catalogue there and reuses it on the next run.
func TestServeLargeCatalogue(t *testing.T) {
	if os.Getenv("MUTU_BENCH") != "1" {
		t.Skip("set MUTU_BENCH=1 to run the 100,000-note benchmark")
	}
	n := 100_000
	if s := os.Getenv("MUTU_BENCH_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	dir := os.Getenv("MUTU_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	cat, err := catalogue.Open(context.Background(), dir, catalogue.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if c, _ := cat.Counts(); c.Entries < n {
		docs := c.Entries
		start := time.Now()
		fillCatalogue(t, cat, n-docs)
		if err := cat.SyncIndex(context.Background()); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("filled %d notes in %v (%.0f notes/s)", n-docs, took.Round(time.Second), float64(n-docs)/took.Seconds())
	}
	c, _ := cat.Counts()
	t.Logf("catalogue: %d entries, %d revisions", c.Entries, c.Revisions)

	srv, err := New(Config{Cat: cat})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	start := time.Now()
	if _, err := srv.recent.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("home page lists computed in %v (done once per change of the catalogue, in the background)", time.Since(start).Round(time.Millisecond))

	queries := []string{"regie avances", "bourses nationales", "marche restauration", "inventaire mobilier", "voyage scolaire",
		"paie contractuels", "controle interne", "manuels scolaires", "fonds social", "maintenance chaudiere"}
	const rounds = 300
	measure := func(name string, path func(i int) string) {
		client := ts.Client()
		get := func(p string) time.Duration {
			t0 := time.Now()
			res, err := client.Get(ts.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", p, res.StatusCode)
			}
			return time.Since(t0)
		}
		for i := range 10 {
			get(path(i))
		}
		times := make([]time.Duration, rounds)
		for i := range rounds {
			times[i] = get(path(i))
		}
		slices.Sort(times)
		p := func(q float64) time.Duration { return times[int(q*float64(len(times)-1))].Round(10 * time.Microsecond) }
		t.Logf("%-28s %d requests: p50 %v, p90 %v, p99 %v, max %v", name, rounds, p(.5), p(.9), p(.99), times[len(times)-1].Round(10*time.Microsecond))
	}
	search := func(i int) string { return "/recherche?q=" + strings.ReplaceAll(queries[i%len(queries)], " ", "+") }
	filtered := func(i int) string {
		return search(i) + "&category=" + benchCategories[i%len(benchCategories)].name
	}
	measure("GET /", func(int) string { return "/" })
	measure("GET /flux.atom", func(int) string { return "/flux.atom" })
	// Searches repeat: the result cache answers all but the first of
	// each. Then the same without it, as for searches never made.
	measure("GET /recherche?kind=note", func(int) string { return "/recherche?kind=note" })
	measure("GET /recherche?q=…", search)
	measure("GET /recherche?q=…&category", filtered)
	cache := srv.results
	srv.results = nil
	measure("uncached ?kind=note", func(int) string { return "/recherche?kind=note" })
	measure("uncached ?q=…", search)
	measure("uncached ?q=…&category", filtered)
	srv.results = cache
}

// benchCategories holds, for each category, words that notes of it use
// often; the rest of a note is common words.
var benchCategories = []struct {
	name  string
	words []string
}{
	{"budget", strings.Fields("budget dotation credits ouverture decision modificative prevision section fonctionnement investissement reliquat")},
	{"comptabilite", strings.Fields("mandat titre rapprochement bancaire balance compte financier ecriture amortissement provision tresorerie")},
	{"bourses-aides", strings.Fields("bourses nationales fonds social cantine echelon famille dossier campagne prime equipement aide")},
	{"restauration-hebergement", strings.Fields("restauration hebergement demi-pension forfait repas cuisine denrees tarif internat commensaux")},
	{"marches-publics", strings.Fields("marche procedure adaptee consultation avis attributaire cahier clauses seuil groupement achat")},
	{"batiments-maintenance", strings.Fields("maintenance chaudiere batiment travaux securite controle periodique ascenseur entretien collectivite")},
	{"manuels-scolaires", strings.Fields("manuels scolaires commande editeur pret inventaire numerique licence rentree")},
	{"voyages-sorties", strings.Fields("voyage scolaire sortie participation familles transport acompte autorisation conseil devis")},
	{"rh-paie", strings.Fields("paie contractuels assistants education contrat vacation heures indemnite declaration")},
	{"regies", strings.Fields("regie avances recettes regisseur sous-regie caisse encaissement arrete plafond cautionnement")},
	{"controle-interne", strings.Fields("controle interne cartographie risques organigramme fonctionnel plan action tracabilite audit")},
	{"numerique", strings.Fields("numerique logiciel ent sauvegarde messagerie reseau poste inventaire mobilier parc")},
}

// fillCatalogue adds n generated notes to cat, in signed batches.
func fillCatalogue(t *testing.T, cat *catalogue.Catalogue, n int) {
	const (
		batch   = 1000
		authors = 50
	)
	common := commonWords(2000)
	keys := make([]protocol.AuthorKey, authors)
	privs := make([]ed25519.PrivateKey, authors)
	for i := range authors {
		k, err := protocol.NewAuthorKey()
		if err != nil {
			t.Fatal(err)
		}
		privs[i], keys[i] = k, protocol.PublicKey(k)
	}
	seqs := make([]uint64, authors)
	base := protocol.MakeClock(time.Now().Add(-365 * 24 * time.Hour))
	for done := 0; done < n; done += batch {
		size := min(batch, n-done)
		blocks := make([]protocol.Block, size)
		revs := make([]*protocol.Revision, size)
		for i := range size {
			r := rand.New(rand.NewPCG(uint64(done+i), 7))
			a := (done + i) % authors
			seqs[a]++
			revs[i] = &protocol.Revision{Op: protocol.OpPut, Seq: seqs[a], Clock: base + protocol.Clock((done+i)<<16),
				Entry: benchNote(r, done+i, common)}
		}
		var g errgroup.Group
		g.SetLimit(4)
		for i := range size {
			g.Go(func() error {
				v, err := revs[i].Sign(privs[(done+i)%authors])
				blocks[i] = v.Block
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		nodetest.Add(t, cat, blocks...)
		if (done/batch)%10 == 9 {
			t.Logf("  %d notes", done+size)
		}
	}
}

// commonWords makes n made-up words, like the common vocabulary of
// French text: notes draw them with a Zipf law, so a few are in every
// note and most in few.
func commonWords(n int) []string {
	syll := strings.Fields("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo")
	r := rand.New(rand.NewPCG(1, 1))
	seen := make(map[string]bool, n)
	words := make([]string, 0, n)
	for len(words) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// benchNote makes note i: a title, tags, a category and about 5 KB of
// Markdown, a third of whose words are its category's.
func benchNote(r *rand.Rand, i int, common []string) *protocol.Entry {
	c := benchCategories[i%len(benchCategories)]
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(common)-1))
	word := func() string {
		if r.IntN(3) == 0 {
			return c.words[r.IntN(len(c.words))]
		}
		return common[zipf.Uint64()]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s %s\n\n", word(), word())
	for b.Len() < 5000 {
		for range 8 + r.IntN(10) {
			b.WriteString(word())
			b.WriteByte(' ')
		}
		b.WriteString(".\n")
		if r.IntN(5) == 0 {
			b.WriteString("\n")
		}
	}
	meta := map[string]any{
		"kind":     "note",
		"title":    fmt.Sprintf("%s %s : %s %s (%d)", c.words[r.IntN(len(c.words))], c.words[r.IntN(len(c.words))], word(), word(), i),
		"category": c.name,
		"tags":     []any{c.words[r.IntN(len(c.words))], c.words[r.IntN(len(c.words))]},
		"academie": academies[r.IntN(len(academies))],
	}
	if r.IntN(10) == 0 {
		meta["review_by"] = "2024-06-30"
	}
	return &protocol.Entry{Meta: meta, Body: b.String()}
}
