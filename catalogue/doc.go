// Package catalogue is a node's catalogue of entries: practice notes,
// tool listings and software entries, as signed revisions in a badger
// store (package catalogue/store), searchable in French (package
// catalogue/search), rendered to safe HTML (package catalogue/render),
// written and read as Markdown files with front matter (package
// catalogue/entry), and carried between nodes in CAR bundles.
//
// Catalogue is the one type the rest of mutu uses: the command line,
// the node's sync protocols and its HTTP API all go through it, so that
// every revision, whether written here or received from a peer, is
// verified, stored and indexed the same way.
//
// A catalogue belongs to a network (Options.Network, docs/protocol.md
// Part 4). The network's trust records (its charter, the admissions of
// its nodes, the certificates by which they vouch for authors) are
// revisions stored by the same paths as entries, but never shown among
// them; Roster says what they mean. In a closed network, every path
// that stores revisions refuses an entry whose author no member node
// vouches for (see trust.go).
//
// Storage and index errors are translated here: callers see ErrNotFound,
// ErrAmbiguous, ErrLocked and the protocol's error codes, never a
// badger or bleve type.
package catalogue
