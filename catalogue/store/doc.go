// Package store keeps a node's revisions and attachment blocks in one
// badger database, with the indexes the rest of mutu reads: the
// revision DAG of every document and its heads, the clock index that
// sync reconciles over, author sequence numbers, a change log for
// derived indexes, and a small metadata area.
// See DESIGN.md §2.2 (revisions and the head rule) and §3 (storage).
//
// # Rules
//
// Put accepts only revisions whose CID and signature the caller has
// checked (see protocol.Verified) and enforces the rules that need other
// revisions: parents held and of the same document, a clock greater
// than every parent's, and authorship (the document's author, or an
// editor listed in one of the parents). A retract revision is final:
// once one is held, the document stays retracted whatever arrives
// later (only Withdraw, removing it, lifts it). Revisions that arrive after a retract are still stored, so
// that every node converges to the same set.
//
// Every figure of a document's state is a function of the set of its
// revisions, not of the order they arrived in: heads are the revisions
// with no child held; Winner is the put revision with the highest
// clock, then the highest CID; Retract is the retract revision chosen
// the same way; Updated is the highest clock of any revision.
//
// Put is all-or-nothing per call: it finds every rule violation before
// it writes anything. PutEach is the best-effort form, for sync: it
// stores what it can and reports the rest revision by revision.
//
// Erase removes the content of revisions (a moderation decision's
// erasure of personal data) but keeps a stub of each, so that heads,
// history and reconciliation stay as they were; the erased CIDs are
// never stored again. It then rewrites the database so that no file
// keeps the erased bytes (rewrite.go).
//
// Withdraw removes revisions and their descendants (a closed network's
// revisions no longer vouched for), with the attachment blocks that no
// revision left names, and leaves every document as Put would have
// made it from the revisions left: the store after Put(all) then
// Withdraw(X) is the store after Put(all but X and its descendants),
// its change log and authors' sequence numbers aside.
//
// # Atomicity and crash consistency
//
// A revision's block and every index entry it needs, the state of its
// document, its author's sequence number, the counts and the change
// log record are written in one badger transaction, synced to disk
// before Put returns unless Options.NoSync is set. A call whose
// revisions do not fit one transaction (about 2 MB of keys and small
// values: thousands of revisions) is committed in several, split
// between revisions in clock order; a crash can then keep a prefix of
// the call, in which every revision has its parents and all its index
// entries. Withdraw is atomic the same way: one transaction, or, for a
// withdrawal too large, several that each leave the store consistent.
// Check verifies these invariants.
//
// # Concurrency
//
// A Store is safe for concurrent use. Put, PutEach and Withdraw are
// serialized by a mutex so that document states are read and rewritten
// by one writer at a time; reads never wait for them. Iterating
// methods read in pages and call their callback with no transaction
// open, so a callback may call the store, but an iteration is not a
// snapshot: changes committed meanwhile may or may not be seen.
//
// # Key layout
//
//	b/<cid bytes>                      block: an encoded revision or a raw attachment block
//	i/<revision cid bytes>             revision info: clock, operation, document ID
//	r/<doc ID text>/<clock><cid bytes> the revisions of a document
//	c/<clock><cid bytes>               every revision, ordered by clock then CID
//	s/<doc ID text>                    document state (heads, winner, retract, kind, title)
//	u/<updated><doc ID text>           documents ordered by last update
//	a/<author key>                     highest sequence number seen for an author
//	l/<seq>                            change log: sequence number → document ID, revisions stored or withdrawn
//	m/<key>                            metadata of other packages
//	e/<cid bytes>                      erased block: decision, time, category, and a revision's stub (erase.go)
//	x/format, x/counts                 store format version; revision, document and retracted document counts
//	x/rewrite                          an erasure whose files are not rewritten yet (rewrite.go)
//
// Clocks and sequence numbers are 8-byte big-endian, so that byte
// order is numeric order. Document IDs are keyed by their text form
// (cid.String, base32 "bafy…") so that DocsByPrefix is a prefix scan.
package store
