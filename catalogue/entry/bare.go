package entry

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// A bare file is a Markdown file written without front matter, as
// people write notes. Parse publishes it all the same, with a title
// taken from its first line when that is a heading ("# Titre"), which
// is then taken out of the body, or else made from the file's name,
// and a warning saying so. Two kinds of file that were meant to have
// front matter are still refused: those whose first line that is not
// blank is a delimiter line (blank lines before the front matter) or a
// line "key: value" of a known key (the delimiter lines forgotten).

// noFrontMatterFix says how to give a file front matter.
const noFrontMatterFix = "start the file with a line ---, then title: …, then a line ---, then the text"

// atxHeading matches a Markdown heading of level 1, its text in group 1.
var atxHeading = regexp.MustCompile(`^ {0,3}#(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)

// keyLine matches a line that starts as a front-matter key does.
var keyLine = regexp.MustCompile(`^([\p{L}_][\p{L}\p{N}_-]*)[ \t]*:(?:[ \t]|$)`)

// bareFile is what a file without front matter becomes.
type bareFile struct {
	meta map[string]any
	body string
	pos  positions
	warn Problem
}

// parseBare makes the title of a file without front matter; data is
// the whole file, valid UTF-8 without byte-order mark.
func parseBare(file string, data []byte) (*bareFile, *Error) {
	fail := func(line int, fix, format string, args ...any) (*bareFile, *Error) {
		return nil, &Error{Problem: Problem{File: file, Line: line, What: fmt.Sprintf(format, args...), Fix: fix}, Err: ErrSyntax}
	}
	start, line := firstTextLine(data)
	end := lineEnd(data, start)
	first := strings.TrimRight(string(data[start:end]), "\r\n")
	if delimiterDashes([]byte(first)) > 0 {
		return fail(line, "remove the blank lines before it: the front matter must be the first thing in the file",
			"the front matter starts on line %d, not on the first line", line)
	}
	if m := keyLine.FindStringSubmatch(first); m != nil && (isKnownKey(m[1]) || keyAliases[strings.ToLower(m[1])] != "") {
		return fail(line, "put a line --- before the first key and another after the last one",
			"the file has no front matter: the keys are not between lines ---")
	}
	fixTitle := "to choose the title and other keys, " + noFrontMatterFix
	if m := atxHeading.FindStringSubmatch(first); m != nil && strings.TrimSpace(m[1]) != "" {
		title := strings.TrimSpace(m[1])
		rest := data[end:]
		return &bareFile{
			meta: map[string]any{keyTitle: title},
			body: string(rest[blankPrefix(rest):]),
			pos:  positions{keyTitle: {key: line, value: line}},
			warn: Problem{File: file, Line: line, Key: keyTitle, Code: WarnTitleFromHeading, Value: title,
				What: fmt.Sprintf("the file has no front matter: its title is its first heading, %s, taken out of the text", quoteValue(title)),
				Fix:  fixTitle},
		}, nil
	}
	title := titleFromName(file)
	if title == "" {
		return fail(1, noFrontMatterFix, "the file has no front matter, no heading on its first line and no name to take a title from")
	}
	return &bareFile{
		meta: map[string]any{keyTitle: title},
		body: string(data),
		pos:  positions{},
		warn: Problem{File: file, Key: keyTitle, Code: WarnTitleFromName, Value: title,
			What: fmt.Sprintf("the file has no front matter and does not start with a heading: its title is made from its name, %s", quoteValue(title)),
			Fix:  fixTitle},
	}, nil
}

// firstTextLine returns the offset and the number of the first line of
// data that is not blank.
func firstTextLine(data []byte) (offset, line int) {
	offset = blankPrefix(data)
	return offset, lineAt(data, offset)
}

// blankPrefix returns the length of the blank lines data starts with.
func blankPrefix(data []byte) int {
	n := 0
	for n < len(data) {
		end := lineEnd(data, n)
		if len(bytes.TrimSpace(data[n:end])) > 0 {
			break
		}
		n = end
	}
	return n
}

// titleFromName makes a title of a file's name: its base name without
// the extension, underscores and dashes read as spaces.
func titleFromName(file string) string {
	name := filepath.Base(strings.ReplaceAll(file, `\`, "/"))
	name = strings.TrimSuffix(name, filepath.Ext(name))
	name = strings.NewReplacer("_", " ", "-", " ").Replace(name)
	return strings.Join(strings.Fields(name), " ")
}
