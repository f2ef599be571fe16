package catalogue

import (
	"crypto/ed25519"
	"fmt"
	"slices"

	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
)

// editorsAfter returns the editors of the revision author writes of
// document d: want when it is not nil and author is the document's
// author, else the current ones. An editor who asks for another list
// is refused: only the author chooses who may revise the document.
func editorsAfter(d *store.Doc, author ed25519.PrivateKey, want []protocol.AuthorKey) ([]protocol.AuthorKey, error) {
	have := d.Rev.Editors
	if want == nil || sameEditors(have, want) {
		return have, nil
	}
	if me := protocol.PublicKey(author); me != d.Author {
		return nil, fmt.Errorf("entry %s: only its author (%s) may change its editors, and you (%s) are one of them; "+
			"leave the editors as they are (as `mutu show` prints them), or remove the editors line: %w",
			d.ID, d.Author.Short(), me.Short(), protocol.ErrNotAuthorized)
	}
	return nonEmpty(want), nil
}

// docEditors returns the editors of the revision d shows, nil when
// there are none.
func docEditors(d *Doc) []protocol.AuthorKey {
	if d.HeadRev == nil {
		return nil
	}
	return nonEmpty(d.HeadRev.Editors)
}

// sameEditors reports whether a and b list the same editors, in any
// order.
func sameEditors(a, b []protocol.AuthorKey) bool {
	if len(a) != len(b) {
		return false
	}
	for _, k := range a {
		if !slices.Contains(b, k) {
			return false
		}
	}
	return true
}

// nonEmpty returns nil for an empty list: a revision without editors
// carries none.
func nonEmpty(keys []protocol.AuthorKey) []protocol.AuthorKey {
	if len(keys) == 0 {
		return nil
	}
	return keys
}
