package entry

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/mutu-network/mutu/protocol"
)

// utf8BOM is the byte-order mark some editors put at the start of
// UTF-8 files. Parse skips it.
var utf8BOM = []byte("\uFEFF")

// Parse reads an entry file. file names it in messages (a path, or the
// name of an upload); defaultKind is the kind of an entry whose front
// matter has none, and Parse records it in Meta["kind"] so that the
// entry keeps its kind wherever it travels.
//
// The file is refused by size before it is parsed (see the limits of
// package protocol), and refused if it is binary or not UTF-8 (UTF-16
// and UTF-32 with a byte-order mark are named as such, Windows-1252
// when it looks like it). Spaces and tabs after the dashes of the
// delimiter lines are ignored. The front matter is decoded to the
// data model of protocol.CheckValue: YAML integers become int64,
// floats float64, booleans bool, null nil; every other scalar, dates
// included, becomes its text. A plain number not written the way
// Marshal writes it (07100, 1.10, 0x1F, 1e3, a number out of range)
// stays its text too, so that nothing is rewritten; with an explicit
// tag (!!int, !!float) it must be a number, finite and in range.
// Aliases are expanded within a bound; duplicate keys are refused. The
// reserved keys id and attachments, and the editors key, are taken out
// of Meta into the File's fields. A colon written the French way, after a space, needs
// no quotes in a text value (see quoteSpacedColons).
//
// A file without front matter is an entry all the same, whose title is
// its first line's heading or else its name (see parseBare), with a
// warning saying so.
//
// On success the warnings list what is worth fixing. On failure the
// File is nil and the error is an Errors value listing every problem.
func Parse(file string, data []byte, defaultKind Kind) (*File, []Problem, error) {
	return parse(file, data, defaultKind, false)
}

// ParseImported is Parse for a file read by a folder import, which
// may come from another catalogue: a key such a catalogue uses for a
// key of mutu's schema is copied to that key (see adoptForeignKeys),
// and a file without front matter is refused rather than published
// under a made-up title, so that the other Markdown files of a folder
// (a README) are not published by mistake.
func ParseImported(file string, data []byte, defaultKind Kind) (*File, []Problem, error) {
	return parse(file, data, defaultKind, true)
}

func parse(file string, data []byte, defaultKind Kind, imported bool) (*File, []Problem, error) {
	defaultKind, err := ParseKind(string(defaultKind))
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: default kind: %w", file, err)
	}
	sp, perr := split(file, data)
	if perr != nil {
		return nil, nil, Errors{perr}
	}
	var (
		meta  map[string]any
		pos   positions
		errs  Errors
		warns []Problem
	)
	switch {
	case sp.hasFrontMatter:
		meta, pos, errs = decodeFrontMatter(file, sp.frontMatter, 1)
	case imported:
		return nil, nil, Errors{{Problem: Problem{File: file, Line: 1,
			What: "the file has no front matter; an import takes only entry files, so that the folder's other Markdown files are not published by mistake",
			Fix:  noFrontMatterFix + "; or publish it on its own, which takes its title from its first heading"}, Err: ErrSyntax}}
	default:
		b, berr := parseBare(file, sp.data)
		if berr != nil {
			return nil, nil, Errors{berr}
		}
		meta, pos, sp.body = b.meta, b.pos, b.body
		warns = append(warns, b.warn)
	}
	c := &checker{file: file, pos: pos, errs: errs, warns: warns}
	if meta == nil {
		return c.fail()
	}
	// A key whose value could not be decoded is reported once, not
	// again as missing by the schema.
	c.skip = make(map[string]bool, len(errs))
	for _, e := range errs {
		c.skip[e.Key] = true
	}
	f := &File{Entry: Entry{Meta: meta, Body: sp.body}}
	f.ID = c.id(meta[keyID])
	f.Attachments = c.attachments(meta[keyAttachments])
	ev, hasEditors := meta[keyEditors]
	f.Editors = c.editors(ev, hasEditors)
	delete(meta, keyID)
	delete(meta, keyAttachments)
	delete(meta, keyEditors)
	if meta[keyKind] == nil {
		meta[keyKind] = string(defaultKind)
	}
	if imported {
		c.adoptForeignKeys(meta)
	}
	if !c.hasFatal() {
		c.schema(meta)
	}
	warns, verr := c.result()
	if verr != nil {
		return nil, warns, verr
	}
	return f, warns, nil
}

// fail returns the problems gathered so far.
func (c *checker) fail() (*File, []Problem, error) {
	warns, err := c.result()
	return nil, warns, err
}

// hasFatal reports whether a problem makes checking the schema
// pointless: the front matter could not be decoded whole because of
// its size.
func (c *checker) hasFatal() bool {
	for _, e := range c.errs {
		if errors.Is(e, ErrTooLarge) {
			return true
		}
	}
	return false
}

// splitFile is a file cut into its parts.
type splitFile struct {
	data           []byte // the whole file, without byte-order mark
	hasFrontMatter bool
	frontMatter    []byte // the YAML between the delimiter lines
	body           string
}

// split checks the file as a whole and returns its parts.
func split(file string, data []byte) (*splitFile, *Error) {
	fail := func(line int, class error, fix, format string, args ...any) (*splitFile, *Error) {
		return nil, &Error{Problem: Problem{File: file, Line: line, What: fmt.Sprintf(format, args...), Fix: fix}, Err: class}
	}
	if len(data) > protocol.MaxEntryFileSize {
		return fail(0, ErrTooLarge, "move large content into an attachment",
			"the file is %d bytes, more than the %d an entry may have", len(data), protocol.MaxEntryFileSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, ErrSyntax, "start it with a line ---, a line title: …, and a line ---, then write the text",
			"the file is empty")
	}
	if enc := unicodeEncoding(data); enc != "" {
		return fail(0, ErrNotText, saveAsUTF8, "the file is %s text, not UTF-8", enc)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fail(lineAt(data, i), ErrNotText, "attach binary files to an entry instead",
			"the file contains NUL bytes: it is a binary file, not a Markdown entry")
	}
	if !utf8.Valid(data) {
		bad := invalidUTF8(data)
		if line, ok := windows1252Line(data, bad); ok {
			return fail(lineAt(data, bad), ErrNotText, saveAsUTF8,
				"the file looks like Windows-1252 (Latin-1), not UTF-8: read that way, this line is %s", quoteValue(line))
		}
		return fail(lineAt(data, bad), ErrNotText, "save it as UTF-8 text",
			"the file is not valid UTF-8 text")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	fm, err := splitFrontMatter(data)
	switch {
	case errors.Is(err, errNoFrontMatter):
		if len(data) > protocol.MaxBodySize {
			return fail(0, ErrTooLarge, "split the entry, or move content into an attachment",
				"the text is %d bytes, more than the %d an entry may have", len(data), protocol.MaxBodySize)
		}
		return &splitFile{data: data, body: string(data)}, nil
	case errors.Is(err, errUnterminated):
		return fail(1, ErrSyntax, "end it with a line --- before the text",
			"the front matter opened on line 1 is never closed")
	case err != nil:
		return fail(1, ErrSyntax, "", "read front matter: %v", err)
	}
	if len(fm.raw) > protocol.MaxFrontMatterSize {
		return fail(2, ErrTooLarge, "shorten it; long text belongs in the body",
			"the front matter is %d bytes, more than the %d an entry may have", len(fm.raw), protocol.MaxFrontMatterSize)
	}
	if n := len(data) - fm.bodyStart; n > protocol.MaxBodySize {
		return fail(lineAt(data, fm.bodyStart), ErrTooLarge, "split the entry, or move content into an attachment",
			"the body is %d bytes, more than the %d an entry may have", n, protocol.MaxBodySize)
	}
	return &splitFile{data: data, hasFrontMatter: true, frontMatter: fm.raw, body: string(data[fm.bodyStart:])}, nil
}

// saveAsUTF8 says how to fix a file in another encoding.
const saveAsUTF8 = `save it as UTF-8: in Notepad, "Enregistrer sous", then Encodage "UTF-8"`

// frenchLatin1 are the characters French text holds that Windows-1252
// (the "ANSI" of French Windows, a superset of Latin-1) writes as one
// byte of 0x80 or more.
const frenchLatin1 = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»‘’“”…–—€°\u00A0"

// windows1252Line reports whether data, invalid UTF-8 from offset bad
// on, looks like French text in Windows-1252: the byte at bad is a
// French letter or sign in that encoding. It returns the line of bad
// read as Windows-1252.
func windows1252Line(data []byte, bad int) (string, bool) {
	if !strings.ContainsRune(frenchLatin1, charmap.Windows1252.DecodeByte(data[bad])) {
		return "", false
	}
	start := bytes.LastIndexByte(data[:bad], '\n') + 1
	end := lineEnd(data, bad)
	line, err := charmap.Windows1252.NewDecoder().Bytes(data[start:end])
	if err != nil {
		return "", false
	}
	return strings.TrimRight(string(line), "\r\n"), true
}

// unicodeEncoding names the encoding of data when it starts with the
// byte-order mark of UTF-16 or UTF-32, as Windows Notepad writes its
// "Unicode" files; it returns "" otherwise. Such a file is full of NUL
// bytes, and would be reported as binary.
func unicodeEncoding(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "UTF-16"
	}
	return ""
}

// invalidUTF8 returns the offset of the first byte of data that is not
// part of valid UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}
