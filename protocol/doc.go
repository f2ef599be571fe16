// Package protocol holds mutu's wire and record formats: the signed
// revision envelope and its canonical DAG-CBOR encoding, content
// addresses (CIDv1, dag-cbor or raw, sha2-256), author keys and
// signatures, the hybrid logical clock, size limits and the stable
// error codes that peers exchange.
//
// It is the hub of the project: it performs no I/O set-up, holds no
// host and no storage, and imports nothing else of mutu's.
//
// See docs/protocol.md for the specification these types implement.
package protocol
