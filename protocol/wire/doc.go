// Package wire holds everything mutu nodes send each other on streams
// and on the gossip topic: the framing, the protocol IDs, the messages
// of the sync, fetch, bulk and join protocols, gossip messages and
// invitation codes, each with its encoding and its size limits. Like package
// protocol it does no I/O of its own: codecs take an io.Writer or a
// *bufio.Reader, never a host; what a node does with a message (who to
// ask, when, and what a bad one costs the peer) lives in package node.
//
// Every message is canonical DAG-CBOR (protocol.Marshal); a frame is a
// uvarint byte length followed by the message. See docs/protocol.md,
// Part 2 and Part 4 §4.7, which this package implements.
package wire
