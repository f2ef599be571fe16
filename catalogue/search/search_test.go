package search

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// now is the reference date of the fixtures' review dates.
var now = day("2026-11-23")

// fixtures is a small catalogue with every field set somewhere.
func fixtures() []Doc {
	return []Doc{
		{ID: "n-regie", Kind: "note", Title: "Régie d'avances pour les voyages",
			Summary: "Créer une régie d'avances temporaire pour payer sur place.",
			Tags:    []string{"regie", "voyage"}, Category: "regies", Academie: "lyon",
			Audience: []string{"gestionnaire", "agent-comptable"},
			Body:     "Le régisseur reçoit l'avance de l'agent comptable. Il <script>paie</script> & justifie les dépenses.",
			Updated:  day("2026-03-01"), ReviewBy: day("2025-01-01")},
		{ID: "n-bourses", Kind: "note", Title: "Bourses de collège",
			Summary: "Campagne et paiement des bourses nationales.",
			Tags:    []string{"bourses"}, Category: "bourses-aides", Academie: "Lyon",
			Audience: []string{"gestionnaire"}, Body: "La bourse est versée chaque trimestre.",
			Updated: day("2026-05-01"), ReviewBy: day("2027-01-01")},
		{ID: "n-marches", Kind: "note", Title: "Marchés publics : seuils",
			Tags: []string{"marches"}, Category: "marches-publics", Academie: "aix-marseille",
			Audience: []string{"gestionnaire", "chef-etablissement"},
			Body:     "Le seuil de dispense de procédure s'apprécie sur l'année.",
			Updated:  day("2026-01-15")},
		{ID: "t-regies", Kind: "tool", Title: "Tableur de suivi des régies",
			Tags: []string{"regie", "tableur"}, Category: "regies",
			Extra: "provider: académie de Lyon", Updated: day("2026-06-01")},
		{ID: "s-voyages", Kind: "software", Title: "Logiciel de gestion des voyages",
			Tags: []string{"voyage"}, Category: "voyages-sorties",
			Body: "Suivi des inscriptions et des encaissements d'un voyage scolaire."},
		{ID: "n-uai-a", Kind: "note", Title: "Agence comptable du lycée Ampère",
			Body: "Numéro UAI 0691234A, rattachée à l'académie de Lyon.", Updated: day("2026-02-01")},
		{ID: "n-uai-b", Kind: "note", Title: "Agence comptable du lycée Branly",
			Body: "Numéro UAI 0691235A.", Updated: day("2026-02-02")},
	}
}

func ids(res *Result) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func search(t *testing.T, ix *Index, q Query) *Result {
	t.Helper()
	if q.Now.IsZero() {
		q.Now = now
	}
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSearchFilters(t *testing.T) {
	ix := openFilled(t, fixtures())
	for _, tc := range []struct {
		name string
		q    Query
		want []string
	}{
		{"kind", Query{Kind: "tool"}, []string{"t-regies"}},
		{"kind ignores case", Query{Kind: " TOOL "}, []string{"t-regies"}},
		{"category", Query{Category: "regies"}, []string{"n-regie", "t-regies"}},
		{"tag", Query{Tag: "voyage"}, []string{"n-regie", "s-voyages"}},
		{"academie", Query{Academie: "lyon"}, []string{"n-bourses", "n-regie"}},
		{"audience", Query{Audience: "chef-etablissement"}, []string{"n-marches"}},
		{"outdated", Query{Outdated: true}, []string{"n-regie"}},
		{"outdated later", Query{Outdated: true, Now: day("2027-06-01")}, []string{"n-bourses", "n-regie"}},
		{"text and kind", Query{Text: "regie", Kind: "note"}, []string{"n-regie"}},
		{"text and tag", Query{Text: "voyages", Tag: "voyage"}, []string{"n-regie", "s-voyages"}},
		{"two filters", Query{Category: "regies", Academie: "lyon"}, []string{"n-regie"}},
		{"no match", Query{Kind: "note", Category: "numerique"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, ix, tc.q)
			if got := sorted(ids(res)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if res.Total != uint64(len(tc.want)) {
				t.Errorf("Total = %d, want %d", res.Total, len(tc.want))
			}
		})
	}
}

// TestFilterOnlySearchScoresZero: a search by filters alone, with no
// words, ranks nothing, so every hit scores 0. (bleve normalised the
// scores by a query weight of 0: 1/√0 made them NaN, which JSON cannot
// encode, and the API answered an empty 200.)
func TestFilterOnlySearchScoresZero(t *testing.T) {
	ix := openFilled(t, fixtures())
	for _, q := range []Query{
		{Kind: "note"},
		{Tag: "regie"},
		{Category: "regies"},
		{Category: "regies", Academie: "lyon"},
		{Outdated: true},
		{Kind: "note", Sort: SortRelevance},
		{Kind: "note", Sort: SortUpdated},
	} {
		res := search(t, ix, q)
		if len(res.Hits) == 0 {
			t.Errorf("%+v: no hits", q)
		}
		for _, h := range res.Hits {
			if h.Score != 0 {
				t.Errorf("%+v: hit %s scores %v, want 0", q, h.ID, h.Score)
			}
		}
	}
	// Words still rank.
	for _, h := range search(t, ix, Query{Text: "regie", Kind: "note"}).Hits {
		if math.IsNaN(h.Score) || h.Score <= 0 {
			t.Errorf("words and a filter: hit %s scores %v", h.ID, h.Score)
		}
	}
}

func facet(res *Result, name string) map[string]int {
	m := map[string]int{}
	for _, fc := range res.Facets[name] {
		m[fc.Value] = fc.Count
	}
	return m
}

func TestSearchFacets(t *testing.T) {
	ix := openFilled(t, fixtures())

	all := search(t, ix, Query{})
	for name, want := range map[string]map[string]int{
		"kind":     {"note": 5, "tool": 1, "software": 1},
		"category": {"regies": 2, "bourses-aides": 1, "marches-publics": 1, "voyages-sorties": 1},
		"tags":     {"regie": 2, "voyage": 2, "bourses": 1, "marches": 1, "tableur": 1},
		"academie": {"lyon": 2, "aix-marseille": 1},
		"audience": {"gestionnaire": 3, "agent-comptable": 1, "chef-etablissement": 1},
		"outdated": {"true": 1, "false": 6},
	} {
		if got := facet(all, name); !mapsEqual(got, want) {
			t.Errorf("facet %s = %v, want %v", name, got, want)
		}
	}

	// Facets count the entries that match the text and the filters.
	res := search(t, ix, Query{Text: "regie", Category: "regies"})
	if got, want := facet(res, "kind"), map[string]int{"note": 1, "tool": 1}; !mapsEqual(got, want) {
		t.Errorf("kind facet of a filtered search = %v, want %v", got, want)
	}
	if got, want := facet(res, "outdated"), map[string]int{"true": 1, "false": 1}; !mapsEqual(got, want) {
		t.Errorf("outdated facet of a filtered search = %v, want %v", got, want)
	}
	// Most frequent first.
	if tags := all.Facets["tags"]; len(tags) < 2 || tags[0].Count < tags[len(tags)-1].Count {
		t.Errorf("tags facet not ordered by count: %v", tags)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSearchSortUpdated(t *testing.T) {
	ix := openFilled(t, fixtures())

	// An empty text lists entries, most recently updated first, undated last.
	res := search(t, ix, Query{Limit: 20})
	want := []string{"t-regies", "n-bourses", "n-regie", "n-uai-b", "n-uai-a", "n-marches", "s-voyages"}
	if got := ids(res); !slices.Equal(got, want) {
		t.Errorf("listing = %v, want %v", got, want)
	}
	if got := res.Hits[0].Updated; !got.Equal(day("2026-06-01")) {
		t.Errorf("Updated of first hit = %v, want 2026-06-01", got)
	}
	if !res.Hits[len(res.Hits)-1].Updated.IsZero() {
		t.Errorf("undated entry has Updated %v", res.Hits[len(res.Hits)-1].Updated)
	}

	res = search(t, ix, Query{Text: "regie", Sort: SortUpdated})
	if got := ids(res); !slices.Equal(got, []string{"t-regies", "n-regie"}) {
		t.Errorf("regie by date = %v, want [t-regies n-regie]", got)
	}

	// Paging.
	page := search(t, ix, Query{Limit: 2, Offset: 2})
	if got := ids(page); !slices.Equal(got, want[2:4]) || page.Total != uint64(len(want)) {
		t.Errorf("page 2 = %v (total %d), want %v (total %d)", got, page.Total, want[2:4], len(want))
	}
	last := search(t, ix, Query{Limit: 5, Offset: 5})
	if got := ids(last); !slices.Equal(got, want[5:]) {
		t.Errorf("last page = %v, want %v", got, want[5:])
	}
	beyond := search(t, ix, Query{Limit: 5, Offset: 50})
	if len(beyond.Hits) != 0 || beyond.Total != uint64(len(want)) {
		t.Errorf("page beyond the end = %v (total %d), want none (total %d)", ids(beyond), beyond.Total, len(want))
	}
}

func TestSearchRanking(t *testing.T) {
	ix := openFilled(t, fixtures())
	// A title match outranks a body match.
	res := search(t, ix, Query{Text: "voyage"})
	if got := ids(res); len(got) < 2 || (got[0] != "n-regie" && got[0] != "s-voyages") {
		t.Errorf("voyage = %v: want a title match first", got)
	}
	if len(res.Hits) > 1 && res.Hits[0].Score < res.Hits[1].Score {
		t.Errorf("hits not ordered by score: %v", res.Hits)
	}
	// Prefixes complete words.
	if got := ids(search(t, ix, Query{Text: "tabl"})); !slices.Contains(got, "t-regies") {
		t.Errorf("prefix tabl = %v, want t-regies", got)
	}
	// A typo is forgiven from five letters, not below.
	if got := ids(search(t, ix, Query{Text: "bource"})); !slices.Equal(got, []string{"n-bourses"}) {
		t.Errorf("bource = %v, want [n-bourses]", got)
	}
	if got := ids(search(t, ix, Query{Text: "regle"})); !slices.Contains(got, "n-regie") {
		t.Errorf("regle (one edit from regie) = %v, want n-regie", got)
	}
	if res := search(t, ix, Query{Text: "rgie"}); res.Total != 0 {
		t.Errorf("rgie (4 letters) = %v, want nothing", ids(res))
	}
	// Words missing from every entry do not hide those holding the others.
	if got := ids(search(t, ix, Query{Text: "bourses trimestre xylophone"})); len(got) == 0 || got[0] != "n-bourses" {
		t.Errorf("bourses trimestre xylophone = %v, want n-bourses first", got)
	}
	// Two words found nowhere leave too little to go on.
	if res := search(t, ix, Query{Text: "bourses xylophone zanzibar"}); res.Total != 0 {
		t.Errorf("bourses xylophone zanzibar = %v, want nothing", ids(res))
	}
	// Only stop words: a listing.
	if res := search(t, ix, Query{Text: "de la"}); res.Total != uint64(len(fixtures())) {
		t.Errorf("stop words only: total %d, want %d", res.Total, len(fixtures()))
	}
}

func TestSearchCodesAreExact(t *testing.T) {
	ix := openFilled(t, fixtures())
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"0691234A", []string{"n-uai-a"}},
		{"0691234a", []string{"n-uai-a"}},
		{"uai 0691235A", []string{"n-uai-b"}},
		{"0691243A", nil}, // one transposition: no typo tolerance on codes
		{"0691234", nil},  // no prefix on codes either
		{"0691234B", nil},
	} {
		if got := ids(search(t, ix, Query{Text: tc.text})); !slices.Equal(got, tc.want) {
			t.Errorf("%q = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestSearchSnippet(t *testing.T) {
	ix := openFilled(t, fixtures())
	res := search(t, ix, Query{Text: "regisseur avance"})
	if len(res.Hits) == 0 || res.Hits[0].ID != "n-regie" {
		t.Fatalf("regisseur avance = %v, want n-regie first", ids(res))
	}
	h := res.Hits[0]
	for _, want := range []string{"<mark>régisseur</mark>", "l&#39;<mark>avance</mark>", "&lt;script&gt;", "&amp;"} {
		if !strings.Contains(h.Snippet, want) {
			t.Errorf("snippet %q lacks %q", h.Snippet, want)
		}
	}
	if strings.Contains(h.Snippet, "<script>") {
		t.Errorf("snippet %q is not escaped", h.Snippet)
	}
	if h.Title != "Régie d'avances pour les voyages" || h.Kind != "note" || !h.Updated.Equal(day("2026-03-01")) {
		t.Errorf("hit = %+v", h)
	}

	// A match in the summary only highlights the summary.
	res = search(t, ix, Query{Text: "campagne"})
	if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "<mark>Campagne</mark>") {
		t.Errorf("campagne: %+v", res.Hits)
	}
	// A typo highlights the word it stands for.
	res = search(t, ix, Query{Text: "bource"})
	if len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "<mark>bourse</mark>") {
		t.Errorf("bource: %+v", res.Hits)
	}
}

func TestSnippetWindow(t *testing.T) {
	fa, err := loadAnalysis()
	if err != nil {
		t.Fatal(err)
	}
	ix := &Index{fa: fa}
	long := strings.Repeat("Texte sans rapport avec la question posée. ", 20)
	body := long + "La régie d'avances paie les menues dépenses. " + long
	got := ix.newSnippeter(fa.analyzeQuery("regie depenses"), false).snippet(body, "")
	if !strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") {
		t.Errorf("snippet of a long body not marked as cut: %q", got)
	}
	if !strings.Contains(got, "<mark>régie</mark> d&#39;avances paie les menues <mark>dépenses</mark>") {
		t.Errorf("snippet %q misses the matches", got)
	}
	if n := len(got); n > snippetWidth+2*len("<mark></mark>")+20 {
		t.Errorf("snippet is %d bytes: %q", n, got)
	}
	// A window that starts inside a run of accented letters stays valid
	// UTF-8.
	for pad := range 4 {
		body := strings.Repeat("é", 60+pad) + ",régie"
		got := ix.newSnippeter(fa.analyzeQuery("regie"), false).snippet(body, "")
		if !utf8.ValidString(got) || strings.ContainsRune(got, utf8.RuneError) || !strings.Contains(got, "<mark>régie</mark>") {
			t.Errorf("snippet %q: a character cut, or the match lost", got)
		}
	}
	// Nothing matches: the start of the summary.
	if got := ix.newSnippeter(fa.analyzeQuery("xylophone"), false).snippet(body, "Un résumé."); got != "Un résumé." {
		t.Errorf("snippet without match = %q, want the summary", got)
	}
}

func TestApplyReplacesAndDeletes(t *testing.T) {
	ix := openFilled(t, fixtures())
	ctx := context.Background()

	changed := fixtures()[0]
	changed.Title = "Régie d'avances : nouvelle procédure"
	changed.Body = "Procédure simplifiée."
	if err := ix.Apply([]Doc{changed}, nil, 7); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, ix, Query{Text: "simplifiee"})); !slices.Equal(got, []string{"n-regie"}) {
		t.Errorf("after replace, simplifiee = %v", got)
	}
	if got := ids(search(t, ix, Query{Text: "regisseur"})); len(got) != 0 {
		t.Errorf("after replace, old body still found: %v", got)
	}

	// Retracting an entry removes it from results and facets.
	if err := ix.Apply(nil, []string{"n-regie", "absent"}, 8); err != nil {
		t.Fatal(err)
	}
	res := search(t, ix, Query{Text: "regie"})
	if got := ids(res); !slices.Equal(got, []string{"t-regies"}) {
		t.Errorf("after delete, regie = %v, want [t-regies]", got)
	}
	if got := facet(search(t, ix, Query{}), "outdated")["true"]; got != 0 {
		t.Errorf("deleted entry still counted as outdated (%d)", got)
	}
	if n, err := ix.Count(); err != nil || n != uint64(len(fixtures())-1) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(fixtures())-1)
	}
	if m, err := ix.Mark(); err != nil || m != 8 {
		t.Errorf("Mark = %d, %v; want 8", m, err)
	}

	// An ID both put and deleted in one call ends deleted.
	if err := ix.Apply([]Doc{fixtures()[1]}, []string{"n-bourses"}, 9); err != nil {
		t.Fatal(err)
	}
	if res := search(t, ix, Query{Text: "bourses"}); res.Total != 0 {
		t.Errorf("put+delete left %v", ids(res))
	}
	if err := ix.Apply([]Doc{{Title: "sans identifiant"}}, nil, 10); !errors.Is(err, ErrNoID) {
		t.Errorf("Apply without ID = %v, want ErrNoID", err)
	}
	if m, _ := ix.Mark(); m != 9 {
		t.Errorf("a failed Apply moved the mark to %d", m)
	}
	_ = ctx
}

func TestSearchInvalid(t *testing.T) {
	ix := openFilled(t, fixtures())
	for _, q := range []Query{{Sort: "date"}, {Limit: -1}, {Offset: -3}, {Limit: 1000}} {
		if _, err := ix.Search(context.Background(), q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("Search(%+v) = %v, want ErrInvalidQuery", q, err)
		}
	}
}
