package entry

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"go.abhg.dev/goldmark/frontmatter"
)

// frontMatterMarkdown finds the front matter of an entry file: goldmark
// with the front-matter extension, YAML format only.
var frontMatterMarkdown = goldmark.New(goldmark.WithExtensions(&frontmatter.Extender{
	Formats: []frontmatter.Format{rawYAML},
}))

// rawYAML is the extension's YAML format with a decoder that hands
// back the raw bytes instead of decoding them: the extension keeps them
// unexported, and they are needed as they are, to decode into a
// yaml.Node with line numbers and to know where the body starts.
var rawYAML = frontmatter.Format{
	Name:  "YAML",
	Delim: '-',
	Unmarshal: func(raw []byte, dst any) error {
		p, ok := dst.(*[]byte)
		if !ok {
			return fmt.Errorf("front matter: decode into %T, want *[]byte", dst)
		}
		*p = raw
		return nil
	},
}

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
// three or more dashes, the YAML, and a closing line of as many dashes.
func splitFrontMatter(src []byte) (frontMatter, error) {
	open := lineEnd(src, 0)
	if !isOpening(src[:open]) {
		// Checked here as well: the extension looks past blank lines.
		return frontMatter{}, errNoFrontMatter
	}
	// The extension closes the front matter at the first line equal to
	// the opening one. It is given the file up to that line only, so
	// that the body, which may be large, is not parsed here.
	head := src
	for i := open; i < len(src); {
		next := lineEnd(src, i)
		if isDelimiter(src[i:next], src[:open]) {
			head = src[:next]
			break
		}
		i = next
	}
	ctx := parser.NewContext()
	frontMatterMarkdown.Parser().Parse(text.NewReader(head), parser.WithContext(ctx))
	data := frontmatter.Get(ctx)
	if data == nil {
		return frontMatter{}, errNoFrontMatter
	}
	var raw []byte
	if err := data.Decode(&raw); err != nil {
		return frontMatter{}, err
	}
	// The YAML starts right after the opening line and is followed by
	// the closing line, unless the extension reached the end of the
	// file without finding one.
	end := open + len(raw)
	if end > len(src) || !bytes.Equal(src[open:end], raw) {
		return frontMatter{}, fmt.Errorf("front matter: the extension returned bytes that are not at the start of the file")
	}
	closing := lineEnd(src, end)
	if !isDelimiter(src[end:closing], src[:open]) {
		return frontMatter{}, errUnterminated
	}
	return frontMatter{raw: raw, bodyStart: closing}, nil
}

// lineEnd returns the offset just past the line of src that starts at
// i, its newline included.
func lineEnd(src []byte, i int) int {
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// isOpening reports whether line opens a front matter: three dashes
// or more, and nothing else.
func isOpening(line []byte) bool {
	line = trimEOL(line)
	return len(line) >= 3 && len(bytes.Trim(line, "-")) == 0
}

// trimEOL removes the line ending of line.
func trimEOL(line []byte) []byte {
	return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
}

// isDelimiter reports whether line closes the front matter opened by
// the line open: the same dashes, line ending aside.
func isDelimiter(line, open []byte) bool {
	return len(line) > 0 && bytes.Equal(trimEOL(line), trimEOL(open))
}

// lineAt returns the line of data that holds byte offset i.
func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte("\n")) + 1 }
