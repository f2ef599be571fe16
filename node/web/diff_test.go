package web

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// TestWordDiffMarksOnlyTheSentence: a sentence added inside a long
// line is shown as that sentence added, the rest of the line kept,
// not as the line removed and added again.
func TestWordDiffMarksOnlyTheSentence(t *testing.T) {
	const before = "Les élèves partent le 3 mai au matin. Le car part à 7 h devant le collège, retour prévu le soir.\n"
	const sentence = "Prévoir les autorisations parentales signées. "
	after := strings.Replace(before, "Le car", sentence+"Le car", 1)
	deadline := time.Now().Add(time.Minute)
	lines := pairLines(lineDiffBy("Titre\n\n"+before, "Titre\n\n"+after, deadline), deadline)
	var mod []diffLine
	for _, l := range lines {
		switch l.Op {
		case opMod:
			mod = append(mod, l)
		case opAdd, opDel:
			t.Errorf("line %+v shown removed or added whole", l)
		}
	}
	if len(mod) != 1 || mod[0].Old != 3 || mod[0].New != 3 {
		t.Fatalf("changed lines %+v, want line 3", mod)
	}
	var ins, kept strings.Builder
	for _, p := range mod[0].Parts {
		switch p.Op {
		case "ins":
			ins.WriteString(p.Text)
		case "del":
			t.Errorf("words removed: %q", p.Text)
		default:
			kept.WriteString(p.Text)
		}
	}
	if got := strings.TrimSpace(ins.String()); got != strings.TrimSpace(sentence) {
		t.Errorf("marked as added %q, want the sentence %q", got, sentence)
	}
	if kept.String()+ins.String() == "" || !strings.Contains(kept.String(), "Le car part à 7 h") || !strings.Contains(kept.String(), "au matin.") {
		t.Errorf("the rest of the line is not kept: %q", kept.String())
	}
}

// TestWordDiffKeepsUnrelatedLinesApart: a line replaced by another
// that shares little with it is shown removed, then added; a line
// added before a line changed in place does not stop the pairing.
func TestWordDiffKeepsUnrelatedLinesApart(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	lines := pairLines(lineDiffBy("a\nLe budget est voté en novembre par le conseil.\nz\n",
		"a\nUne ligne toute nouvelle ici.\nLe budget est voté en décembre par le conseil.\nz\n", deadline), deadline)
	var ops []opKind
	for _, l := range lines {
		ops = append(ops, l.Op)
	}
	want := []opKind{opSame, opAdd, opMod, opSame}
	if len(ops) != len(want) {
		t.Fatalf("ops %v, want %v: %+v", ops, want, lines)
	}
	for i := range want {
		if ops[i] != want[i] {
			t.Fatalf("ops %v, want %v: %+v", ops, want, lines)
		}
	}
	lines = pairLines(lineDiffBy("Texte ancien sur la régie.\n", "Tout autre chose ici.\n", deadline), deadline)
	if len(lines) != 2 || lines[0].Op != opDel || lines[1].Op != opAdd {
		t.Errorf("unrelated lines: %+v, want removed then added", lines)
	}
}

// TestDiffPastItsBudget: a comparison out of time still shows every
// change, as whole lines.
func TestDiffPastItsBudget(t *testing.T) {
	past := time.Now().Add(-time.Second)
	lines := pairLines(lineDiffBy("a\nb\n", "a\nb c\n", past), past)
	old, new := apply(lines)
	if strings.Join(old, "\n") != "a\nb" || strings.Join(new, "\n") != "a\nb c" {
		t.Errorf("diff out of time does not rebuild the texts: %+v", lines)
	}
}

// TestSplitWords: words, spaces and punctuation are the units of a
// word diff, and nothing of the line is lost.
func TestSplitWords(t *testing.T) {
	got := splitWords("L'acte  n°3, régie!")
	want := []string{"L", "'", "acte", "  ", "n", "°", "3", ",", " ", "régie", "!"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitWords = %q, want %q", got, want)
	}
}

// TestHistoryShowsWordChanges: on the page of the changes, a sentence
// added to a paragraph is the only text marked, inside <ins>, and
// escaped.
func TestHistoryShowsWordChanges(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	para := "Les élèves partent le 3 mai au matin. Le car part à 7 h devant le collège, retour prévu le soir."
	p, err := e.cat.Publish(context.Background(), key, &entry.Entry{Meta: map[string]any{"kind": "note", "title": "Sortie"}, Body: para + "\n"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := p.Doc.String()
	d := getDoc(t, e.cat, id)
	sentence := "Prévoir les autorisations <signées>."
	edit := "/entree/" + id + "/modifier"
	res := marie.submit(edit, edit, url.Values{"title": {"Sortie"}, "body": {strings.Replace(para, "Le car", sentence+" Le car", 1)},
		"version": {d.Head.String()}, "action": {"enregistrer"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	hist := marie.get("/entree/" + id + "/historique")
	link := regexpDiffLink.FindStringSubmatch(hist.body)
	if link == nil {
		t.Fatalf("no link to the changes in the history:\n%s", hist.body)
	}
	page := marie.get(html.UnescapeString(link[1]))
	if page.status != http.StatusOK {
		t.Fatalf("diff page: %d", page.status)
	}
	if strings.Contains(page.body, "<signées>") || !strings.Contains(page.body, "&lt;signées&gt;") {
		t.Errorf("the added text is not escaped")
	}
	doc, err := html.Parse(strings.NewReader(page.body))
	if err != nil {
		t.Fatal(err)
	}
	var marked []string
	var rows int
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" && hasClass(n, "mod") {
			rows++
		}
		if n.Type == html.ElementNode && (n.Data == "ins" || n.Data == "del") && inTable(n) {
			marked = append(marked, n.Data+":"+visibleText(n))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if rows != 1 || len(marked) != 1 || strings.TrimSpace(strings.TrimPrefix(marked[0], "ins:")) != sentence {
		t.Errorf("%d changed rows, marked %q; want one row with only %q added", rows, marked, sentence)
	}
	if !strings.Contains(page.body, typo("1 ligne modifiée, 0 ligne ajoutée, 0 ligne supprimée")) {
		t.Errorf("the page does not count one line changed")
	}
}

func hasClass(n *html.Node, c string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && strings.Contains(" "+a.Val+" ", " "+c+" ") {
			return true
		}
	}
	return false
}

func inTable(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "table" {
			return true
		}
	}
	return false
}

// visibleText is the text of n without what only screen readers get.
func visibleText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && hasClass(n, "visuellement-cache") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

var regexpDiffLink = regexp.MustCompile(`href="([^"]*/diff\?[^"]*)"`)

// TestWordDiffRebuildsBothLines checks on random edits of words that
// the runs of a changed line give back the old line (kept and removed)
// and the new one (kept and added), whatever alignToWords moved.
func TestWordDiffRebuildsBothLines(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"la", "régie", " ", ". ", ", ", "budget", "le", "  ", "!", "acte"}
	deadline := time.Now().Add(time.Minute)
	for i := range 500 {
		var a []string
		for range r.IntN(30) {
			a = append(a, words[r.IntN(len(words))])
		}
		b := slices.Clone(a)
		for range r.IntN(5) {
			p := r.IntN(len(b) + 1)
			if r.IntN(2) == 0 || len(b) == 0 {
				b = slices.Insert(b, p, words[r.IntN(len(words))])
			} else {
				b = slices.Delete(b, min(p, len(b)-1), min(p, len(b)-1)+1)
			}
		}
		x, y := strings.Join(a, ""), strings.Join(b, "")
		parts, _ := wordDiff(x, y, deadline)
		var old, new strings.Builder
		for _, p := range parts {
			if p.Op != "ins" {
				old.WriteString(p.Text)
			}
			if p.Op != "del" {
				new.WriteString(p.Text)
			}
		}
		if old.String() != x || new.String() != y {
			t.Fatalf("case %d: %q → %q gives back %q → %q", i, x, y, old.String(), new.String())
		}
	}
}
