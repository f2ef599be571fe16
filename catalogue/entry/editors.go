package entry

import (
	"fmt"
	"strings"

	"github.com/mutu-network/mutu/protocol"
)

// editorsFix says how to write the editors key.
const editorsFix = "list the author keys of the editors, as `mutu status` prints them (Author: ed25519:…), e.g. editors: [ed25519:…]; names will come with the federation of networks"

// ParseEditors reads a list of editors as people write them: author
// keys in their text form (see protocol.AuthorKey), surrounding white
// space ignored. A key listed twice is kept once. It fails on the
// first item that is not an author key, or when there are more than
// protocol.MaxEditors; the error is an *Error under the editors key.
func ParseEditors(items []string) ([]protocol.AuthorKey, error) {
	keys, _, err := parseEditors(items)
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// parseEditors is ParseEditors; it also returns the index of the item
// at fault, or -1 when the fault is the length of the list.
func parseEditors(items []string) ([]protocol.AuthorKey, int, *Error) {
	out := make([]protocol.AuthorKey, 0, len(items))
	for i, it := range items {
		k, err := protocol.ParseAuthorKey(strings.TrimSpace(it))
		if err != nil {
			return nil, i, &Error{Problem: Problem{Key: keyEditors, What: fmt.Sprintf("editor %d, %s, is not an author key", i+1, quoteValue(it)), Fix: editorsFix}, Err: ErrInvalid}
		}
		if !containsKey(out, k) {
			out = append(out, k)
		}
	}
	if len(out) > protocol.MaxEditors {
		return nil, -1, &Error{Problem: Problem{Key: keyEditors, What: fmt.Sprintf("%d editors, more than the %d an entry may have", len(out), protocol.MaxEditors), Fix: "list fewer editors"}, Err: ErrTooLarge}
	}
	return out, 0, nil
}

func containsKey(keys []protocol.AuthorKey, k protocol.AuthorKey) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// editors decodes the editors key of a file: nil when the file has
// none, an empty list for "editors: []" or "editors:" with no value.
func (c *checker) editors(v any, present bool) []protocol.AuthorKey {
	if !present {
		return nil
	}
	if v == nil {
		return []protocol.AuthorKey{}
	}
	var items []string
	switch x := v.(type) {
	case string:
		items = []string{x} // one editor, written without brackets
	case []any:
		for i, it := range x {
			s, ok := it.(string)
			if !ok {
				c.errorAt(c.pos.item(keyEditors, i), keyEditors, ErrInvalid, editorsFix, "editor %d is %s, not an author key", i+1, describe(it))
				return nil
			}
			items = append(items, s)
		}
	default:
		c.invalid(keyEditors, editorsFix, "must be a list of author keys, not %s", describe(v))
		return nil
	}
	keys, bad, err := parseEditors(items)
	if err != nil {
		line := c.pos.value(keyEditors)
		if bad >= 0 {
			line = c.pos.item(keyEditors, bad)
		}
		c.errorAt(line, keyEditors, err.Err, err.Fix, "%s", err.What)
		return nil
	}
	return keys
}
