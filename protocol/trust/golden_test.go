package trust

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenKey is the key of the test vectors, as in package protocol:
// the seed is the bytes 0x00 to 0x1f.
func goldenKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// The CIDs of the golden entry of package protocol: its first
// revision (first.hex), which is its document, and an edit (edit.hex).
const (
	goldenFirst = "bafyreihhflei2tmmqfdo3ncason7ldz2544vrjfxz63dqzba5ih7juqa2a"
	goldenEdit  = "bafyreifbxjauosicyvqtrarncdw3pfgavf3enmb5atqzolrlbnehz7o6py"
)

type golden struct {
	name string // the file: testdata/golden/<name>.hex
	body Body
}

// goldenRecords signs one record of each kind with goldenKey, seq 1
// to 9 and clocks a minute apart from 2026-09-01 08:00 UTC, in the
// order of a network's life: the charter (whose CID is the network of
// the others), a join request, the admission that approves it, a
// certificate and its end, addresses and a revocation; then a
// decision that erases two revisions of the golden entry of package
// protocol (protocol/testdata/golden: first.hex and edit.hex), and a
// report on it.
func goldenRecords(t *testing.T) ([]golden, []protocol.Verified) {
	priv := goldenKey()
	other := protocol.PublicKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
	records := []golden{
		{"charter", &Charter{Name: "Gestionnaires de l'académie de Lyon", Policy: PolicyClosed,
			Coordinators: []Key{protocol.PublicKey(priv), other}, Closes: "mutu",
			Text: "# Charte\n\nLes nœuds du réseau partagent des fiches signées.\n"}},
		{"join-request", &JoinRequest{Node: other, Label: "Agence comptable du lycée Jean Moulin — bassin Lyon Est",
			Academie: "Lyon", Contact: "ce.0690001a@ac-lyon.fr", Invitation: "0123456789abcdef"}},
		{"admission", &Admission{Node: other, Role: RoleMember, Label: "Agence comptable du lycée Jean Moulin — bassin Lyon Est",
			Academie: "Lyon", Contact: "ce.0690001a@ac-lyon.fr", Invitation: "0123456789abcdef"}}, // Request: the join request's CID
		{"certificate", &Certificate{Author: other, Name: "Mme Durand", Function: "gestionnaire",
			Etablissement: "Collège Jean Jaurès", UAI: "0691234A"}},
		{"certificate-end", &CertificateEnd{Author: other}},
		{"addresses", &Addresses{Addrs: []string{"/ip4/192.0.2.10/tcp/4001", "/ip4/192.0.2.10/udp/4001/quic-v1"}}},
		{"revocation", &Revocation{Node: other, Reason: "Le lycée a rejoint un autre réseau."}},
		{"decision", &Decision{Action: ActionErase, Entry: goldenFirst, Revisions: []string{goldenFirst, goldenEdit},
			Category: CategoryPersonalData, Reason: "La fiche cite le nom d'un élève et le revenu de sa famille."}},
		{"report", &Report{Entry: goldenFirst, Revision: goldenEdit, Category: CategoryPersonalData,
			Comment: "Le deuxième paragraphe nomme un élève.\nMerci de le retirer.", Reporter: "Mme Durand"}},
	}
	start := protocol.MakeClock(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	var network string
	var out []protocol.Verified
	for i, g := range records {
		if a, ok := g.body.(*Admission); ok {
			a.Request = out[1].CID.String()
		}
		rev, err := NewRevision(network, g.body)
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		rev.Seq = uint64(i + 1)
		rev.Clock = start + protocol.MakeClock(time.Unix(60*int64(i), 0))
		v, err := rev.Sign(priv)
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		if i == 0 {
			network = v.CID.String()
		}
		out = append(out, v)
	}
	return records, out
}

// TestGoldenTrustRecords: a fixed key and fixed records give fixed
// bytes (testdata/golden/<kind>.hex: the CID, then the bytes in hex),
// which verify and decode to those records; there is one per kind.
func TestGoldenTrustRecords(t *testing.T) {
	records, signed := goldenRecords(t)
	seen := map[Kind]bool{}
	for i, g := range records {
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join("testdata", "golden", g.name+".hex")
			v := signed[i]
			got := v.CID.String() + "\n" + hex.EncodeToString(v.Data) + "\n"
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
				t.Fatalf("%v (run go test ./protocol/trust -run Golden -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("encoding changed: a fixed key and record must give fixed bytes\ngot  %s\nwant %s", got, want)
			}
			lines := strings.Split(strings.TrimSpace(string(want)), "\n")
			data, err := hex.DecodeString(lines[len(lines)-1])
			if err != nil {
				t.Fatal(err)
			}
			read, err := protocol.Verify(protocol.Block{CID: protocol.RevisionCID(data), Data: data})
			if err != nil || read.CID.String() != lines[0] {
				t.Fatalf("the golden file does not verify as %s: %v", lines[0], err)
			}
			rec, err := Decode(read)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rec.Body, g.body) || rec.Signer != protocol.PublicKey(goldenKey()) {
				t.Errorf("decoded %+v, want %+v", rec.Body, g.body)
			}
			if g.name != "charter" && rec.Network != signed[0].CID.String() {
				t.Errorf("network %s, want the golden charter's %s", rec.Network, signed[0].CID)
			}
			seen[rec.Body.Kind()] = true
		})
	}
	if len(seen) != len(kinds) {
		t.Errorf("golden records of %d kinds, want %d", len(seen), len(kinds))
	}
}
