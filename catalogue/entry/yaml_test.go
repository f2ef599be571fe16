package entry

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestDecodeValues checks the conversion of YAML values to the front
// matter data model: the Go type matters as much as the value.
func TestDecodeValues(t *testing.T) {
	tests := []struct {
		name string
		yaml string // the value of key v
		want any
	}{
		{"plain text", "régie d'avances", "régie d'avances"},
		{"int", "42", int64(42)},
		{"negative int", "-7", int64(-7)},
		{"hex keeps its text", "0x1F", "0x1F"},
		{"octal keeps its text", "0o17", "0o17"},
		{"int64 max", "9223372036854775807", int64(9223372036854775807)},
		{"float", "12.5", 12.5},
		{"float one", "1.0", float64(1)},
		{"exponent keeps its text", "1e3", "1e3"},
		{"int too large for int64 and uint64 keeps its text", "99999999999999999999", "99999999999999999999"},
		{"true", "true", true},
		{"False", "False", false},
		{"yes stays text", "yes", "yes"},
		{"off stays text", "off", "off"},
		{"null", "null", nil},
		{"tilde", "~", nil},
		{"empty", "", nil},
		{"date stays text", "2019-05-01", "2019-05-01"},
		{"timestamp stays text", "2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"},
		{"quoted number stays text", `"12"`, "12"},
		{"quoted bool stays text", `'true'`, "true"},
		{"quoted null stays text", `"null"`, "null"},
		{"str tag", "!!str 3", "3"},
		{"explicit int tag", "!!int \"12\"", int64(12)},
		{"explicit int tag reads hex", "!!int 0x1F", int64(31)},
		{"explicit float tag", "!!float 1", float64(1)},
		{"binary keeps its text", "!!binary aGVsbG8=", "aGVsbG8="},
		{"custom tag keeps its text", "!euro 12", "12"},
		{"literal block", "|\n  ligne 1\n  ligne 2\n", "ligne 1\nligne 2\n"},
		{"folded block", ">-\n  un\n  deux\n", "un deux"},
		{"flow list", "[a, 1, true, null, 2.5]", []any{"a", int64(1), true, nil, 2.5}},
		{"empty list", "[]", []any{}},
		{"empty mapping", "{}", map[string]any{}},
		{"block mapping", "\n  name: acceleration\n  start: 2025-01-20\n", map[string]any{"name": "acceleration", "start": "2025-01-20"}},
		{"non-text keys use their text", "{1: a, true: b, 2.50: c, null: d}", map[string]any{"1": "a", "true": "b", "2.50": "c", "null": "d"}},
		{"nested", "[{a: [1, {b: x}]}]", []any{map[string]any{"a": []any{int64(1), map[string]any{"b": "x"}}}}},
		{"sixteen deep", strings.Repeat("[", 15) + strings.Repeat("]", 15), nest(15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "---\ntitle: T\nv: " + tt.yaml + "\n---\n"
			f, _, err := Parse("t.md", []byte(src), KindNote)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, ok := f.Meta["v"]
			if !ok {
				t.Fatalf("key v missing from %v", f.Meta)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v = %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

// nest returns n empty lists nested inside each other.
func nest(n int) any {
	v := []any{}
	for range n - 1 {
		v = []any{v}
	}
	return v
}

func TestDecodeAliases(t *testing.T) {
	src := `---
title: Alias
defaults: &d
  cost: gratuit
  access: public
list: &l [a, b]
copy: *l
tool:
  <<: *d
  cost: payant
many:
  <<: [*d, {extra: 1, cost: ignored}]
---
`
	f, _, err := Parse("alias.md", []byte(src), KindNote)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := map[string]any{
		"kind":     "note",
		"title":    "Alias",
		"defaults": map[string]any{"cost": "gratuit", "access": "public"},
		"list":     []any{"a", "b"},
		"copy":     []any{"a", "b"},
		"tool":     map[string]any{"cost": "payant", "access": "public"},
		"many":     map[string]any{"cost": "gratuit", "access": "public", "extra": int64(1)},
	}
	if !reflect.DeepEqual(f.Meta, want) {
		t.Errorf("Meta = %#v\nwant %#v", f.Meta, want)
	}
	// An expanded alias is a copy: changing it leaves the anchor alone.
	f.Meta["copy"].([]any)[0] = "changed"
	if f.Meta["list"].([]any)[0] != "a" {
		t.Errorf("alias expansion shares memory with its anchor")
	}
}

// TestDecodeBoundsWork checks that a billion-laughs front matter is
// refused quickly, by the bound on expanded values.
func TestDecodeBoundsWork(t *testing.T) {
	var b strings.Builder
	b.WriteString("---\ntitle: Rires\nl0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha, ha]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("---\n")
	_, _, err := Parse("rires.md", []byte(b.String()), KindNote)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Parse = %v, want ErrTooLarge", err)
	}
}
