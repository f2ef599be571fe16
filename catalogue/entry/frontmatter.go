package entry

import (
	"bytes"
	"fmt"
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
