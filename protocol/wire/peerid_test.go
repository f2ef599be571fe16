package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	ma "github.com/multiformats/go-multiaddr"
)

// keyFrom returns the ed25519 key whose seed is SHA-256(name).
func keyFrom(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// peerIDVectors are the peer IDs libp2p gives the keys whose seeds are
// SHA-256(name) (go-libp2p v0.51.0, peer.IDFromPublicKey, checked again
// with an independent ed25519 implementation and base58 encoder).
var peerIDVectors = []struct{ name, pub, id string }{
	{"a", "eae1c8793b5597c4b3f490e76ac31172c439690f8ee14142bb851a61f9a49f0e", "12D3KooWRdFFg3yTbTsDq5Z1yCvCWbqznEFro9jeVivo7rkayJ4D"},
	{"b", "627f17d893e5697a4ba2208bc80b0292e7f58d8120eb353c1b55429db9c6b196", "12D3KooWGSrXQQXYp31AUbZ64eJMb3hGywN4dmzpaZW3rWW22EfF"},
	{"c", "2205b70216c0f4ca46301ac84029229db6fd68c34b8aac4f0d0966c1b3975f2b", "12D3KooWC7B5sWzvb142fJ4LjuB4umpgHQahwQpeduPgnQgwD4Sv"},
	{"mutu golden inviter", "0f86af4e3cecc88005c0b538b9ac6c3571fe0f6f67ff423d9b5a9d8e23080c9f", "12D3KooWAryQAUgVhiGf1VmoMASx4MyXzxHeVefqj5ZwmYgDh8xE"},
	{"joining node", "84ce60556ff0c01691087680857762efeb51b391d9490e60675878ddbf5c586d", "12D3KooWJknWFdDSdGhBmujbL3wr8mfxryynVYXCAURLvSyQxLgc"},
}

// rsaPeerID is a peer ID that holds no ed25519 key (a SHA-256 multihash
// of an RSA key, the example of the libp2p peer-ids spec).
const rsaPeerID = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"

// p2pID returns the bytes of the peer ID written as text, as the
// multiaddr library decodes it (base58), independently of peerid.go.
func p2pID(t testing.TB, text string) []byte {
	t.Helper()
	a, err := ma.NewMultiaddr("/p2p/" + text)
	if err != nil {
		t.Fatal(err)
	}
	return a[0].RawValue()
}

// p2pAddr returns base followed by /p2p/ and the peer ID of pub, made
// by hand (peerIDBytes).
func p2pAddr(t testing.TB, base string, pub ed25519.PublicKey) ma.Multiaddr {
	t.Helper()
	id := peerIDBytes(pub)
	b := ma.StringCast(base).Bytes()
	b = binary.AppendUvarint(b, ma.P_P2P)
	b = binary.AppendUvarint(b, uint64(len(id)))
	a, err := ma.NewMultiaddrBytes(append(b, id...))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pubOf(key ed25519.PrivateKey) ed25519.PublicKey { return key.Public().(ed25519.PublicKey) }

// TestPeerIDByHandEqualsLibp2p: the peer ID wire derives by hand from
// an ed25519 key (identity multihash of the protobuf PublicKey) is the
// one libp2p gives it, and wire reads the key back from it.
func TestPeerIDByHandEqualsLibp2p(t *testing.T) {
	for _, v := range peerIDVectors {
		pub := pubOf(keyFrom(v.name))
		if got := ma.StringCast("/p2p/" + v.id)[0].Value(); got != v.id {
			t.Fatalf("multiaddr reads %s as %s", v.id, got)
		}
		want := p2pID(t, v.id)
		if got := peerIDBytes(pub); !bytes.Equal(got, want) {
			t.Errorf("%q: peerIDBytes = %x, libp2p %x (%s)", v.name, got, want, v.id)
		}
		if got := p2pAddr(t, "/ip4/192.0.2.1/tcp/4001", pub).String(); got != "/ip4/192.0.2.1/tcp/4001/p2p/"+v.id {
			t.Errorf("%q: address %s, want the peer ID %s", v.name, got, v.id)
		}
		k, ok := peerKey(want)
		if !ok || !bytes.Equal(k, pub) {
			t.Errorf("%q: peerKey(%s) = %x %v, want %s", v.name, v.id, k, ok, v.pub)
		}
	}
}

// TestPeerKeyRefusesOtherPeerIDs: a peer ID that is not the identity
// multihash of an ed25519 key yields no key.
func TestPeerKeyRefusesOtherPeerIDs(t *testing.T) {
	good := p2pID(t, peerIDVectors[0].id)
	secp := bytes.Clone(good)
	secp[3] = 0x02 // key type Secp256k1
	for name, id := range map[string][]byte{
		"RSA (SHA-256 multihash)": p2pID(t, rsaPeerID),
		"secp256k1 key type":      secp,
		"cut":                     good[:len(good)-1],
		"one byte more":           append(bytes.Clone(good), 0),
		"empty":                   nil,
	} {
		if k, ok := peerKey(id); ok {
			t.Errorf("%s: peerKey = %x, true; want no key", name, k)
		}
	}
}
