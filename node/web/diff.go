package web

import "strings"

// opKind says what a line of a diff does.
type opKind int

const (
	opSame opKind = iota
	opDel
	opAdd
)

// diffLine is one line of a line diff, with its numbers in the old
// and new texts (0 where it has none).
type diffLine struct {
	Op       opKind
	Text     string
	Old, New int
}

// maxDiffEdits bounds the work of lineDiff: texts that differ by more
// edits than this are shown as all removed, then all added.
const maxDiffEdits = 1000

// lineDiff returns the lines of a and b as a shortest edit script
// (Myers' O(ND) algorithm), after taking off the common start and end,
// which is where most edits of a note leave it unchanged.
func lineDiff(a, b string) []diffLine {
	x, y := splitLines(a), splitLines(b)
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var out []diffLine
	for i := 0; i < pre; i++ {
		out = append(out, diffLine{Op: opSame, Text: x[i], Old: i + 1, New: i + 1})
	}
	mid := myers(x[pre:len(x)-suf], y[pre:len(y)-suf])
	for _, l := range mid {
		if l.Old > 0 {
			l.Old += pre
		}
		if l.New > 0 {
			l.New += pre
		}
		out = append(out, l)
	}
	for i := 0; i < suf; i++ {
		xi, yi := len(x)-suf+i, len(y)-suf+i
		out = append(out, diffLine{Op: opSame, Text: x[xi], Old: xi + 1, New: yi + 1})
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// myers returns the edit script from x to y, line numbers from 1.
func myers(x, y []string) []diffLine {
	n, m := len(x), len(y)
	if n == 0 && m == 0 {
		return nil
	}
	maxD := min(n+m, maxDiffEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := false
	for d := 0; d <= maxD && !found; d++ {
		// Only diagonals -d-1..d+1 can be read back at step d.
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				i = v[off+k+1] // down: a line of y inserted
			} else {
				i = v[off+k-1] + 1 // right: a line of x deleted
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i, j = i+1, j+1
			}
			v[off+k] = i
			if i >= n && j >= m {
				found = true
				break
			}
		}
	}
	if !found {
		return replaceAll(x, y)
	}
	// Walk back through the trace, from (n, m) to (0, 0): trace[d]
	// holds the furthest points before step d, from which the step to
	// the current diagonal was taken.
	var rev []diffLine
	i, j := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd, o := trace[d], d+1 // vd[o+k] is diagonal k
		k := i - j
		pk := k - 1
		if k == -d || (k != d && vd[o+k-1] < vd[o+k+1]) {
			pk = k + 1
		}
		pi := vd[o+pk]
		pj := pi - pk
		for i > pi && j > pj {
			rev = append(rev, diffLine{Op: opSame, Text: x[i-1], Old: i, New: j})
			i, j = i-1, j-1
		}
		if d == 0 {
			break
		}
		if i == pi {
			rev = append(rev, diffLine{Op: opAdd, Text: y[j-1], New: j})
		} else {
			rev = append(rev, diffLine{Op: opDel, Text: x[i-1], Old: i})
		}
		i, j = pi, pj
	}
	out := make([]diffLine, len(rev))
	for k, l := range rev {
		out[len(rev)-1-k] = l
	}
	return out
}

func replaceAll(x, y []string) []diffLine {
	out := make([]diffLine, 0, len(x)+len(y))
	for i, l := range x {
		out = append(out, diffLine{Op: opDel, Text: l, Old: i + 1})
	}
	for j, l := range y {
		out = append(out, diffLine{Op: opAdd, Text: l, New: j + 1})
	}
	return out
}
