package entry

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mutu-network/mutu/protocol"
)

// maxValues bounds the number of values one front matter may decode
// to, aliases expanded. Written out, the 64 KiB a front matter may
// hold give at most about 32 768 values ("[1,1,1,…]"), so only aliases
// that expand again and again ("billion laughs") reach the bound.
const maxValues = 1 << 16

// keyPos records where a top-level key sits in the file, so that
// problems found later by the validator can name the line.
type keyPos struct {
	key   int   // line of the key
	value int   // line where the value starts
	items []int // line of each item, when the value is a list
}

// positions maps each top-level key to its place in the file. A nil
// positions (an entry built in code) answers 0, "line unknown".
type positions map[string]keyPos

func (p positions) key(k string) int   { return p[k].key }
func (p positions) value(k string) int { return p[k].value }

// item returns the line of item i of the list under k, or the line of
// the value when the list was not written item by item.
func (p positions) item(k string, i int) int {
	if kp := p[k]; i < len(kp.items) {
		return kp.items[i]
	}
	return p.value(k)
}

// decoder turns a yaml.Node tree into the front-matter data model.
type decoder struct {
	file   string
	offset int                 // added to YAML line numbers to give lines of the file
	left   int                 // values that may still be decoded
	active map[*yaml.Node]bool // anchored nodes being expanded through an alias
}

// decodeFrontMatter decodes raw YAML front matter, whose first line is
// line offset+1 of file, into a map, the positions of its keys and
// every problem found. A key whose value is faulty is left out of the
// map and reported; the other keys are still decoded.
//
// A front matter YAML refuses is read again with the French colons of
// its text values quoted (see quoteSpacedColons); the problems are
// then those of that reading, on the same lines.
func decodeFrontMatter(file string, raw []byte, offset int) (map[string]any, positions, Errors) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		quoted := quoteSpacedColons(raw)
		if quoted == nil {
			return nil, nil, Errors{syntaxError(file, raw, offset, err)}
		}
		doc = yaml.Node{}
		if err := yaml.Unmarshal(quoted, &doc); err != nil {
			return nil, nil, Errors{syntaxError(file, quoted, offset, err)}
		}
	}
	d := &decoder{file: file, offset: offset, left: maxValues, active: make(map[*yaml.Node]bool)}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return map[string]any{}, positions{}, nil
		}
		root = root.Content[0]
	}
	switch {
	case root.Kind == 0, root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		// Nothing but comments, or an explicit null: no keys.
		return map[string]any{}, positions{}, nil
	case root.Kind != yaml.MappingNode:
		return nil, nil, Errors{d.errorf(root, "", ErrSyntax,
			`write one "key: value" per line`,
			"the front matter is %s, not keys with values", nodeKindName(root))}
	}
	pos := positions{}
	m, errs := d.mapping(root, 0, pos)
	return m, pos, errs
}

// yamlLine matches yaml.v3's syntax error messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error of raw into an *Error whose
// line is a line of the file.
//
// yaml.v3 leaves the line out of its message when it is its first
// (its line 0, the file's line offset+1), and out of the messages of
// its reader, which checks the characters: such a problem is on the
// line of the first character YAML does not allow.
func syntaxError(file string, raw []byte, offset int, err error) *Error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n + offset
			if isParserError(m[2]) {
				line++
			}
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
		line = offset + 1
		if i := strings.IndexFunc(string(raw), notYAMLChar); i >= 0 && msg == controlChars {
			line = offset + lineAt(raw, i)
		}
	}
	fix := `check the indentation, and put in quotes any value that contains ": " or starts with one of [ ] { } & * ! | > ' " % @ #`
	switch {
	case strings.Contains(msg, "cannot start any token") || strings.Contains(msg, "tab"):
		fix = "indent with spaces, not tabs, and put in quotes any value that starts with a special character"
	case msg == controlChars:
		fix = "remove the invisible characters of this line (often pasted from another program): retype it"
	}
	return &Error{Problem: Problem{File: file, Line: line, What: "the front matter is not valid YAML: " + msg, Fix: fix}, Err: ErrSyntax}
}

// controlChars is yaml.v3's message for a character it does not allow.
const controlChars = "control characters are not allowed"

// notYAMLChar reports the characters yaml.v3's reader refuses:
// control characters other than tab and line ends, U+FFFE and U+FFFF.
func notYAMLChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return false
	case r < 0x20, r >= 0x7F && r < 0xA0, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// isParserError reports whether a yaml.v3 message comes from its
// parser rather than its scanner: yaml.v3 numbers the lines of parser
// errors from 0 and those of scanner errors from 1.
func isParserError(msg string) bool {
	if strings.HasPrefix(msg, "did not find URI escaped octet") {
		return false // a scanner error despite its wording
	}
	for _, p := range []string{"did not find expected", "found duplicate", "found incompatible", "found undefined tag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// errorf returns an *Error at the line of n.
func (d *decoder) errorf(n *yaml.Node, key string, class error, fix, format string, args ...any) *Error {
	line := 0
	if n != nil && n.Line > 0 {
		line = n.Line + d.offset
	}
	return &Error{Problem: Problem{File: d.file, Line: line, Key: key, What: fmt.Sprintf(format, args...), Fix: fix}, Err: class}
}

// take counts one decoded value against the bound.
func (d *decoder) take(n *yaml.Node, key string) *Error {
	d.left--
	if d.left < 0 {
		return d.errorf(n, key, ErrTooLarge, "write the values out instead of repeating anchors (&) and aliases (*)",
			"the front matter expands to more than %d values", maxValues)
	}
	return nil
}

// fatal reports whether the bound on values is exhausted, which stops
// decoding altogether.
func (d *decoder) fatal() bool { return d.left < 0 }

// mapping decodes a mapping at nesting depth depth. When pos is not
// nil the mapping is the top level: positions are recorded and every
// faulty key is reported; below the top level the first problem is
// enough.
func (d *decoder) mapping(n *yaml.Node, depth int, pos positions) (map[string]any, Errors) {
	m := make(map[string]any, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	var merges []*yaml.Node
	var errs Errors
	fail := func(e *Error) bool {
		errs = append(errs, e)
		return pos == nil || d.fatal()
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			if fail(d.errorf(k, "", ErrSyntax, "keys are plain words such as title or tags",
				"a key is %s", nodeKindName(k))) {
				return nil, errs
			}
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		name := k.Value
		if first, dup := seen[name]; dup {
			if fail(d.errorf(n.Content[i], name, ErrSyntax, "keep only one of them",
				"the key appears twice (first on line %d)", first)) {
				return nil, errs
			}
			continue
		}
		seen[name] = n.Content[i].Line + d.offset
		val, err := d.value(v, depth+1, name)
		if err != nil {
			if fail(err) {
				return nil, errs
			}
			continue
		}
		m[name] = val
		if pos != nil {
			pos[name] = d.position(n.Content[i], v)
		}
	}
	for _, src := range merges {
		if err := d.merge(m, src, depth, pos); err != nil {
			if fail(err) {
				return nil, errs
			}
		}
	}
	return m, errs
}

// merge applies a YAML merge key ("<<: *defaults"): the keys of the
// mapping, or of each mapping of the list, that m does not have yet.
// Keys written out in m win, then earlier mappings over later ones.
func (d *decoder) merge(m map[string]any, src *yaml.Node, depth int, pos positions) *Error {
	if err := d.take(src, "<<"); err != nil {
		return err
	}
	target := src
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	var sources []*yaml.Node
	switch target.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{src}
	case yaml.SequenceNode:
		sources = target.Content
	default:
		return d.errorf(src, "<<", ErrSyntax, "merge a mapping, e.g. <<: *defaults",
			"the value of a merge key is %s", nodeKindName(target))
	}
	for _, s := range sources {
		v, err := d.value(s, depth, "<<")
		if err != nil {
			return err
		}
		sm, ok := v.(map[string]any)
		if !ok {
			return d.errorf(s, "<<", ErrSyntax, "merge a mapping, e.g. <<: *defaults",
				"a merged value is %s", nodeKindName(s))
		}
		for k, kv := range sm {
			if _, exists := m[k]; exists {
				continue
			}
			m[k] = kv
			if pos != nil {
				pos[k] = keyPos{key: src.Line + d.offset, value: src.Line + d.offset}
			}
		}
	}
	return nil
}

// position records where the key k and its value v sit.
func (d *decoder) position(k, v *yaml.Node) keyPos {
	p := keyPos{key: k.Line + d.offset, value: v.Line + d.offset}
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind == yaml.SequenceNode {
		p.items = make([]int, len(v.Content))
		for i, c := range v.Content {
			p.items[i] = c.Line + d.offset
		}
	}
	return p
}

// value decodes the value n found under key at nesting depth depth.
func (d *decoder) value(n *yaml.Node, depth int, key string) (any, *Error) {
	if depth > protocol.MaxNesting {
		return nil, d.errorf(n, key, ErrTooLarge, "flatten the value",
			"lists and mappings are nested more than %d deep", protocol.MaxNesting)
	}
	if err := d.take(n, key); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, d.errorf(n, key, ErrSyntax, "define the anchor with &"+n.Value+" before using it",
				"alias *%s names no anchor", n.Value)
		}
		if d.active[n.Alias] {
			return nil, d.errorf(n, key, ErrSyntax, "an alias cannot point inside its own anchor",
				"anchor &%s contains itself", n.Value)
		}
		d.active[n.Alias] = true
		defer delete(d.active, n.Alias)
		return d.value(n.Alias, depth, key)
	case yaml.ScalarNode:
		return d.scalar(n, key)
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := d.value(c, depth+1, key)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.MappingNode:
		m, errs := d.mapping(n, depth, nil)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		return m, nil
	}
	return nil, d.errorf(n, key, ErrSyntax, "", "unexpected YAML node (kind %d)", n.Kind)
}

// scalar converts a scalar by its resolved tag: integers to int64,
// floats to float64, booleans, null to nil, and everything else
// (strings, timestamps, binary, custom tags) to the text as written,
// so that a date such as 2026-06-30 stays the string "2026-06-30".
//
// A plain scalar YAML reads as a number is a number only when it is
// written the way Marshal writes that number; otherwise it is its
// text (see plainNumber). An explicit tag (!!int, !!float) asks for a
// number whatever the spelling.
func (d *decoder) scalar(n *yaml.Node, key string) (any, *Error) {
	const quote = "put it in quotes to keep it as text"
	if tag := n.ShortTag(); (tag == "!!int" || tag == "!!float") && n.Style&yaml.TaggedStyle == 0 {
		if v, ok := plainNumber(n.Value); ok {
			return v, nil
		}
		return n.Value, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, d.errorf(n, key, ErrInvalid, "write true or false, or "+quote, "%s is not true or false", quoteValue(n.Value))
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, d.errorf(n, key, ErrInvalid, quote, "the number %s is out of range", shortValue(n.Value))
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, d.errorf(n, key, ErrInvalid, quote, "%s is not a finite number", quoteValue(n.Value))
		}
		return f, nil
	}
	return n.Value, nil
}

// plainNumber returns the number s stands for when s is the canonical
// spelling of an int64 or a finite float64, the one Marshal writes:
// 42, -3, 2.5, 1.0, 1e+21. Any other spelling that YAML would read as
// a number (07100, 1.10, 0x1F, 1e3, 1_000, +1, .inf, a number too
// large for 64 bits) is not one: those are postal codes, versions,
// account numbers, which a number would rewrite, so they are kept as
// the text that was written, as DESIGN.md asks of unknown keys. The
// value then reads the same in the file mutu shows or exports, and
// survives every round trip.
func plainNumber(s string) (any, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, strconv.FormatInt(i, 10) == s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || formatFloat(f) != s {
		return nil, false
	}
	return f, true
}

// nodeKindName names the kind of a YAML node for messages.
func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "empty"
}
