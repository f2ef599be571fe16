package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/mutu-network/mutu/protocol"
)

// Version is the version of the stream and gossip messages this package
// reads and writes; every request and gossip message carries it.
const Version = 1

// Protocol IDs of mutu's stream protocols. The version in the ID
// changes only with an incompatible change of the stream's shape;
// messages carry Version for the rest. See docs/protocol.md (Part 2).
const (
	ProtoSync  = "/mutu/sync/1.0.0"
	ProtoFetch = "/mutu/fetch/1.0.0"
	ProtoBulk  = "/mutu/bulk/1.0.0"
	ProtoJoin  = "/mutu/join/1.0.0" // docs/protocol.md §4.7
)

// networkName is what a network name may be.
var networkName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// CheckNetworkName reports whether name may name a network: 1 to 32
// lowercase letters, digits or '-', starting with a letter or digit.
func CheckNetworkName(name string) error {
	if !networkName.MatchString(name) {
		return fmt.Errorf("network name %q: use 1 to 32 lowercase letters, digits or '-'", name)
	}
	return nil
}

// CheckNetworkID reports whether id may identify a network
// (docs/protocol.md §4.1): a charter's CID in its text form (CIDv1,
// dag-cbor, sha2-256, base32: "bafyrei…"), or the name of a network
// made before charters (CheckNetworkName).
func CheckNetworkID(id string) error {
	if CheckNetworkName(id) == nil {
		return nil
	}
	if c, err := protocol.ParseCID(id); err == nil && c.Prefix().Codec == protocol.CodecDagCBOR && c.String() == id {
		return nil
	}
	return fmt.Errorf("network %q: want a charter CID (bafyrei…) or a network name (1 to 32 lowercase letters, digits or '-')", id)
}

// maxUvarintLen is the longest uvarint a frame length may take.
const maxUvarintLen = binary.MaxVarintLen64

// smallFrame is the largest body WriteFrame copies to send it in one
// write with its length.
const smallFrame = 16 << 10

// WriteFrame encodes v canonically and writes it as one frame: a
// uvarint length, then the bytes. A message over
// protocol.MaxMessageSize is refused with CodeTooLarge.
func WriteFrame(w io.Writer, v any) error {
	body, err := protocol.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(w, body)
}

// writeBody writes body, encoded already, as one frame.
func writeBody(w io.Writer, body []byte) error {
	if len(body) > protocol.MaxMessageSize {
		return protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes, limit %d", len(body), protocol.MaxMessageSize)
	}
	head := binary.AppendUvarint(make([]byte, 0, maxUvarintLen+smallFrame), uint64(len(body)))
	if len(body) > smallFrame {
		// Large bodies are not copied: two writes.
		if _, err := w.Write(head); err != nil {
			return err
		}
		_, err := w.Write(body)
		return err
	}
	_, err := w.Write(append(head, body...))
	return err
}

// NewReader returns the buffered reader frames are read from.
func NewReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 32<<10) }

// ReadRaw reads one frame of at most limit bytes and returns its body.
// A longer frame is refused with CodeTooLarge before its body is read.
// It returns io.EOF when the stream ends cleanly before a frame,
// io.ErrUnexpectedEOF when it ends inside one.
func ReadRaw(r *bufio.Reader, limit int) ([]byte, error) {
	n, err := readUvarint(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(limit) {
		return nil, protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes, limit %d", n, limit)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// readUvarint reads a frame length: at most ten bytes, minimally
// encoded.
func readUvarint(r io.ByteReader) (uint64, error) {
	var x uint64
	for i := 0; i < maxUvarintLen; i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if b < 0x80 {
			if i == maxUvarintLen-1 && b > 1 || i > 0 && b == 0 {
				return 0, protocol.Errorf(protocol.CodeMalformed, "frame length is not a minimal uvarint")
			}
			return x | uint64(b)<<(7*i), nil
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, protocol.Errorf(protocol.CodeMalformed, "frame length is longer than %d bytes", maxUvarintLen)
}

// ReadFrame reads one frame of at most limit bytes into v, refusing
// bytes that are not canonical.
func ReadFrame(r *bufio.Reader, limit int, v any) error {
	body, err := ReadRaw(r, limit)
	if err != nil {
		return err
	}
	return protocol.Unmarshal(body, v)
}

// Header is the part every request shares: the message version and
// the network of the sender.
type Header struct {
	V   uint64 `cbor:"v"`
	Net string `cbor:"net"`
}

// ErrWrongNetwork marks a request from a node of another network: the
// responder answers it with CodeWrongNetwork and disconnects the peer.
var ErrWrongNetwork = errors.New("wire: wrong network")

// ReadRequest reads one request frame of at most limit bytes into v
// after checking its header: a request of another version is refused
// with CodeUnsupportedVersion (not CodeMalformed: the header is read
// leniently first), one of another network with CodeWrongNetwork and
// ErrWrongNetwork.
func ReadRequest(r *bufio.Reader, limit int, network string, v any) error {
	body, err := ReadRaw(r, limit)
	if err != nil {
		return err
	}
	var h Header
	if err := protocol.UnmarshalLenient(body, &h); err != nil {
		return protocol.Errorf(protocol.CodeMalformed, "request header: %v", err)
	}
	if h.V != Version {
		return protocol.Errorf(protocol.CodeUnsupportedVersion, "request version %d, this node speaks version %d", h.V, Version)
	}
	if h.Net != network {
		return fmt.Errorf("%w: %w", ErrWrongNetwork,
			protocol.Errorf(protocol.CodeWrongNetwork, "peer is on network %q, this node on %q", h.Net, network))
	}
	return protocol.Unmarshal(body, v)
}

// ErrorFrame is the response a responder sends instead of the expected
// one when it refuses a request. Every response type has the same two
// fields, so an ErrorFrame decodes as any of them.
type ErrorFrame struct {
	Code protocol.Code `cbor:"code,omitempty"`
	Msg  string        `cbor:"msg,omitempty"`
}

// RemoteError is the error for a refusal received from a peer.
func RemoteError(code protocol.Code, msg string) error {
	return &protocol.Error{Code: code, Msg: "peer: " + msg}
}
