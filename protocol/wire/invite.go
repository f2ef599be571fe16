package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
)

// Invitation codes carry what a new node needs to join a network: its
// name and the full addresses (with /p2p/ID) of a few members.
//
// A code is "mutu1" followed by the unpadded lowercase RFC 4648 base32
// of payload || checksum, where payload is the canonical DAG-CBOR of
// {"n": network name, "a": [address bytes, ...]} and checksum is the
// first 4 bytes of SHA-256(payload). Codes are read case-insensitively
// and may contain spaces, dashes or line breaks, which are ignored. See
// docs/protocol.md (Part 2), "Invitation codes".

// invitePrefix starts every invitation code; the digit is the format
// version.
const invitePrefix = "mutu1"

// Invitation limits.
const (
	MaxInviteAddrs = 16   // addresses in one code
	MaxInviteLen   = 4096 // characters of a code
	inviteChecksum = 4
)

var inviteEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// invite is the payload of an invitation code.
type invite struct {
	Network string   `cbor:"n"`
	Addrs   [][]byte `cbor:"a"`
}

// ErrBadInvite is matched (errors.Is) by every error DecodeInvite
// returns.
var ErrBadInvite = errors.New("wire: bad invitation code")

// badInvite is an ErrBadInvite that says, for people, what is wrong
// with the code.
type badInvite string

func (e badInvite) Error() string        { return string(e) }
func (e badInvite) Is(target error) bool { return target == ErrBadInvite }

// fullAddr checks that a ends in /p2p/<peer ID>, so that a node can
// dial it and know whom it reaches.
func fullAddr(a ma.Multiaddr) error {
	_, last := ma.SplitLast(a)
	if last == nil || last.Protocol().Code != ma.P_P2P {
		return fmt.Errorf("%s: want a full address ending in /p2p/<peer ID>", a)
	}
	return nil
}

// EncodeInvite returns the invitation code for network and addrs, which
// must be full addresses (ending in /p2p/<peer ID>); at most 16 are
// kept.
func EncodeInvite(network string, addrs []ma.Multiaddr) (string, error) {
	if err := CheckNetworkName(network); err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	if len(addrs) == 0 {
		return "", errors.New("invitation: no address to invite to")
	}
	inv := invite{Network: network}
	for _, a := range addrs[:min(len(addrs), MaxInviteAddrs)] {
		if err := fullAddr(a); err != nil {
			return "", fmt.Errorf("invitation: %w", err)
		}
		inv.Addrs = append(inv.Addrs, a.Bytes())
	}
	payload, err := protocol.Marshal(inv)
	if err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	sum := sha256.Sum256(payload)
	payload = append(payload, sum[:inviteChecksum]...)
	return invitePrefix + strings.ToLower(inviteEncoding.EncodeToString(payload)), nil
}

// DecodeInvite reads an invitation code and returns the network name
// and the addresses it carries.
func DecodeInvite(code string) (network string, addrs []ma.Multiaddr, err error) {
	bad := func(format string, args ...any) error {
		return badInvite("the invitation code is not valid: " + fmt.Sprintf(format, args...))
	}
	if len(code) > MaxInviteLen {
		return "", nil, bad("longer than %d characters", MaxInviteLen)
	}
	code = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\n', '\r', '\t':
			return -1
		}
		return r
	}, strings.ToLower(code))
	rest, ok := strings.CutPrefix(code, invitePrefix)
	if !ok {
		return "", nil, bad("it must start with %q", invitePrefix)
	}
	raw, err := inviteEncoding.DecodeString(strings.ToUpper(rest))
	if err != nil {
		return "", nil, bad("not base32 (a character was mistyped?)")
	}
	if len(raw) <= inviteChecksum {
		return "", nil, bad("too short")
	}
	payload, check := raw[:len(raw)-inviteChecksum], raw[len(raw)-inviteChecksum:]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:inviteChecksum], check) {
		return "", nil, bad("checksum mismatch (the code was mistyped or cut)")
	}
	var inv invite
	if err := protocol.Unmarshal(payload, &inv); err != nil {
		return "", nil, bad("%v", err)
	}
	if CheckNetworkName(inv.Network) != nil {
		return "", nil, bad("network name %q is not valid", inv.Network)
	}
	if len(inv.Addrs) == 0 || len(inv.Addrs) > MaxInviteAddrs {
		return "", nil, bad("%d addresses, want 1 to %d", len(inv.Addrs), MaxInviteAddrs)
	}
	for _, b := range inv.Addrs {
		a, err := ma.NewMultiaddrBytes(b)
		if err != nil {
			return "", nil, bad("address: %v", err)
		}
		if err := fullAddr(a); err != nil {
			return "", nil, bad("%v", err)
		}
		addrs = append(addrs, a)
	}
	return inv.Network, addrs, nil
}
