package entry

import (
	"bytes"
	"fmt"
	"strings"
)

// frontMatter is where the parts of an entry file lie.
type frontMatter struct {
	raw       []byte // the YAML between the delimiter lines
	bodyStart int    // offset of the body in the file
}

// errNoFrontMatter and errUnterminated tell splitFrontMatter's
// failures apart; Parse turns them into messages for people.
var (
	errNoFrontMatter = fmt.Errorf("no front matter: %w", ErrSyntax)
	errUnterminated  = fmt.Errorf("front matter not closed: %w", ErrSyntax)
)

// splitFrontMatter locates the front matter of src: a first line of
// three or more dashes, the YAML, and a closing line of as many
// dashes, the first such line after the opening one.
//
// Spaces and tabs after the dashes of either line are ignored: an
// editor leaves them there, and nobody sees them. The goldmark
// front-matter extension, which this used to rely on, takes such a
// line for text, and the whole file then for an unclosed front matter;
// a scan of the lines is all it did, so it is done here.
func splitFrontMatter(src []byte) (frontMatter, error) {
	open := lineEnd(src, 0)
	dashes := delimiterDashes(src[:open])
	if dashes == 0 {
		return frontMatter{}, errNoFrontMatter
	}
	for i := open; i < len(src); {
		next := lineEnd(src, i)
		if delimiterDashes(src[i:next]) == dashes {
			return frontMatter{raw: src[open:i], bodyStart: next}, nil
		}
		i = next
	}
	return frontMatter{}, errUnterminated
}

// lineEnd returns the offset just past the line of src that starts at
// i, its newline included.
func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// delimiterDashes returns the number of dashes of a front-matter
// delimiter line: three dashes or more, then nothing but spaces, tabs
// and the line ending. It returns 0 for any other line.
func delimiterDashes(line []byte) int {
	line = bytes.TrimRight(line, " \t\r\n")
	if len(line) < 3 || len(bytes.Trim(line, "-")) != 0 {
		return 0
	}
	return len(line)
}

// lineAt returns the line of data that holds byte offset i.
func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte("\n")) + 1 }

// quoteSpacedColons returns raw with the value of each top-level line
// "key: value" put in single quotes when the key is one of textKeys,
// the value is written plain (no quotes, list, block or anchor), and it
// holds a colon the way French typography writes one, after a space:
// "title: Régie d'avances : ouvrir une sous-régie". YAML refuses such
// a line (": " inside a plain value); quoted, it reads as the text
// written, trailing white space and comment aside as for any plain
// value. It returns nil when no line needed it.
//
// Every other line, and every other rule of YAML, is left alone, and
// no line is added or removed, so that YAML's line numbers stay those
// of the file. A value that goes on over indented lines is left as it
// is: YAML then says what is wrong.
func quoteSpacedColons(raw []byte) []byte {
	lines := bytes.SplitAfter(raw, []byte("\n"))
	changed := false
	for i, line := range lines {
		next := []byte(nil)
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		if q, ok := quoteTextLine(line, next); ok {
			lines[i] = q
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return bytes.Join(lines, nil)
}

// quoteTextLine quotes the value of line as quoteSpacedColons says,
// and reports whether it did; next is the following line, or nil.
func quoteTextLine(line, next []byte) ([]byte, bool) {
	content := bytes.TrimRight(line, "\r\n")
	end := line[len(content):]
	key, rest, ok := bytes.Cut(content, []byte(":"))
	if !ok || !isTextKey(string(key)) || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
		return nil, false
	}
	value := bytes.TrimLeft(rest, " \t")
	if len(value) == 0 || bytes.IndexByte([]byte("'\"[]{}|>&*!%@#`"), value[0]) >= 0 {
		return nil, false
	}
	if len(next) > 0 && (next[0] == ' ' || next[0] == '\t') && len(bytes.TrimSpace(next)) > 0 {
		return nil, false // the value goes on over the next line
	}
	var comment []byte
	if i := commentStart(value); i >= 0 {
		value, comment = value[:i], value[i:]
	}
	value = bytes.TrimRight(value, " \t")
	if !hasSpacedColon(value) {
		return nil, false
	}
	var b bytes.Buffer
	b.Write(key)
	b.WriteString(": '")
	b.Write(bytes.ReplaceAll(value, []byte("'"), []byte("''")))
	b.WriteByte('\'')
	if len(comment) > 0 {
		b.WriteByte(' ')
		b.Write(bytes.TrimLeft(comment, " \t"))
	}
	b.Write(end)
	return b.Bytes(), true
}

// commentStart returns the offset of the comment that ends a plain
// value (a # after white space), or -1.
func commentStart(value []byte) int {
	for i := 1; i < len(value); i++ {
		if value[i] == '#' && (value[i-1] == ' ' || value[i-1] == '\t') {
			return i - 1
		}
	}
	return -1
}

// hasSpacedColon reports whether value holds a colon after a space, a
// no-break space (U+00A0) or a narrow no-break space (U+202F), and
// before a space, a tab or the end of the value: the colons on which
// YAML stops reading a plain value.
func hasSpacedColon(value []byte) bool {
	s := string(value)
	for i := strings.IndexByte(s, ':'); i >= 0; {
		before, after := s[:i], s[i+1:]
		if (after == "" || after[0] == ' ' || after[0] == '\t') &&
			(strings.HasSuffix(before, " ") || strings.HasSuffix(before, "\u00A0") || strings.HasSuffix(before, "\u202F")) {
			return true
		}
		j := strings.IndexByte(after, ':')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
