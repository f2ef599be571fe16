package entry

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSummary(t *testing.T) {
	long := strings.Repeat("mot ", 80) // 320 characters
	tests := []struct {
		name string
		meta map[string]any
		body string
		want string
	}{
		{"from the front matter", map[string]any{"summary": "  Résumé.  "}, "Autre chose.", "Résumé."},
		{"from the first paragraph", nil, "# Titre\n\nLe *premier*\nparagraphe.\n\nLe second.", "Le premier paragraphe."},
		{"empty body", nil, "", ""},
		{"cut at a word", nil, long, strings.TrimSpace(strings.Repeat("mot ", 50)) + "…"},
		{"cut inside a word", nil, "a" + long, "a" + strings.TrimSpace(strings.Repeat("mot ", 49)) + "…"},
		{"word ends at the limit", nil, strings.Repeat("a", 199) + " suite", strings.Repeat("a", 199) + "…"},
		{"one long word", nil, strings.Repeat("é", 300), strings.Repeat("é", 199) + "…"},
		{"punctuation dropped before the ellipsis", nil, strings.Repeat("a", 190) + ", " + strings.Repeat("b", 20), strings.Repeat("a", 190) + "…"},
		{"exactly the limit", nil, strings.Repeat("é", 200), strings.Repeat("é", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Entry{Meta: tt.meta, Body: tt.body}
			got := e.Summary()
			if got != tt.want {
				t.Errorf("Summary = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxSummaryLen {
				t.Errorf("Summary has %d characters", n)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	e := &Entry{Meta: map[string]any{
		"kind":                "software",
		"title":               "  Op@le  ",
		"tags":                []any{"Budget", "budget", " regies ", "", int64(3)},
		"category":            "comptabilite",
		"audience":            []any{"gestionnaire", true},
		"academie":            "lyon",
		"license":             "EUPL-1.2",
		"review_by":           "2026-06-30",
		"url":                 "https://a.fr",
		"tool_type":           "logiciel",
		"provider":            "DNE",
		"access":              "ent",
		"cost":                "gratuit",
		"repository":          "https://forge.example/opale",
		"status":              "beta",
		"software_type":       "standalone/web",
		"platforms":           []any{"web", "linux"},
		"maintainers":         []any{"DANE", map[string]any{"name": "Équipe", "email": "e@x.fr"}, map[string]any{"email": "sans-nom"}},
		"contributors_wanted": true,
		"incubator":           "MEN",
	}}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Kind", e.Kind(), KindSoftware},
		{"Title", e.Title(), "Op@le"},
		{"Tags", e.Tags(), []string{"budget", "regies"}},
		{"Category", e.Category(), "comptabilite"},
		{"Audience", e.Audience(), []string{"gestionnaire"}},
		{"Academie", e.Academie(), "lyon"},
		{"License", e.License(), "EUPL-1.2"},
		{"URL", e.URL(), "https://a.fr"},
		{"ToolType", e.ToolType(), "logiciel"},
		{"Provider", e.Provider(), "DNE"},
		{"Access", e.Access(), "ent"},
		{"Cost", e.Cost(), "gratuit"},
		{"Repository", e.Repository(), "https://forge.example/opale"},
		{"Status", e.Status(), "beta"},
		{"SoftwareType", e.SoftwareType(), "standalone/web"},
		{"Platforms", e.Platforms(), []string{"web", "linux"}},
		{"Maintainers", e.Maintainers(), []string{"DANE", "Équipe"}},
		{"ContributorsWanted", e.ContributorsWanted(), true},
		{"Extra", e.Extra(), map[string]any{"incubator": "MEN"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	empty := &Entry{}
	if empty.Kind() != KindNote || empty.License() != DefaultNoteLicense || empty.Tags() != nil || empty.ContributorsWanted() {
		t.Errorf("zero entry: kind %q, license %q, tags %v", empty.Kind(), empty.License(), empty.Tags())
	}
	tool := &Entry{Meta: map[string]any{"kind": "tool"}}
	if tool.License() != "" {
		t.Errorf("a tool without license reads %q, want none", tool.License())
	}
	wrongType := &Entry{Meta: map[string]any{"title": int64(3), "kind": int64(1)}}
	if wrongType.Title() != "" || wrongType.Kind() != KindNote {
		t.Errorf("values of the wrong type: title %q, kind %q", wrongType.Title(), wrongType.Kind())
	}
}

func TestReviewBy(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CEST", 2*3600)
	}
	tests := []struct {
		name     string
		reviewBy any
		now      time.Time
		valid    bool
		outdated bool
	}{
		{"before", "2026-06-30", time.Date(2026, 6, 29, 23, 0, 0, 0, time.UTC), true, false},
		{"on the day", "2026-06-30", time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC), true, false},
		{"day after", "2026-06-30", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"day after in Paris, still the day in UTC", "2026-06-30", time.Date(2026, 7, 1, 0, 30, 0, 0, paris), true, true},
		{"absent", nil, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), false, false},
		{"invalid", "2026-13-01", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Entry{Meta: map[string]any{"review_by": tt.reviewBy}}
			d, ok := e.ReviewBy()
			if ok != tt.valid {
				t.Errorf("ReviewBy ok = %v, want %v", ok, tt.valid)
			}
			if ok && d != time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC) {
				t.Errorf("ReviewBy = %v", d)
			}
			if got := e.Outdated(tt.now); got != tt.outdated {
				t.Errorf("Outdated(%v) = %v, want %v", tt.now, got, tt.outdated)
			}
		})
	}
}

func TestVocabulariesAreCopies(t *testing.T) {
	c := Categories()
	c[0] = "changed"
	if Categories()[0] == "changed" {
		t.Error("Categories returns the package's own slice")
	}
	for name, l := range map[string][]string{
		"Audiences": Audiences(), "ToolTypes": ToolTypes(), "Accesses": Accesses(),
		"Costs": Costs(), "Statuses": Statuses(), "SoftwareTypes": SoftwareTypes(),
	} {
		if len(l) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	if !reflect.DeepEqual(Kinds(), []Kind{KindNote, KindTool, KindSoftware}) {
		t.Errorf("Kinds = %v", Kinds())
	}
}
