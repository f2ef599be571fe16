package wire

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/mutu-network/mutu/protocol"
)

// /mutu/join/1.0.0: a node joins a network with a format-2 invitation
// code. It dials the inviting node with the code's join identity
// (JoinIdentity: holding it proves it holds the secret), sends one
// JoinRequest signed with its own node key, and reads one JoinResponse:
// admitted (with the records it needs to connect as a member), pending
// (ask again later), or why not. See docs/protocol.md, Part 4 §4.7.

// Join statuses: the JoinResponse.Status of an answer that is not an
// error frame.
const (
	JoinAdmitted     = "admitted"      // Records: the charter, the node's admission, address records
	JoinPending      = "pending"       // a coordinator has yet to approve; ask again later
	JoinUsed         = "used"          // the invitation admitted another node already
	JoinExpired      = "expired"       // the invitation is past its expiry
	JoinWithdrawn    = "withdrawn"     // its maker withdrew the invitation
	JoinOtherNetwork = "other-network" // the inviting node is not in the request's network
	JoinUnknown      = "unknown"       // the inviting node holds no such invitation
)

// Join limits.
const (
	// MaxJoinRequestFrame bounds a join request: its fields at their
	// limits fit in under 2.5 KiB.
	MaxJoinRequestFrame = 4 << 10
	// MaxJoinRecordSize bounds each record of an answer: a trust
	// record (docs/protocol.md §4.10).
	MaxJoinRecordSize = 16 << 10
	// MaxJoinAddressRecords caps the address records of an answer.
	MaxJoinAddressRecords = 64
	// MaxJoinRecords caps the records of an answer: the charter, the
	// admission and 64 address records.
	MaxJoinRecords = 2 + MaxJoinAddressRecords
	// MaxJoinResponseFrame bounds a join answer: MaxJoinRecords records
	// of MaxJoinRecordSize bytes (1,081,542 bytes with their CBOR
	// heads) and room for the rest.
	MaxJoinResponseFrame = 1<<20 + 64<<10
	// MaxJoinLabel, MaxJoinAcademie and MaxJoinContact cap the texts of
	// a request, in characters: those of an admission.
	MaxJoinLabel    = 200
	MaxJoinAcademie = 100
	MaxJoinContact  = 200
)

// JoinRequest is the one frame a joining node sends. Sig is the
// signature by Node (the joining node's key) of JoinSigningBytes(Net,
// Inv, the join identity's peer ID): the node owns the key it names.
type JoinRequest struct {
	V        uint64 `cbor:"v"`
	Net      string `cbor:"net"`                // the code's network identifier
	Inv      []byte `cbor:"inv,omitempty"`      // the invitation ID, 8 bytes
	Node     []byte `cbor:"node,omitempty"`     // the joining node's key, 32 bytes
	Label    string `cbor:"label,omitempty"`    // required: 1 to 200 characters
	Academie string `cbor:"academie,omitempty"` // up to 100 characters
	Contact  string `cbor:"contact,omitempty"`  // up to 200 characters
	Sig      []byte `cbor:"sig,omitempty"`      // 64 bytes
}

// JoinResponse is the one frame the inviting node answers: a status
// (one of the Join… constants) and, when admitted, the records (the
// bytes of trust-record revisions, to verify like any revision), or an
// error frame (Code set, no status).
type JoinResponse struct {
	Code    protocol.Code `cbor:"code,omitempty"`
	Msg     string        `cbor:"msg,omitempty"`
	Status  string        `cbor:"status,omitempty"`
	Records [][]byte      `cbor:"records,omitempty"`
}

// joinSigned is what a join request's signature covers. Its keys are
// not those of any other message a node key signs (a revision, a
// format-2 invitation payload), so that no signature reads as another.
type joinSigned struct {
	Inv  []byte `cbor:"inv"`
	Join []byte `cbor:"join"`
	Net  string `cbor:"net"`
}

// JoinSigningBytes returns the bytes a join request's signature covers:
// the canonical DAG-CBOR of {"inv": inv, "join": joinPeer, "net": net},
// where joinPeer is the bytes of the join identity's libp2p peer ID.
// It returns nil only if they do not encode, which a text and two byte
// strings always do; Sign and Verify refuse nil.
func JoinSigningBytes(net string, inv []byte, joinPeer []byte) []byte {
	b, err := protocol.Marshal(joinSigned{Inv: inv, Join: joinPeer, Net: net})
	if err != nil {
		return nil
	}
	return b
}

// JoinIdentity returns the join identity of an invitation's secret: the
// ed25519 key whose seed is SHA-256("mutu join identity" || secret).
// The joining node dials with it; the inviting node, which kept its
// peer ID and not the secret, recognises the invitation by it.
func JoinIdentity(secret [InviteSecretLen]byte) ed25519.PrivateKey {
	h := sha256.New()
	h.Write([]byte("mutu join identity"))
	h.Write(secret[:])
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// Sign sets r.Node to key's public key and r.Sig to its signature for
// a request sent over a connection of the join identity whose peer ID
// is joinPeer (its bytes).
func (r *JoinRequest) Sign(key ed25519.PrivateKey, joinPeer []byte) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("join request: the node key is not an ed25519 private key")
	}
	msg := JoinSigningBytes(r.Net, r.Inv, joinPeer)
	if msg == nil {
		return fmt.Errorf("join request: network %q does not encode", r.Net)
	}
	r.Node = append([]byte(nil), key.Public().(ed25519.PublicKey)...)
	r.Sig = ed25519.Sign(key, msg)
	return nil
}

// Verify checks r's signature by its Node key for a request received
// over a connection of the join identity whose peer ID is joinPeer
// (its bytes). A signature that does not verify is refused with
// CodeBadSignature: the request was not made for this invitation, this
// network and this connection by the owner of Node.
func (r JoinRequest) Verify(joinPeer []byte) error {
	msg := JoinSigningBytes(r.Net, r.Inv, joinPeer)
	if msg == nil || len(r.Node) != ed25519.PublicKeySize || len(r.Sig) != ed25519.SignatureSize ||
		!ed25519.Verify(r.Node, msg, r.Sig) {
		return protocol.Errorf(protocol.CodeBadSignature, "join request: the signature of the node key does not verify for this invitation, network and connection")
	}
	return nil
}

// NodeKey returns the joining node's key.
func (r JoinRequest) NodeKey() protocol.AuthorKey {
	var k protocol.AuthorKey
	copy(k[:], r.Node)
	return k
}

// Check reports a request that breaks the rules of §4.7: another
// version (CodeUnsupportedVersion), a bad network identifier, field
// lengths or texts (CodeMalformed). It does not check the signature
// (Verify).
func (r JoinRequest) Check() error {
	bad := func(format string, args ...any) error {
		return protocol.Errorf(protocol.CodeMalformed, "join request: "+format, args...)
	}
	if r.V != Version {
		return protocol.Errorf(protocol.CodeUnsupportedVersion, "join request version %d, this node speaks version %d", r.V, Version)
	}
	if err := CheckNetworkID(r.Net); err != nil {
		return bad("%v", err)
	}
	if len(r.Inv) != InviteIDLen {
		return bad("inv of %d bytes, want %d", len(r.Inv), InviteIDLen)
	}
	if len(r.Node) != ed25519.PublicKeySize {
		return bad("node of %d bytes, want %d", len(r.Node), ed25519.PublicKeySize)
	}
	if len(r.Sig) != ed25519.SignatureSize {
		return bad("sig of %d bytes, want %d", len(r.Sig), ed25519.SignatureSize)
	}
	if r.Label == "" {
		return bad("label is missing: say which node joins (for example « Agence comptable du lycée Jean Moulin »)")
	}
	for _, f := range []struct {
		name, text string
		max        int
	}{{"label", r.Label, MaxJoinLabel}, {"academie", r.Academie, MaxJoinAcademie}, {"contact", r.Contact, MaxJoinContact}} {
		if err := checkText(f.name, f.text, f.max); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// WriteJoinRequest checks r and writes it as one frame.
func WriteJoinRequest(w io.Writer, r JoinRequest) error {
	if err := r.Check(); err != nil {
		return err
	}
	return WriteFrame(w, r)
}

// ReadJoinRequest reads the one frame of a join request sent to a node
// of network, as Part 2 §2.3 reads a request, and checks it
// (JoinRequest.Check). A request of another version is refused with
// CodeUnsupportedVersion, one for another network with
// CodeWrongNetwork and ErrWrongNetwork (the inviting node answers it
// with status JoinOtherNetwork), one over MaxJoinRequestFrame with
// CodeTooLarge, anything else wrong with CodeMalformed. The signature
// is the caller's to check (Verify), with the connection's peer ID.
func ReadJoinRequest(r *bufio.Reader, network string) (JoinRequest, error) {
	var req JoinRequest
	if err := ReadRequest(r, MaxJoinRequestFrame, network, &req); err != nil {
		return JoinRequest{}, fmt.Errorf("join request: %w", err)
	}
	if err := req.Check(); err != nil {
		return JoinRequest{}, err
	}
	return req, nil
}

// Check reports a response that breaks the rules of §4.7: an error
// frame with a status or records, an unknown status, records with
// another status than admitted, an admission without its two records,
// or more than MaxJoinRecords records (CodeTooLarge).
func (r JoinResponse) Check() error {
	bad := func(format string, args ...any) error {
		return protocol.Errorf(protocol.CodeMalformed, "join answer: "+format, args...)
	}
	if r.Code != protocol.CodeOK {
		if r.Status != "" || len(r.Records) > 0 {
			return bad("an error frame (code %d) with a status or records", r.Code)
		}
		return nil
	}
	if len(r.Records) > MaxJoinRecords {
		return protocol.Errorf(protocol.CodeTooLarge, "join answer: %d records, limit %d", len(r.Records), MaxJoinRecords)
	}
	switch r.Status {
	case JoinAdmitted:
		if len(r.Records) < 2 {
			return bad("admitted with %d records: want the charter and the admission at least", len(r.Records))
		}
		for i, rec := range r.Records {
			if len(rec) == 0 {
				return bad("record %d is empty", i+1)
			}
			if len(rec) > MaxJoinRecordSize {
				return protocol.Errorf(protocol.CodeTooLarge, "join answer: record %d of %d bytes, limit %d", i+1, len(rec), MaxJoinRecordSize)
			}
		}
	case JoinPending, JoinUsed, JoinExpired, JoinWithdrawn, JoinOtherNetwork, JoinUnknown:
		if len(r.Records) > 0 {
			return bad("status %q with records", r.Status)
		}
	case "":
		return bad("no status and no error code")
	default:
		return bad("unknown status %q", r.Status)
	}
	return nil
}

// WriteJoinResponse checks r and writes it as one frame of at most
// MaxJoinResponseFrame bytes.
func WriteJoinResponse(w io.Writer, r JoinResponse) error {
	if err := r.Check(); err != nil {
		return err
	}
	body, err := protocol.Marshal(r)
	if err != nil {
		return err
	}
	if len(body) > MaxJoinResponseFrame {
		return protocol.Errorf(protocol.CodeTooLarge, "join answer of %d bytes, limit %d: shorten its message", len(body), MaxJoinResponseFrame)
	}
	return writeBody(w, body)
}

// ReadJoinResponse reads the one frame of a join answer and checks it
// (JoinResponse.Check). An error frame is returned as the error it
// carries (RemoteError); an answer over MaxJoinResponseFrame is refused
// with CodeTooLarge before it is read.
func ReadJoinResponse(r *bufio.Reader) (JoinResponse, error) {
	var resp JoinResponse
	if err := ReadFrame(r, MaxJoinResponseFrame, &resp); err != nil {
		return JoinResponse{}, fmt.Errorf("join answer: %w", err)
	}
	if err := resp.Check(); err != nil {
		return JoinResponse{}, err
	}
	if resp.Code != protocol.CodeOK {
		return JoinResponse{}, RemoteError(resp.Code, resp.Msg)
	}
	return resp, nil
}
