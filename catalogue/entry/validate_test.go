package entry

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		meta  map[string]any
		body  string
		class error  // nil when valid
		want  string // substring of the error
	}{
		{"minimal note", map[string]any{"title": "Régie"}, "", nil, ""},
		{"full tool", map[string]any{
			"kind": "tool", "title": "Tableur de suivi", "url": "https://example.fr/t.ods",
			"tool_type": "tableur-modele", "provider": "DANE", "access": "public", "cost": "gratuit",
		}, "Texte.", nil, ""},
		{"full software", map[string]any{
			"kind": "software", "title": "Op@le", "repository": "https://forge.example/opale",
			"license": "EUPL-1.2 OR MIT", "status": "stable", "software_type": "standalone/web",
			"platforms": []any{"web"}, "maintainers": []any{"DANE", map[string]any{"name": "X"}},
			"contributors_wanted": true,
		}, "", nil, ""},
		{"unknown keys kept", map[string]any{"title": "T", "incubator": "MEN", "fast": map[string]any{"montant": int64(1)}}, "", nil, ""},
		{"missing title", map[string]any{"kind": "note"}, "", ErrInvalid, `key "title": the entry has no title`},
		{"reserved id", map[string]any{"title": "T", "id": "x"}, "", ErrInvalid, `key "id": the key is reserved`},
		{"reserved attachments", map[string]any{"title": "T", "attachments": []any{}}, "", ErrInvalid, `key "attachments": the key is reserved`},
		{"reserved record", map[string]any{"title": "T", "record": "certificate"}, "", ErrInvalid, `key "record": the key is reserved: it marks the network's trust records`},
		{"Go int outside the data model", map[string]any{"title": "T", "n": 3}, "", ErrInvalid, "cannot carry"},
		{"NaN", map[string]any{"title": "T", "n": math.NaN()}, "", ErrInvalid, "cannot carry"},
		{"body not UTF-8", map[string]any{"title": "T"}, "\xff", ErrNotText, "not valid UTF-8"},
		{"body with NUL", map[string]any{"title": "T"}, "a\x00b", ErrNotText, "NUL"},
		{"body too large", map[string]any{"title": "T"}, strings.Repeat("a", protocol.MaxBodySize+1), ErrTooLarge, "body is"},
		{"front matter too large", map[string]any{"title": "T", "x": strings.Repeat("a", protocol.MaxFrontMatterSize)}, "", ErrTooLarge, `key "x": the front matter would be`},
		{"front matter too large by its tags", map[string]any{"title": "T", "tags": manyTags(3000)}, "", ErrTooLarge, `key "tags": the front matter would be`},
		{"title of 200 characters", map[string]any{"title": strings.Repeat("é", MaxTitleLen)}, "", nil, ""},
		{"title too long", map[string]any{"title": strings.Repeat("é", MaxTitleLen+1)}, "", ErrInvalid,
			`key "title": the title has 201 characters; shorten it to 200 characters at most`},
		{"title of 300 KB", map[string]any{"title": strings.Repeat("a", 300<<10)}, "", ErrInvalid, `key "title": the title has 307200 characters`},
		{"summary of 300 KB", map[string]any{"title": "T", "summary": strings.Repeat("a", 300<<10)}, "", ErrInvalid, `key "summary": the summary has 307200 characters`},
		{"body and front matter both wrong", map[string]any{"title": "T", "review_by": "demain"}, "a\x00b", ErrNotText, `key "review_by"`},
		{"unknown kind", map[string]any{"kind": "fiche", "title": "T"}, "", ErrInvalid, `"fiche" is not a kind of entry; use one of note, tool, software`},
		{"software rules apply", map[string]any{"kind": "software", "title": "T"}, "", ErrInvalid, `key "repository"`},
		{"tool url", map[string]any{"kind": "tool", "title": "T", "url": "javascript:alert(1)"}, "", ErrInvalid, "is not a web address"},
		{"url of a note is not checked", map[string]any{"title": "T", "url": "pas une adresse"}, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Entry{Meta: tt.meta, Body: tt.body}
			_, err := e.Validate("formulaire")
			if tt.class == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				// What Validate accepts, Parse accepts once written,
				// adding the kind when there is none.
				if _, ok := e.Meta["kind"]; !ok {
					e.Meta["kind"] = string(KindNote)
				}
				roundTrip(t, &File{Entry: *e}, KindNote)
				return
			}
			if !errors.Is(err, tt.class) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %v containing %q", err, tt.class, tt.want)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not Errors", err)
			}
			if strings.Contains(tt.want, "front matter would be") || strings.Contains(tt.want, "characters") {
				// One problem, under the key that makes the entry too
				// long: not again as a front matter too large.
				if len(errs) != 1 {
					t.Errorf("%d problems, want 1:\n%v", len(errs), err)
				}
			}
			for _, e := range errs {
				if e.File != "formulaire" || e.Line != 0 {
					t.Errorf("problem %q: file %q line %d, want formulaire and no line", e, e.File, e.Line)
				}
			}
		})
	}
}

// TestValidateReportsEveryField checks that a form gets one problem per
// faulty field, each naming its key.
func TestValidateReportsEveryField(t *testing.T) {
	e := &Entry{Meta: map[string]any{
		"kind":      "tool",
		"title":     "T",
		"tags":      "budget",
		"audience":  []any{"tous"},
		"review_by": "30/06/2026",
		"url":       "example.fr",
		"cost":      "offert",
	}}
	_, err := e.Validate("formulaire")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Validate = %v, want Errors", err)
	}
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Key] = true
	}
	for _, k := range []string{"tags", "audience", "review_by", "url", "cost"} {
		if !got[k] {
			t.Errorf("no problem reported for %q; got %v", k, err)
		}
	}
	if len(errs) != 5 {
		t.Errorf("%d problems, want 5:\n%v", len(errs), err)
	}
}

// manyTags returns n distinct tags.
func manyTags(n int) []any {
	tags := make([]any, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("etiquette-numero-%d", i)
	}
	return tags
}

// TestTitleNeedsALetterOrDigit: a title made only of spaces,
// punctuation, invisible or bidirectional characters shows as blank,
// or as signs, in every list; it is refused, naming the key and the fix.
func TestTitleNeedsALetterOrDigit(t *testing.T) {
	for title, ok := range map[string]bool{
		"Régie":                true,
		"2024":                 true,
		"Ελλάδα":               true,
		"\u202Eétat":           true,
		"\u200B\u200B":         false, // zero-width spaces
		"\u202E\u2066\u2069":   false, // bidi controls
		"... — !":              false,
		"\u2800":               false, // braille blank
		"\U000E0041\U000E0042": false, // tag characters
	} {
		_, err := (&Entry{Meta: map[string]any{"title": title}}).Validate("formulaire")
		switch {
		case ok && err != nil:
			t.Errorf("title %q refused: %v", title, err)
		case !ok && (err == nil || !strings.Contains(err.Error(), `key "title": the title has no letter or digit`) || !strings.Contains(err.Error(), "write the title in words")):
			t.Errorf("title %q: %v, want it refused for having no letter or digit, with the fix", title, err)
		}
	}
}

// TestDerivedFromIsAnEntryID: derived_from names the entry this one
// builds on, by its ID, or a list of IDs; anything else is refused with
// the key named and the fix.
func TestDerivedFromIsAnEntryID(t *testing.T) {
	const id = "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	for _, tt := range []struct {
		v  any
		ok bool
	}{
		{id, true},
		{" " + id + " ", true},
		{[]any{id, id}, true},
		{"https://exemple.fr/fiche", false},
		{"bafyrei", false},
		{"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", false}, // a raw block, not an entry
		{int64(3), false},
		{[]any{}, false},
		{[]any{id, "autre"}, false},
		{map[string]any{"id": id}, false},
	} {
		_, err := (&Entry{Meta: map[string]any{"title": "T", "derived_from": tt.v}}).Validate("formulaire")
		switch {
		case tt.ok && err != nil:
			t.Errorf("derived_from %#v refused: %v", tt.v, err)
		case !tt.ok && (err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `key "derived_from"`) || !strings.Contains(err.Error(), "write the ID of the entry")):
			t.Errorf("derived_from %#v: %v, want it refused under its key, with the fix", tt.v, err)
		}
	}
}
