package entry

import (
	"errors"
	"strconv"
	"strings"
)

// Classes of problem. Every *Error wraps one of them, so that callers
// can tell with errors.Is what went wrong without reading messages: an
// HTTP handler answers ErrTooLarge with 413, anything else with 422.
var (
	// ErrTooLarge: the file, its front matter or its body is over a
	// size limit of package protocol, or the front matter expands to
	// too many values.
	ErrTooLarge = errors.New("entry: too large")
	// ErrNotText: the file is binary or not UTF-8.
	ErrNotText = errors.New("entry: not a text file")
	// ErrSyntax: the file has no front matter, or its front matter is
	// not well-formed YAML.
	ErrSyntax = errors.New("entry: malformed front matter")
	// ErrInvalid: the front matter is well-formed but breaks a rule of
	// the schema.
	ErrInvalid = errors.New("entry: invalid entry")
)

// Problem is one thing to put right in an entry file: where it is,
// what is wrong and how to fix it. Warnings are Problems, and so is
// the detail of every *Error; the API sends them as they are. Its
// String reads
//
//	notes/regie.md:4: key "review_by": "2025-13-40" is not a date; write it as YYYY-MM-DD, e.g. 2026-06-30
type Problem struct {
	File string `json:"file"`           // as given to Parse or Validate
	Line int    `json:"line,omitempty"` // line of the file, from 1; 0 when not known
	Key  string `json:"key,omitempty"`  // front-matter key concerned; "" when the problem is not about one key
	What string `json:"problem"`        // what is wrong
	Fix  string `json:"fix,omitempty"`  // how to put it right; "" when there is nothing to add

	// Code names the rule a warning comes from (one of the Warn
	// constants), so that a reader can word it in its own language
	// with Value and Suggest; "" for an error. What and Fix stay the
	// English text for the command line and the API.
	Code    string `json:"code,omitempty"`
	Value   string `json:"value,omitempty"`   // the value the warning is about, as written
	Suggest string `json:"suggest,omitempty"` // what to write instead; "" when there is no one answer
}

// Codes of the warnings, in Problem.Code. They are stable: a reader
// keys its own wording on them.
const (
	WarnTagDuplicate      = "tag-duplicate"      // Value: the tag listed twice
	WarnTagCapitals       = "tag-capitals"       // Value: the tag; Suggest: it lowercased
	WarnCategoryFree      = "category-free"      // Value: the category outside the list
	WarnLicenseSpelling   = "license-spelling"   // Value: the license; Suggest: it spelt the SPDX way
	WarnLicenseDeprecated = "license-deprecated" // Value: the deprecated SPDX identifier
	WarnUnknownKey        = "unknown-key"        // Key: the unknown key; Suggest: the known key it looks like
	WarnKeyCopied         = "key-copied"         // Key: another catalogue's key; Suggest: mutu's key it was copied to
	WarnKeyNotCopied      = "key-not-copied"     // Key: another catalogue's key; Value: its value; Suggest: mutu's key
	WarnTitleFromHeading  = "title-from-heading" // Value: the title, the file's first heading
	WarnTitleFromName     = "title-from-name"    // Value: the title, made from the file's name
)

// String formats the problem as "file:line: key "k": what; fix",
// leaving out the parts that are empty.
func (p Problem) String() string { return format(p.File, p.Line, p.Key, p.What, p.Fix) }

// Error is a problem that stops an entry from being accepted.
type Error struct {
	Problem
	Err error // class of the problem: ErrTooLarge, ErrNotText, ErrSyntax or ErrInvalid
}

func (e *Error) Error() string { return e.Problem.String() }

// Unwrap returns the class of the problem.
func (e *Error) Unwrap() error { return e.Err }

// Errors lists every problem found in one file, in line order. Parse
// and Validate return their problems as Errors, so that
// errors.As(err, &errs) gives the list and errors.As(err, &e) with an
// *Error gives the first one; errors.Is matches the class of any.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// format writes "file:line: key "k": problem; fix", leaving out the
// parts that are empty.
func format(file string, line int, key, problem, fix string) string {
	var b strings.Builder
	b.WriteString(file)
	if line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if key != "" {
		b.WriteString("key ")
		b.WriteString(strconv.Quote(key))
		b.WriteString(": ")
	}
	b.WriteString(problem)
	if fix != "" {
		b.WriteString("; ")
		b.WriteString(fix)
	}
	return b.String()
}

// maxQuoted is how many characters of a value a message quotes.
const maxQuoted = 60

// quoteValue quotes a value for a message, shortened to maxQuoted
// characters.
func quoteValue(s string) string { return strconv.Quote(shortValue(s)) }

// shortValue shortens a value to maxQuoted characters for a message.
func shortValue(s string) string {
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}

// list formats values as "a, b, c".
func list(values []string) string { return strings.Join(values, ", ") }
