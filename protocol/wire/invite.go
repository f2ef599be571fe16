package wire

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol"
)

// Invitation codes carry what a new node needs to join a network: the
// network and the full addresses (with /p2p/ID) of a node of it.
//
// Format 1, "mutu1…", names an open network without charter: the
// base32 of payload || checksum, payload {"a": addresses, "n": name},
// checksum the first 4 bytes of its SHA-256.
//
// Format 2, "mutu2…", invites a node into a network by its identifier
// (a charter's CID): the base32 of payload || signature, payload {"a", "e", "i", "l", "m",
// "n", "s"} (addresses, expiry, invitation ID, label, network name for
// people, network identifier, secret), signed by the inviting node's
// ed25519 key, the key of the peer ID its addresses end in.
//
// Codes are read case-insensitively and may contain white space
// (spaces, line breaks) and dashes, which are ignored. See docs/protocol.md, Part 2 §11 and
// Part 4 §4.7.

// Invitation limits.
const (
	MaxInviteAddrs    = 16               // addresses in one code
	MaxInviteLen      = 4096             // characters of a code, once white space and dashes are removed
	MaxInviteInput    = 2 * MaxInviteLen // bytes of the text given to DecodeInvite, with them
	MaxInviteLabel    = 200              // characters of a format-2 code's label
	MaxInviteNetName  = 200              // characters of a format-2 code's network name for people
	InviteIDLen       = 8
	InviteSecretLen   = 16
	inviteChecksum    = 4
	maxInviteExpiry   = 253402300799 // 9999-12-31T23:59:59Z
	invitePrefixStart = "mutu"
)

var inviteEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Errors of DecodeInvite. Every error it returns matches ErrBadInvite
// and, where it can tell, one of the four kinds below (errors.Is); its
// text is a sentence for people that says what to do. An error that
// matches no kind is a code that decodes and verifies but breaks a rule
// of its format: its maker is at fault.
var (
	ErrBadInvite = errors.New("wire: bad invitation code")
	// ErrInviteNotCode: the text is not an invitation code at all (no
	// mutu1/mutu2 prefix, too long).
	ErrInviteNotCode = errors.New("wire: not an invitation code")
	// ErrInviteFormat: the code is of a format this version does not
	// read (mutu3… and beyond).
	ErrInviteFormat = errors.New("wire: unknown invitation code format")
	// ErrInviteDamaged: the code does not decode: a character that is
	// not base32 or base32 not in its canonical form, a format-1
	// checksum that does not match, a payload that is not canonical
	// CBOR or lacks a field. It was mistyped or cut.
	ErrInviteDamaged = errors.New("wire: invitation code mistyped or cut")
	// ErrInviteForged: a format-2 code decodes but its signature does
	// not verify with the key of the peer ID its addresses end in, or
	// its addresses do not name one ed25519 peer to check it with. It
	// was mistyped or forged.
	ErrInviteForged = errors.New("wire: invitation code signature does not verify")
)

// inviteError is an ErrBadInvite of one kind, with a sentence for people.
type inviteError struct {
	kind error // one of the ErrInvite… above, or nil
	msg  string
}

func (e *inviteError) Error() string { return e.msg }
func (e *inviteError) Is(target error) bool {
	return target == ErrBadInvite || e.kind != nil && target == e.kind
}

func badInvite(kind error, format string, args ...any) error {
	return &inviteError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Invite2 is what an invitation code carries. A format-1 code fills
// Network and Addrs only; the other fields are format 2's.
type Invite2 struct {
	Addrs       []ma.Multiaddr // 1 to 16 full addresses of the inviting node, ending in /p2p/<peer ID>
	Expiry      time.Time      // the code is refused after this second; kept to the second
	ID          [InviteIDLen]byte
	Label       string // for whom it was made, as its maker wrote it; may be empty
	NetworkName string // the network's name for people (its charter's name); may be empty
	Network     string // the network identifier: a charter CID in text, or a name (format 1)
	Secret      [InviteSecretLen]byte
}

// Invite is a decoded invitation code: its format (1 or 2) and what it
// carries.
type Invite struct {
	Format int
	Invite2
}

// Expired reports whether a format-2 code is past its expiry at now: it
// is valid up to and including its expiry second. A format-1 code has
// no expiry and never expires. Decoding does not check it: the caller
// compares with its clock.
func (inv Invite2) Expired(now time.Time) bool {
	return !inv.Expiry.IsZero() && now.After(inv.Expiry)
}

// IDText returns the invitation ID as text: 16 lowercase hex digits,
// the form of an admission's "invitation" field.
func (inv Invite2) IDText() string { return hex.EncodeToString(inv.ID[:]) }

// Inviter returns the node key of the node the addresses name, when
// its peer ID holds an ed25519 key (always so for a format-2 code).
func (inv Invite2) Inviter() (protocol.AuthorKey, bool) {
	if len(inv.Addrs) == 0 {
		return protocol.AuthorKey{}, false
	}
	_, last := ma.SplitLast(inv.Addrs[0])
	if last == nil || last.Code() != ma.P_P2P {
		return protocol.AuthorKey{}, false
	}
	pub, ok := peerKey(last.RawValue())
	if !ok {
		return protocol.AuthorKey{}, false
	}
	var k protocol.AuthorKey
	copy(k[:], pub)
	return k, true
}

// invite1 is the payload of a format-1 code.
type invite1 struct {
	Network string   `cbor:"n"`
	Addrs   [][]byte `cbor:"a"`
}

// invite2 is the payload of a format-2 code.
type invite2 struct {
	Addrs       [][]byte `cbor:"a"`
	Expiry      uint64   `cbor:"e"`
	ID          []byte   `cbor:"i"`
	Label       string   `cbor:"l,omitempty"`
	NetworkName string   `cbor:"m,omitempty"`
	Network     string   `cbor:"n"`
	Secret      []byte   `cbor:"s"`
}

// fullAddr checks that a ends in /p2p/<peer ID>, so that a node can
// dial it and know whom it reaches, and returns the peer ID's bytes.
func fullAddr(a ma.Multiaddr) ([]byte, error) {
	_, last := ma.SplitLast(a)
	if last == nil || last.Code() != ma.P_P2P {
		return nil, fmt.Errorf("%s: want a full address ending in /p2p/<peer ID>", a)
	}
	return last.RawValue(), nil
}

// EncodeInvite returns the format-1 invitation code for an open network
// named network and addrs, which must be full addresses (ending in
// /p2p/<peer ID>); at most 16 are kept.
func EncodeInvite(network string, addrs []ma.Multiaddr) (string, error) {
	if err := CheckNetworkName(network); err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	if len(addrs) == 0 {
		return "", errors.New("invitation: no address to invite to")
	}
	inv := invite1{Network: network}
	for _, a := range addrs[:min(len(addrs), MaxInviteAddrs)] {
		if _, err := fullAddr(a); err != nil {
			return "", fmt.Errorf("invitation: %w", err)
		}
		inv.Addrs = append(inv.Addrs, a.Bytes())
	}
	payload, err := protocol.Marshal(inv)
	if err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	sum := sha256.Sum256(payload)
	return encodeCode("mutu1", append(payload, sum[:inviteChecksum]...))
}

// EncodeInvite2 returns the format-2 invitation code of inv, signed
// with signer, the inviting node's key: every address must end in the
// /p2p/ peer ID of that key. A code longer than MaxInviteLen is
// refused: give fewer addresses or a shorter label.
func EncodeInvite2(inv Invite2, signer ed25519.PrivateKey) (string, error) {
	if len(signer) != ed25519.PrivateKeySize {
		return "", errors.New("invitation: the signing key is not an ed25519 private key")
	}
	want := peerIDBytes(signer.Public().(ed25519.PublicKey))
	for _, a := range inv.Addrs {
		id, err := fullAddr(a)
		if err != nil {
			return "", fmt.Errorf("invitation: %w", err)
		}
		if !bytes.Equal(id, want) {
			return "", fmt.Errorf("invitation: %s does not end in the peer ID of the signing key", a)
		}
	}
	p := inv.payload()
	if err := p.check(); err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	payload, err := protocol.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("invitation: %w", err)
	}
	return encodeCode("mutu2", append(payload, ed25519.Sign(signer, payload)...))
}

// payload returns the payload of inv's format-2 code.
func (inv Invite2) payload() invite2 {
	p := invite2{
		Label:       inv.Label,
		NetworkName: inv.NetworkName,
		Network:     inv.Network,
		ID:          inv.ID[:],
		Secret:      inv.Secret[:],
	}
	if !inv.Expiry.IsZero() && inv.Expiry.Unix() > 0 {
		p.Expiry = uint64(inv.Expiry.Unix())
	}
	for _, a := range inv.Addrs {
		p.Addrs = append(p.Addrs, a.Bytes())
	}
	return p
}

func encodeCode(prefix string, raw []byte) (string, error) {
	code := prefix + strings.ToLower(inviteEncoding.EncodeToString(raw))
	if len(code) > MaxInviteLen {
		return "", fmt.Errorf("invitation: the code would be %d characters long, limit %d: give fewer addresses or a shorter label", len(code), MaxInviteLen)
	}
	return code, nil
}

// check reports what is wrong with a format-2 payload, its addresses
// aside.
func (p invite2) check() error {
	if err := CheckNetworkID(p.Network); err != nil {
		return err
	}
	if n := len(p.Addrs); n == 0 || n > MaxInviteAddrs {
		return fmt.Errorf("%d addresses, want 1 to %d", n, MaxInviteAddrs)
	}
	if p.Expiry == 0 || p.Expiry > maxInviteExpiry {
		return fmt.Errorf("expiry %d is not a date (Unix seconds from 1970 to 9999)", p.Expiry)
	}
	if len(p.ID) != InviteIDLen {
		return fmt.Errorf("invitation ID of %d bytes, want %d", len(p.ID), InviteIDLen)
	}
	if len(p.Secret) != InviteSecretLen {
		return fmt.Errorf("secret of %d bytes, want %d", len(p.Secret), InviteSecretLen)
	}
	if err := checkText("label", p.Label, MaxInviteLabel); err != nil {
		return err
	}
	return checkText("network name", p.NetworkName, MaxInviteNetName)
}

// DecodeInvite reads an invitation code of format 1 or 2. A format-2
// code's signature is checked with the key of the peer ID its addresses
// end in; its expiry is not checked (see Invite2.Expired). Every error
// matches ErrBadInvite and says, for people, what is wrong.
func DecodeInvite(code string) (Invite, error) {
	if len(code) > MaxInviteInput {
		return Invite{}, badInvite(ErrInviteNotCode, "this is not an invitation code: it is longer than %d characters", MaxInviteLen)
	}
	// Letters are folded to lower case in ASCII only: strings.ToUpper
	// and unicode.ToLower map some other letters to ASCII ones ("ı" to
	// "I", the Kelvin sign to "k"), which a code does not hold.
	code = strings.Map(func(r rune) rune {
		switch {
		case r == '-' || unicode.IsSpace(r):
			return -1
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
	rest, ok := strings.CutPrefix(code, invitePrefixStart)
	if !ok || rest == "" || rest[0] < '0' || rest[0] > '9' {
		return Invite{}, badInvite(ErrInviteNotCode, "this is not an invitation code: a code starts with mutu1 or mutu2")
	}
	if len(code) > MaxInviteLen {
		return Invite{}, badInvite(ErrInviteNotCode, "this is not an invitation code: it is longer than %d characters", MaxInviteLen)
	}
	format, rest := rest[0], rest[1:]
	if format != '1' && format != '2' {
		return Invite{}, badInvite(ErrInviteFormat, "this invitation code is of format %c, which this version of mutu does not read: update mutu", format)
	}
	// Only the canonical base32 is read: the last character may carry
	// bits that no byte holds, and a code with them set is not the one
	// that was made.
	upper := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}, rest)
	raw, err := inviteEncoding.DecodeString(upper)
	if err != nil || inviteEncoding.EncodeToString(raw) != upper {
		return Invite{}, badInvite(ErrInviteDamaged, "the invitation code was mistyped or cut: it holds a character that cannot be there (copy it again rather than retype it)")
	}
	if format == '1' {
		return decodeInvite1(raw)
	}
	return decodeInvite2(raw)
}

func decodeInvite1(raw []byte) (Invite, error) {
	if len(raw) <= inviteChecksum {
		return Invite{}, badInvite(ErrInviteDamaged, "the invitation code is cut: it is too short")
	}
	payload, check := raw[:len(raw)-inviteChecksum], raw[len(raw)-inviteChecksum:]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:inviteChecksum], check) {
		return Invite{}, badInvite(ErrInviteDamaged, "the invitation code was mistyped or cut: its checksum does not match (copy it again rather than retype it)")
	}
	bad := func(format string, args ...any) error {
		return badInvite(nil, "the invitation code is not valid: "+format, args...)
	}
	var p invite1
	if err := protocol.Unmarshal(payload, &p); err != nil {
		return Invite{}, bad("%s", protocol.Sentence(err))
	}
	if CheckNetworkName(p.Network) != nil {
		return Invite{}, bad("network name %q is not valid", p.Network)
	}
	if n := len(p.Addrs); n == 0 || n > MaxInviteAddrs {
		return Invite{}, bad("%d addresses, want 1 to %d", n, MaxInviteAddrs)
	}
	inv := Invite{Format: 1}
	inv.Network = p.Network
	for _, b := range p.Addrs {
		a, err := ma.NewMultiaddrBytes(b)
		if err != nil {
			return Invite{}, bad("address: %v", err)
		}
		if _, err := fullAddr(a); err != nil {
			return Invite{}, bad("%v", err)
		}
		inv.Addrs = append(inv.Addrs, a)
	}
	return inv, nil
}

// decodeInvite2 reads payload || signature. It decodes the payload
// first (bounded: the code is at most MaxInviteLen characters), finds
// the inviting node's key in the peer ID of its addresses, checks the
// signature, and only then the rules the signer answers for.
func decodeInvite2(raw []byte) (Invite, error) {
	damaged := badInvite(ErrInviteDamaged, "the invitation code was mistyped or cut: it does not decode (copy it again rather than retype it)")
	forged := func(why string, args ...any) error {
		return badInvite(ErrInviteForged, "the invitation code's signature does not verify ("+why+"): it was mistyped or forged; copy it again from its sender rather than retype it", args...)
	}
	if len(raw) <= ed25519.SignatureSize {
		return Invite{}, damaged
	}
	payload, sig := raw[:len(raw)-ed25519.SignatureSize], raw[len(raw)-ed25519.SignatureSize:]
	var p invite2
	if err := protocol.Unmarshal(payload, &p); err != nil {
		return Invite{}, damaged
	}
	if n := len(p.Addrs); n == 0 || n > MaxInviteAddrs {
		return Invite{}, badInvite(nil, "the invitation code is not valid: %d addresses, want 1 to %d", n, MaxInviteAddrs)
	}
	inv := Invite{Format: 2}
	var peerID []byte
	for _, b := range p.Addrs {
		a, err := ma.NewMultiaddrBytes(b)
		if err != nil {
			return Invite{}, damaged
		}
		id, err := fullAddr(a)
		if err != nil {
			return Invite{}, forged("%s does not end in the /p2p/ peer ID of the node that signed it", a)
		}
		if peerID == nil {
			peerID = id
		} else if !bytes.Equal(id, peerID) {
			return Invite{}, forged("its addresses name several nodes, %s and %s, where they should name the one that signed it", inv.Addrs[0], a)
		}
		inv.Addrs = append(inv.Addrs, a)
	}
	pub, ok := peerKey(peerID)
	if !ok {
		return Invite{}, forged("the peer ID of %s holds no ed25519 key", inv.Addrs[0])
	}
	if !ed25519.Verify(pub, payload, sig) {
		return Invite{}, forged("it was not signed by the node its addresses name")
	}
	// Signed: what is wrong now was made so by the inviting node.
	if err := p.check(); err != nil {
		return Invite{}, badInvite(nil, "the invitation code is not valid: %v; ask its sender for a new one", err)
	}
	inv.Network = p.Network
	inv.NetworkName = p.NetworkName
	inv.Label = p.Label
	inv.Expiry = time.Unix(int64(p.Expiry), 0).UTC()
	copy(inv.ID[:], p.ID)
	copy(inv.Secret[:], p.Secret)
	return inv, nil
}

// checkText reports a text field over max characters or holding a
// control character (docs/protocol.md §4.2: texts are UTF-8 without
// control characters).
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s of %d characters, limit %d", field, n, max)
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return fmt.Errorf("%s holds a control character (%U)", field, c)
		}
	}
	return nil
}
