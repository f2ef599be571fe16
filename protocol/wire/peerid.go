package wire

import (
	"bytes"
	"crypto/ed25519"
)

// Peer IDs of ed25519 keys, without importing libp2p (package wire
// stays free of it; see docs/architecture.md). The libp2p peer ID of
// an ed25519 key is the identity multihash (code 0x00, length 36) of
// the key's protobuf encoding {Type: Ed25519 (1), Data: 32 bytes}:
// 00 24 08 01 12 20 followed by the key. This is the only form libp2p
// gives such a key (libp2p specs, peer-ids/peer-ids.md).
var ed25519PeerPrefix = []byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}

// peerIDBytes returns the bytes of the libp2p peer ID of pub.
func peerIDBytes(pub ed25519.PublicKey) []byte {
	return append(append(make([]byte, 0, len(ed25519PeerPrefix)+len(pub)), ed25519PeerPrefix...), pub...)
}

// peerKey returns the ed25519 key a peer ID holds, and false when id is
// not the peer ID of an ed25519 key.
func peerKey(id []byte) (ed25519.PublicKey, bool) {
	if len(id) != len(ed25519PeerPrefix)+ed25519.PublicKeySize || !bytes.HasPrefix(id, ed25519PeerPrefix) {
		return nil, false
	}
	return ed25519.PublicKey(bytes.Clone(id[len(ed25519PeerPrefix):])), true
}
