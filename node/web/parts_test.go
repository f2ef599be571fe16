package web

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// apply rebuilds both texts from a diff.
func apply(lines []diffLine) (old, new []string) {
	for _, l := range lines {
		if l.Op != opAdd {
			old = append(old, l.Text)
		}
		if l.Op != opDel {
			new = append(new, l.Text)
		}
	}
	return old, new
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		add, del int
	}{
		{"same", "a\nb\n", "a\nb\n", 0, 0},
		{"empty to text", "", "a\nb\n", 2, 0},
		{"text to empty", "a\nb\n", "", 0, 2},
		{"one changed", "a\nb\nc\n", "a\nB\nc\n", 1, 1},
		{"inserted", "a\nc\n", "a\nb\nc\n", 1, 0},
		{"moved block", "x\ny\nz\nw\n", "z\nw\nx\ny\n", 2, 2},
		{"no final newline", "a\nb", "a\nb\nc", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := lineDiff(tt.a, tt.b)
			add, del := 0, 0
			for _, l := range d {
				switch l.Op {
				case opAdd:
					add++
				case opDel:
					del++
				}
			}
			if add != tt.add || del != tt.del {
				t.Errorf("%d added, %d removed; want %d and %d: %+v", add, del, tt.add, tt.del, d)
			}
			old, new := apply(d)
			if strings.Join(old, "\n") != strings.Join(splitLines(tt.a), "\n") || strings.Join(new, "\n") != strings.Join(splitLines(tt.b), "\n") {
				t.Errorf("the diff does not rebuild the texts: %+v", d)
			}
		})
	}
}

// TestLineDiffRandom checks on random edits that the diff rebuilds
// both texts, numbers lines right, and is no longer than the edits.
func TestLineDiffRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		var a []string
		for range r.IntN(40) {
			a = append(a, string(rune('a'+r.IntN(6))))
		}
		b := append([]string(nil), a...)
		edits := r.IntN(8)
		for range edits {
			switch k := r.IntN(3); {
			case k == 0 || len(b) == 0:
				p := r.IntN(len(b) + 1)
				b = append(b[:p], append([]string{string(rune('a' + r.IntN(6)))}, b[p:]...)...)
			case k == 1:
				p := r.IntN(len(b))
				b = append(b[:p], b[p+1:]...)
			default:
				b[r.IntN(len(b))] = string(rune('a' + r.IntN(6)))
			}
		}
		d := lineDiff(strings.Join(a, "\n"), strings.Join(b, "\n"))
		old, new := apply(d)
		if strings.Join(old, "\n") != strings.Join(a, "\n") || strings.Join(new, "\n") != strings.Join(b, "\n") {
			t.Fatalf("case %d: diff does not rebuild %q → %q", i, a, b)
		}
		changes := 0
		for _, l := range d {
			if l.Op != opSame {
				changes++
			}
			if l.Op != opAdd && a[l.Old-1] != l.Text || l.Op != opDel && b[l.New-1] != l.Text {
				t.Fatalf("case %d: wrong line number in %+v", i, l)
			}
		}
		if changes > 2*edits {
			t.Fatalf("case %d: %d changed lines for %d edits", i, changes, edits)
		}
	}
}

func TestMarkOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"la <mark>régie</mark> d&#39;avances", "la <mark>régie</mark> d&#39;avances"},
		{"&lt;script&gt;x&lt;/script&gt; <mark>a</mark>", "&lt;script&gt;x&lt;/script&gt; <mark>a</mark>"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"&lt;mark onclick=x&gt;", "&lt;mark onclick=x&gt;"},
		{"<mark onclick=x>a</mark>", "&lt;mark onclick=x&gt;a"},
		{"<mark>ouverte", "<mark>ouverte</mark>"},
		{"fermée</mark> <mark><mark>deux</mark>", "fermée <mark>deux</mark>"},
		{"a &amp; b &amp;amp; c", "a &amp; b &amp;amp; c"},
		{"x < y", "x &lt; y"},
	}
	for _, tt := range tests {
		if got := string(markOnly(tt.in)); got != tt.want {
			t.Errorf("markOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBackoffGrows(t *testing.T) {
	l := newLimiter()
	now := time.Unix(1_000_000, 0)
	var last time.Duration
	for i := range 30 {
		l.fail("k", now)
		w := l.wait("k", freeFailuresSource, now)
		if i+1 < freeFailuresSource && w != 0 {
			t.Fatalf("failure %d: wait %v before the free failures are used", i+1, w)
		}
		if i+1 >= freeFailuresSource && (w <= 0 || w < last || w > maxBackoff) {
			t.Fatalf("failure %d: wait %v after %v (max %v)", i+1, w, last, maxBackoff)
		}
		last = w
	}
	if last != maxBackoff {
		t.Errorf("wait after 30 failures %v, want the cap %v", last, maxBackoff)
	}
	l.reset("k")
	if w := l.wait("k", freeFailuresSource, now); w != 0 {
		t.Errorf("wait after reset: %v", w)
	}
}

// TestFormKeepsWhatItDoesNotShow checks that an edit through the form
// keeps unknown keys, and values the form shows unchanged as they were.
func TestFormKeepsWhatItDoesNotShow(t *testing.T) {
	orig := map[string]any{
		"kind": "software", "title": "Outil", "tags": []any{"Budget", "regies"}, "derived_from": "bafy…",
		"maintainers":         []any{map[string]any{"name": "Académie de Lyon", "email": "dane@ac-lyon.fr"}},
		"contributors_wanted": true, "repository": "https://forge.example/x", "license": "EUPL-1.2", "x-local": int64(3),
	}
	f := formOf(&entry.Entry{Meta: orig})
	f.Title = "Outil libre"
	got := f.meta(orig)
	if got["title"] != "Outil libre" {
		t.Errorf("title = %v", got["title"])
	}
	for _, k := range []string{"derived_from", "x-local", "maintainers", "contributors_wanted"} {
		if !equalValue(got[k], orig[k]) {
			t.Errorf("%s changed: %v → %v", k, orig[k], got[k])
		}
	}
	// Tags are shown lowercase, as every page shows them, and saved so.
	if !equalValue(got["tags"], []any{"budget", "regies"}) {
		t.Errorf("tags after an edit: %v, want [budget regies]", got["tags"])
	}
	f.Tags, f.ContributorsWanted, f.Maintainers = "", false, "Un autre"
	got = f.meta(orig)
	if _, ok := got["tags"]; ok {
		t.Errorf("emptied tags kept: %v", got["tags"])
	}
	if got["contributors_wanted"] != false {
		t.Errorf("unticked contributors_wanted = %v", got["contributors_wanted"])
	}
	if m, _ := got["maintainers"].([]any); len(m) != 1 || m[0] != "Un autre" {
		t.Errorf("maintainers = %v", got["maintainers"])
	}
}

func equalValue(a, b any) bool {
	return strings.TrimSpace(formText("", a)) == strings.TrimSpace(formText("", b)) && fmtType(a) == fmtType(b)
}

func fmtType(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "text"
	case bool:
		return "bool"
	case int64:
		return "int"
	}
	return "other"
}
