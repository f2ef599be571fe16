package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := FetchRequest{V: Version, Net: "mutu", CIDs: [][]byte{protocol.BlockCID([]byte("a")).Bytes()}}
	if err := WriteFrame(&buf, in); err != nil {
		t.Fatal(err)
	}
	var out FetchRequest
	r := bufio.NewReader(&buf)
	if err := ReadRequest(r, MaxFetchRequestFrame, "mutu", &out); err != nil {
		t.Fatal(err)
	}
	if len(out.CIDs) != 1 || !bytes.Equal(out.CIDs[0], in.CIDs[0]) {
		t.Fatalf("got %+v", out)
	}
	if _, err := ReadRaw(r, 10); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameRefuses(t *testing.T) {
	uv := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	tests := []struct {
		name  string
		in    []byte
		limit int
		code  protocol.Code // CodeOK: a transport error is expected
		err   error
	}{
		{"over the limit", uv(101), 100, protocol.CodeTooLarge, nil},
		{"eleven length bytes", bytes.Repeat([]byte{0x80}, 11), 100, protocol.CodeMalformed, nil},
		{"non-minimal length", []byte{0x85, 0x00}, 100, protocol.CodeMalformed, nil},
		{"cut in the length", []byte{0x85}, 100, protocol.CodeOK, io.ErrUnexpectedEOF},
		{"cut in the body", append(uv(5), 'a', 'b'), 100, protocol.CodeOK, io.ErrUnexpectedEOF},
		{"not CBOR", append(uv(3), 0xff, 0xff, 0xff), 100, protocol.CodeMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v ErrorFrame
			err := ReadFrame(bufio.NewReader(bytes.NewReader(tt.in)), tt.limit, &v)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if got := protocol.CodeOf(err); got != tt.code {
				t.Fatalf("err = %v (code %v), want code %v", err, got, tt.code)
			}
		})
	}
}

func TestReadRequestChecksVersionAndNetwork(t *testing.T) {
	req := func(v uint64, net string) *bufio.Reader {
		var buf bytes.Buffer
		if err := WriteFrame(&buf, BulkRequest{V: v, Net: net}); err != nil {
			t.Fatal(err)
		}
		return bufio.NewReader(&buf)
	}
	var out BulkRequest
	if err := ReadRequest(req(2, "mutu"), 100, "mutu", &out); protocol.CodeOf(err) != protocol.CodeUnsupportedVersion {
		t.Errorf("version 2: %v", err)
	}
	err := ReadRequest(req(1, "autre"), 100, "mutu", &out)
	if protocol.CodeOf(err) != protocol.CodeWrongNetwork || !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("other network: %v", err)
	}
	if err := ReadRequest(req(1, "mutu"), 100, "mutu", &out); err != nil {
		t.Errorf("good request: %v", err)
	}
}

// Every decoder of network input survives arbitrary bytes.
func FuzzReadFrame(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteFrame(&buf, SyncRequest{V: 1, Net: "mutu", Count: 3, Recon: []byte{1}})
	f.Add(buf.Bytes())
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		var s SyncRequest
		_ = ReadRequest(r, 1<<16, "mutu", &s)
		var b BulkResponse
		_ = ReadFrame(bufio.NewReader(bytes.NewReader(in)), 1<<16, &b)
		var fr FetchResponse
		_ = ReadFrame(bufio.NewReader(bytes.NewReader(in)), 1<<16, &fr)
	})
}

func FuzzDecodeGossip(f *testing.F) {
	announce, _ := protocol.Marshal(Gossip{V: 1, CID: protocol.RevisionCID([]byte("x")).Bytes()})
	f.Add(announce)
	whole, _ := EncodeGossip(protocol.Block{CID: protocol.RevisionCID([]byte("x")), Data: []byte("x")})
	f.Add(whole)
	f.Add([]byte("\xa1av\x02"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, data, err := DecodeGossip(in)
		if err != nil {
			return
		}
		if !c.Defined() {
			t.Fatal("no error and no CID")
		}
		again, err := EncodeGossip(protocol.Block{CID: c, Data: data})
		if data != nil && (err != nil || string(again) != string(in)) {
			t.Fatalf("a whole revision message does not encode back to itself: %v", err)
		}
	})
}

// A message of a later gossip version is refused as such, so that the
// node can tell a newer peer from a hostile one.
func TestGossipFutureVersion(t *testing.T) {
	later, err := protocol.Marshal(struct {
		V    uint64 `cbor:"v"`
		Next string `cbor:"next"`
	}{2, "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := DecodeGossip(later); protocol.CodeOf(err) != protocol.CodeUnsupportedVersion {
		t.Fatalf("DecodeGossip(v2) = %v, want CodeUnsupportedVersion", err)
	}
}

// TestGossipRoundTrip: a small revision travels whole, a large one by
// CID, and both decode back.
func TestGossipRoundTrip(t *testing.T) {
	small := protocol.Block{CID: protocol.RevisionCID([]byte("petite")), Data: []byte("petite")}
	big := protocol.Block{CID: protocol.RevisionCID(bytes.Repeat([]byte("g"), protocol.MaxGossipRevisionSize+1)),
		Data: bytes.Repeat([]byte("g"), protocol.MaxGossipRevisionSize+1)}
	for _, b := range []protocol.Block{small, big} {
		msg, err := EncodeGossip(b)
		if err != nil {
			t.Fatal(err)
		}
		c, data, err := DecodeGossip(msg)
		if err != nil || c != b.CID {
			t.Fatalf("DecodeGossip: %s, %v", c, err)
		}
		if whole := len(b.Data) <= protocol.MaxGossipRevisionSize; whole != (data != nil) || whole && !bytes.Equal(data, b.Data) {
			t.Errorf("revision of %d bytes: got %d bytes back whole", len(b.Data), len(data))
		}
	}
}

// TestCheckNetworkID: a network is identified by its charter's CID in
// its one text form, or by an old network's name (docs/protocol.md
// §4.1), and by nothing else.
func TestCheckNetworkID(t *testing.T) {
	charter := protocol.BlockCID([]byte("x")) // raw: refused below
	dag, err := protocol.ParseCID("bafyreifxpljo34mzus2epe2hv6xtq7kdlijeqdinyw4oaqwezcmrlb6qqa")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"mutu", "e2e-1234", dag.String()} {
		if err := CheckNetworkID(id); err != nil {
			t.Errorf("CheckNetworkID(%q) = %v", id, err)
		}
	}
	base36, err := dag.StringOfBase('k')
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "Réseau de Lyon", charter.String(), strings.ToUpper(dag.String()), base36, dag.String() + " "} {
		if err := CheckNetworkID(id); err == nil {
			t.Errorf("CheckNetworkID(%q) accepted it", id)
		}
	}
}
