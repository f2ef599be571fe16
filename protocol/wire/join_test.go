package wire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// joinPeer is the peer ID bytes of the join identity of the golden
// invitation (its secret is the bytes 0xa0 to 0xaf).
func joinPeer(t testing.TB) []byte {
	return peerIDBytes(pubOf(JoinIdentity(sampleInvite2(t, keyFrom("mutu golden inviter")).Secret)))
}

// sampleJoinRequest is the request of the node of key "joining node"
// for the golden invitation: the inputs of the golden request
// (docs/protocol.md §4.7).
func sampleJoinRequest(t testing.TB) JoinRequest {
	r := JoinRequest{
		V:        Version,
		Net:      charterCID,
		Inv:      []byte{1, 2, 3, 4, 5, 6, 7, 8},
		Label:    "Agence comptable du lycée Jean Moulin — bassin Lyon Est",
		Academie: "Lyon",
		Contact:  "ac.0690001a@ac-lyon.fr",
	}
	if err := r.Sign(keyFrom("joining node"), joinPeer(t)); err != nil {
		t.Fatal(err)
	}
	return r
}

// frame returns v written as one frame, whatever it holds.
func frame(t testing.TB, v any) *bufio.Reader {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFrame(&buf, v); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(&buf)
}

func TestJoinRequestRoundTrip(t *testing.T) {
	req := sampleJoinRequest(t)
	var buf bytes.Buffer
	if err := WriteJoinRequest(&buf, req); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJoinRequest(bufio.NewReader(&buf), charterCID)
	if err != nil {
		t.Fatal(err)
	}
	if got.V != req.V || got.Net != req.Net || !bytes.Equal(got.Inv, req.Inv) || got.Label != req.Label ||
		got.Academie != req.Academie || got.Contact != req.Contact || !bytes.Equal(got.Sig, req.Sig) ||
		got.NodeKey() != protocol.PublicKey(keyFrom("joining node")) {
		t.Fatalf("ReadJoinRequest = %+v, want %+v", got, req)
	}
	if err := got.Verify(joinPeer(t)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// Optional texts may be left out.
	req.Academie, req.Contact = "", ""
	if _, err := ReadJoinRequest(frame(t, req), charterCID); err != nil {
		t.Fatalf("without académie and contact: %v", err)
	}
}

// TestJoinSignatureBindsInvitationNetworkAndConnection: a join request's
// signature verifies only for the invitation, the network and the join
// identity's connection it was made for, and only with the key it
// names.
func TestJoinSignatureBindsInvitationNetworkAndConnection(t *testing.T) {
	req := sampleJoinRequest(t)
	other := peerIDBytes(pubOf(keyFrom("someone else")))
	if err := req.Verify(other); protocol.CodeOf(err) != protocol.CodeBadSignature {
		t.Errorf("Verify over another connection = %v, want CodeBadSignature", err)
	}
	for name, change := range map[string]func(r *JoinRequest){
		"another invitation": func(r *JoinRequest) { r.Inv = []byte{8, 7, 6, 5, 4, 3, 2, 1} },
		"another network":    func(r *JoinRequest) { r.Net = "mutu" },
		"another node key":   func(r *JoinRequest) { r.Node = pubOf(keyFrom("someone else")) },
		"no signature":       func(r *JoinRequest) { r.Sig = nil },
	} {
		r := req
		change(&r)
		if err := r.Verify(joinPeer(t)); protocol.CodeOf(err) != protocol.CodeBadSignature {
			t.Errorf("%s: Verify = %v, want CodeBadSignature", name, err)
		}
	}
	if err := new(JoinRequest).Sign(nil, joinPeer(t)); err == nil {
		t.Error("Sign accepted no key")
	}
}

func TestJoinRequestRefused(t *testing.T) {
	tests := []struct {
		name   string
		change func(*JoinRequest)
		code   protocol.Code // of ReadJoinRequest and WriteJoinRequest
	}{
		{"version 2", func(r *JoinRequest) { r.V = 2 }, protocol.CodeUnsupportedVersion},
		{"version 0", func(r *JoinRequest) { r.V = 0 }, protocol.CodeUnsupportedVersion},
		{"inv of 7 bytes", func(r *JoinRequest) { r.Inv = r.Inv[:7] }, protocol.CodeMalformed},
		{"no inv", func(r *JoinRequest) { r.Inv = nil }, protocol.CodeMalformed},
		{"no node", func(r *JoinRequest) { r.Node = nil }, protocol.CodeMalformed},
		{"node of 31 bytes", func(r *JoinRequest) { r.Node = r.Node[:31] }, protocol.CodeMalformed},
		{"sig of 63 bytes", func(r *JoinRequest) { r.Sig = r.Sig[:63] }, protocol.CodeMalformed},
		{"no label", func(r *JoinRequest) { r.Label = "" }, protocol.CodeMalformed},
		{"label too long", func(r *JoinRequest) { r.Label = strings.Repeat("é", MaxJoinLabel+1) }, protocol.CodeMalformed},
		{"academie too long", func(r *JoinRequest) { r.Academie = strings.Repeat("a", MaxJoinAcademie+1) }, protocol.CodeMalformed},
		{"contact too long", func(r *JoinRequest) { r.Contact = strings.Repeat("a", MaxJoinContact+1) }, protocol.CodeMalformed},
		{"control in contact", func(r *JoinRequest) { r.Contact = "a\nb" }, protocol.CodeMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sampleJoinRequest(t)
			tt.change(&req)
			if _, err := ReadJoinRequest(frame(t, req), charterCID); protocol.CodeOf(err) != tt.code {
				t.Errorf("ReadJoinRequest = %v, want code %v", err, tt.code)
			}
			if err := WriteJoinRequest(&bytes.Buffer{}, req); protocol.CodeOf(err) != tt.code {
				t.Errorf("WriteJoinRequest = %v, want code %v", err, tt.code)
			}
		})
	}
	// A network identifier that is not one is never written; read by a
	// node, it is another network's.
	for _, net := range []string{"", "Lyon Est", charterCID + "x"} {
		req := sampleJoinRequest(t)
		req.Net = net
		if err := WriteJoinRequest(&bytes.Buffer{}, req); protocol.CodeOf(err) != protocol.CodeMalformed {
			t.Errorf("WriteJoinRequest(net %q) = %v, want CodeMalformed", net, err)
		}
		if _, err := ReadJoinRequest(frame(t, req), charterCID); !errors.Is(err, ErrWrongNetwork) {
			t.Errorf("ReadJoinRequest(net %q) = %v, want ErrWrongNetwork", net, err)
		}
	}

	raw := func(t *testing.T, name string, in []byte, code protocol.Code) {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadJoinRequest(bufio.NewReader(bytes.NewReader(in)), charterCID); protocol.CodeOf(err) != code {
				t.Errorf("ReadJoinRequest = %v, want code %v", err, code)
			}
		})
	}
	unknown := struct {
		JoinRequest
		Extra string `cbor:"extra"`
	}{sampleJoinRequest(t), "x"}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, unknown); err != nil {
		t.Fatal(err)
	}
	raw(t, "unknown field", buf.Bytes(), protocol.CodeMalformed)
	emptyAcademie := struct { // "academie" present but empty: not canonical
		JoinRequest
		Academie string `cbor:"academie"`
	}{JoinRequest: sampleJoinRequest(t)}
	buf.Reset()
	if err := WriteFrame(&buf, emptyAcademie); err != nil {
		t.Fatal(err)
	}
	raw(t, "empty field written", buf.Bytes(), protocol.CodeMalformed)
	// Keys in another order than the canonical one: "inv" before "v".
	body, err := protocol.Marshal(sampleJoinRequest(t))
	if err != nil {
		t.Fatal(err)
	}
	v, inv := []byte{0x61, 'v', 0x01}, []byte{0x63, 'i', 'n', 'v', 0x48}
	if !bytes.Equal(body[1:4], v) || !bytes.Equal(body[4:9], inv) {
		t.Fatalf("test broken: %x does not start with v then inv", body)
	}
	invEnd := 9 + InviteIDLen
	reordered := slices.Concat(body[:1], body[4:invEnd], v, body[invEnd:])
	raw(t, "keys out of order", slices.Concat(binary.AppendUvarint(nil, uint64(len(reordered))), reordered), protocol.CodeMalformed)
	raw(t, "frame over 4 KiB", binary.AppendUvarint(nil, MaxJoinRequestFrame+1), protocol.CodeTooLarge)
	raw(t, "not CBOR", append(binary.AppendUvarint(nil, 2), 0xff, 0xff), protocol.CodeMalformed)
	if _, err := ReadJoinRequest(bufio.NewReader(bytes.NewReader(nil)), charterCID); !errors.Is(err, io.EOF) {
		t.Errorf("ReadJoinRequest of nothing = %v, want io.EOF", err)
	}
}

// TestJoinRequestAtItsLimitsFits: a request with every field at its
// limit (texts of 4-byte characters) fits in MaxJoinRequestFrame.
func TestJoinRequestAtItsLimitsFits(t *testing.T) {
	req := sampleJoinRequest(t)
	req.Label = strings.Repeat("𝄞", MaxJoinLabel)
	req.Academie = strings.Repeat("𝄞", MaxJoinAcademie)
	req.Contact = strings.Repeat("𝄞", MaxJoinContact)
	var buf bytes.Buffer
	if err := WriteJoinRequest(&buf, req); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJoinRequest(bufio.NewReader(&buf), charterCID); err != nil {
		t.Fatalf("a request at its limits: %v", err)
	}
}

func TestJoinResponseRoundTrip(t *testing.T) {
	for _, resp := range []JoinResponse{
		{Status: JoinAdmitted, Records: [][]byte{[]byte("charter"), []byte("admission"), []byte("addresses")}},
		{Status: JoinPending, Msg: "une coordinatrice doit approuver la demande"},
		{Status: JoinUsed}, {Status: JoinExpired}, {Status: JoinWithdrawn}, {Status: JoinOtherNetwork}, {Status: JoinUnknown},
	} {
		var buf bytes.Buffer
		if err := WriteJoinResponse(&buf, resp); err != nil {
			t.Fatalf("%s: %v", resp.Status, err)
		}
		got, err := ReadJoinResponse(bufio.NewReader(&buf))
		if err != nil || got.Status != resp.Status || got.Msg != resp.Msg || !slices.EqualFunc(got.Records, resp.Records, bytes.Equal) {
			t.Fatalf("%s: ReadJoinResponse = %+v, %v", resp.Status, got, err)
		}
	}
	// An error frame is the error it carries.
	var buf bytes.Buffer
	if err := WriteJoinResponse(&buf, JoinResponse{Code: protocol.CodeRateLimited, Msg: "busy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJoinResponse(bufio.NewReader(&buf)); protocol.CodeOf(err) != protocol.CodeRateLimited {
		t.Fatalf("error frame: %v", err)
	}
}

// TestJoinResponseAtItsLimitsFits: an admission with the most records
// of the largest size a trust record may have fits in
// MaxJoinResponseFrame.
func TestJoinResponseAtItsLimitsFits(t *testing.T) {
	resp := JoinResponse{Status: JoinAdmitted, Msg: strings.Repeat("m", 1000)}
	for range MaxJoinRecords {
		resp.Records = append(resp.Records, bytes.Repeat([]byte{0xa5}, MaxJoinRecordSize))
	}
	var buf bytes.Buffer
	if err := WriteJoinResponse(&buf, resp); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJoinResponse(bufio.NewReader(&buf))
	if err != nil || len(got.Records) != MaxJoinRecords {
		t.Fatalf("ReadJoinResponse = %d records, %v", len(got.Records), err)
	}
}

func TestJoinResponseRefused(t *testing.T) {
	rec := []byte("record")
	tests := []struct {
		name string
		resp JoinResponse
		code protocol.Code
	}{
		{"no status", JoinResponse{}, protocol.CodeMalformed},
		{"unknown status", JoinResponse{Status: "bienvenue"}, protocol.CodeMalformed},
		{"admitted without admission", JoinResponse{Status: JoinAdmitted, Records: [][]byte{rec}}, protocol.CodeMalformed},
		{"admitted with an empty record", JoinResponse{Status: JoinAdmitted, Records: [][]byte{rec, {}}}, protocol.CodeMalformed},
		{"pending with records", JoinResponse{Status: JoinPending, Records: [][]byte{rec, rec}}, protocol.CodeMalformed},
		{"error with a status", JoinResponse{Code: protocol.CodeInternal, Status: JoinAdmitted, Records: [][]byte{rec, rec}}, protocol.CodeMalformed},
		{"67 records", JoinResponse{Status: JoinAdmitted, Records: slices.Repeat([][]byte{rec}, MaxJoinRecords+1)}, protocol.CodeTooLarge},
		{"a record over 16 KiB", JoinResponse{Status: JoinAdmitted, Records: [][]byte{rec, make([]byte, MaxJoinRecordSize+1)}}, protocol.CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadJoinResponse(frame(t, tt.resp)); protocol.CodeOf(err) != tt.code {
				t.Errorf("ReadJoinResponse = %v, want code %v", err, tt.code)
			}
			if err := WriteJoinResponse(&bytes.Buffer{}, tt.resp); protocol.CodeOf(err) != tt.code {
				t.Errorf("WriteJoinResponse = %v, want code %v", err, tt.code)
			}
		})
	}
	unknown := struct {
		JoinResponse
		Extra string `cbor:"extra"`
	}{JoinResponse{Status: JoinPending}, "x"}
	if _, err := ReadJoinResponse(frame(t, unknown)); protocol.CodeOf(err) != protocol.CodeMalformed {
		t.Errorf("an answer with an unknown field: %v, want CodeMalformed", err)
	}
	// Over its cap: refused before the body is read, and never written.
	head := binary.AppendUvarint(nil, MaxJoinResponseFrame+1)
	if _, err := ReadJoinResponse(bufio.NewReader(bytes.NewReader(head))); protocol.CodeOf(err) != protocol.CodeTooLarge {
		t.Errorf("answer over its cap: %v, want CodeTooLarge", err)
	}
	big := JoinResponse{Status: JoinAdmitted, Msg: strings.Repeat("m", 64<<10)}
	for range MaxJoinRecords {
		big.Records = append(big.Records, make([]byte, MaxJoinRecordSize))
	}
	if err := WriteJoinResponse(&bytes.Buffer{}, big); protocol.CodeOf(err) != protocol.CodeTooLarge {
		t.Errorf("WriteJoinResponse over its cap = %v, want CodeTooLarge", err)
	}
}

// TestJoinSigningBytes pins what a join request's signature covers
// (docs/protocol.md §4.7): keys in canonical order, inv, net, join.
func TestJoinSigningBytes(t *testing.T) {
	got := hex.EncodeToString(JoinSigningBytes("mutu", []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{0xaa, 0xbb}))
	// {"inv": h'0102030405060708', "net": "mutu", "join": h'aabb'}
	want := "a3" + "63696e76" + "480102030405060708" + "636e6574" + "646d757475" + "646a6f696e" + "42aabb"
	if got != want {
		t.Fatalf("JoinSigningBytes = %s\nwant %s", got, want)
	}
}

// TestJoinIdentity pins the derivation of the join identity: the
// secret 00 01 … 0f gives the peer ID libp2p gives the key of seed
// SHA-256("mutu join identity" || secret) (computed with go-libp2p and
// with an independent ed25519 implementation), and another secret
// another identity.
func TestJoinIdentity(t *testing.T) {
	var secret [InviteSecretLen]byte
	for i := range secret {
		secret[i] = byte(i)
	}
	id := peerIDBytes(pubOf(JoinIdentity(secret)))
	if want := p2pID(t, "12D3KooWGCM7gVzz1vtdaP2X3iMEjteamCff218L4qQDdNtTH7hL"); !bytes.Equal(id, want) {
		t.Fatalf("join identity of 00…0f: %x, want %x", id, want)
	}
	secret[15] ^= 1
	if other := peerIDBytes(pubOf(JoinIdentity(secret))); bytes.Equal(other, id) {
		t.Fatal("two secrets give one join identity")
	}
}

// TestJoinGolden pins the join messages for a second implementation
// (docs/protocol.md §4.7): testdata/join.golden holds, one a line in
// hex, the bytes the golden request signs, the request frame, an
// admitted answer frame (records "charter" and "admission" stand for
// the revisions) and a pending answer frame. Run with -update to
// rewrite it on purpose.
func TestJoinGolden(t *testing.T) {
	req := sampleJoinRequest(t)
	var reqFrame, admitted, pending bytes.Buffer
	if err := WriteJoinRequest(&reqFrame, req); err != nil {
		t.Fatal(err)
	}
	if err := WriteJoinResponse(&admitted, JoinResponse{Status: JoinAdmitted, Records: [][]byte{[]byte("charter"), []byte("admission")}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJoinResponse(&pending, JoinResponse{Status: JoinPending}); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, b := range [][]byte{JoinSigningBytes(req.Net, req.Inv, joinPeer(t)), reqFrame.Bytes(), admitted.Bytes(), pending.Bytes()} {
		got.WriteString(hex.EncodeToString(b) + "\n")
	}
	path := filepath.Join("testdata", "join.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(golden) {
		t.Fatalf("join messages:\n%s\nwant (testdata/join.golden):\n%s", got.String(), golden)
	}
	lines := strings.Split(strings.TrimSpace(string(golden)), "\n")
	reqBytes, err := hex.DecodeString(lines[1])
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadJoinRequest(bufio.NewReader(bytes.NewReader(reqBytes)), charterCID)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(joinPeer(t)); err != nil {
		t.Fatalf("the golden request does not verify: %v", err)
	}
}

func FuzzDecodeJoin(f *testing.F) {
	var req, admitted, pending, refused bytes.Buffer
	sample, peer := sampleJoinRequest(f), joinPeer(f)
	_ = WriteJoinRequest(&req, sample)
	_ = WriteJoinResponse(&admitted, JoinResponse{Status: JoinAdmitted, Records: [][]byte{[]byte("charter"), []byte("admission")}})
	_ = WriteJoinResponse(&pending, JoinResponse{Status: JoinPending, Msg: "plus tard"})
	_ = WriteJoinResponse(&refused, JoinResponse{Code: protocol.CodeRateLimited, Msg: "busy"})
	for _, b := range [][]byte{req.Bytes(), admitted.Bytes(), pending.Bytes(), refused.Bytes(), {0x03, 0xa1, 0x61, 0x76}} {
		f.Add(b)
	}
	coded := func(t *testing.T, what string, err error) {
		var e *protocol.Error
		if !errors.As(err, &e) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%s: error without a code: %v", what, err)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ReadJoinRequest(bufio.NewReader(bytes.NewReader(in)), charterCID)
		if err == nil {
			var out bytes.Buffer
			if err := WriteJoinRequest(&out, r); err != nil || !bytes.HasPrefix(in, out.Bytes()) {
				t.Fatalf("a request read does not write back to its frame: %v", err)
			}
			if r.Verify(peer) == nil && !bytes.Equal(r.Sig, sample.Sig) {
				t.Fatal("a request verifies with another signature than the golden one")
			}
		} else {
			coded(t, "ReadJoinRequest", err)
		}
		resp, err := ReadJoinResponse(bufio.NewReader(bytes.NewReader(in)))
		if err == nil {
			var out bytes.Buffer
			if err := WriteJoinResponse(&out, resp); err != nil || !bytes.HasPrefix(in, out.Bytes()) {
				t.Fatalf("an answer read does not write back to its frame: %v", err)
			}
		} else {
			coded(t, "ReadJoinResponse", err)
		}
	})
}
