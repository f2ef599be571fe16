package entry

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func testKeys(t *testing.T, n int) []protocol.AuthorKey {
	t.Helper()
	var out []protocol.AuthorKey
	for range n {
		k, err := protocol.NewAuthorKey()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, protocol.PublicKey(k))
	}
	return out
}

// TestParseEditors: the editors key lists author keys as mutu prints
// them; it goes to File.Editors, not Meta, and Marshal writes it back.
func TestParseEditors(t *testing.T) {
	keys := testKeys(t, 2)
	a, b := keys[0].String(), keys[1].String()
	tests := []struct {
		name, lines string
		want        []protocol.AuthorKey
	}{
		{"list", "editors:\n  - " + a + "\n  - " + b + "\n", keys},
		{"flow list, a key twice", "editors: [" + a + ", " + b + ", " + a + "]\n", keys},
		{"one key", "editors: " + a + "\n", keys[:1]},
		{"none", "editors: []\n", []protocol.AuthorKey{}},
		{"empty", "editors:\n", []protocol.AuthorKey{}},
		{"absent", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := Parse("n.md", []byte("---\ntitle: Régie\n"+tt.lines+"---\nTexte.\n"), KindNote)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.Editors, tt.want) || (f.Editors == nil) != (tt.want == nil) {
				t.Errorf("Editors = %v, want %v", f.Editors, tt.want)
			}
			if _, ok := f.Meta["editors"]; ok {
				t.Errorf("editors left in Meta")
			}
			out, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			g, _, err := Parse("n.md", out, KindNote)
			if err != nil || !slices.Equal(g.Editors, f.Editors) || (g.Editors == nil) != (f.Editors == nil) {
				t.Errorf("round trip: %v, %v\n%s", g.Editors, err, out)
			}
		})
	}
}

// TestParseEditorsRefusesWhatIsNotAKey: a name, a number or too many
// editors are refused under the editors key, on the item's line, with
// how to write it.
func TestParseEditorsRefusesWhatIsNotAKey(t *testing.T) {
	a := testKeys(t, 1)[0].String()
	var many []string
	for _, k := range testKeys(t, protocol.MaxEditors+1) {
		many = append(many, k.String())
	}
	tests := []struct {
		name, lines string
		line        int
	}{
		{"a name", "editors:\n  - " + a + "\n  - Marie Dupont\n", 5},
		{"a number", "editors: [12]\n", 3},
		{"a mapping", "editors:\n  nom: Marie\n", 4},
		{"too many", "editors: [" + strings.Join(many, ", ") + "]\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("n.md", []byte("---\ntitle: Régie\n"+tt.lines+"---\n"), KindNote)
			var e *Error
			if !errors.As(err, &e) || e.Key != "editors" || e.Line != tt.line || !strings.Contains(e.Fix, "ed25519:") && tt.name != "too many" {
				t.Errorf("error %v, want one under editors on line %d", err, tt.line)
			}
		})
	}
}
