package node

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

func TestFrameRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := fetchRequest{V: wireVersion, Net: "mutu", CIDs: [][]byte{protocol.BlockCID([]byte("a")).Bytes()}}
	if err := writeFrame(&buf, in); err != nil {
		t.Fatal(err)
	}
	var out fetchRequest
	r := bufio.NewReader(&buf)
	if err := decodeRequest(r, maxFetchRequestFrame, "mutu", &out); err != nil {
		t.Fatal(err)
	}
	if len(out.CIDs) != 1 || !bytes.Equal(out.CIDs[0], in.CIDs[0]) {
		t.Fatalf("got %+v", out)
	}
	if _, err := readRaw(r, 10); !errors.Is(err, io.EOF) {
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
			var v errorFrame
			err := readFrame(bufio.NewReader(bytes.NewReader(tt.in)), tt.limit, &v)
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

func TestDecodeRequestChecksVersionAndNetwork(t *testing.T) {
	req := func(v uint64, net string) *bufio.Reader {
		var buf bytes.Buffer
		if err := writeFrame(&buf, bulkRequest{V: v, Net: net}); err != nil {
			t.Fatal(err)
		}
		return bufio.NewReader(&buf)
	}
	var out bulkRequest
	if err := decodeRequest(req(2, "mutu"), 100, "mutu", &out); protocol.CodeOf(err) != protocol.CodeUnsupportedVersion {
		t.Errorf("version 2: %v", err)
	}
	err := decodeRequest(req(1, "autre"), 100, "mutu", &out)
	if protocol.CodeOf(err) != protocol.CodeWrongNetwork || !errors.Is(err, errWrongNetwork) {
		t.Errorf("other network: %v", err)
	}
	if err := decodeRequest(req(1, "mutu"), 100, "mutu", &out); err != nil {
		t.Errorf("good request: %v", err)
	}
}

// Every decoder of network input survives arbitrary bytes.
func FuzzReadFrame(f *testing.F) {
	var buf bytes.Buffer
	_ = writeFrame(&buf, syncRequest{V: 1, Net: "mutu", Count: 3, Recon: []byte{1}})
	f.Add(buf.Bytes())
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		var s syncRequest
		_ = decodeRequest(r, 1<<16, "mutu", &s)
		var b bulkResponse
		_ = readFrame(bufio.NewReader(bytes.NewReader(in)), 1<<16, &b)
		var fr fetchResponse
		_ = readFrame(bufio.NewReader(bytes.NewReader(in)), 1<<16, &fr)
	})
}

func FuzzDecodeGossip(f *testing.F) {
	f.Add(mustMarshal(f, gossipMsg{V: 1, CID: protocol.RevisionCID([]byte("x")).Bytes()}))
	f.Add([]byte("\xa1av\x02"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := decodeGossip(in)
		if err == nil && v == nil {
			t.Fatal("no error and no message")
		}
	})
}
