package publiccode

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// node is a value of the file as read, with the line it starts on:
// what the checks walk, so that every problem names its line.
type node struct {
	kind  nodeKind
	line  int
	tag   string  // resolved YAML tag of a scalar: !!str, !!int, !!float, !!bool, !!null, !!timestamp…
	text  string  // a scalar's text, as written
	items []*node // a sequence's items
	keys  []*node // a mapping's keys (scalars), in file order
	vals  []*node // a mapping's values, beside keys
}

type nodeKind int

const (
	scalarNode nodeKind = iota
	seqNode
	mapNode
)

// get returns the value of key k of a mapping, or nil.
func (n *node) get(k string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, key := range n.keys {
		if key.text == k {
			return n.vals[i]
		}
	}
	return nil
}

// set replaces the value of key k of a mapping, or adds it.
func (n *node) set(k string, v *node) {
	for i, key := range n.keys {
		if key.text == k {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, &node{kind: scalarNode, tag: "!!str", text: k, line: v.line})
	n.vals = append(n.vals, v)
}

// rename renames key from to to, keeping its place.
func (n *node) rename(from, to string) {
	for _, key := range n.keys {
		if key.text == from {
			key.text = to
			return
		}
	}
}

// del removes key k of a mapping.
func (n *node) del(k string) {
	for i, key := range n.keys {
		if key.text == k {
			n.keys = append(n.keys[:i], n.keys[i+1:]...)
			n.vals = append(n.vals[:i], n.vals[i+1:]...)
			return
		}
	}
}

// isNull reports whether n is absent or null.
func (n *node) isNull() bool { return n == nil || (n.kind == scalarNode && n.tag == "!!null") }

func textNode(s string, line int) *node {
	return &node{kind: scalarNode, tag: "!!str", text: s, line: line}
}

// maxValues bounds the values a file may expand to, aliases included,
// so that a small file cannot make a huge tree (a "billion laughs").
const maxValues = 100_000

// maxDepth bounds how deeply collections may nest.
const maxDepth = 64

// errTooLarge is the error of a file that expands beyond maxValues or
// nests beyond maxDepth.
var errTooLarge = errors.New("publiccode: the file expands to too many values")

// yamlLine finds "line N" in a yaml.v3 error.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// syntaxError is a file YAML cannot read.
type syntaxError struct {
	line int
	msg  string
}

// readTree parses data as YAML into a tree. A YAML problem comes back
// as a *syntaxError naming its line; a document that is not a mapping,
// or has a duplicate key, too.
func readTree(data []byte) (*node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimSpace(strings.Replace(msg, m[0]+":", "", 1))
		}
		return nil, &syntaxError{line: line, msg: msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &syntaxError{line: 1, msg: "the file is empty"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &syntaxError{line: root.Line, msg: "the file is not a mapping of keys to values"}
	}
	budget := maxValues
	return convert(root, &budget, 0)
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// convert turns a yaml.v3 node into a tree node, expanding aliases
// within budget.
func convert(y *yaml.Node, budget *int, depth int) (*node, error) {
	*budget--
	if *budget < 0 || depth > maxDepth {
		return nil, errTooLarge
	}
	switch y.Kind {
	case yaml.AliasNode:
		n, err := convert(y.Alias, budget, depth+1)
		if err != nil {
			return nil, err
		}
		n.line = y.Line
		return n, nil
	case yaml.SequenceNode:
		n := &node{kind: seqNode, line: y.Line}
		for _, c := range y.Content {
			item, err := convert(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
		}
		return n, nil
	case yaml.MappingNode:
		n := &node{kind: mapNode, line: y.Line}
		seen := make(map[string]int, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, &syntaxError{line: k.Line, msg: "a key is not a plain word"}
			}
			if first, dup := seen[k.Value]; dup {
				return nil, &syntaxError{line: k.Line, msg: fmt.Sprintf("key %q is given twice (first on line %d)", k.Value, first)}
			}
			seen[k.Value] = k.Line
			val, err := convert(v, budget, depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, &node{kind: scalarNode, tag: "!!str", text: k.Value, line: k.Line})
			n.vals = append(n.vals, val)
		}
		return n, nil
	}
	return &node{kind: scalarNode, line: y.Line, tag: y.ShortTag(), text: y.Value}, nil
}

// value returns the tree as a value of the entry's data model
// (protocol.CheckValue): text, int64, float64, bool, nil, []any and
// map[string]any. A number is a number only when written the plain
// way (42, -3, 2.5, 1.0), as entry.Parse reads numbers; anything else
// keeps the text written: 0.2.4, 07100, 1.10. Dates are text.
func (n *node) value() any {
	switch n.kind {
	case seqNode:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.value()
		}
		return out
	case mapNode:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k.text] = n.vals[i].value()
		}
		return out
	}
	switch n.tag {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(n.text); err == nil && (n.text == "true" || n.text == "false") {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.text, 10, 64); err == nil && strconv.FormatInt(i, 10) == n.text {
			return i
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.text, 64); err == nil && !math.IsInf(f, 0) && formatFloat(f) == n.text {
			return f
		}
	}
	return n.text
}

// fromValue makes a tree of a value of the entry's data model.
func fromValue(v any) *node {
	switch x := v.(type) {
	case []any:
		n := &node{kind: seqNode}
		for _, it := range x {
			n.items = append(n.items, fromValue(it))
		}
		return n
	case map[string]any:
		n := &node{kind: mapNode}
		for k, v := range x {
			n.keys = append(n.keys, textNode(k, 0))
			n.vals = append(n.vals, fromValue(v))
		}
		return n
	case string:
		return textNode(x, 0)
	case int64:
		return &node{kind: scalarNode, tag: "!!int", text: strconv.FormatInt(x, 10)}
	case float64:
		return &node{kind: scalarNode, tag: "!!float", text: formatFloat(x)}
	case bool:
		return &node{kind: scalarNode, tag: "!!bool", text: strconv.FormatBool(x)}
	}
	return &node{kind: scalarNode, tag: "!!null", text: "null"}
}

// formatFloat writes f as entry.Marshal does, so that a float reads
// back as the same float: 1 is 1.0; an exponent only below 1e-6 or
// from 1e21 on.
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
