package entry

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

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
// and UTF-32 with a byte-order mark are named as such). Spaces and
// tabs after the dashes of the delimiter lines are ignored. The front
// matter is decoded to the data model of protocol.CheckValue: YAML
// integers become int64, floats float64, booleans bool, null nil;
// every other scalar, dates included, becomes its text. A plain number
// not written the way Marshal writes it (07100, 1.10, 0x1F, 1e3, a
// number out of range) stays its text too, so that nothing is
// rewritten; with an explicit tag (!!int, !!float) it must be a
// number, finite and in range. Aliases are expanded within a bound;
// duplicate keys are refused. The reserved keys id and attachments
// are taken out of Meta into the File's fields.
//
// On success the warnings list what is worth fixing. On failure the
// File is nil and the error is an Errors value listing every problem.
func Parse(file string, data []byte, defaultKind Kind) (*File, []Problem, error) {
	defaultKind, err := ParseKind(string(defaultKind))
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: default kind: %w", file, err)
	}
	body, fm, perr := split(file, data)
	if perr != nil {
		return nil, nil, Errors{perr}
	}
	meta, pos, errs := decodeFrontMatter(file, fm, 1)
	c := &checker{file: file, pos: pos, errs: errs}
	if meta == nil {
		return c.fail()
	}
	// A key whose value could not be decoded is reported once, not
	// again as missing by the schema.
	c.skip = make(map[string]bool, len(errs))
	for _, e := range errs {
		c.skip[e.Key] = true
	}
	f := &File{Entry: Entry{Meta: meta, Body: body}}
	f.ID = c.id(meta[keyID])
	f.Attachments = c.attachments(meta[keyAttachments])
	delete(meta, keyID)
	delete(meta, keyAttachments)
	if meta[keyKind] == nil {
		meta[keyKind] = string(defaultKind)
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

// split checks the file as a whole and returns its body and raw front
// matter.
func split(file string, data []byte) (string, []byte, *Error) {
	fail := func(line int, class error, fix, format string, args ...any) (string, []byte, *Error) {
		return "", nil, &Error{Problem: Problem{File: file, Line: line, What: fmt.Sprintf(format, args...), Fix: fix}, Err: class}
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
		return fail(0, ErrNotText, `save it as UTF-8: in Notepad, "Enregistrer sous", then Encodage "UTF-8"`,
			"the file is %s text, not UTF-8", enc)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fail(lineAt(data, i), ErrNotText, "attach binary files to an entry instead",
			"the file contains NUL bytes: it is a binary file, not a Markdown entry")
	}
	if !utf8.Valid(data) {
		return fail(lineAt(data, invalidUTF8(data)), ErrNotText, "save it as UTF-8 text",
			"the file is not valid UTF-8 text")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	fm, err := splitFrontMatter(data)
	switch {
	case errors.Is(err, errNoFrontMatter):
		return fail(1, ErrSyntax, "start the file with a line ---, then title: …, then a line ---, then the text",
			"the file has no front matter")
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
	return string(data[fm.bodyStart:]), fm.raw, nil
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
