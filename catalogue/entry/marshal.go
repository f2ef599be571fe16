package entry

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mutu-network/mutu/protocol"
)

// Marshal writes f as an entry file: a line "---", the front matter, a
// line "---", then the body unchanged. The front matter lists the
// known keys first, in a fixed order (kind, id, title, summary, tags,
// …, editors, attachments), then the other keys sorted; nested mappings are
// sorted too. Values are written so that Parse reads back the same
// Meta with the same Go types: a float64 1 is written 1.0, and text
// that YAML would read as something else ("2026-06-30", "true", "12",
// "07100") is quoted.
//
// Marshal does not validate the entry, so that any entry received from
// the network can be exported; it fails only for values outside the
// data model of protocol.CheckValue, or for reserved keys in Meta.
func (f *File) Marshal() ([]byte, error) {
	fm, err := marshalFrontMatter(f)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(fm)+len(f.Body)+8)
	out = append(out, "---\n"...)
	out = append(out, fm...)
	out = append(out, "---\n"...)
	out = append(out, f.Body...)
	return out, nil
}

// marshalFrontMatter returns the YAML of f's front matter.
func marshalFrontMatter(f *File) ([]byte, error) {
	if err := protocol.CheckValue(f.Meta); err != nil {
		return nil, fmt.Errorf("marshal entry %q: %w", f.Title(), err)
	}
	for _, k := range []string{keyID, keyAttachments} {
		if _, ok := f.Meta[k]; ok {
			return nil, fmt.Errorf("marshal entry %q: key %q is reserved: set File.ID or File.Attachments: %w", f.Title(), k, ErrInvalid)
		}
	}
	meta := maps.Clone(f.Meta)
	if meta == nil {
		meta = map[string]any{}
	}
	if f.ID.Defined() {
		meta[keyID] = f.ID.String()
	}
	if f.Editors != nil {
		eds := make([]any, len(f.Editors))
		for i, k := range f.Editors {
			eds[i] = k.String()
		}
		meta[keyEditors] = eds
	}
	if len(f.Attachments) > 0 {
		atts := make([]any, len(f.Attachments))
		for i, a := range f.Attachments {
			atts[i] = a.meta()
		}
		meta[keyAttachments] = atts
	}

	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range frontMatterOrder(meta) {
		root.Content = append(root.Content, keyNode(k), valueNode(meta[k]))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("marshal entry %q: %w", f.Title(), err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal entry %q: %w", f.Title(), err)
	}
	return buf.Bytes(), nil
}

// frontMatterOrder returns the keys of meta in the order Marshal writes
// them.
func frontMatterOrder(meta map[string]any) []string {
	keys := make([]string, 0, len(meta))
	for _, k := range keyOrder {
		if _, ok := meta[k]; ok {
			keys = append(keys, k)
		}
	}
	var unknown []string
	for k := range meta {
		if !isKnownKey(k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	return append(keys, unknown...)
}

// valueNode returns the YAML node of a value that protocol.CheckValue
// accepts.
func valueNode(v any) *yaml.Node {
	switch x := v.(type) {
	case string:
		return TextNode(x, true)
	case int64:
		return scalarNode("!!int", strconv.FormatInt(x, 10))
	case float64:
		return scalarNode("!!float", formatFloat(x))
	case bool:
		return scalarNode("!!bool", strconv.FormatBool(x))
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			n.Content = append(n.Content, valueNode(e))
		}
		if isShortScalarList(x) {
			n.Style = yaml.FlowStyle
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			n.Content = append(n.Content, keyNode(k), valueNode(x[k]))
		}
		return n
	}
	return scalarNode("!!null", "null") // nil; CheckValue has refused anything else
}

func scalarNode(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

func keyNode(k string) *yaml.Node { return TextNode(k, false) }

// TextNode returns the YAML node of a string, for the files mutu
// writes. The encoder quotes text that YAML would resolve to another
// type; TextNode also chooses a style where the encoder's choice would
// not read back the same or would be hard to read (a literal block for
// several lines only when block is true).
func TextNode(s string, block bool) *yaml.Node {
	n := scalarNode("!!str", s)
	switch {
	case strings.ContainsFunc(s, needsEscape):
		n.Style = yaml.DoubleQuotedStyle
	case block && readsAsBlock(s):
		n.Style = yaml.LiteralStyle
	case strings.Contains(s, "\n"):
		// Left to itself, the encoder writes a literal block, which
		// loses leading blank lines.
		n.Style = yaml.DoubleQuotedStyle
	case s == "<<":
		// Plain, it is a merge key; the encoder does not know.
		n.Style = yaml.DoubleQuotedStyle
	case isYAML11Bool(s):
		// YAML 1.1 readers (publiccode.yml tools among them) take
		// these for booleans.
		n.Style = yaml.SingleQuotedStyle
	}
	return n
}

// needsEscape reports characters that only a double-quoted scalar
// carries safely: control characters other than newline and tab, and
// the Unicode line breaks and byte-order mark YAML treats specially.
func needsEscape(r rune) bool {
	switch r {
	case '\n', '\t':
		return false
	case '\u0085', '\u2028', '\u2029', '\uFEFF':
		return true
	}
	return r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0)
}

// readsAsBlock reports whether text of several lines is best written
// as a literal block ("|"), which keeps it readable: not when it starts
// with white space or has white space at the end of a line, which a
// block does not carry well.
func readsAsBlock(s string) bool {
	return strings.Contains(s, "\n") && !strings.HasPrefix(s, "\n") && !strings.HasPrefix(s, " ") &&
		!strings.ContainsAny(s, "\r") && !strings.Contains(s, " \n") && !strings.Contains(s, "\t\n")
}

func isYAML11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off":
		return true
	}
	return false
}

// formatFloat writes f so that YAML reads it back as the same float,
// never as an integer: 1 is written 1.0. Between 1e-6 and 1e21 it
// writes decimals, as people write amounts (1234567.89, not
// 1.23456789e+06); beyond, an exponent (1e+21, 1e-07). This is also
// the spelling a plain number must have to be read as a number (see
// plainNumber), so what Marshal writes reads back as what it was.
func formatFloat(f float64) string {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}

// isShortScalarList reports whether a list reads best on one line, as
// in tags: [budget, regies].
func isShortScalarList(items []any) bool {
	if len(items) == 0 {
		return false
	}
	total := 0
	for _, it := range items {
		s, ok := it.(string)
		if !ok || strings.ContainsAny(s, "\n\t") {
			return false
		}
		total += len(s) + 2
	}
	return total <= 60
}
