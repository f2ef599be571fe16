package entry

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// roundTrip marshals f and parses the result, failing the test if the
// entry does not come back the same.
func roundTrip(t *testing.T, f *File, kind Kind) []byte {
	t.Helper()
	out, err := f.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	g, _, err := Parse("again.md", out, kind)
	if err != nil {
		t.Fatalf("Parse of the marshalled file: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(f.Meta, g.Meta) {
		for k, v := range f.Meta {
			if w, ok := g.Meta[k]; !ok || !reflect.DeepEqual(v, w) {
				t.Errorf("key %q changed in the round trip: %#v, then %#v", k, v, w)
			}
		}
		for k := range g.Meta {
			if _, ok := f.Meta[k]; !ok {
				t.Errorf("key %q appeared in the round trip", k)
			}
		}
		t.Logf("file:\n%s", out)
	}
	if f.Body != g.Body {
		t.Errorf("Body changed in the round trip: %q, then %q", f.Body, g.Body)
	}
	if !f.ID.Equals(g.ID) || !reflect.DeepEqual(f.Attachments, g.Attachments) {
		t.Errorf("reserved keys changed in the round trip: %v %v, then %v %v", f.ID, f.Attachments, g.ID, g.Attachments)
	}
	return out
}

// TestMarshalKeepsTypes writes values that YAML could read back as
// something else, and checks they come back as they were.
func TestMarshalKeepsTypes(t *testing.T) {
	texts := []string{
		"2019-05-01", "2001-12-14t21:59:43.10-05:00", "true", "False", "yes", "NO", "on", "y",
		"null", "Null", "~", "", " ", "12", "-1", "0x1F", "0o17", "1_000", "1.0", "1e3", ".inf", "-.Inf", ".nan",
		" lead", "trail ", "a\nb", "a \nb", "a\n", "a\n\n", "\nlead newline", "  indented\nblock",
		"\ttab", "tab\t", "#comment", "a #b", "- item", "-", "?", "? q", ": x", "key: value", "a:b",
		"'", "\"", "''", "|", ">", "@x", "`x", "%x", "!x", "!!str", "&x", "*x", "{a}", "[a]", "a, b", ",",
		"<<", "=", "---", "...", "--- x", "\u2028", "x\u0085y", "\uFEFFbom", "\x01ctl", "\x7f", "\u00a0nbsp",
		"crlf\r\nend", "cr\rend", "😀 émoji", strings.Repeat("long ", 100),
	}
	numbers := []any{
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		float64(0), float64(1), float64(-2), 0.5, 1e21, 1e-7, 123456789.0, math.MaxFloat64,
		math.SmallestNonzeroFloat64, -0.0, 100000.0, 1e20,
		true, false, nil,
	}
	meta := map[string]any{"kind": "note", "title": "T"}
	for i, s := range texts {
		meta["text"+string(rune('a'+i%26))+strings.Repeat("_", i/26)] = s
	}
	for i, v := range numbers {
		meta["value"+string(rune('a'+i))] = v
	}
	meta["list"] = append([]any{}, numbers...)
	texts2 := make([]any, len(texts))
	for i, s := range texts {
		texts2[i] = s
	}
	meta["texts"] = texts2
	meta["keys"] = map[string]any{"1": "a", "true": "b", "null": "c", "~": "d", "<<": "e", "": "f", "a: b": "g", "- x": "h", "2019-05-01": "i"}
	meta["nested"] = map[string]any{"a": []any{map[string]any{"b": []any{[]any{}, map[string]any{}, float64(3)}}}}
	meta["short"] = []any{"budget", "regies"}
	meta["empty list"] = []any{}
	meta["empty map"] = map[string]any{}
	roundTrip(t, &File{Entry: Entry{Meta: meta, Body: "Texte.\n"}}, KindNote)
}

func TestMarshalLayout(t *testing.T) {
	f := &File{
		Entry: Entry{
			Meta: map[string]any{
				"zeta":                "dernier",
				"incubator":           "MEN",
				"contributors_wanted": true,
				"maintainers":         []any{"DANE de Lyon", map[string]any{"name": "Équipe Op@le", "email": "opale@example.fr"}},
				"platforms":           []any{"web", "linux"},
				"software_type":       "standalone/web",
				"status":              "beta",
				"repository":          "https://forge.example/opale",
				"review_by":           "2026-06-30",
				"license":             "EUPL-1.2",
				"academie":            "lyon",
				"audience":            []any{"gestionnaire"},
				"category":            "comptabilite",
				"tags":                []any{"opale", "comptabilite"},
				"summary":             "Un outil.\nSur deux lignes.",
				"title":               "Op@le : aide à la bascule",
				"kind":                "software",
				"phases":              []any{map[string]any{"start": "2025-01-20", "name": "construction"}},
				"montant":             float64(120000),
			},
			Body: "Le corps,\r\nintact.",
		},
		ID: cid.MustParse("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
		Attachments: []Attachment{
			{Name: "guide.pdf", Type: "application/pdf", Size: 2048},
			{Name: "notes.txt", Size: 0},
		},
	}
	out := roundTrip(t, f, KindNote)
	checkGolden(t, "testdata/marshal/software.md", string(out))
}

func TestMarshalRefuses(t *testing.T) {
	tests := []struct {
		name string
		meta map[string]any
	}{
		{"reserved id", map[string]any{"title": "T", "id": "x"}},
		{"reserved attachments", map[string]any{"title": "T", "attachments": []any{}}},
		{"Go int", map[string]any{"title": "T", "n": 3}},
		{"NaN", map[string]any{"title": "T", "n": math.NaN()}},
		{"time value", map[string]any{"title": "T", "t": []string{"a"}}},
		{"too deep", map[string]any{"title": "T", "v": nest(17)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&File{Entry: Entry{Meta: tt.meta}}).Marshal()
			if err == nil {
				t.Fatalf("Marshal succeeded")
			}
		})
	}
}

func TestMarshalEmpty(t *testing.T) {
	out, err := (&File{}).Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if want := "---\n{}\n---\n"; string(out) != want {
		t.Errorf("Marshal of an empty file = %q, want %q", out, want)
	}
	_, _, err = Parse("vide.md", out, KindNote)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no title") {
		t.Errorf("Parse of an empty entry: %v, want only the missing title", err)
	}
}
