package trust

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// netID is a network identifier for the record tests: a charter's CID.
var netID = protocol.RevisionCID([]byte("charte")).String()

// docID, revID and rev2ID are an entry's document and two of its
// revisions, for moderation records.
var (
	docID  = protocol.RevisionCID([]byte("fiche")).String()
	revID  = protocol.RevisionCID([]byte("fiche, révision 2")).String()
	rev2ID = protocol.RevisionCID([]byte("fiche, révision 3")).String()
)

// validBodies returns a record of each kind with every field set, and
// one with only the required fields, as node 1 may sign them.
func validBodies() map[string]Body {
	return map[string]Body{
		"charter": &Charter{Name: "Gestionnaires de l'académie de Lyon", Policy: PolicyClosed,
			Coordinators: []Key{pub(1), pub(2)}, Closes: "bassin-lyon", Text: "# Charte\n\nEntre gestionnaires.\n"},
		"charter, open, bare": &Charter{Name: "Essai", Policy: PolicyOpen, Coordinators: []Key{pub(1)}},
		"admission": &Admission{Node: pub(3), Role: RoleCoordinator, Label: "Agence comptable du lycée Jean Moulin — bassin Lyon Est",
			Academie: "lyon", Contact: "ac.0690001a@ac-lyon.fr", Invitation: "0123456789abcdef", Request: netID},
		"admission, bare":  &Admission{Node: pub(3), Role: RoleMember, Label: "Collège Y"},
		"revocation":       &Revocation{Node: pub(3), Reason: "Le nœud a fermé."},
		"revocation, bare": &Revocation{Node: pub(3)},
		"certificate": &Certificate{Author: pub(9), Name: "Mme Durand", Function: "gestionnaire",
			Etablissement: "Collège Jean Jaurès", UAI: "0691234A"},
		"certificate, bare": &Certificate{Author: pub(9), Name: "M. Martin", Function: "référent numérique"},
		"certificate-end":   &CertificateEnd{Author: pub(9)},
		"addresses":         &Addresses{Addrs: []string{"/ip4/192.0.2.10/tcp/4001", "/ip4/192.0.2.10/udp/4001/quic-v1"}},
		"join-request": &JoinRequest{Node: pub(4), Label: "Lycée Z", Academie: "lyon", Contact: "Mme Petit",
			Invitation: "fedcba9876543210"},
		"join-request, bare": &JoinRequest{Node: pub(4), Label: "Lycée Z", Invitation: "fedcba9876543210"},
		"decision, hide":     &Decision{Action: ActionHide, Entry: docID, Category: CategorySpam, Reason: "Publicité pour un logiciel payant."},
		"decision, hide of a revision": &Decision{Action: ActionHide, Entry: docID, Revisions: []string{revID},
			Category: CategoryWrong, Reason: "Le taux cité n'est plus en vigueur depuis 2025."},
		"decision, unhide":         &Decision{Action: ActionUnhide, Entry: docID, Category: CategorySpam, Reason: "Erreur de modération."},
		"decision, block-author":   &Decision{Action: ActionBlockAuthor, Author: pub(9), Category: CategoryIllegal, Reason: "Contenu illicite répété."},
		"decision, unblock-author": &Decision{Action: ActionUnblockAuthor, Author: pub(9), Category: CategoryIllegal, Reason: "Compte rendu à son titulaire."},
		"decision, erase": &Decision{Action: ActionErase, Entry: docID, Revisions: []string{docID, revID, rev2ID},
			Category: CategoryPersonalData, Reason: "Nom et revenus d'une famille."},
		"report": &Report{Entry: docID, Revision: revID, Category: CategoryPersonalData,
			Comment: "La fiche cite le nom d'un élève.\nEt le revenu de sa famille.", Reporter: "Mme Durand"},
		"report, bare": &Report{Entry: docID, Revision: docID, Category: CategoryOther},
		"report about a node": &Report{Node: pub(9), Category: CategorySpam,
			Comment: "Ce nœud publie des publicités depuis une semaine."},
	}
}

func networkOf(b Body) string {
	if b.Kind() == KindCharter {
		return ""
	}
	return netID
}

// TestEveryKindRoundTripsThroughSignAndVerify: each kind of record,
// made by NewRevision, signed, sent as bytes and verified, decodes to
// what was written.
func TestEveryKindRoundTripsThroughSignAndVerify(t *testing.T) {
	for name, body := range validBodies() {
		t.Run(name, func(t *testing.T) {
			v := sign(t, nodeKey(1), networkOf(body), body, at(5))
			if !IsTrust(v.Rev) {
				t.Fatal("IsTrust = false")
			}
			rec, err := Decode(v)
			if err != nil {
				t.Fatal(err)
			}
			want := Record{CID: v.CID, Signer: pub(1), Clock: at(5), Network: networkOf(body), Body: body}
			if !reflect.DeepEqual(rec, want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", rec, want)
			}
		})
	}
}

// TestNewRevisionShape: a trust record is the first and only revision
// of its document, a put with its kind and network in meta, and a body
// only for a charter.
func TestNewRevisionShape(t *testing.T) {
	for name, body := range validBodies() {
		rev, err := NewRevision(networkOf(body), body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rev.Op != protocol.OpPut || rev.Doc.Defined() || rev.Parents != nil || rev.Attachments != nil || rev.Editors != nil || rev.Seq != 0 || rev.Clock != 0 {
			t.Errorf("%s: revision %+v: want a bare put, seq and clock left to the caller", name, rev)
		}
		meta := rev.Entry.Meta
		if meta["record"] != string(body.Kind()) {
			t.Errorf("%s: meta.record = %v", name, meta["record"])
		}
		_, hasNet := meta["network"]
		if ch, ok := body.(*Charter); ok {
			if hasNet || rev.Entry.Body != ch.Text {
				t.Errorf("%s: a charter has no network and its text as body: %v %q", name, meta, rev.Entry.Body)
			}
		} else if meta["network"] != netID || rev.Entry.Body != "" {
			t.Errorf("%s: meta.network = %v, body %q", name, meta["network"], rev.Entry.Body)
		}
	}
	// A body given as a value is the same record as given by pointer.
	byValue, err := NewRevision(netID, Revocation{Node: pub(3)})
	if err != nil {
		t.Fatal(err)
	}
	byPointer, _ := NewRevision(netID, &Revocation{Node: pub(3)})
	if !reflect.DeepEqual(byValue, byPointer) {
		t.Error("a body by value makes another revision than by pointer")
	}
}

// TestNewRevisionRefusesWhatDecodeWould: a record that could not be
// read back is not made.
func TestNewRevisionRefusesWhatDecodeWould(t *testing.T) {
	for _, tc := range []struct {
		name    string
		network string
		body    Body
		want    string
	}{
		{"no body", netID, nil, "no body"},
		{"nil pointer", netID, (*Admission)(nil), "no body"},
		{"charter with a network", netID, &Charter{Name: "N", Policy: PolicyClosed, Coordinators: []Key{pub(1)}}, `"network"`},
		{"admission without network", "", &Admission{Node: pub(2), Role: RoleMember, Label: "L"}, `"network"`},
		{"admission without label", netID, &Admission{Node: pub(2), Role: RoleMember}, `"label"`},
		{"too large", "", &Charter{Name: "N", Policy: PolicyClosed, Coordinators: []Key{pub(1)}, Text: strings.Repeat("a", MaxRecordSize)}, "limit 16384"},
		{"far too large", "", &Charter{Name: "N", Policy: PolicyClosed, Coordinators: []Key{pub(1)}, Text: strings.Repeat("a", protocol.MaxBodySize+1)}, "limit 16384"},
		{"label not UTF-8", netID, &Admission{Node: pub(2), Role: RoleMember, Label: "Lyc\xe9e"}, "UTF-8"},
		{"charter text not UTF-8", "", &Charter{Name: "N", Policy: PolicyClosed, Coordinators: []Key{pub(1)}, Text: "\xff"}, "UTF-8"},
	} {
		_, err := NewRevision(tc.network, tc.body)
		if protocol.CodeOf(err) != protocol.CodeInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: NewRevision = %v, want invalid naming %s", tc.name, err, tc.want)
		}
	}
	// The bound holds for the largest seq and clock: a record just
	// under it signs and decodes.
	ch := &Charter{Name: "N", Policy: PolicyClosed, Coordinators: []Key{pub(1)}}
	rev, err := NewRevision("", ch)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, _ := rev.SigningBytes()
	ch.Text = strings.Repeat("a", MaxRecordSize-len(unsigned)-100)
	if rev, err = NewRevision("", ch); err != nil {
		t.Fatalf("a charter just under the limit: %v", err)
	}
	rev.Seq, rev.Clock = 1<<63, 1<<63
	if _, err := Decode(signRevision(t, nodeKey(1), rev)); err != nil {
		t.Fatalf("a charter just under the limit does not decode: %v", err)
	}
}

// TestIsTrust: entries and retractions are not trust records.
func TestIsTrust(t *testing.T) {
	a := protocoltest.NewAuthor(t)
	doc := a.Create(t)
	if IsTrust(doc.Rev) || IsTrust(a.Retract(t, []protocol.Verified{doc}).Rev) || IsTrust(nil) {
		t.Error("an entry or a retraction taken for a trust record")
	}
	if IsTrust(a.Create(t, protocoltest.Meta("recorded", true)).Rev) {
		t.Error("a meta key that only starts like record")
	}
	if !IsTrust(a.Create(t, protocoltest.Meta("record", "anything")).Rev) {
		t.Error("meta.record present, IsTrust = false")
	}
	if _, err := Decode(doc); protocol.CodeOf(err) != protocol.CodeInvalid {
		t.Errorf("Decode(entry) = %v, want invalid", err)
	}
}

// TestDecodeRefusesEveryMalformedRecord: every rule of a trust record
// (docs/protocol.md, §4.2) refuses a record that breaks it, with an
// invalid error naming the record and the field.
func TestDecodeRefusesEveryMalformedRecord(t *testing.T) {
	set := func(key string, value any) func(*protocol.Revision) {
		return func(r *protocol.Revision) { r.Entry.Meta[key] = value }
	}
	del := func(key string) func(*protocol.Revision) {
		return func(r *protocol.Revision) { delete(r.Entry.Meta, key) }
	}
	keys := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = pub(byte(i + 1)).String()
		}
		return l
	}
	cids := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = protocol.RevisionCID([]byte{byte(i), byte(i >> 8)}).String()
		}
		return l
	}
	addrs := func(n int) []any {
		l := make([]any, n)
		for i := range l {
			l[i] = "/ip4/192.0.2.10/tcp/4001"
		}
		return l
	}
	other := protocol.RevisionCID([]byte("autre"))
	for _, tc := range []struct {
		name   string
		kind   string // a key of validBodies
		change func(*protocol.Revision)
		signer byte // 0: node 1
		want   string
	}{
		{"unknown kind", "revocation", set("record", "friendship"), 0, `"record"`},
		{"kind not text", "revocation", set("record", int64(1)), 0, `"record"`},
		{"unknown meta key", "revocation", set("colour", "bleu"), 0, `"colour"`},
		{"body in a record not a charter", "revocation", func(r *protocol.Revision) { r.Entry.Body = "texte" }, 0, `"body"`},
		{"edit of a trust record", "revocation", func(r *protocol.Revision) { r.Doc, r.Parents = other, []cid.Cid{other} }, 0, "first and only revision"},
		{"attachments", "revocation", func(r *protocol.Revision) { r.Attachments = []protocol.Attachment{{Name: "a.txt", Type: "text/plain"}} }, 0, "attachments"},
		{"editors", "revocation", func(r *protocol.Revision) { r.Editors = []Key{pub(2)} }, 0, "editors"},
		{"too large", "charter", func(r *protocol.Revision) { r.Entry.Body = strings.Repeat("a", MaxRecordSize) }, 0, "limit 16384"},
		{"network missing", "revocation", del("network"), 0, `"network"`},
		{"network a name", "revocation", set("network", "mutu"), 0, `"network"`},
		{"network not in canonical text", "revocation", set("network", strings.ToUpper(netID)), 0, `"network"`},
		{"network a raw CID", "revocation", set("network", protocol.BlockCID([]byte("x")).String()), 0, `"network"`},
		{"network in a charter", "charter", set("network", netID), 0, `"network"`},

		{"charter without name", "charter", del("name"), 0, `"name"`},
		{"charter name too long", "charter", set("name", strings.Repeat("é", MaxName+1)), 0, `"name"`},
		{"charter name with a line break", "charter", set("name", "Lyon\nEst"), 0, `"name"`},
		{"charter name not text", "charter", set("name", int64(3)), 0, `"name"`},
		{"charter policy unknown", "charter", set("policy", "ajar"), 0, `"policy"`},
		{"charter without policy", "charter", del("policy"), 0, `"policy"`},
		{"charter without coordinators", "charter", del("coordinators"), 0, `"coordinators"`},
		{"charter coordinators empty", "charter", set("coordinators", []any{}), 0, `"coordinators"`},
		{"charter coordinators not a list", "charter", set("coordinators", pub(1).String()), 0, `"coordinators"`},
		{"charter 17 coordinators", "charter", set("coordinators", keys(MaxCoordinators+1)), 0, `"coordinators"`},
		{"charter coordinator twice", "charter", set("coordinators", []any{pub(1).String(), pub(1).String()}), 0, `"coordinators"`},
		{"charter coordinator not a key", "charter", set("coordinators", []any{pub(1).String(), "ed25519:abc"}), 0, `"coordinators"`},
		{"charter coordinator in capitals", "charter", set("coordinators", []any{strings.ToUpper(pub(1).String())}), 0, `"coordinators"`},
		{"charter signer not a coordinator", "charter", nil, 5, `"coordinators"`},
		{"charter closes a bad name", "charter", set("closes", "Mon Réseau"), 0, `"closes"`},
		{"charter closes empty", "charter", set("closes", ""), 0, `"closes"`},

		{"admission without node", "admission", del("node"), 0, `"node"`},
		{"admission node not a key", "admission", set("node", "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"), 0, `"node"`},
		{"admission role unknown", "admission", set("role", "admin"), 0, `"role"`},
		{"admission without label", "admission", del("label"), 0, `"label"`},
		{"admission label empty", "admission", set("label", ""), 0, `"label"`},
		{"admission academie too long", "admission", set("academie", strings.Repeat("a", MaxAcademie+1)), 0, `"academie"`},
		{"admission academie empty", "admission", set("academie", ""), 0, `"academie"`},
		{"admission contact too long", "admission", set("contact", strings.Repeat("a", MaxName+1)), 0, `"contact"`},
		{"admission invitation too long", "admission", set("invitation", strings.Repeat("a", MaxInvitation+1)), 0, `"invitation"`},
		{"admission request not a CID", "admission", set("request", "la demande"), 0, `"request"`},

		{"revocation reason too long", "revocation", set("reason", strings.Repeat("a", MaxReason+1)), 0, `"reason"`},
		{"revocation reason with a tab", "revocation", set("reason", "a\tb"), 0, `"reason"`},

		{"certificate without author", "certificate", del("author"), 0, `"author"`},
		{"certificate without function", "certificate", del("function"), 0, `"function"`},
		{"certificate function too long", "certificate", set("function", strings.Repeat("a", MaxFunction+1)), 0, `"function"`},
		{"certificate without name", "certificate", del("name"), 0, `"name"`},
		{"certificate etablissement too long", "certificate", set("etablissement", strings.Repeat("a", MaxName+1)), 0, `"etablissement"`},
		{"certificate UAI of 7 characters", "certificate", set("uai", "069123A"), 0, `"uai"`},
		{"certificate UAI in lowercase", "certificate", set("uai", "0691234a"), 0, `"uai"`},
		{"certificate UAI with a letter among the digits", "certificate", set("uai", "06912B4A"), 0, `"uai"`},

		{"certificate-end author not a key", "certificate-end", set("author", int64(9)), 0, `"author"`},

		{"addresses empty", "addresses", set("addrs", []any{}), 0, `"addrs"`},
		{"addresses 17", "addresses", set("addrs", addrs(MaxAddrs+1)), 0, `"addrs"`},
		{"address without a slash", "addresses", set("addrs", []any{"ip4/192.0.2.10/tcp/4001"}), 0, `"addrs"`},
		{"address a slash alone", "addresses", set("addrs", []any{"/"}), 0, `"addrs"`},
		{"address too long", "addresses", set("addrs", []any{"/dns4/" + strings.Repeat("a", MaxAddrLen)}), 0, `"addrs"`},
		{"address with p2p", "addresses", set("addrs", []any{"/ip4/192.0.2.10/tcp/4001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"}), 0, `"addrs"`},
		{"address not text", "addresses", set("addrs", []any{int64(4001)}), 0, `"addrs"`},
		{"address with p2p at its end", "addresses", set("addrs", []any{"/ip4/192.0.2.10/tcp/4001/p2p"}), 0, `"addrs"`},
		{"address with ipfs, the old name of p2p", "addresses", set("addrs", []any{"/ip4/192.0.2.10/tcp/4001/ipfs/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"}), 0, `"addrs"`},
		{"address with a line break", "addresses", set("addrs", []any{"/ip4/192.0.2.10/tcp/4001\n"}), 0, `"addrs"`},

		{"join request without invitation", "join-request", del("invitation"), 0, `"invitation"`},
		{"join request without label", "join-request", del("label"), 0, `"label"`},
		{"join request without node", "join-request", del("node"), 0, `"node"`},
		{"join request without network", "join-request", del("network"), 0, `"network"`},
		{"join request contact too long", "join-request", set("contact", strings.Repeat("a", MaxName+1)), 0, `"contact"`},
		{"join request label with a line separator", "join-request", set("label", "Lycée\u2028Z"), 0, `"label"`},
		{"join request label with a C1 control (NEL)", "join-request", set("label", "Lycée\u0085Z"), 0, `"label"`},
		{"join request label with a carriage return", "join-request", set("label", "Lycée\rZ"), 0, `"label"`},

		{"decision without action", "decision, hide", del("action"), 0, `"action"`},
		{"decision action unknown", "decision, hide", set("action", "delete"), 0, `"action"`},
		{"decision action of a node's own (block-node)", "decision, hide", set("action", string(ActionBlockNode)), 0, `"action"`},
		{"decision without category", "decision, hide", del("category"), 0, `"category"`},
		{"decision category unknown", "decision, hide", set("category", "grossier"), 0, `"category"`},
		{"decision category a label", "decision, hide", set("category", "données personnelles"), 0, `"category"`},
		{"decision without reason", "decision, hide", del("reason"), 0, `"reason"`},
		{"decision reason empty", "decision, hide", set("reason", ""), 0, `"reason"`},
		{"decision reason too long", "decision, hide", set("reason", strings.Repeat("é", MaxReason+1)), 0, `"reason"`},
		{"decision reason with a line break", "decision, hide", set("reason", "a\nb"), 0, `"reason"`},
		{"hide without entry", "decision, hide", del("entry"), 0, `"entry"`},
		{"hide entry not a CID", "decision, hide", set("entry", "la fiche"), 0, `"entry"`},
		{"hide entry a raw CID", "decision, hide", set("entry", protocol.BlockCID([]byte("x")).String()), 0, `"entry"`},
		{"hide of two revisions", "decision, hide of a revision", set("revisions", []any{revID, rev2ID}), 0, `"revisions"`},
		{"hide revisions empty", "decision, hide of a revision", set("revisions", []any{}), 0, `"revisions"`},
		{"hide revisions not a list", "decision, hide of a revision", set("revisions", revID), 0, `"revisions"`},
		{"hide with an author", "decision, hide", set("author", pub(9).String()), 0, `"author"`},
		{"unhide with an author", "decision, unhide", set("author", pub(9).String()), 0, `"author"`},
		{"block-author without author", "decision, block-author", del("author"), 0, `"author"`},
		{"block-author author not a key", "decision, block-author", set("author", "Mme Durand"), 0, `"author"`},
		{"block-author with an entry", "decision, block-author", set("entry", docID), 0, `"entry"`},
		{"unblock-author with revisions", "decision, unblock-author", set("revisions", []any{revID}), 0, `"revisions"`},
		{"erase without revisions", "decision, erase", del("revisions"), 0, `"revisions"`},
		{"erase without entry", "decision, erase", del("entry"), 0, `"entry"`},
		{"erase of too many revisions", "decision, erase", set("revisions", cids(MaxErased+1)), 0, `"revisions"`},
		{"erase of a revision twice", "decision, erase", set("revisions", []any{revID, revID}), 0, `"revisions"`},
		{"erase of a revision not a CID", "decision, erase", set("revisions", []any{revID, int64(2)}), 0, `"revisions"`},
		{"decision with a comment", "decision, hide", set("comment", "texte"), 0, `"comment"`},

		{"report without entry", "report", del("entry"), 0, `"entry"`},
		{"report without revision", "report", del("revision"), 0, `"revision"`},
		{"report revision not a CID", "report", set("revision", "v2"), 0, `"revision"`},
		{"report without category", "report", del("category"), 0, `"category"`},
		{"report category unknown", "report", set("category", "inapproprié"), 0, `"category"`},
		{"report comment too long", "report", set("comment", strings.Repeat("é", MaxComment+1)), 0, `"comment"`},
		{"report comment empty", "report", set("comment", ""), 0, `"comment"`},
		{"report comment with a tab", "report", set("comment", "a\tb"), 0, `"comment"`},
		{"report comment with a carriage return", "report", set("comment", "a\r\nb"), 0, `"comment"`},
		{"report comment not text", "report", set("comment", int64(3)), 0, `"comment"`},
		{"report reporter with a line break", "report", set("reporter", "Mme\nDurand"), 0, `"reporter"`},
		{"report reporter too long", "report", set("reporter", strings.Repeat("a", MaxName+1)), 0, `"reporter"`},
		{"report with a reason", "report", set("reason", "texte"), 0, `"reason"`},
		{"report about a node and an entry", "report", set("node", pub(9).String()), 0, `"entry"`},
		{"report node not a key", "report about a node", set("node", "nœud"), 0, `"node"`},
		{"report with a body", "report", func(r *protocol.Revision) { r.Entry.Body = "texte" }, 0, `"body"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := validBodies()[tc.kind]
			if body == nil {
				t.Fatalf("no valid %s", tc.kind)
			}
			rev, err := NewRevision(networkOf(body), body)
			if err != nil {
				t.Fatal(err)
			}
			rev.Seq, rev.Clock = 1, at(1)
			if tc.change != nil {
				tc.change(rev)
			}
			signer := nodeKey(1)
			if tc.signer != 0 {
				signer = nodeKey(tc.signer)
			}
			v := signRevision(t, signer, rev)
			_, err = Decode(v)
			var pe *protocol.Error
			if !errors.As(err, &pe) || pe.Code != protocol.CodeInvalid {
				t.Fatalf("Decode = %v, want an invalid *protocol.Error", err)
			}
			if !strings.Contains(pe.Msg, tc.want) || !strings.Contains(pe.Msg, v.CID.String()) {
				t.Fatalf("Decode = %v, want it to name %s and the record", err, tc.want)
			}
		})
	}
}

// FuzzDecode: whatever bytes come in, read as a revision or as the
// meta of one, Decode returns a record or an error, never panics, and
// a record it accepts is written back by NewRevision exactly as it was
// read. The seeds are a record of each kind (moderation records
// among them) and the golden vectors.
func FuzzDecode(f *testing.F) {
	golden, err := filepath.Glob(filepath.Join("testdata", "golden", "*.hex"))
	if err != nil || len(golden) < len(kinds) {
		f.Fatalf("golden vectors: %d files, %v; want one per kind", len(golden), err)
	}
	for _, path := range golden {
		text, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(text)), "\n")
		data, err := hex.DecodeString(lines[len(lines)-1])
		if err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		f.Add(data)
	}
	for _, body := range validBodies() {
		v := sign(f, nodeKey(1), networkOf(body), body, at(1))
		f.Add(v.Data)
		meta, err := protocol.Marshal(v.Rev.Entry.Meta)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(meta)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		block := protocol.Block{CID: protocol.RevisionCID(data), Data: data}
		if rev, err := protocol.DecodeRevision(data); err == nil {
			check(t, protocol.Verified{Block: block, Rev: rev})
		}
		var meta map[string]any
		if protocol.UnmarshalLenient(data, &meta) == nil {
			rev := &protocol.Revision{Op: protocol.OpPut, Seq: 1, Clock: 1, Entry: &protocol.Entry{Meta: meta}}
			check(t, protocol.Verified{Block: block, Rev: rev})
		}
	})
}

func check(t *testing.T, v protocol.Verified) {
	rec, err := Decode(v)
	if err != nil {
		if protocol.CodeOf(err) != protocol.CodeInvalid {
			t.Fatalf("Decode refused with %v, want invalid", err)
		}
		return
	}
	// What Decode accepts, the rest of the package takes.
	_ = rec.CheckNetwork(netID)
	network := rec.Network
	if network == "" {
		network = rec.CID.String()
	}
	r := Fold(network, []Record{rec})
	_, _, _ = r.Nodes(), r.Certificates(), r.Pending()
	_, _ = r.Vouched(rec.Signer, rec.Clock), r.Withdrawals(Fold(network, nil))
	_, _ = r.Entitled(rec)
	m := FoldModeration(r, []Record{rec, rec})
	for _, d := range m.Decisions() {
		_, _ = d.Targets(), d.AppliesTo(rec.Signer)
	}
	_, _ = m.Reports(), Resolve(m.Decisions(), nil)
	again, err := NewRevision(rec.Network, rec.Body)
	if err != nil {
		t.Fatalf("a record Decode accepted cannot be written: %v", err)
	}
	if !reflect.DeepEqual(again.Entry, v.Rev.Entry) {
		t.Fatalf("written back as %+v, read from %+v", again.Entry, v.Rev.Entry)
	}
}

// TestCheckNetworkRefusesAnotherNetworksRecords: a record of another
// network, and the charter of another network, are refused with
// wrong network; a charter belongs to the network it founds and to
// the open network it closes.
func TestCheckNetworkRefusesAnotherNetworksRecords(t *testing.T) {
	charter, err := Decode(sign(t, nodeKey(1), "", &Charter{Name: "Lyon", Policy: PolicyClosed, Coordinators: []Key{pub(1)}, Closes: "mutu"}, at(1)))
	if err != nil {
		t.Fatal(err)
	}
	id := charter.CID.String()
	admission, err := Decode(sign(t, nodeKey(1), id, &Admission{Node: pub(2), Role: RoleMember, Label: "Collège Y"}, at(2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		rec      Record
		networks []string
		ok       bool
	}{
		{"charter of the network", charter, []string{id}, true},
		{"charter closing the open network", charter, []string{"mutu"}, true},
		{"charter of another network", charter, []string{netID}, false},
		{"charter closing another open network", charter, []string{"e2e-1234"}, false},
		{"admission of the network", admission, []string{id}, true},
		{"admission of a charter closing the open network", admission, []string{"mutu", id}, true},
		{"admission of another network", admission, []string{netID}, false},
		{"admission in the open network its charter closes, charter not named", admission, []string{"mutu"}, false},
		{"no network at all", admission, nil, false},
	} {
		err := tc.rec.CheckNetwork(tc.networks...)
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case !tc.ok && !errors.Is(err, protocol.ErrWrongNetwork):
			t.Errorf("%s: %v, want wrong network", tc.name, err)
		case !tc.ok && !strings.Contains(err.Error(), tc.rec.CID.String()):
			t.Errorf("%s: %v does not name the record", tc.name, err)
		}
	}
}

// TestDecodeRefusesTextNotUTF8: Decode checks its text fields itself,
// even in a revision that did not go through protocol.Verify.
func TestDecodeRefusesTextNotUTF8(t *testing.T) {
	for field, value := range map[string]any{"label": "Lyc\xe9e", "academie": "\xff"} {
		rev, err := NewRevision(netID, &JoinRequest{Node: pub(4), Label: "Lycée Z", Invitation: "fedcba9876543210"})
		if err != nil {
			t.Fatal(err)
		}
		rev.Entry.Meta[field] = value
		_, err = Decode(protocol.Verified{Block: protocol.Block{CID: netIDCID()}, Rev: rev})
		if protocol.CodeOf(err) != protocol.CodeInvalid || !strings.Contains(err.Error(), "UTF-8") {
			t.Errorf("%s: Decode = %v, want invalid, not UTF-8", field, err)
		}
	}
	rev, _ := NewRevision(netID, &Addresses{Addrs: []string{"/ip4/192.0.2.1/tcp/4001"}})
	rev.Entry.Meta["addrs"] = []any{"/dns4/\xff"}
	if _, err := Decode(protocol.Verified{Block: protocol.Block{CID: netIDCID()}, Rev: rev}); protocol.CodeOf(err) != protocol.CodeInvalid {
		t.Errorf("address not UTF-8: Decode = %v, want invalid", err)
	}
}

func netIDCID() cid.Cid { return protocol.RevisionCID([]byte("charte")) }
