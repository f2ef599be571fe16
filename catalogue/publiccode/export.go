package publiccode

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// Export writes a software entry as a publiccode.yml file of the
// current version (or of the later version the file it came from
// declared). The entry's own keys go back to the file's keys (see
// mapped), its summary and body to the description's shortDescription
// and longDescription of its language, and the "publiccode" key gives
// back everything else as it was. An entry that was not imported from
// a file gets the parts of the standard mutu can fill in: its
// description in French, a localisation in French, its maintainers as
// contacts.
//
// The file is checked as Import checks one; what Import would refuse,
// or warn of, comes back as problems named after the file's keys (an
// entry written in mutu has no features, for instance), and the file
// is written all the same. Export fails only for an entry that is not
// a software entry.
func Export(e *entry.Entry) ([]byte, []entry.Problem, error) {
	if k := e.Kind(); k != entry.KindSoftware {
		return nil, nil, fmt.Errorf("export publiccode.yml: entry %q is a %s, not a software entry: %w", e.Title(), k, entry.ErrInvalid)
	}
	pc, _ := clone(e.Meta[Key]).(map[string]any)
	native := pc == nil
	if native {
		pc = map[string]any{}
	}
	if _, ok := pc["publiccodeYmlVersion"].(string); !ok {
		pc["publiccodeYmlVersion"] = CurrentVersion
	}
	for _, m := range mapped {
		if v, ok := e.Meta[m.key]; ok {
			put(pc, m.path, clone(v))
		}
	}
	desc, _ := pc["description"].(map[string]any)
	if desc == nil {
		desc = map[string]any{}
		pc["description"] = desc
	}
	lang := chooseLanguage(slices.Collect(maps.Keys(desc)))
	d, _ := desc[lang].(map[string]any)
	if d == nil {
		d = map[string]any{}
		desc[lang] = d
	}
	if s, ok := e.Meta["summary"].(string); ok {
		d["shortDescription"] = s
	}
	if e.Body != "" {
		d["longDescription"] = e.Body
	}
	if native {
		fillNative(pc, e, lang)
	}
	out, err := marshal(pc)
	if err != nil {
		return nil, nil, fmt.Errorf("export publiccode.yml of %q: %w", e.Title(), err)
	}
	_, warns, err := Import("publiccode.yml", out)
	var problems []entry.Problem
	if es, ok := err.(entry.Errors); ok {
		for _, e := range es {
			problems = append(problems, e.Problem)
		}
	}
	return out, append(problems, warns...), nil
}

// fillNative fills in, for an entry written in mutu, the parts of the
// standard it can: maintenance from the entry's maintainers, and the
// localisation in the description's language.
func fillNative(pc map[string]any, e *entry.Entry, lang string) {
	if ms := e.Maintainers(); len(ms) > 0 {
		contacts := make([]any, len(ms))
		for i, m := range ms {
			contacts[i] = map[string]any{"name": m}
		}
		pc["maintenance"] = map[string]any{"type": "community", "contacts": contacts}
	}
	pc["localisation"] = map[string]any{"localisationReady": false, "availableLanguages": []any{lang}}
}

// put sets the value at a dotted path of pc, making the mappings on
// the way.
func put(pc map[string]any, path string, v any) {
	m := pc
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// clone copies a value of the entry's data model deeply.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = clone(v)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = clone(v)
		}
		return out
	}
	return v
}

// marshal writes pc as YAML: the keys the standard knows in its order,
// then the others sorted.
func marshal(pc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(pc, schema)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// yamlNode returns the YAML node of v, whose schema is f (nil when the
// standard does not know it).
func yamlNode(v any, f *field) *yaml.Node {
	switch x := v.(type) {
	case string:
		return stringNode(x)
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(x, 10)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: formatFloat(x)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		var elem *field
		if f != nil && (f.typ == tList || f.typ == tURLs) {
			elem = f.elem
		}
		for _, it := range x {
			n.Content = append(n.Content, yamlNode(it, elem))
		}
		return n
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		var order []string
		if f != nil && f.typ == tMap {
			for _, k := range f.order {
				if _, ok := x[k]; ok {
					order = append(order, k)
				}
			}
		}
		var rest []string
		for k := range x {
			if !slices.Contains(order, k) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range append(order, rest...) {
			var sub *field
			switch {
			case f != nil && f.typ == tMap:
				sub = f.keys[k]
			case f != nil && f.typ == tLangMap:
				sub = f.elem
			}
			n.Content = append(n.Content, stringNode(k), yamlNode(x[k], sub))
		}
		return n
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// stringNode returns the node of a text, as entry files write it: a
// block for several lines when it reads back the same, quotes for what
// a YAML 1.1 reader takes for a boolean (yes, no).
func stringNode(s string) *yaml.Node { return entry.TextNode(s, true) }
