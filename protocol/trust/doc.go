// Package trust reads the trust records of a network and computes what
// they mean, the roster: which nodes belong to the network, which of
// them coordinate it, and which authors they vouch for. It implements
// docs/protocol.md, Part 4: §4.2 for the records, §4.3 for the roster.
//
// # Records
//
// A trust record is a revision like an entry (same envelope, CID,
// signature, store and replication), signed by a node key and marked
// by the key "record" in its entry's meta. There are seven kinds: the
// charter that founds a network (its CID is the network's identifier),
// admissions and revocations of nodes, certificates by which a node
// vouches for an author and their ends, a node's listen addresses, and
// join requests relayed by a member. Each is the first and only
// revision of its own document: an act is final, undone only by a later
// act. IsTrust tells one from an entry, Decode reads one from a
// verified revision and checks every rule of §4.2, NewRevision makes
// the unsigned revision of one, and Record.CheckNetwork refuses
// another network's. Two more kinds serve moderation (§4.12, §4.13):
// a decision, by which a coordinator hides, blocks or erases (or an
// author erases personal data from their own revisions), and a
// report, by which a member node tells moderators about an entry on
// behalf of one of its accounts.
//
// # The fold
//
// Records arrive in any order, from any peer, by gossip, sync or
// bundle; two nodes holding the same records must agree on what they
// mean. So the roster is never updated record by record as they come:
// Fold computes it from the whole set held, as a pure function.
//
// It starts from the charter whose CID is the network's identifier:
// its coordinators are coordinators from its clock. It keeps the
// records of that network with a clock at least the charter's (the
// others count for nothing), sorts them by clock, then by CID, and
// replays them in that order over a state of nodes and certificates.
// Each record counts only if its signer may make it at that point of
// the replay:
//
//   - an admission, if its signer is a coordinator: the node becomes
//     active, with its role and details;
//   - a revocation, if its signer is a coordinator: the node is no
//     longer active, and the certificates it issued end;
//   - a certificate, if its signer is active: the author's previous
//     certificate ends and this one is current;
//   - a certificate-end, if its signer issued the current certificate
//     or is a coordinator: the current certificate ends;
//   - addresses, if the signer is active: the latest are its
//     addresses;
//   - a join request, if its signer is active and the node is not: it
//     is pending until an admission of the node.
//
// For example, with a charter at clock 0 naming coordinator A: A
// admits node B at 10, B certifies author X at 12, A revokes B at 20,
// and A admits B again at 30. Replayed in that order, B is active from
// 10 to 20 and from 30 on; X's certificate counts (B was active at 12)
// and ends at 20, and stays ended after B's return, so X's revisions
// with clocks before 20 are vouched for and later ones are not, until
// an active node certifies X again. A node that received the
// revocation first, or the certificate last, folds the same four
// records into the same roster.
//
// Whatever conflicts is decided by that order, the same on every node:
// of two coordinators who revoke each other, the earlier revocation
// counts, and the other is then signed by a node that no longer
// coordinates, so it counts for nothing; at equal clocks the CID
// decides. A record that arrives late may change what records after it
// in the order meant: the next Fold replays them all again (a sort and
// one pass: O(n log n) in the records held); the catalogue folds again
// when it stores trust records.
//
// # Vouched authors
//
// In a closed network an entry revision is kept only if its author is
// vouched for at its clock: the clock is before the charter's (what
// was written before the network closed stays), or before the latest
// end of the author's certificates (Forever for one in force). A
// certificate therefore vouches for the revisions before it too.
// Roster.Vouched answers with a map lookup. When a new record ends
// vouching earlier than before (a revocation, a certificate-end, or a
// late record by which a certificate no longer counts),
// Roster.Withdrawals says, by author, which clocks are no longer
// vouched for, and the catalogue withdraws those revisions.
//
// # Moderation
//
// Decisions and reports change nothing of the roster; FoldModeration
// keeps, from the same set of records, those whose signers were
// entitled at their point of the replay (Roster.Entitled): a
// coordinator for a decision, an author certified at its clock for
// the erasure of personal data from their own revisions, an active
// node for a report. So a decision by a coordinator revoked before its
// clock counts for nothing, whenever either arrives. Resolve then
// gives, per target (an entry, a revision, an author), the latest
// decision of the signers a node follows: an unhide after a hide
// cancels it.
//
// The package imports no libp2p: node keys are protocol.AuthorKey, and
// turning one into a peer ID is the node's business.
package trust
