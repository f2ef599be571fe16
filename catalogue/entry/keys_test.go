package entry

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"category", "category", 2, 0},
		{"catgory", "category", 2, 1},   // a letter left out
		{"categorry", "category", 2, 1}, // one added
		{"catehory", "category", 2, 1},  // one replaced
		{"catgeory", "category", 2, 1},  // two neighbours swapped
		{"catgeroy", "category", 2, 2},
		{"ctageory", "category", 2, 2},
		{"catgoryyy", "category", 2, 3}, // past max: max+1
		{"c", "category", 2, 3},         // lengths too far apart
		{"", "url", 3, 3},
		{"ulr", "url", 1, 1},
		{"tax", "tags", 1, 2},
		{"résumé", "resume", 2, 2}, // runes, not bytes
		{"académie", "academie", 2, 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a, tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d (reversed)", tt.b, tt.a, tt.max, got, tt.want)
		}
	}
}

func TestSuggestKey(t *testing.T) {
	all := func(string) bool { return true }
	tests := []struct {
		key, want string
	}{
		{"Title", "title"},
		{"review-by", "review_by"},
		{"licence", "license"},
		{"catgory", "category"},
		{"Catgory", "category"},
		{"reviewby", "review_by"},
		{"review_bye", "review_by"},
		{"plateforms", "platforms"},
		{"kindd", "kind"},
		{"kinddd", ""}, // two slips on a key of four letters
		{"attachment", ""},
		{"ids", ""},
		{"incubator", ""},
		{"derived_from", ""},
	}
	for _, tt := range tests {
		if got := suggestKey(tt.key, all); got != tt.want {
			t.Errorf("suggestKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	// A key the entry has already, or that is not of its kind, is not
	// suggested; the next nearest is, if near enough.
	if got := suggestKey("catgory", func(k string) bool { return k != "category" }); got != "" {
		t.Errorf("suggestKey(catgory) without category = %q, want none", got)
	}
}
