package web

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// The changes between two versions are found in two passes with
// diff-match-patch: the lines first, then, within a line changed in
// place, the words, so that a sentence added inside a long paragraph
// is shown as that sentence, not as the paragraph removed and added.

// opKind says what a line of a diff does.
type opKind int

const (
	opSame opKind = iota
	opDel
	opAdd
	opMod // a line changed in place: its Parts say how
)

// diffLine is one line of a diff, with its numbers in the old and new
// texts (0 where it has none).
type diffLine struct {
	Op       opKind
	Text     string
	Old, New int
	Parts    []diffPart // opMod only: the line's words, kept, removed or added
}

// diffPart is a run of a changed line: Op is "", "del" or "ins".
type diffPart struct {
	Op   string
	Text string
}

// diffBudget bounds the time one comparison may take: past it the
// changes shown are correct but may be larger than needed (whole lines
// rather than words). docs/web.md gives it.
const diffBudget = 2 * time.Second

// Pairing of removed and added lines into lines changed in place.
const (
	pairLookahead = 4   // added lines tried for each removed one
	minSimilarity = 0.5 // share of the two lines' text left unchanged
)

// lineDiff returns the lines of a and b as a short edit script.
func lineDiff(a, b string) []diffLine {
	return lineDiffBy(a, b, time.Now().Add(diffBudget))
}

func lineDiffBy(a, b string, deadline time.Time) []diffLine {
	var out []diffLine
	oldN, newN := 0, 0
	for _, run := range tokenDiff(splitLines(a), splitLines(b), deadline, false) {
		for _, l := range run.tokens {
			switch run.op {
			case opSame:
				oldN, newN = oldN+1, newN+1
				out = append(out, diffLine{Op: opSame, Text: l, Old: oldN, New: newN})
			case opDel:
				oldN++
				out = append(out, diffLine{Op: opDel, Text: l, Old: oldN})
			case opAdd:
				newN++
				out = append(out, diffLine{Op: opAdd, Text: l, New: newN})
			}
		}
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// wordDiff compares two lines word by word. It returns the runs of the
// new line and the share of the two lines' text they keep unchanged.
func wordDiff(a, b string, deadline time.Time) (parts []diffPart, similarity float64) {
	same := 0
	for _, run := range alignToWords(tokenDiff(splitWords(a), splitWords(b), deadline, true)) {
		text := strings.Join(run.tokens, "")
		switch run.op {
		case opSame:
			same += len(text)
			parts = append(parts, diffPart{Text: text})
		case opDel:
			parts = append(parts, diffPart{Op: "del", Text: text})
		case opAdd:
			parts = append(parts, diffPart{Op: "ins", Text: text})
		}
	}
	if total := len(a) + len(b); total > 0 {
		similarity = float64(2*same) / float64(total)
	}
	return parts, similarity
}

// splitWords cuts a line into words (letters and digits), runs of
// space, and single other characters, which are what wordDiff marks.
func splitWords(s string) []string {
	var out []string
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return 1
		case unicode.IsSpace(r):
			return 2
		}
		return 0
	}
	start, prev := 0, -1
	for i, r := range s {
		c := class(r)
		if i > start && (c != prev || c == 0) {
			out = append(out, s[start:i])
			start = i
		}
		prev = c
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// tokenRun is a run of tokens that a diff keeps, removes or adds.
type tokenRun struct {
	op     opKind
	tokens []string
}

// maxTokens is how many distinct tokens tokenDiff can name with a
// rune each (every rune but the surrogates).
const maxTokens = unicode.MaxRune + 1 - (0xE000 - 0xD800)

// tokenDiff diffs two lists of tokens (lines, words) with
// diff-match-patch: each distinct token stands for one rune, as the
// library does for lines. semantic merges the small runs kept between
// changes into them, which reads better for words.
func tokenDiff(x, y []string, deadline time.Time, semantic bool) []tokenRun {
	ids := make(map[string]rune)
	var names []string
	encode := func(tokens []string) []rune {
		rs := make([]rune, len(tokens))
		for i, t := range tokens {
			r, ok := ids[t]
			if !ok {
				r = rune(len(names))
				if r >= 0xD800 {
					r += 0xE000 - 0xD800 // not a rune that a string can hold
				}
				ids[t] = r
				names = append(names, t)
			}
			rs[i] = r
		}
		return rs
	}
	if len(x)+len(y) > maxTokens {
		return replaceAll(x, y)
	}
	rx, ry := encode(x), encode(y)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = time.Until(deadline)
	if dmp.DiffTimeout <= 0 {
		// diff-match-patch reads 0 as no limit.
		return replaceAll(x, y)
	}
	diffs := dmp.DiffMainRunes(rx, ry, false)
	if semantic {
		diffs = dmp.DiffCleanupSemantic(diffs)
	}
	out := make([]tokenRun, 0, len(diffs))
	for _, d := range diffs {
		run := tokenRun{op: opSame}
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			run.op = opDel
		case diffmatchpatch.DiffInsert:
			run.op = opAdd
		}
		for _, r := range d.Text {
			if r >= 0xE000 {
				r -= 0xE000 - 0xD800
			}
			run.tokens = append(run.tokens, names[r])
		}
		out = append(out, run)
	}
	return out
}

// alignToWords slides each words added or removed alone between two
// kept runs to where it reads best: starting on a word after a space
// and ending on a space or a punctuation mark. « matin. Prévoir les
// autorisations. Le car » marks « Prévoir les autorisations. », not
// « . Prévoir les autorisations ». The diff-match-patch cleanup that
// does this for characters cannot see the words behind our runes.
func alignToWords(runs []tokenRun) []tokenRun {
	for i := 1; i+1 < len(runs); i++ {
		a, e, b := runs[i-1], runs[i], runs[i+1]
		if a.op != opSame || b.op != opSame || e.op == opSame || len(e.tokens) == 0 {
			continue
		}
		// The edit can move left while its last token ends a, right
		// while its first token starts b.
		left := 0
		for left < len(a.tokens) && left < len(e.tokens) && a.tokens[len(a.tokens)-1-left] == e.tokens[len(e.tokens)-1-left] {
			left++
		}
		right := 0
		for right < len(b.tokens) && right < len(e.tokens) && b.tokens[right] == e.tokens[right] {
			right++
		}
		// The text around the edit, and the edit at shift 0, as one
		// list: the edit at shift s is all[len(a)+s : len(a)+s+len(e)].
		all := slices.Concat(a.tokens, e.tokens, b.tokens)
		best, bestScore := 0, -1
		for s := -left; s <= right; s++ {
			start := len(a.tokens) + s
			if sc := wordScore(all, start, start+len(e.tokens)); sc > bestScore {
				best, bestScore = s, sc
			}
		}
		if best == 0 {
			continue
		}
		start, end := len(a.tokens)+best, len(a.tokens)+best+len(e.tokens)
		runs[i-1].tokens = slices.Clone(all[:start])
		runs[i].tokens = slices.Clone(all[start:end])
		runs[i+1].tokens = slices.Clone(all[end:])
	}
	return slices.DeleteFunc(runs, func(r tokenRun) bool { return len(r.tokens) == 0 })
}

// wordScore says how well all[start:end] reads as a change: better
// when it starts on a word at the start of the line or after a space,
// and ends on a space or a punctuation mark.
func wordScore(all []string, start, end int) int {
	isWord := func(t string) bool {
		r, _ := utf8.DecodeRuneInString(t)
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	isSpace := func(t string) bool { return strings.TrimSpace(t) == "" }
	score := 0
	if isWord(all[start]) {
		score += 2
	}
	if start == 0 || isSpace(all[start-1]) {
		score++
	}
	if last := all[end-1]; isSpace(last) || !isWord(last) {
		score++
	}
	return score
}

func replaceAll(x, y []string) []tokenRun {
	return []tokenRun{{op: opDel, tokens: x}, {op: opAdd, tokens: y}}
}

// pairLines turns a removed line and an added line that share most of
// their text into one line changed in place, whose words show what
// changed. In each run of changes, a removed line is paired with the
// first of the next pairLookahead added lines that is similar enough;
// the added lines it skips stay added.
func pairLines(lines []diffLine, deadline time.Time) []diffLine {
	var out []diffLine
	for i := 0; i < len(lines); {
		if lines[i].Op == opSame {
			out = append(out, lines[i])
			i++
			continue
		}
		var dels, adds []diffLine
		for ; i < len(lines) && lines[i].Op != opSame; i++ {
			if lines[i].Op == opDel {
				dels = append(dels, lines[i])
			} else {
				adds = append(adds, lines[i])
			}
		}
		j := 0
		for _, d := range dels {
			paired := false
			for k := j; k < min(len(adds), j+pairLookahead) && time.Now().Before(deadline); k++ {
				parts, sim := wordDiff(d.Text, adds[k].Text, deadline)
				if sim < minSimilarity {
					continue
				}
				out = append(out, adds[j:k]...)
				out = append(out, diffLine{Op: opMod, Text: adds[k].Text, Old: d.Old, New: adds[k].New, Parts: parts})
				j, paired = k+1, true
				break
			}
			if !paired {
				out = append(out, d)
			}
		}
		out = append(out, adds[j:]...)
	}
	return out
}
