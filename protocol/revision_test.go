package protocol

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fixedKey is the key of the golden vectors: seed bytes 0..31.
func fixedKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

func mustSign(t testing.TB, priv ed25519.PrivateKey, r *Revision) Block {
	t.Helper()
	v, err := r.Sign(priv)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return v.Block
}

// goldenRevisions returns one revision of every shape: a first put with
// every kind of front-matter value, an edit with attachments and
// editors, a merge of two heads, and a retract.
func goldenRevisions(t testing.TB) map[string]Block {
	priv := fixedKey()
	first := mustSign(t, priv, &Revision{
		Op: OpPut, Seq: 1, Clock: MakeClock(mustTime("2026-09-01T08:00:00Z")),
		Entry: &Entry{
			Meta: map[string]any{
				"kind":      "note",
				"title":     "Régie d'avances : ouverture et contrôle",
				"tags":      []any{"regie", "controle-interne"},
				"audience":  []any{"gestionnaire", "agent-comptable"},
				"review_by": "2027-06-30",
				"montant":   int64(-1500),
				"taux":      0.5,
				"actif":     true,
				"vide":      nil,
				"extra":     map[string]any{"œuvre": []any{int64(1), "deux", 3.25}},
			},
			Body: "# Régie\n\nL'acte constitutif fixe le **montant** de l'avance.\n",
		},
	})
	edit := mustSign(t, priv, &Revision{
		Op: OpPut, Doc: first.CID, Parents: []cid.Cid{first.CID}, Seq: 2,
		Clock: MakeClock(mustTime("2026-09-02T08:00:00Z")),
		Entry: &Entry{Meta: map[string]any{"title": "Régie d'avances"}, Body: "Texte revu.\n"},
		Attachments: []Attachment{{
			Name: "modele-acte.odt", Type: "application/vnd.oasis.opendocument.text", Size: 3,
			Blocks: []cid.Cid{BlockCID([]byte("abc"))},
		}},
		Editors: []AuthorKey{PublicKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)))},
	})
	other := mustSign(t, priv, &Revision{
		Op: OpPut, Doc: first.CID, Parents: []cid.Cid{first.CID}, Seq: 3,
		Clock: MakeClock(mustTime("2026-09-02T09:00:00Z")),
		Entry: &Entry{Meta: map[string]any{"title": "Régie (bis)"}, Body: ""},
	})
	merge := mustSign(t, priv, &Revision{
		Op: OpPut, Doc: first.CID, Parents: []cid.Cid{edit.CID, other.CID}, Seq: 4,
		Clock: MakeClock(mustTime("2026-09-03T08:00:00Z")),
		Entry: &Entry{Meta: map[string]any{"title": "Régie d'avances"}, Body: "Fusion.\n"},
	})
	retract := mustSign(t, priv, &Revision{
		Op: OpRetract, Doc: first.CID, Parents: []cid.Cid{merge.CID}, Seq: 5,
		Clock: MakeClock(mustTime("2026-09-04T08:00:00Z")),
	})
	return map[string]Block{"first": first, "edit": edit, "other": other, "merge": merge, "retract": retract}
}

func TestGoldenVectors(t *testing.T) {
	for name, b := range goldenRevisions(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", "golden", name+".hex")
			got := b.CID.String() + "\n" + hex.EncodeToString(b.Data) + "\n"
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./protocol -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("encoding changed: a fixed key and entry must give fixed bytes\ngot  %s\nwant %s", got, want)
			}
			if _, err := verifyRevision(b.CID, b.Data, nil); err != nil {
				t.Errorf("golden revision does not verify: %v", err)
			}
		})
	}
}

// TestIndependentDecoder checks that the encoding is real DAG-CBOR:
// go-ipld-prime's codec decodes every kind of block and re-encodes it
// to the same bytes.
func TestIndependentDecoder(t *testing.T) {
	for name, b := range goldenRevisions(t) {
		t.Run(name, func(t *testing.T) {
			nb := basicnode.Prototype.Any.NewBuilder()
			if err := dagcbor.Decode(nb, bytes.NewReader(b.Data)); err != nil {
				t.Fatalf("dagcbor decode: %v", err)
			}
			var out bytes.Buffer
			if err := dagcbor.Encode(nb.Build(), &out); err != nil {
				t.Fatalf("dagcbor encode: %v", err)
			}
			if !bytes.Equal(out.Bytes(), b.Data) {
				t.Fatalf("go-ipld-prime re-encodes differently\nours %x\nipld %x", b.Data, out.Bytes())
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	for name, b := range goldenRevisions(t) {
		r, err := verifyRevision(b.CID, b.Data, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := Marshal(r.wire(true))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(again, b.Data) {
			t.Errorf("%s: decode then encode changed the bytes", name)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	g := goldenRevisions(t)
	first := g["first"]

	flipped := bytes.Clone(first.Data)
	i := bytes.Index(flipped, []byte("montant"))
	flipped[i+len("montant")+1] ^= 1 // inside the signed content
	forged := mustSign(t, fixedKey(), &Revision{Op: OpPut, Seq: 9, Clock: 9, Entry: &Entry{Meta: map[string]any{"title": "x"}}})
	r, _ := DecodeRevision(forged.Data)
	r.Sig[0] ^= 0xff
	badSig, _ := Marshal(r.wire(true))

	// Same content, map keys in the wrong order: valid CBOR, not canonical.
	var generic map[string]any
	if err := cbor.Unmarshal(first.Data, &generic); err != nil {
		t.Fatal(err)
	}
	unsorted, err := cbor.EncOptions{Sort: cbor.SortNone}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	var nonCanonical []byte
	for range 20 { // SortNone follows Go's random map order; find a non-canonical one
		nonCanonical, _ = unsorted.Marshal(generic)
		if !bytes.Equal(nonCanonical, first.Data) {
			break
		}
	}
	v2 := bytes.Replace(bytes.Clone(first.Data), []byte("gversion\x01"), []byte("gversion\x02"), 1)

	tests := []struct {
		name string
		cid  cid.Cid
		data []byte
		want error
	}{
		{"cid does not match", first.CID, flipped, ErrBadCID},
		{"bad signature", RevisionCID(badSig), badSig, ErrBadSignature},
		{"garbage", RevisionCID([]byte("garbage")), []byte("garbage"), ErrMalformed},
		{"empty", RevisionCID(nil), nil, ErrMalformed},
		{"not canonical", RevisionCID(nonCanonical), nonCanonical, ErrMalformed},
		{"unknown version", RevisionCID(v2), v2, ErrUnsupportedVersion},
		{"too large", RevisionCID(make([]byte, MaxRevisionSize+1)), make([]byte, MaxRevisionSize+1), ErrTooLarge},
		{"raw codec", BlockCID(first.Data), first.Data, ErrBadCID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyRevision(tt.cid, tt.data, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRecordRules(t *testing.T) {
	doc := goldenRevisions(t)["first"].CID
	block := BlockCID([]byte("x"))
	entry := &Entry{Meta: map[string]any{"title": "t"}}
	tests := []struct {
		name string
		rev  Revision
		want string
	}{
		{"unknown op", Revision{Op: "delete", Seq: 1, Clock: 1, Entry: entry}, "unknown operation"},
		{"put without entry", Revision{Op: OpPut, Seq: 1, Clock: 1}, "needs an entry"},
		{"retract with entry", Revision{Op: OpRetract, Doc: doc, Parents: []cid.Cid{doc}, Seq: 1, Clock: 1, Entry: entry}, "carries no entry"},
		{"retract first", Revision{Op: OpRetract, Seq: 1, Clock: 1}, "must name its document"},
		{"doc without parents", Revision{Op: OpPut, Doc: doc, Seq: 1, Clock: 1, Entry: entry}, "neither document nor parents"},
		{"duplicate parent", Revision{Op: OpPut, Doc: doc, Parents: []cid.Cid{doc, doc}, Seq: 1, Clock: 1, Entry: entry}, "listed twice"},
		{"raw parent", Revision{Op: OpPut, Doc: doc, Parents: []cid.Cid{block}, Seq: 1, Clock: 1, Entry: entry}, "not a revision CID"},
		{"zero seq", Revision{Op: OpPut, Clock: 1, Entry: entry}, "must be positive"},
		{"bad value", Revision{Op: OpPut, Seq: 1, Clock: 1, Entry: &Entry{Meta: map[string]any{"x": int(3)}}}, "not allowed"},
		{"body too large", Revision{Op: OpPut, Seq: 1, Clock: 1, Entry: &Entry{Body: strings.Repeat("a", MaxBodySize+1)}}, "limit"},
		{"attachment path", Revision{Op: OpPut, Seq: 1, Clock: 1, Entry: entry, Attachments: []Attachment{{Name: "../x", Size: 1, Blocks: []cid.Cid{block}}}}, "plain file name"},
		{"attachment block count", Revision{Op: OpPut, Seq: 1, Clock: 1, Entry: entry, Attachments: []Attachment{{Name: "a", Size: MaxBlockSize + 1, Blocks: []cid.Cid{block}}}}, "must have 2 blocks"},
		{"attachment twice", Revision{Op: OpPut, Seq: 1, Clock: 1, Entry: entry, Attachments: []Attachment{{Name: "a", Size: 1, Blocks: []cid.Cid{block}}, {Name: "a", Size: 1, Blocks: []cid.Cid{block}}}}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.rev.Sign(fixedKey())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Errorf("error %v carries no record-rule code", err)
			}
		})
	}
}

func TestAuthorKeyText(t *testing.T) {
	priv := fixedKey()
	k := PublicKey(priv)
	back, err := ParseAuthorKey(k.String())
	if err != nil || back != k {
		t.Fatalf("parse %s: %v %v", k, back, err)
	}
	for _, bad := range []string{"", "ed25519:", "rsa:abc", k.String()[:20], k.String() + "aa"} {
		if _, err := ParseAuthorKey(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseAuthorKey(%q) = %v, want malformed", bad, err)
		}
	}
	pemBytes := MarshalAuthorKey(priv)
	got, err := UnmarshalAuthorKey(pemBytes)
	if err != nil || !got.Equal(priv) {
		t.Fatalf("author key PEM round trip: %v", err)
	}
	tampered := bytes.Replace(pemBytes, []byte(k.String()), []byte(PublicKey(ed25519.NewKeyFromSeed(make([]byte, 32))).String()), 1)
	if _, err := UnmarshalAuthorKey(tampered); err == nil {
		t.Error("a key file whose public key header does not match was accepted")
	}
	if _, err := UnmarshalAuthorKey([]byte("hello")); err == nil {
		t.Error("garbage accepted as an author key")
	}
}

// TestAuthorKeyHasOneSpelling: a key is written one way (upper or
// lower case aside). Base32 decoders skip line breaks and the unused
// bits of the last character; a second spelling of a key would get
// round a list of keys compared as text.
func TestAuthorKeyHasOneSpelling(t *testing.T) {
	k := PublicKey(fixedKey()).String()
	if back, err := ParseAuthorKey(strings.ToUpper(k[:8]) + strings.ToUpper(k[8:])); err == nil && back.String() != k {
		t.Fatalf("upper case parsed to another key")
	}
	last := k[len(k)-1]
	other := k[:len(k)-1] + string(last+1) // same bits but the unused ones
	if last == 'z' {
		other = k[:len(k)-1] + "2"
	}
	for _, bad := range []string{
		"ed25519:222222222222222222222222222222222222222222222A222222", // found by FuzzParseAuthorKey
		other,
		k[:20] + "\n" + k[20:],
		k[:20] + "\r\n" + k[20:],
	} {
		if got, err := ParseAuthorKey(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseAuthorKey(%q) = %v, %v; want malformed", bad, got, err)
		}
	}
}

func TestHLC(t *testing.T) {
	now := mustTime("2026-01-01T00:00:00Z")
	h := NewHLC(func() time.Time { return now })
	a, b := h.Now(), h.Now()
	if b <= a {
		t.Fatalf("clock did not increase: %d then %d", a, b)
	}
	future := MakeClock(now.Add(MaxClockDrift / 2))
	h.Observe(future)
	if c := h.Now(); c <= future {
		t.Fatalf("clock %d not after observed %d", c, future)
	}
	if got := a.Time(); !got.Equal(now) {
		t.Fatalf("Time() = %v, want %v", got, now)
	}
}

func TestCheckCID(t *testing.T) {
	data := []byte("bloc")
	if err := CheckCID(BlockCID(data), data); err != nil {
		t.Fatal(err)
	}
	if err := CheckCID(BlockCID(data), []byte("autre")); !errors.Is(err, ErrBadCID) {
		t.Fatalf("mismatch: %v", err)
	}
	v0, _ := cid.Decode("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
	if err := CheckCID(v0, data); !errors.Is(err, ErrBadCID) {
		t.Fatalf("CIDv0 accepted: %v", err)
	}
	if _, err := ParseCID("bafy-not-a-cid"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("ParseCID garbage: %v", err)
	}
}

func FuzzDecodeRevision(f *testing.F) {
	for _, b := range goldenRevisions(f) {
		f.Add(b.Data)
	}
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRevision(data)
		if err != nil {
			return
		}
		again, err := Marshal(r.wire(true))
		if err != nil {
			t.Fatalf("decoded revision does not re-encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted bytes that are not canonical")
		}
	})
}

func FuzzParseAuthorKey(f *testing.F) {
	f.Add(PublicKey(fixedKey()).String())
	f.Add("ed25519:")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseAuthorKey(s)
		if err == nil && !strings.EqualFold(k.String(), s) {
			t.Fatalf("%q parsed to %s", s, k)
		}
	})
}

func FuzzUnmarshalAuthorKey(f *testing.F) {
	f.Add(MarshalAuthorKey(fixedKey()))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = UnmarshalAuthorKey(data) // must not panic
	})
}

func TestUnsignedFrom(t *testing.T) {
	for name, b := range goldenRevisions(t) {
		r, err := DecodeRevision(b.Data)
		if err != nil {
			t.Fatal(err)
		}
		want, err := r.SigningBytes()
		if err != nil {
			t.Fatal(err)
		}
		if got := unsignedFrom(b.Data, r.Sig); !bytes.Equal(got, want) {
			t.Errorf("%s: signing bytes cut from the encoding differ from the encoded ones", name)
		}
	}
}
