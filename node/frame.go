package node

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/mutu-network/mutu/protocol"
)

// Every mutu stream carries frames: a uvarint byte length followed by
// that many bytes of canonical DAG-CBOR (protocol.Marshal). A frame
// longer than the cap of the message expected next is refused with
// CodeTooLarge before its body is read. See docs/protocol.md (Part 2),
// "Framing".

// wireVersion is the version of the stream and gossip messages this
// package reads and writes; every request and gossip message carries it.
const wireVersion = 1

// maxUvarintLen is the longest uvarint a frame length may take.
const maxUvarintLen = binary.MaxVarintLen64

// writeFrame encodes v canonically and writes it as one frame.
func writeFrame(w io.Writer, v any) error {
	body, err := protocol.Marshal(v)
	if err != nil {
		return err
	}
	if len(body) > protocol.MaxMessageSize {
		return protocol.Errorf(protocol.CodeTooLarge, "frame of %d bytes, limit %d", len(body), protocol.MaxMessageSize)
	}
	head := binary.AppendUvarint(make([]byte, 0, maxUvarintLen+smallFrame), uint64(len(body)))
	if len(body) > smallFrame {
		// Large bodies are not copied: two writes.
		if _, err := w.Write(head); err != nil {
			return err
		}
		_, err = w.Write(body)
		return err
	}
	_, err = w.Write(append(head, body...))
	return err
}

// smallFrame is the largest body writeFrame copies to send it in one
// write with its length.
const smallFrame = 16 << 10

// readRaw reads one frame of at most limit bytes and returns its body.
// It returns io.EOF when the stream ends cleanly before a frame,
// io.ErrUnexpectedEOF when it ends inside one.
func readRaw(r *bufio.Reader, limit int) ([]byte, error) {
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

// readFrame reads one frame of at most limit bytes into v, refusing
// bytes that are not canonical.
func readFrame(r *bufio.Reader, limit int, v any) error {
	body, err := readRaw(r, limit)
	if err != nil {
		return err
	}
	return protocol.Unmarshal(body, v)
}

// header is the part every request shares. It is decoded leniently
// first, so that a request of another version is answered with
// CodeUnsupportedVersion rather than CodeMalformed.
type header struct {
	V   uint64 `cbor:"v"`
	Net string `cbor:"net"`
}

// lenient decodes the header of a request of any version: cbor's
// default decoder, which ignores unknown fields and bounds nesting and
// lengths, over a frame already bounded in size.
var lenient = cbor.Unmarshal

// errWrongNetwork marks a request from a node of another network; the
// handler disconnects the peer after answering.
var errWrongNetwork = errors.New("wrong network")

// decodeRequest reads one request frame into v after checking its
// version and network.
func decodeRequest(r *bufio.Reader, limit int, network string, v any) error {
	body, err := readRaw(r, limit)
	if err != nil {
		return err
	}
	var h header
	if err := lenient(body, &h); err != nil {
		return protocol.Errorf(protocol.CodeMalformed, "request header: %v", err)
	}
	if h.V != wireVersion {
		return protocol.Errorf(protocol.CodeUnsupportedVersion, "request version %d, this node speaks version %d", h.V, wireVersion)
	}
	if h.Net != network {
		return fmt.Errorf("%w: %w", errWrongNetwork,
			protocol.Errorf(protocol.CodeWrongNetwork, "peer is on network %q, this node on %q", h.Net, network))
	}
	return protocol.Unmarshal(body, v)
}

// errorFrame is the response a responder sends instead of the expected
// one when it refuses a request. Every response type has the same two
// fields, so an errorFrame decodes as any of them.
type errorFrame struct {
	Code protocol.Code `cbor:"code,omitempty"`
	Msg  string        `cbor:"msg,omitempty"`
}

// remoteError is a refusal received from a peer.
func remoteError(code protocol.Code, msg string) error {
	return &protocol.Error{Code: code, Msg: "peer: " + msg}
}

// streamGuard bounds a stream in time: it sets the stream's deadline
// and, because some transports (mocknet) ignore deadlines, also resets
// the stream from a timer when the deadline passes or when ctx ends.
type streamGuard struct {
	s      network.Stream
	idle   time.Duration
	timer  *time.Timer
	unhook func() bool
}

// guard arranges for s to be reset when ctx is done or when idle
// passes without a call to extend. release must be called.
func guard(ctx context.Context, s network.Stream, idle time.Duration) *streamGuard {
	g := &streamGuard{s: s, idle: idle}
	_ = s.SetDeadline(time.Now().Add(idle))
	g.timer = time.AfterFunc(idle, func() { _ = s.Reset() })
	g.unhook = context.AfterFunc(ctx, func() { _ = s.Reset() })
	return g
}

// extend pushes the deadline idle into the future again; long
// transfers call it after each frame.
func (g *streamGuard) extend() {
	_ = g.s.SetDeadline(time.Now().Add(g.idle))
	g.timer.Reset(g.idle)
}

// release stops the timers; the stream itself is left as it is.
func (g *streamGuard) release() {
	g.timer.Stop()
	g.unhook()
}

// finish closes s when err is nil and resets it otherwise, so that
// every stream ends one way or the other on every path.
func finish(s network.Stream, err error) {
	if err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}

// newReader returns the buffered reader frames are read from.
func newReader(s io.Reader) *bufio.Reader { return bufio.NewReaderSize(s, 32<<10) }
