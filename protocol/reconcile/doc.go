// Package reconcile finds out which revisions two peers lack, exchanging
// bytes that grow with the difference between their sets and not with
// the sets themselves: range-based set reconciliation, as described by
// Aljoscha Meyer ("Range-Based Set Reconciliation", 2023) and used by
// negentropy, with mutu's own wire format.
//
// Each peer holds a Set of Items, (clock, revision CID) pairs ordered by
// clock then by the CID's bytes. One peer, the initiator, opens a
// Session with Initiate; the other answers with a responder Session.
// They exchange messages, each a sequence of ranges that cover the key
// space in order. A range is settled (Skip), summarised by a fingerprint
// of the items it holds, listed by short IDs (IDList, initiator only), or
// answered with full items (Items and Diff, responder only). A range
// whose fingerprints differ is split into sub-ranges of equal item
// counts until it is small enough to be listed.
//
// # Who learns what
//
// Only the initiator learns the difference: Step returns to it have (the
// items it holds that the responder lacks, which it should push) and
// need (the items the responder holds that it lacks, which it should
// fetch). Both are full items, each reported once per session. The
// responder holds every item it reports in full; the initiator names its
// own items only by 16-byte short IDs. A responder's Step always
// returns nil have and need.
//
// # Limits
//
// Messages are refused above protocol.MaxMessageSize, with more than
// MaxRanges ranges, more than MaxIDs listed IDs in all, or more than
// MaxRangeIDs in one range. A session refuses more than its round limit
// of incoming messages (DefaultMaxRounds). A responder's work for one
// message is O(R·log n + I) for R ranges, I listed IDs and a set of n
// items, plus writing a reply that its frame limit bounds, so a hostile
// peer cannot make it do unbounded work.
//
// # Concurrency
//
// A Set is safe for concurrent use. A Session works on a snapshot of its
// Set taken when the Session is created: items inserted or removed later
// take part in the next session only, and a long or stalled session never
// blocks Insert or Remove. A Session itself is not safe for concurrent
// use.
//
// See docs/protocol.md (Part 3) for the wire format and the exchange step by
// step.
package reconcile
