// Package trust reads the trust records of a network: its charter,
// the admissions and revocations of its nodes, the certificates that
// vouch for authors and their ends, the nodes' address records and
// join requests. It implements docs/protocol.md, Part 4, §4.2.
//
// A trust record is a revision like an entry (same envelope, CID,
// signature, store and replication), signed by a node key and marked
// by the key "record" in its entry's meta; each is the first and only
// revision of its own document, since an act is final and undone only
// by a later act. IsTrust tells one from an entry, Decode reads one
// from a verified revision and checks every rule of §4.2 (kinds,
// fields, limits), and NewRevision makes the unsigned revision of one,
// refusing what Decode would refuse.
//
// The package imports no libp2p: node keys are protocol.AuthorKey, and
// turning one into a peer ID is the node's business.
package trust
