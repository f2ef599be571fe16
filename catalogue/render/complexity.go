package render

import "strings"

// goldmark, like most Markdown parsers, takes time that grows with the
// square of some inputs: block quotes or lists nested thousands deep on
// one line ("> > > …", "1. 1. 1. …"), and paragraphs full of link,
// code or emphasis openers that never close ("[a](" repeated). Bodies
// come from any peer and every node renders and indexes them, so a
// body shaped like that would cost minutes of CPU on the whole network.
// Such bodies are shown as preformatted text instead: tooComplex
// bounds the work goldmark may be given, in one linear pass.
const (
	// maxLineNesting bounds the block quotes and list items opened on
	// one line. Readable documents stay far below.
	maxLineNesting = 32
	// maxInlineWork bounds, summed over the blocks between blank
	// lines, the number of inline delimiters times the size of the
	// block: the measure of goldmark's worst-case inline parsing. A
	// tight list of several hundred links stays below.
	maxInlineWork = 1 << 28
)

// isDelimiter marks the characters that open inline constructs
// goldmark may scan ahead from: a table, since every byte of every body
// is looked up.
var isDelimiter = func() (t [256]bool) {
	for _, c := range []byte("[]`*_~<!\\") {
		t[c] = true
	}
	return t
}()

// tooComplex reports whether md is shaped so that parsing it could take
// time that grows faster than its length.
func tooComplex(md string) bool {
	work := 0
	blockSize, blockDelims := 0, 0
	endBlock := func() {
		work += blockSize * blockDelims
		blockSize, blockDelims = 0, 0
	}
	for line := range strings.Lines(md) {
		if strings.TrimSpace(line) == "" {
			endBlock()
			continue
		}
		if lineNesting(line) > maxLineNesting {
			return true
		}
		blockSize += len(line)
		for i := 0; i < len(line); i++ {
			if isDelimiter[line[i]] {
				blockDelims++
			}
		}
		// Checked as the block grows, so that one huge block
		// cannot overflow the product.
		if work+blockSize*blockDelims > maxInlineWork {
			return true
		}
	}
	endBlock()
	return work > maxInlineWork
}

// lineNesting counts the container markers (">", "-", "*", "+", "1."
// or "1)" followed by a space) at the start of line.
func lineNesting(line string) int {
	n := 0
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return n
		}
		switch c := line[i]; {
		case c == '>':
			i++
		case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
			i += 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
				return n
			}
			i = j + 2
		default:
			return n
		}
		n++
	}
}
