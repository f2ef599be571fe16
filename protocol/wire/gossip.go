package wire

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
)

// Live propagation. Every node of a network joins one gossipsub topic,
// TopicName(network). A message carries a revision up to
// protocol.MaxGossipRevisionSize whole; a larger one is only announced
// by CID, and fetched with /mutu/fetch/1.0.0 from the peer that
// announced it. Message IDs are the SHA-256 of the message bytes, so
// the same revision published by two nodes is one message. See
// docs/protocol.md (Part 2), "Gossip".

// TopicName returns the gossip topic of a network.
func TopicName(network string) string { return "/mutu/" + network + "/revisions/1" }

// MaxGossipMessage bounds a gossip message: a whole revision and its
// envelope.
const MaxGossipMessage = protocol.MaxGossipRevisionSize + 256

// Gossip is a gossip message: a revision whole (Data set) or announced
// by CID (Data nil).
type Gossip struct {
	V    uint64 `cbor:"v"`
	CID  []byte `cbor:"cid"`
	Data []byte `cbor:"data,omitempty"`
}

// EncodeGossip returns the gossip message for b: whole up to
// protocol.MaxGossipRevisionSize, by CID above. The same revision
// always gives the same bytes, and so the same message ID.
func EncodeGossip(b protocol.Block) ([]byte, error) {
	m := Gossip{V: Version, CID: b.CID.Bytes()}
	if len(b.Data) <= protocol.MaxGossipRevisionSize {
		m.Data = b.Data
	}
	return protocol.Marshal(m)
}

// DecodeGossip reads a gossip message: the revision's CID, and its
// bytes when it travels whole (nil for an announcement). The bytes are
// not verified: see protocol.Verify. A message of another version is
// refused with CodeUnsupportedVersion.
func DecodeGossip(data []byte) (cid.Cid, []byte, error) {
	if len(data) > MaxGossipMessage {
		return cid.Undef, nil, protocol.Errorf(protocol.CodeTooLarge, "gossip message of %d bytes, limit %d", len(data), MaxGossipMessage)
	}
	var m Gossip
	if err := protocol.Unmarshal(data, &m); err != nil {
		var h struct {
			V uint64 `cbor:"v"`
		}
		if protocol.UnmarshalLenient(data, &h) == nil && h.V != Version {
			return cid.Undef, nil, protocol.Errorf(protocol.CodeUnsupportedVersion, "gossip message version %d", h.V)
		}
		return cid.Undef, nil, fmt.Errorf("gossip message: %w", err)
	}
	if m.V != Version {
		return cid.Undef, nil, protocol.Errorf(protocol.CodeUnsupportedVersion, "gossip message version %d", m.V)
	}
	c, err := CastCID(m.CID)
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("gossip message: %w", err)
	}
	if c.Prefix().Codec != protocol.CodecDagCBOR {
		return cid.Undef, nil, protocol.Errorf(protocol.CodeBadCID, "gossip message names %s, not a revision", c)
	}
	if m.Data != nil && len(m.Data) > protocol.MaxGossipRevisionSize {
		return cid.Undef, nil, protocol.Errorf(protocol.CodeTooLarge, "revision %s of %d bytes sent whole on gossip, limit %d", c, len(m.Data), protocol.MaxGossipRevisionSize)
	}
	return c, m.Data, nil
}
