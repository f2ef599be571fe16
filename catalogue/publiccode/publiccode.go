// Package publiccode reads and writes publiccode.yml files, the
// standard by which public administrations describe the software they
// publish (https://github.com/publiccodeyml/publiccode.yml), as mutu's
// software entries.
//
// Import checks a file as the reference tools do, with every problem
// naming its key path and line, and maps it to a software entry; Export
// writes an entry back as a file of the current version. The entry
// keeps what its own keys cannot hold, verbatim, under the key
// "publiccode", so that a round trip loses nothing: country sections,
// unknown keys, every language of the description. docs/entries.md,
// "publiccode.yml", gives the mapping field by field.
package publiccode

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// Key is the front-matter key under which a software entry keeps what
// its own keys do not hold of its publiccode.yml.
const Key = "publiccode"

// MaxFileSize is the largest publiccode.yml Import reads: that of an
// entry file, whose front matter holds the file.
const MaxFileSize = protocol.MaxEntryFileSize

// mapped are the keys of the file an entry holds in its own keys, and
// those keys. The description's shortDescription and longDescription
// of the entry's language go to summary and the body (see language).
var mapped = []struct{ path, key string }{
	{"name", "title"},
	{"url", "repository"},
	{"legal.license", "license"},
	{"developmentStatus", "status"},
	{"softwareType", "software_type"},
	{"platforms", "platforms"},
}

// Import reads a publiccode.yml file, named file in messages, and
// returns the software entry it makes, with the warnings to show. A
// file with any error gives no entry: the error is an entry.Errors
// listing every problem, each naming its key path (Problem.Key, such
// as description.fr.shortDescription) and its line.
func Import(file string, data []byte) (*entry.File, []entry.Problem, error) {
	c := &checker{file: file, lines: map[string]int{}}
	if len(data) > MaxFileSize {
		c.errs = append(c.errs, &entry.Error{Problem: entry.Problem{File: file,
			What: fmt.Sprintf("the file is %d bytes, more than the %d mutu reads", len(data), MaxFileSize),
			Fix:  "shorten the descriptions"}, Err: entry.ErrTooLarge})
		return nil, nil, c.errs
	}
	root, err := readTree(data)
	if err != nil {
		if se, ok := err.(*syntaxError); ok {
			c.errs = append(c.errs, &entry.Error{Problem: entry.Problem{File: file, Line: se.line, What: "YAML cannot read the file: " + se.msg,
				Fix: "check the indentation, and that a space follows each colon and each dash", Code: CodeSyntax, Value: se.msg}, Err: entry.ErrSyntax})
		} else {
			c.errs = append(c.errs, &entry.Error{Problem: entry.Problem{File: file, What: err.Error(),
				Fix: "remove the aliases that repeat large parts of the file"}, Err: entry.ErrTooLarge})
		}
		return nil, nil, c.errs
	}
	c.version(root)
	c.check(root, schema, "")
	if len(c.errs) > 0 {
		return nil, c.warns, c.sorted()
	}
	f := toEntry(root.value().(map[string]any))
	c.entryProblems(f)
	if len(c.errs) > 0 {
		return nil, c.warns, c.sorted()
	}
	return f, c.sortedWarnings(), nil
}

// sorted returns the errors in line order, and sorts the warnings.
func (c *checker) sorted() error {
	c.sortedWarnings()
	slices.SortStableFunc(c.errs, func(a, b *entry.Error) int { return a.Line - b.Line })
	return c.errs
}

func (c *checker) sortedWarnings() []entry.Problem {
	slices.SortStableFunc(c.warns, func(a, b entry.Problem) int { return a.Line - b.Line })
	return c.warns
}

// entryProblems checks the entry made with mutu's own rules (a title of
// at most 200 characters, the size of the front matter, how a license
// is spelt…) and reports what they find under the file's key paths.
func (c *checker) entryProblems(f *entry.File) {
	lang := entryLanguage(f.Meta)
	where := func(key string) string {
		for _, m := range mapped {
			if m.key == key {
				return m.path
			}
		}
		switch key {
		case "summary":
			return "description." + lang + ".shortDescription"
		case "":
			return "description." + lang + ".longDescription"
		}
		return ""
	}
	warns, err := f.Validate(c.file)
	for _, w := range warns {
		w.Key = where(w.Key)
		w.Line = c.lines[w.Key]
		switch w.Code {
		case entry.WarnLicenseSpelling:
			w.Code = CodeLicenseSpelling
		case entry.WarnLicenseDeprecated:
			w.Code = CodeLicenseOutOfDate
		}
		c.warns = append(c.warns, w)
	}
	if es, ok := err.(entry.Errors); ok {
		for _, e := range es {
			e.Key = where(e.Key)
			e.Line = c.lines[e.Key]
			e.Code, e.Value = CodeEntry, e.What
			c.errs = append(c.errs, e)
		}
	}
}

// toEntry maps a checked file to a software entry.
func toEntry(pc map[string]any) *entry.File {
	meta := map[string]any{"kind": string(entry.KindSoftware)}
	for _, m := range mapped {
		if v, ok := take(pc, m.path); ok {
			meta[m.key] = v
		}
	}
	body := ""
	if desc, ok := pc["description"].(map[string]any); ok {
		lang := chooseLanguage(slices.Collect(maps.Keys(desc)))
		if d, ok := desc[lang].(map[string]any); ok {
			if s, ok := d["shortDescription"].(string); ok {
				meta["summary"] = s
				delete(d, "shortDescription")
			}
			if s, ok := d["longDescription"].(string); ok {
				body = s
				delete(d, "longDescription")
			}
		}
	}
	if legal, ok := pc["legal"].(map[string]any); ok && len(legal) == 0 {
		delete(pc, "legal")
	}
	meta[Key] = pc
	return &entry.File{Entry: entry.Entry{Meta: meta, Body: body}}
}

// take removes the value at a dotted path of pc and returns it, when
// it is text or a list of text, which the entry's keys hold.
func take(pc map[string]any, path string) (any, bool) {
	m := pc
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	last := parts[len(parts)-1]
	switch v := m[last].(type) {
	case string:
		delete(m, last)
		return v, true
	case []any:
		for _, it := range v {
			if _, ok := it.(string); !ok {
				return nil, false
			}
		}
		delete(m, last)
		return v, true
	}
	return nil, false
}

// chooseLanguage returns the language of the description an entry
// shows: French first (fr, then fr-FR or another fr-…), then English
// (en, en-…), then the first in alphabetical order. Export uses the
// same rule, so the entry's summary and body go back to where they
// came from.
func chooseLanguage(langs []string) string {
	slices.Sort(langs)
	for _, want := range []string{"fr", "en"} {
		for _, l := range langs {
			if l == want {
				return l
			}
		}
		for _, l := range langs {
			if strings.HasPrefix(strings.ToLower(l), want+"-") {
				return l
			}
		}
	}
	if len(langs) > 0 {
		return langs[0]
	}
	return "fr"
}

// language returns the language of the description that an entry's
// summary and body hold.
func entryLanguage(meta map[string]any) string {
	pc, _ := meta[Key].(map[string]any)
	desc, _ := pc["description"].(map[string]any)
	return chooseLanguage(slices.Collect(maps.Keys(desc)))
}
