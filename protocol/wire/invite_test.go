package wire

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	peerA = "/ip4/192.0.2.10/tcp/4001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
	peerB = "/ip4/198.51.100.7/udp/4001/quic-v1/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
	// charterCID is a network identifier of the form this version makes.
	charterCID = "bafyreifxpljo34mzus2epe2hv6xtq7kdlijeqdinyw4oaqwezcmrlb6qqa"
)

// addrsOf returns full addresses of the node of key.
func addrsOf(t testing.TB, key ed25519.PrivateKey, bases ...string) []ma.Multiaddr {
	t.Helper()
	var out []ma.Multiaddr
	for _, b := range bases {
		out = append(out, p2pAddr(t, b, pubOf(key)))
	}
	return out
}

// sampleInvite2 is a format-2 invitation of the node of key: with the
// key of "mutu golden inviter", the inputs of the golden code
// (docs/protocol.md §4.7).
func sampleInvite2(t testing.TB, key ed25519.PrivateKey) Invite2 {
	return Invite2{
		Addrs:       addrsOf(t, key, "/ip4/192.0.2.10/tcp/4001", "/ip4/192.0.2.10/udp/4001/quic-v1"),
		Expiry:      time.Date(2031, 3, 14, 9, 26, 53, 0, time.UTC),
		ID:          [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
		Label:       "Agence comptable du lycée Jean Moulin",
		NetworkName: "Gestionnaires de l'académie de Lyon",
		Network:     charterCID,
		Secret:      [16]byte{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf},
	}
}

// signed returns the format-2 code of payload p signed by key, whatever
// p holds: for codes EncodeInvite2 would not make.
func signed(t testing.TB, p any, key ed25519.PrivateKey) string {
	t.Helper()
	payload, err := protocol.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return "mutu2" + strings.ToLower(inviteEncoding.EncodeToString(append(payload, ed25519.Sign(key, payload)...)))
}

// retype changes the character at of code, as a person copying it by
// hand might.
func retype(code string, at int) string {
	b := []byte(code)
	if b[at] == 'a' {
		b[at] = 'b'
	} else {
		b[at] = 'a'
	}
	return string(b)
}

// rawOf returns the bytes a code's base32 holds.
func rawOf(t testing.TB, code string) []byte {
	t.Helper()
	raw, err := inviteEncoding.DecodeString(strings.ToUpper(code[len("mutu2"):]))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

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
		inv, err := DecodeInvite(in)
		if err != nil {
			t.Fatalf("DecodeInvite(%q): %v", in, err)
		}
		if inv.Format != 1 || inv.Network != "bassin-lyon" || len(inv.Addrs) != 2 || !inv.Addrs[0].Equal(addrs[0]) || !inv.Addrs[1].Equal(addrs[1]) {
			t.Fatalf("DecodeInvite = %+v", inv)
		}
		if inv.Expired(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Error("a format-1 code expires")
		}
	}
}

func TestInvite2RoundTrip(t *testing.T) {
	key := keyFrom("inviting node")
	in := sampleInvite2(t, key)
	code, err := EncodeInvite2(in, key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(code, "mutu2") || strings.ToLower(code) != code {
		t.Fatalf("code %q: want lowercase, starting with mutu2", code)
	}
	retyped := strings.ToUpper(code[:40]) + "\r\n - \t" + code[40:100] + "-\n" + code[100:]
	for _, s := range []string{code, retyped} {
		inv, err := DecodeInvite(s)
		if err != nil {
			t.Fatalf("DecodeInvite: %v", err)
		}
		if inv.Format != 2 || inv.Network != in.Network || inv.NetworkName != in.NetworkName || inv.Label != in.Label ||
			inv.ID != in.ID || inv.Secret != in.Secret || !inv.Expiry.Equal(in.Expiry) || len(inv.Addrs) != 2 ||
			!inv.Addrs[0].Equal(in.Addrs[0]) || !inv.Addrs[1].Equal(in.Addrs[1]) {
			t.Fatalf("DecodeInvite = %+v, want %+v", inv.Invite2, in)
		}
		if k, ok := inv.Inviter(); !ok || k != protocol.PublicKey(key) {
			t.Errorf("Inviter = %s %v, want %s", k, ok, protocol.PublicKey(key))
		}
		if inv.IDText() != "0102030405060708" {
			t.Errorf("IDText = %q", inv.IDText())
		}
	}
	// Label and network name may be empty: they are then left out.
	in.Label, in.NetworkName = "", ""
	code, err = EncodeInvite2(in, key)
	if err != nil {
		t.Fatal(err)
	}
	if inv, err := DecodeInvite(code); err != nil || inv.Label != "" || inv.NetworkName != "" {
		t.Fatalf("without label: %+v, %v", inv, err)
	}
	if raw := rawOf(t, code); bytes.Contains(raw, []byte{0x61, 'l'}) || bytes.Contains(raw, []byte{0x61, 'm'}) {
		t.Errorf("an empty label or network name is written: %x", raw)
	}
}

// TestInvite2Golden pins format 2 for a second implementation: the
// inputs of docs/protocol.md §4.7 give the payload (first line of
// testdata/invite2.golden, hex) and the code (second line), and the
// code decodes to them. Run with -update to rewrite it on purpose.
func TestInvite2Golden(t *testing.T) {
	key := keyFrom("mutu golden inviter")
	in := sampleInvite2(t, key)
	code, err := EncodeInvite2(in, key)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := protocol.Marshal(in.payload())
	if err != nil {
		t.Fatal(err)
	}
	got := hex.EncodeToString(payload) + "\n" + code + "\n"
	path := filepath.Join("testdata", "invite2.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(golden) {
		t.Fatalf("payload and code:\n%s\nwant (testdata/invite2.golden):\n%s", got, golden)
	}
	wantCode := strings.Split(string(golden), "\n")[1]
	inv, err := DecodeInvite(wantCode)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Format != 2 || inv.Network != in.Network || inv.NetworkName != in.NetworkName || inv.Label != in.Label ||
		inv.ID != in.ID || inv.Secret != in.Secret || !inv.Expiry.Equal(in.Expiry) || !slices.EqualFunc(inv.Addrs, in.Addrs, ma.Multiaddr.Equal) {
		t.Fatalf("the golden code decodes to %+v", inv)
	}
	if got := inv.Addrs[0].String(); got != "/ip4/192.0.2.10/tcp/4001/p2p/12D3KooWAryQAUgVhiGf1VmoMASx4MyXzxHeVefqj5ZwmYgDh8xE" {
		t.Fatalf("first address %s", got)
	}
}

func TestInviteExpired(t *testing.T) {
	inv := Invite2{Expiry: time.Unix(1_900_000_000, 0)}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{inv.Expiry.Add(-time.Hour), false},
		{inv.Expiry, false}, // valid up to and including its second
		{inv.Expiry.Add(time.Second), true},
	} {
		if got := inv.Expired(tt.now); got != tt.want {
			t.Errorf("Expired(expiry %+v) = %v, want %v", tt.now.Sub(inv.Expiry), got, tt.want)
		}
	}
}

// TestInviteRefused: every refusal matches ErrBadInvite and the one
// kind that tells a person what happened (not a code, unknown format,
// mistyped or cut, signature that does not verify), or none for a code
// its signer made wrong.
func TestInviteRefused(t *testing.T) {
	good1, err := EncodeInvite("mutu", []ma.Multiaddr{ma.StringCast(peerA)})
	if err != nil {
		t.Fatal(err)
	}
	key := keyFrom("inviting node")
	good2, err := EncodeInvite2(sampleInvite2(t, key), key)
	if err != nil {
		t.Fatal(err)
	}
	payload := sampleInvite2(t, key).payload()
	other := addrsOf(t, keyFrom("other node"), "/ip4/192.0.2.11/tcp/4001")[0].Bytes()
	with := func(change func(p *invite2)) invite2 {
		p := payload
		p.Addrs = slices.Clone(payload.Addrs)
		change(&p)
		return p
	}
	mixed := with(func(p *invite2) { p.Addrs[1] = other })
	noP2P := with(func(p *invite2) { p.Addrs = append(p.Addrs, ma.StringCast("/ip4/192.0.2.10/tcp/4002").Bytes()) })
	rsa := with(func(p *invite2) {
		p.Addrs = [][]byte{ma.StringCast("/ip4/192.0.2.10/tcp/4001/p2p/" + rsaPeerID).Bytes()}
	})
	noExpiry := with(func(p *invite2) { p.Expiry = 0 })
	shortID := with(func(p *invite2) { p.ID = []byte{1, 2, 3} })
	named := with(func(p *invite2) { p.Network = "Réseau" })
	longLabel := with(func(p *invite2) { p.Label = strings.Repeat("é", MaxInviteLabel+1) })
	tooMany := with(func(p *invite2) {
		for len(p.Addrs) <= MaxInviteAddrs {
			p.Addrs = append(p.Addrs, payload.Addrs[0])
		}
	})
	emptyLabel := struct { // "l" present but empty: not canonical
		invite2
		Label string `cbor:"l"`
	}{invite2: payload}
	unknownField := struct {
		invite2
		Extra string `cbor:"x"`
	}{payload, "inconnu"}
	noSecret := struct {
		Addrs       [][]byte `cbor:"a"`
		Expiry      uint64   `cbor:"e"`
		ID          []byte   `cbor:"i"`
		Label       string   `cbor:"l,omitempty"`
		NetworkName string   `cbor:"m,omitempty"`
		Network     string   `cbor:"n"`
	}{payload.Addrs, payload.Expiry, payload.ID, payload.Label, payload.NetworkName, payload.Network}

	tests := []struct {
		name string
		code string
		kind error // nil: ErrBadInvite alone
	}{
		{"empty", "", ErrInviteNotCode},
		{"not a code", "bonjour", ErrInviteNotCode},
		{"prefix alone", "mutu", ErrInviteNotCode},
		{"too long", "mutu1" + strings.Repeat("a", MaxInviteLen), ErrInviteNotCode},
		{"too long input", strings.Repeat(" ", MaxInviteInput+1), ErrInviteNotCode},
		{"too long, of an unknown format", "mutu3" + strings.Repeat("a", MaxInviteLen), ErrInviteNotCode},
		{"unknown format", "mutu3" + good2[5:], ErrInviteFormat},
		{"format 9", "mutu9aaaa", ErrInviteFormat},
		{"format 1: typo", retype(good1, len(good1)/2), ErrInviteDamaged},
		{"format 1: cut", good1[:len(good1)-3], ErrInviteDamaged},
		{"format 1: not base32", "mutu1!!!!", ErrInviteDamaged},
		{"format 1: too short", "mutu1aaaa", ErrInviteDamaged},
		{"format 1 read as 2", "mutu2" + good1[5:], ErrInviteDamaged},
		{"format 2 read as 1", "mutu1" + good2[5:], ErrInviteDamaged},
		{"format 2: cut", good2[:len(good2)-3], ErrInviteDamaged},
		{"format 2: too short", "mutu2aaaa", ErrInviteDamaged},
		{"format 2: typo in the CBOR head", retype(good2, len("mutu2")), ErrInviteDamaged},
		{"format 2: not canonical CBOR", signed(t, emptyLabel, key), ErrInviteDamaged},
		{"format 2: unknown field", signed(t, unknownField, key), ErrInviteDamaged},
		{"format 2: no secret", signed(t, noSecret, key), ErrInviteDamaged},
		{"format 2: typo in the signature", retype(good2, len(good2)-10), ErrInviteForged},
		{"format 2: signed by another key than its addresses' peer", signed(t, payload, keyFrom("forger")), ErrInviteForged},
		{"format 2: an address without /p2p/", signed(t, noP2P, key), ErrInviteForged},
		{"format 2: addresses of two peers", signed(t, mixed, key), ErrInviteForged},
		{"format 2: not an ed25519 peer", signed(t, rsa, key), ErrInviteForged},
		{"format 2: 17 addresses", signed(t, tooMany, key), nil},
		{"format 2: no expiry", signed(t, noExpiry, key), nil},
		{"format 2: short ID", signed(t, shortID, key), nil},
		{"format 2: bad network", signed(t, named, key), nil},
		{"format 2: label too long", signed(t, longLabel, key), nil},
	}
	kinds := []error{ErrInviteNotCode, ErrInviteFormat, ErrInviteDamaged, ErrInviteForged}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeInvite(tt.code)
			if !errors.Is(err, ErrBadInvite) {
				t.Fatalf("DecodeInvite = %v, want ErrBadInvite", err)
			}
			for _, k := range kinds {
				if errors.Is(err, k) != (k == tt.kind) {
					t.Errorf("DecodeInvite = %q: errors.Is(%v) = %v", err, k, k != tt.kind)
				}
			}
			if msg := err.Error(); strings.HasPrefix(msg, "wire:") || len(msg) < 30 {
				t.Errorf("message %q is not a sentence for people", msg)
			}
		})
	}
}

// TestInviteNonCanonicalBase32Refused: the last character of a code may
// carry bits that no byte holds; a code with them set is refused as
// mistyped, not read as the code it differs from.
func TestInviteNonCanonicalBase32Refused(t *testing.T) {
	key := keyFrom("inviting node")
	in := sampleInvite2(t, key)
	code2 := ""
	for in.Label = "x"; ; in.Label += "x" {
		c, err := EncodeInvite2(in, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(rawOf(t, c))%5 != 0 { // the last character has unused bits
			code2 = c
			break
		}
	}
	code1 := ""
	for n := "a"; ; n += "a" {
		c, err := EncodeInvite(n, []ma.Multiaddr{ma.StringCast(peerA)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rawOf(t, c))%5 != 0 {
			code1 = c
			break
		}
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for _, code := range []string{code1, code2} {
		last := strings.IndexByte(alphabet, code[len(code)-1])
		changed := code[:len(code)-1] + string(alphabet[last^1]) // the lowest bit is always unused
		if !bytes.Equal(rawOf(t, changed), rawOf(t, code)) {
			t.Fatalf("test broken: %s and %s hold different bytes", code[len(code)-3:], changed[len(changed)-3:])
		}
		if _, err := DecodeInvite(code); err != nil {
			t.Fatalf("DecodeInvite(the canonical code) = %v", err)
		}
		if _, err := DecodeInvite(changed); !errors.Is(err, ErrInviteDamaged) {
			t.Errorf("DecodeInvite(%s with its unused bits set) = %v, want ErrInviteDamaged", code[:5], err)
		}
	}
}

func TestEncodeInviteRefused(t *testing.T) {
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

func TestEncodeInvite2Refused(t *testing.T) {
	key := keyFrom("inviting node")
	for name, change := range map[string]func(*Invite2){
		"no address":   func(i *Invite2) { i.Addrs = nil },
		"no peer ID":   func(i *Invite2) { i.Addrs = []ma.Multiaddr{ma.StringCast("/ip4/192.0.2.10/tcp/4001")} },
		"another peer": func(i *Invite2) { i.Addrs = []ma.Multiaddr{ma.StringCast(peerA)} },
		"17 addresses": func(i *Invite2) {
			i.Addrs = addrsOf(t, key, slices.Repeat([]string{"/ip4/192.0.2.10/tcp/4001"}, 17)...)
		},
		"no expiry":           func(i *Invite2) { i.Expiry = time.Time{} },
		"expiry before 1970":  func(i *Invite2) { i.Expiry = time.Unix(-5, 0) },
		"expiry after 9999":   func(i *Invite2) { i.Expiry = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"bad network":         func(i *Invite2) { i.Network = "Réseau de Lyon" },
		"raw CID as network":  func(i *Invite2) { i.Network = protocol.BlockCID([]byte("x")).String() },
		"label too long":      func(i *Invite2) { i.Label = strings.Repeat("é", MaxInviteLabel+1) },
		"control in the name": func(i *Invite2) { i.NetworkName = "Lyon\x07" },
		"code too long": func(i *Invite2) {
			i.Addrs = addrsOf(t, key, slices.Repeat([]string{"/dns4/" + strings.Repeat("a", 200) + ".fr/tcp/4001"}, 16)...)
		},
		"network name too long": func(i *Invite2) { i.NetworkName = strings.Repeat("n", MaxInviteNetName+1) },
	} {
		inv := sampleInvite2(t, key)
		change(&inv)
		if code, err := EncodeInvite2(inv, key); err == nil {
			t.Errorf("%s: EncodeInvite2 accepted it: %s", name, code)
		}
	}
	if _, err := EncodeInvite2(sampleInvite2(t, key), nil); err == nil {
		t.Error("EncodeInvite2 accepted no key")
	}
	if _, err := EncodeInvite2(sampleInvite2(t, key), keyFrom("another node")); err == nil {
		t.Error("EncodeInvite2 signed addresses of another node")
	}
}

// TestInvite2AnyTypoRefused: a code with any one character mistyped is
// refused as mistyped or forged, never read as another valid code, and
// both kinds occur.
func TestInvite2AnyTypoRefused(t *testing.T) {
	key := keyFrom("inviting node")
	code, err := EncodeInvite2(sampleInvite2(t, key), key)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[error]int{}
	for i := len("mutu2"); i < len(code); i++ {
		_, err := DecodeInvite(retype(code, i))
		switch {
		case errors.Is(err, ErrInviteDamaged):
			seen[ErrInviteDamaged]++
		case errors.Is(err, ErrInviteForged):
			seen[ErrInviteForged]++
		default:
			t.Fatalf("typo at %d: DecodeInvite = %v, want it refused as mistyped or forged", i, err)
		}
	}
	if seen[ErrInviteDamaged] == 0 || seen[ErrInviteForged] == 0 {
		t.Errorf("typos refused as %v: want both undecodable and bad-signature codes", seen)
	}
}

func FuzzDecodeInvite(f *testing.F) {
	code, _ := EncodeInvite("mutu", []ma.Multiaddr{ma.StringCast(peerA)})
	f.Add(code)
	f.Add("mutu1")
	key := keyFrom("mutu golden inviter")
	in := sampleInvite2(f, key)
	code2, _ := EncodeInvite2(in, key)
	f.Add(code2)
	f.Add(strings.ToUpper(code2[:30]) + "-\n" + code2[30:])
	in.Label, in.NetworkName, in.Addrs = "", "", in.Addrs[:1]
	code2, _ = EncodeInvite2(in, key)
	f.Add(code2)
	f.Add("mutu2")
	f.Add("mutu3aa")
	f.Fuzz(func(t *testing.T, code string) {
		inv, err := DecodeInvite(code)
		if err != nil {
			if !errors.Is(err, ErrBadInvite) {
				t.Fatalf("error %v does not match ErrBadInvite", err)
			}
			return
		}
		switch inv.Format {
		case 1:
			again, err := EncodeInvite(inv.Network, inv.Addrs)
			if err != nil {
				t.Fatalf("decoded invitation does not encode again: %v", err)
			}
			if inv2, err := DecodeInvite(again); err != nil || inv2.Network != inv.Network || len(inv2.Addrs) != len(inv.Addrs) {
				t.Fatalf("round trip changed the invitation")
			}
		case 2:
			// What was decoded is exactly what was signed, by the key
			// of the addresses' peer ID.
			k, ok := inv.Inviter()
			if !ok {
				t.Fatal("a format-2 code without an ed25519 inviter")
			}
			payload, err := protocol.Marshal(inv.payload())
			if err != nil {
				t.Fatal(err)
			}
			clean := strings.Map(func(r rune) rune {
				if r == '-' || unicode.IsSpace(r) {
					return -1
				}
				return r
			}, code)
			if len(clean) < 5 || !strings.EqualFold(clean[:5], "mutu2") {
				t.Fatalf("decoded %q", code)
			}
			raw, err := inviteEncoding.DecodeString(strings.ToUpper(clean[5:]))
			if err != nil {
				t.Fatalf("decoded %q, which is not base32 once cleaned: %v", code, err)
			}
			if !bytes.HasPrefix(raw, payload) || len(raw) != len(payload)+ed25519.SignatureSize ||
				!ed25519.Verify(k[:], payload, raw[len(payload):]) {
				t.Fatalf("decoded fields do not encode back to the signed payload")
			}
		default:
			t.Fatalf("format %d", inv.Format)
		}
	})
}
