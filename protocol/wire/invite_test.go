package wire

import (
	"errors"
	"strings"
	"testing"

	ma "github.com/multiformats/go-multiaddr"
)

const (
	peerA = "/ip4/192.0.2.10/tcp/4001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
	peerB = "/ip4/198.51.100.7/udp/4001/quic-v1/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
)

func TestInviteRoundTrip(t *testing.T) {
	addrs := []ma.Multiaddr{ma.StringCast(peerA), ma.StringCast(peerB)}
	code, err := EncodeInvite("bassin-lyon", addrs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(code, "mutu1") || strings.ToLower(code) != code {
		t.Fatalf("code %q: want lowercase, starting with mutu1", code)
	}
	// People retype codes: case, spaces, dashes and line breaks do not
	// matter.
	retyped := strings.ToUpper(code[:12]) + " -\n" + code[12:]
	for _, in := range []string{code, retyped} {
		network, got, err := DecodeInvite(in)
		if err != nil {
			t.Fatalf("DecodeInvite(%q): %v", in, err)
		}
		if network != "bassin-lyon" || len(got) != 2 || !got[0].Equal(addrs[0]) || !got[1].Equal(addrs[1]) {
			t.Fatalf("DecodeInvite = %q %v", network, got)
		}
	}
}

func TestInviteRefused(t *testing.T) {
	good, err := EncodeInvite("mutu", []ma.Multiaddr{ma.StringCast(peerA)})
	if err != nil {
		t.Fatal(err)
	}
	typo := []byte(good)
	i := len(typo) / 2
	if typo[i] == 'a' {
		typo[i] = 'b'
	} else {
		typo[i] = 'a'
	}
	for name, code := range map[string]string{
		"empty":        "",
		"wrong prefix": "mutu2" + good[5:],
		"typo":         string(typo),
		"cut":          good[:len(good)-3],
		"not base32":   "mutu1!!!!",
		"too long":     "mutu1" + strings.Repeat("a", MaxInviteLen),
	} {
		if _, _, err := DecodeInvite(code); !errors.Is(err, ErrBadInvite) {
			t.Errorf("%s: DecodeInvite = %v, want ErrBadInvite", name, err)
		}
	}
	for name, addrs := range map[string][]ma.Multiaddr{
		"no address":     nil,
		"no peer ID":     {ma.StringCast("/ip4/192.0.2.10/tcp/4001")},
		"network spaces": {ma.StringCast(peerA)},
	} {
		network := "mutu"
		if name == "network spaces" {
			network = "mon réseau"
		}
		if _, err := EncodeInvite(network, addrs); err == nil {
			t.Errorf("%s: EncodeInvite accepted it", name)
		}
	}
}

func FuzzDecodeInvite(f *testing.F) {
	code, _ := EncodeInvite("mutu", []ma.Multiaddr{ma.StringCast(peerA)})
	f.Add(code)
	f.Add("mutu1")
	f.Fuzz(func(t *testing.T, code string) {
		network, addrs, err := DecodeInvite(code)
		if err != nil {
			return
		}
		again, err := EncodeInvite(network, addrs)
		if err != nil {
			t.Fatalf("decoded invitation does not encode again: %v", err)
		}
		if n2, a2, err := DecodeInvite(again); err != nil || n2 != network || len(a2) != len(addrs) {
			t.Fatalf("round trip changed the invitation")
		}
	})
}
