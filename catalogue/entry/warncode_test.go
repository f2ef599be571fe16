package entry

import "testing"

// TestWarningsNameTheirRule checks that every warning carries the code
// of its rule, the value at fault and what to write instead, so that a
// reader can word it in French without reading the English message.
func TestWarningsNameTheirRule(t *testing.T) {
	tests := []struct {
		name                 string
		meta                 map[string]any
		key, code, val, sugg string
	}{
		{"tag with capitals", map[string]any{"tags": []any{"Campagne"}}, "tags", WarnTagCapitals, "Campagne", "campagne"},
		{"tag twice", map[string]any{"tags": []any{"budget", "budget"}}, "tags", WarnTagDuplicate, "budget", ""},
		{"free category", map[string]any{"category": "cantine"}, "category", WarnCategoryFree, "cantine", ""},
		{"license spelling", map[string]any{"license": "cc-by-sa-4.0"}, "license", WarnLicenseSpelling, "cc-by-sa-4.0", "CC-BY-SA-4.0"},
		{"deprecated license", map[string]any{"license": "GPL-2.0"}, "license", WarnLicenseDeprecated, "GPL-2.0", ""},
		{"misspelt key", map[string]any{"catgory": "budget"}, "catgory", WarnUnknownKey, "", "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := map[string]any{"title": "Régie"}
			for k, v := range tt.meta {
				meta[k] = v
			}
			warns, err := (&Entry{Meta: meta, Body: "Texte."}).Validate("t.md")
			if err != nil {
				t.Fatal(err)
			}
			if len(warns) != 1 {
				t.Fatalf("warnings %v, want one", warns)
			}
			w := warns[0]
			if w.Key != tt.key || w.Code != tt.code || w.Value != tt.val || w.Suggest != tt.sugg {
				t.Errorf("warning {key %q code %q value %q suggest %q}, want {%q %q %q %q}",
					w.Key, w.Code, w.Value, w.Suggest, tt.key, tt.code, tt.val, tt.sugg)
			}
			if w.What == "" {
				t.Errorf("the English message is gone: %+v", w)
			}
		})
	}
}
