package catalogue

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/catalogue/store"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// TestAddVerifiedRefusesAuthorsNotVouchedFor: in a closed network, an
// entry revision from a peer whose author no member vouches for is
// refused with code 12 (no fault of the peer), and stored once a
// certificate is held and the peer sends it again; a certified
// author's entry is stored at once.
func TestAddVerifiedRefusesAuthorsNotVouchedFor(t *testing.T) {
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	node, known, stranger := newKey(t), newKey(t), newKey(t)
	mustAdd(t, c, f.charter, f.admit(node, "Agence comptable du lycée Jean Moulin"), f.certify(node, known))

	good, bad := f.entry(known, "Régie d'avances"), f.entry(stranger, "Voyage scolaire")
	added, rejected := add(t, c, good, bad)
	if len(added) != 1 || !added[0].Equals(good.CID) {
		t.Fatalf("added %v, want the certified author's entry only", added)
	}
	err := rejected[bad.CID]
	if !errors.Is(err, protocol.ErrNotVouched) || protocol.CodeOf(err) != protocol.CodeNotVouched {
		t.Fatalf("entry of an author not vouched for: %v (code %d), want code 12, not vouched", err, protocol.CodeOf(err))
	}
	if holds(t, c, bad) {
		t.Fatal("the refused entry was stored")
	}

	mustAdd(t, c, f.certify(node, stranger))
	mustAdd(t, c, bad) // sent again
	if !holds(t, c, bad) {
		t.Fatal("the entry sent again after its author's certificate is not stored")
	}
}

// TestCertificateInTheSameBatchVouchesForItsEntries: the trust records
// of a batch are folded before its entries are judged, wherever they
// stand in it; a revision that descends from one refused is refused as
// not vouched for, not as missing a parent.
func TestCertificateInTheSameBatchVouchesForItsEntries(t *testing.T) {
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	node, author, stranger := newKey(t), newKey(t), newKey(t)
	admission := f.admit(node, "Bassin Lyon Est")
	certificate := f.certify(node, author)
	first := f.entry(author, "Régie d'avances")
	second := f.edit(author, first, "Régie d'avances et de recettes")
	refused := f.entry(stranger, "Voyage scolaire")
	child := f.edit(stranger, refused, "Voyage scolaire à Rome")

	_, rejected := add(t, c, first, second, refused, child, certificate, admission, f.charter)
	if len(rejected) != 2 {
		t.Fatalf("refused %v, want the stranger's two revisions", rejected)
	}
	for _, v := range []protocol.Verified{refused, child} {
		if !errors.Is(rejected[v.CID], protocol.ErrNotVouched) {
			t.Errorf("revision %s: %v, want not vouched", v.CID, rejected[v.CID])
		}
	}
	for _, v := range []protocol.Verified{first, second} {
		if !holds(t, c, v) {
			t.Errorf("entry revision %s, vouched for by a certificate of its batch, not stored", v.CID)
		}
	}
}

// TestTrustRecordOfAnotherNetworkRefused: a trust record for another
// network is refused with code 9, and so is a charter that neither
// founds the network nor closes it; a revision of a trust record's
// document with code 11.
func TestTrustRecordOfAnotherNetworkRefused(t *testing.T) {
	f, other := newFed(t, trust.PolicyClosed, ""), newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	node := newKey(t)
	mustAdd(t, c, f.charter)
	foreign := other.admit(node, "Bassin Lyon Est")
	_, rejected := add(t, c, other.charter, foreign)
	for _, v := range []protocol.Verified{other.charter, foreign} {
		if !errors.Is(rejected[v.CID], protocol.ErrWrongNetwork) {
			t.Errorf("record %s of another network: %v, want wrong network", v.CID, rejected[v.CID])
		}
	}

	// A revision whose document is a trust record, by the record's
	// own signer.
	rev := f.signed(f.coord, &protocol.Revision{
		Op: protocol.OpPut, Doc: f.charter.CID, Parents: []cid.Cid{f.charter.CID}, Seq: 2, Clock: f.tick(),
		Entry: &protocol.Entry{Meta: map[string]any{"title": "Charte modifiée"}},
	})
	_, rejected = add(t, c, rev)
	if !errors.Is(rejected[rev.CID], protocol.ErrInvalid) {
		t.Fatalf("revision of a trust record: %v, want invalid", rejected[rev.CID])
	}

	if _, err := c.AddTrust(context.Background(), f.coord, trust.Charter{Name: "Autre", Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(f.coord)}}); !errors.Is(err, protocol.ErrWrongNetwork) {
		t.Fatalf("AddTrust of a charter for another network: %v, want wrong network", err)
	}

	// The bundle of another network's whole catalogue.
	src := openNet(t, other.id)
	mustAdd(t, src, other.charter, foreign)
	path, _ := exportAll(t, src, t.TempDir())
	if _, err := c.ImportBundle(context.Background(), path, BundleOptions{}); !errors.Is(err, protocol.ErrWrongNetwork) || !strings.Contains(err.Error(), "export them alone") {
		t.Fatalf("bundle of another network's records: %v, want wrong network, saying what to do", err)
	}
	if got := len(c.TrustRecords()); got != 1 {
		t.Fatalf("%d trust records held after the refused bundle, want the charter only", got)
	}
}

// TestOpenNetworkKeepsTheChartersThatCloseIt: a node of an open
// network by name keeps a charter that closes its name, and that
// charter's records, by which it learns whether it is admitted
// (docs/protocol.md, §4.9); not a charter closing another name. Every
// author is vouched for meanwhile.
func TestOpenNetworkKeepsTheChartersThatCloseIt(t *testing.T) {
	closing, elsewhere := newFed(t, trust.PolicyClosed, "mutu"), newFed(t, trust.PolicyClosed, "autre")
	c := openNet(t, "mutu")
	node := newKey(t)
	admission := closing.admit(node, "Bassin Lyon Est")
	_, rejected := add(t, c, admission, closing.charter, elsewhere.charter)
	if len(rejected) != 1 || !errors.Is(rejected[elsewhere.charter.CID], protocol.ErrWrongNetwork) {
		t.Fatalf("refused %v, want the charter closing another network only", rejected)
	}
	if got := len(c.TrustRecords()); got != 2 {
		t.Fatalf("%d trust records held, want the closing charter and its admission", got)
	}
	if r := trust.Fold(closing.id, c.TrustRecords()); !r.Active(protocol.PublicKey(node)) {
		t.Fatal("the records held do not say the node is admitted to the closed network")
	}
	if r := c.Roster(); r.Closed() || !r.Vouched(protocol.PublicKey(newKey(t)), closing.tick()) {
		t.Fatal("an open network vouches for every author")
	}
}

// TestLocalWritesOfAuthorsNotVouchedForRefused: publishing, editing
// and retracting here are refused with protocol.ErrNotVouched while no
// member node certifies the author, with a sentence saying what to do,
// and stored once one does.
func TestLocalWritesOfAuthorsNotVouchedForRefused(t *testing.T) {
	ctx := context.Background()
	var logs logBuffer
	c := openWith(t, "", Options{Logger: logs.logger()})
	node, me := newKey(t), newKey(t)
	if _, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Bassin Lyon Est", Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(node)}},
		trust.Admission{Label: "Agence comptable du lycée Jean Moulin"}); err != nil {
		t.Fatal(err)
	}
	note := parse(t, "---\ntitle: Régie d'avances\n---\nLe régisseur.\n")
	_, err := c.Publish(ctx, me, note, nil)
	if !errors.Is(err, protocol.ErrNotVouched) || !strings.Contains(err.Error(), "mutu user add") {
		t.Fatalf("publish by an author not vouched for: %v, want not vouched, saying what to do", err)
	}
	if _, err := c.PublishAll(ctx, me, []*entry.Entry{note}, nil); !errors.Is(err, protocol.ErrNotVouched) {
		t.Fatalf("publish all by an author not vouched for: %v", err)
	}
	if n, _ := c.Counts(); n.Entries != 0 || n.Revisions != 2 {
		t.Fatalf("counts after refusals: %+v, want the charter and the admission only", n)
	}

	if _, err := c.AddTrust(ctx, node, trust.Certificate{Author: protocol.PublicKey(me), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Publish(ctx, me, note, nil)
	if err != nil {
		t.Fatalf("publish once certified: %v", err)
	}
	if _, err := c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Régie de recettes\n---\nAutre.\n"), EditOptions{}); err != nil {
		t.Fatalf("edit once certified: %v", err)
	}

	if _, err := c.AddTrust(ctx, node, trust.CertificateEnd{Author: protocol.PublicKey(me)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Edit(ctx, me, p.Doc, parse(t, "---\ntitle: Encore\n---\n"), EditOptions{}); !errors.Is(err, protocol.ErrNotVouched) {
		t.Fatalf("edit after the certificate's end: %v, want not vouched", err)
	}
	if _, err := c.Retract(ctx, me, p.Doc); !errors.Is(err, protocol.ErrNotVouched) {
		t.Fatalf("retract after the certificate's end: %v, want not vouched", err)
	}
}

// TestBundleVouchedForAsAWhole: a bundle's trust records are folded
// before its entries are judged, so that the bundle of a closed
// network's whole catalogue, certificates and entries, is taken in one
// go; a bundle whose entries no member vouches for is refused whole,
// naming one, and taken once a certificate is held.
func TestBundleVouchedForAsAWhole(t *testing.T) {
	ctx := context.Background()
	f := newFed(t, trust.PolicyClosed, "")
	node, author := newKey(t), newKey(t)

	src := openNet(t, f.id)
	mustAdd(t, src, f.charter, f.admit(node, "Bassin Lyon Est"), f.certify(node, author))
	if _, err := src.Publish(ctx, author, parse(t, "---\ntitle: Régie d'avances\n---\nTexte.\n"), nil); err != nil {
		t.Fatal(err)
	}
	path, res := exportAll(t, src, t.TempDir())
	if res.Trust != 3 || res.Docs != 1 {
		t.Fatalf("bundle of the whole catalogue: %+v, want 3 trust records and 1 entry", res)
	}
	dst := openNet(t, f.id)
	got, err := dst.ImportBundle(ctx, path, BundleOptions{})
	if err != nil {
		t.Fatalf("import of a closed network's whole catalogue: %v", err)
	}
	if got.Trust != 3 || got.Docs != 1 || got.Added != 4 {
		t.Fatalf("import result %+v", got)
	}
	if _, ok := dst.Roster().CertificateAt(protocol.PublicKey(author), f.tick()); !ok {
		t.Fatal("the bundle's certificate is not in the roster")
	}
	if list, _ := dst.List(ListOptions{}); len(list) != 1 {
		t.Fatalf("entries after import: %+v", list)
	}

	// Entries written in an open network, carried without certificate.
	open := openNet(t, "")
	p, err := open.Publish(ctx, author, parse(t, "---\ntitle: Voyage scolaire\n---\nVote du CA.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	path, _ = exportAll(t, open, t.TempDir(), p.Doc)
	bare := openNet(t, f.id)
	mustAdd(t, bare, f.charter, f.admit(node, "Bassin Lyon Est"))
	_, err = bare.ImportBundle(ctx, path, BundleOptions{Name: "voyage.car"})
	if !errors.Is(err, protocol.ErrNotVouched) || !strings.Contains(err.Error(), "voyage.car") || !strings.Contains(err.Error(), p.Revision.String()) {
		t.Fatalf("bundle of entries not vouched for: %v, want not vouched, naming the bundle and the revision", err)
	}
	if n, _ := bare.Counts(); n.Entries != 0 {
		t.Fatalf("a refused bundle stored entries: %+v", n)
	}
	mustAdd(t, bare, f.certify(node, author))
	if _, err := bare.ImportBundle(ctx, path, BundleOptions{}); err != nil {
		t.Fatalf("the same bundle once its author is certified: %v", err)
	}
}

// TestTrustRecordsNeverAmongEntries: trust records are revisions the
// catalogue holds, but no entry: lists, searches, counts, exports and
// look-ups of entries leave them out; the bundle of the whole
// catalogue carries them.
func TestTrustRecordsNeverAmongEntries(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	node, me := newKey(t), newKey(t)
	id, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Bassin Lyon Est", Policy: trust.PolicyClosed,
		Coordinators: []trust.Key{protocol.PublicKey(node)}, Text: "Nous partageons nos fiches de régie.\n"},
		trust.Admission{Label: "Agence comptable régie"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTrust(ctx, node, trust.Certificate{Author: protocol.PublicKey(me), Name: "Mme Durand", Function: "gestionnaire", Etablissement: "Collège de la régie"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Publish(ctx, me, parse(t, "---\ntitle: Régie d'avances\n---\nLe régisseur.\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	only := []cid.Cid{p.Doc}

	for _, o := range []ListOptions{{}, {Kind: "note"}, {Retracted: true}} {
		if list, err := c.List(o); err != nil || len(list) != 1 || !list[0].ID.Equals(p.Doc) {
			t.Errorf("List(%+v) = %+v, %v; want the entry only", o, list, err)
		}
	}
	if res, err := c.Search(ctx, search.Query{Text: "regie"}); err != nil || res.Total != 1 || res.Hits[0].ID != p.Doc.String() {
		t.Errorf("search: %+v, %v; want the entry only", res, err)
	}
	if res, err := c.Search(ctx, search.Query{}); err != nil || res.Total != 1 {
		t.Errorf("search of everything: %+v, %v; want the entry only", res, err)
	}
	if n, err := c.Counts(); err != nil || n.Entries != 1 || n.Trust != 3 || n.Revisions != 4 {
		t.Errorf("counts %+v, %v; want 1 entry, 3 trust records, 4 revisions", n, err)
	}
	if ids, err := c.ExportIDs(ctx); err != nil || !reflect.DeepEqual(ids, only) {
		t.Errorf("export IDs %v, %v; want the entry only", ids, err)
	}
	if res, err := c.Export(ctx, t.TempDir(), nil); err != nil || len(res.Files) != 1 {
		t.Errorf("export: %+v, %v; want the entry only", res, err)
	}
	for _, rec := range c.TrustRecords() {
		if _, err := c.Get(rec.CID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(trust record %s): %v, want not found", rec.CID, err)
		}
		if _, err := c.History(rec.CID); !errors.Is(err, ErrNotFound) {
			t.Errorf("History(trust record %s): %v, want not found", rec.CID, err)
		}
		if _, err := c.Resolve(rec.CID.String()); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(trust record %s): %v, want not found", rec.CID, err)
		}
		if _, err := c.ExportBundle(ctx, &strings.Builder{}, []cid.Cid{rec.CID}); !errors.Is(err, ErrNotFound) {
			t.Errorf("ExportBundle(trust record %s): %v, want not found", rec.CID, err)
		}
		if _, err := c.Retract(ctx, node, rec.CID); !errors.Is(err, protocol.ErrInvalid) {
			t.Errorf("Retract(trust record %s): %v, want invalid", rec.CID, err)
		}
	}
	if _, res := exportAll(t, c, t.TempDir()); res.Trust != 3 || res.Docs != 1 || res.Revisions != 4 {
		t.Errorf("bundle of the whole catalogue: %+v, want its 3 trust records and its entry", res)
	}
	if c.Network() != id {
		t.Errorf("network %q, want %q", c.Network(), id)
	}
}

// trustHistory is a network's life in trust records, signed in order:
// two coordinators, members, certificates, a revocation, ends,
// addresses and a join request, every rule of the fold at work.
func trustHistory(t *testing.T) (*fed, []protocol.Verified) {
	f := newFed(t, trust.PolicyClosed, "")
	b, c2, d, x, y := newKey(t), newKey(t), newKey(t), newKey(t), newKey(t)
	recs := []protocol.Verified{
		f.charter,
		f.admit(b, "Bassin Lyon Est"),
		f.record(f.coord, &trust.Admission{Node: protocol.PublicKey(c2), Role: trust.RoleCoordinator, Label: "Agence comptable Jean Moulin"}),
		f.certify(b, x),
		f.certify(c2, y),
		f.record(b, &trust.JoinRequest{Node: protocol.PublicKey(d), Label: "Collège Ampère", Invitation: "0102030405060708"}),
		f.record(c2, &trust.Revocation{Node: protocol.PublicKey(b), Reason: "fermeture"}),
		f.certify(b, y), // signed by a revoked node: counts for nothing
		f.record(c2, &trust.CertificateEnd{Author: protocol.PublicKey(y)}),
		f.record(c2, &trust.Addresses{Addrs: []string{"/ip4/192.0.2.1/tcp/4001"}}),
		f.admit(b, "Bassin Lyon Est, de retour"),
	}
	return f, recs
}

// TestRosterTheSameWhateverTheOrderOfArrival: trust records received
// in several batches, in any order, make the roster that folding them
// all at once makes.
func TestRosterTheSameWhateverTheOrderOfArrival(t *testing.T) {
	f, recs := trustHistory(t)
	var all []trust.Record
	for _, v := range recs {
		rec, err := trust.Decode(v)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rec)
	}
	want := trust.Fold(f.id, all)
	if len(want.Nodes()) != 3 || len(want.Certificates()) != 2 || len(want.Pending()) != 1 {
		t.Fatalf("the history folds into %d nodes, %d certificates, %d pending requests; the test needs 3, 2, 1",
			len(want.Nodes()), len(want.Certificates()), len(want.Pending()))
	}
	for seed := range uint64(8) {
		rnd := rand.New(rand.NewPCG(seed, 7))
		order := append([]protocol.Verified(nil), recs...)
		rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		c := openNet(t, f.id)
		for len(order) > 0 {
			n := 1 + rnd.IntN(len(order))
			mustAdd(t, c, order[:n]...)
			order = order[n:]
		}
		got := c.Roster()
		if !reflect.DeepEqual(got.Nodes(), want.Nodes()) || !reflect.DeepEqual(got.Certificates(), want.Certificates()) ||
			!reflect.DeepEqual(got.Pending(), want.Pending()) || got.Closed() != want.Closed() {
			t.Fatalf("order %d: roster\n nodes %+v\n certificates %+v\n pending %+v\nwant\n nodes %+v\n certificates %+v\n pending %+v",
				seed, got.Nodes(), got.Certificates(), got.Pending(), want.Nodes(), want.Certificates(), want.Pending())
		}
	}
}

// TestRosterChangedFiresOnNewTrustRecords: the channel closes when
// trust records are stored, whatever brings them, and not for entries.
func TestRosterChangedFiresOnNewTrustRecords(t *testing.T) {
	ctx := context.Background()
	f := newFed(t, trust.PolicyClosed, "")
	c := openNet(t, f.id)
	node, author := newKey(t), newKey(t)
	changed := c.RosterChanged()
	mustAdd(t, c, f.charter, f.admit(node, "Bassin Lyon Est"))
	select {
	case <-changed:
	default:
		t.Fatal("RosterChanged did not fire on records from peers")
	}
	if !c.Roster().Active(protocol.PublicKey(node)) {
		t.Fatal("roster without the admission received")
	}
	changed = c.RosterChanged()
	if _, err := c.AddTrust(ctx, node, trust.Certificate{Author: protocol.PublicKey(author), Name: "M. Martin", Function: "agent comptable"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("RosterChanged did not fire on a record written here")
	}
	changed = c.RosterChanged()
	mustAdd(t, c, f.entry(author, "Régie d'avances"))
	mustAdd(t, c, f.charter) // held already
	select {
	case <-changed:
		t.Fatal("RosterChanged fired on an entry, or on a record held already")
	default:
	}
}

// TestSetNetworkFoldsTheRecordsHeldForTheNewNetwork: a node of an open
// network that moves to the closed network that closes it (or that it
// joined) has the roster of the records it holds for that network,
// refuses from then on authors it does not vouch for, and keeps what
// was written before the charter.
func TestSetNetworkFoldsTheRecordsHeldForTheNewNetwork(t *testing.T) {
	ctx := context.Background()
	var logs logBuffer
	c := openWith(t, "", Options{Network: "mutu", Logger: logs.logger()})
	f := newFed(t, trust.PolicyClosed, "mutu")
	before := f.entry(newKey(t), "Écrite avant la charte")
	f.charter = f.sign(f.coord, "", &trust.Charter{Name: "Lyon", Policy: trust.PolicyClosed, Closes: "mutu", Coordinators: []trust.Key{protocol.PublicKey(f.coord)}})
	f.id = f.charter.CID.String()
	node, stranger := newKey(t), newKey(t)
	after := f.entry(stranger, "Écrite après la charte")
	mustAdd(t, c, before, f.charter, f.admit(node, "Bassin Lyon Est"), after)

	if err := c.SetNetwork(ctx, ""); !errors.Is(err, protocol.ErrInvalid) {
		t.Fatalf("SetNetwork(\"\"): %v, want invalid", err)
	}
	changed := c.RosterChanged()
	if err := c.SetNetwork(ctx, f.id); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("RosterChanged did not fire on SetNetwork")
	}
	r := c.Roster()
	if c.Network() != f.id || r.Network() != f.id || !r.Closed() || !r.Active(protocol.PublicKey(node)) {
		t.Fatalf("after SetNetwork: network %q, roster of %q, closed %v, node active %v", c.Network(), r.Network(), r.Closed(), r.Active(protocol.PublicKey(node)))
	}
	// The stranger's entry, written after the charter, is no longer
	// vouched for: it goes to the withdrawal.
	if !strings.Contains(logs.String(), "author="+protocol.PublicKey(stranger).String()) {
		t.Errorf("the entry held that the new roster does not vouch for was not handed to withdraw; log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "author="+before.Rev.Author.String()) {
		t.Error("an entry written before the charter was handed to withdraw")
	}
	late := f.entry(stranger, "Encore après")
	if _, rejected := add(t, c, late); !errors.Is(rejected[late.CID], protocol.ErrNotVouched) {
		t.Fatalf("entry of an author not vouched for, after SetNetwork: %v", rejected[late.CID])
	}
}

// TestCreateNetworkListsTheFounderWithItsLabel: CreateNetwork stores
// the charter and the founder's admission, both in the change feed,
// and makes the catalogue a node of the closed network it founds.
func TestCreateNetworkListsTheFounderWithItsLabel(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	node := newKey(t)
	pos := c.FeedPosition()
	changed := c.RosterChanged()
	id, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Gestionnaires de l'académie de Lyon", Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(node)}},
		trust.Admission{Label: "Agence comptable du lycée Jean Moulin", Academie: "Lyon"})
	if err != nil {
		t.Fatal(err)
	}
	<-changed
	r := c.Roster()
	if c.Network() != id || !r.Closed() || r.Network() != id {
		t.Fatalf("network %q, roster of %q closed %v; want %q, closed", c.Network(), r.Network(), r.Closed(), id)
	}
	n, ok := r.Node(protocol.PublicKey(node))
	if !ok || !r.Coordinator(protocol.PublicKey(node)) || n.Label != "Agence comptable du lycée Jean Moulin" || n.Academie != "Lyon" {
		t.Fatalf("founder %+v (listed %v), want a coordinator with its label", n, ok)
	}
	ch, ok := r.Charter()
	if !ok || ch.CID.String() != id {
		t.Fatalf("charter %+v", ch)
	}
	var stored int
	err = c.store.ChangesSince(pos, func(ch store.Change) error {
		stored += len(ch.Revs)
		return nil
	})
	if err != nil || stored != 2 {
		t.Fatalf("change feed after CreateNetwork: %d revisions, %v; want the charter and the admission", stored, err)
	}
	if _, err := c.CreateNetwork(ctx, node, trust.Charter{Name: "Autre", Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(node)}},
		trust.Admission{Node: protocol.PublicKey(newKey(t)), Label: "Un autre"}); !errors.Is(err, protocol.ErrInvalid) {
		t.Fatalf("founder admission of another node: %v, want invalid", err)
	}
}

// TestRevocationWithdrawsWhatItNoLongerVouchesFor: the revocation of the
// node that certified an author ends the certificate at the
// revocation's clock. The author's revisions from then on, received
// before the revocation, leave the store with their descendants; those
// before it stay, and so do the trust records.
func TestRevocationWithdrawsWhatItNoLongerVouchesFor(t *testing.T) {
	var logs logBuffer
	f := newFed(t, trust.PolicyClosed, "")
	c := openWith(t, "", Options{Network: f.id, Logger: logs.logger()})
	node, author := newKey(t), newKey(t)
	admit, certify := f.admit(node, "Bassin Lyon Est"), f.certify(node, author)
	before := f.entry(author, "Régie d'avances")
	revoke := f.record(f.coord, &trust.Revocation{Node: protocol.PublicKey(node)})
	after := f.entry(author, "Voyage scolaire")
	edited := f.edit(author, after, "Voyage scolaire, revu")
	mustAdd(t, c, f.charter, admit, certify, before, after, edited)
	if strings.Contains(logs.String(), "withdrawn") {
		t.Fatalf("withdrawals before any end:\n%s", logs.String())
	}
	mustAdd(t, c, revoke)
	for _, v := range []protocol.Verified{f.charter, admit, certify, before, revoke} {
		if !holds(t, c, v) {
			t.Errorf("revision %s, before the revocation or a trust record, was withdrawn", v.CID)
		}
	}
	for _, v := range []protocol.Verified{after, edited} {
		if holds(t, c, v) {
			t.Errorf("revision %s, after the revocation, is still held", v.CID)
		}
	}
	if !strings.Contains(logs.String(), "withdrawn") || !strings.Contains(logs.String(), "author="+protocol.PublicKey(author).String()) {
		t.Errorf("the withdrawal is not logged:\n%s", logs.String())
	}
	if hits, err := c.Search(context.Background(), SearchQuery{Text: "voyage"}); err != nil || hits.Total != 0 {
		t.Errorf("search finds the withdrawn entry: %+v, %v", hits, err)
	}
}

// TestTrustRecordsReadBackAtOpen: the trust records held are known
// again at the next Open, from the list saved at Close, or from the
// change log when the process died before saving it.
func TestTrustRecordsReadBackAtOpen(t *testing.T) {
	for _, crash := range []bool{false, true} {
		name := map[bool]string{false: "closed", true: "crashed"}[crash]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			f := newFed(t, trust.PolicyClosed, "")
			node, author := newKey(t), newKey(t)
			c, err := Open(ctx, dir, Options{Network: f.id})
			if err != nil {
				t.Fatal(err)
			}
			mustAdd(t, c, f.charter, f.admit(node, "Bassin Lyon Est"), f.certify(node, author), f.entry(author, "Régie d'avances"))
			want := c.Roster()
			if crash {
				// What a process killed before saving the list leaves.
				if err := c.store.DeleteMeta(trustKey); err != nil {
					t.Fatal(err)
				}
				c.trust.loaded = false
			}
			c.Close()

			c = openWith(t, dir, Options{Network: f.id})
			got := c.Roster()
			if !reflect.DeepEqual(got.Nodes(), want.Nodes()) || !reflect.DeepEqual(got.Certificates(), want.Certificates()) || !got.Closed() {
				t.Fatalf("roster after reopening: nodes %+v certificates %+v, want %+v %+v", got.Nodes(), got.Certificates(), want.Nodes(), want.Certificates())
			}
			if n, _ := c.Counts(); n.Entries != 1 || n.Trust != 3 {
				t.Fatalf("counts after reopening: %+v", n)
			}
			if list, _ := c.List(ListOptions{}); len(list) != 1 {
				t.Fatalf("list after reopening: %+v", list)
			}
		})
	}
}

// TestTrustRecordsListSavedInChunks: the list of trust records is
// saved in chunks, the last ones rewritten as records are added, and
// read back whole.
func TestTrustRecordsListSavedInChunks(t *testing.T) {
	defer func(n int) { trustChunk = n }(trustChunk)
	trustChunk = 2
	ctx := context.Background()
	dir := t.TempDir()
	f := newFed(t, trust.PolicyClosed, "")
	nodes := []ed25519.PrivateKey{newKey(t), newKey(t), newKey(t), newKey(t)}
	reopen := func(c *Catalogue, revs ...protocol.Verified) *Catalogue {
		t.Helper()
		if c != nil {
			c.Close()
		}
		c, err := Open(ctx, dir, Options{Network: f.id})
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, c, revs...)
		return c
	}
	c := reopen(nil, f.charter, f.admit(nodes[0], "Un"), f.admit(nodes[1], "Deux"))
	c = reopen(c, f.admit(nodes[2], "Trois"), f.admit(nodes[3], "Quatre"))
	c = reopen(c)
	defer c.Close()
	if got := len(c.TrustRecords()); got != 5 {
		t.Fatalf("%d trust records read back, want 5", got)
	}
	for _, n := range nodes {
		if !c.Roster().Active(protocol.PublicKey(n)) {
			t.Fatalf("node %s not active after reopening", protocol.PublicKey(n))
		}
	}
	for _, rec := range c.TrustRecords() {
		if !c.trust.isDoc(rec.CID) {
			t.Fatalf("record %s not known as a trust record after reopening", rec.CID)
		}
	}
	ids, _, found, err := c.readTrustList()
	if err != nil || !found || len(ids) != 5 {
		t.Fatalf("the list saved holds %d records (found %v, %v), want 5", len(ids), found, err)
	}
	if _, err := c.store.GetMeta(trustChunkKey(2)); err != nil {
		t.Fatalf("third chunk of the list: %v", err)
	}
}

// TestEntryWithARecordKeyRefused: the front-matter key "record" marks
// trust records; an entry written here that has it is refused, not
// signed as a malformed trust record.
func TestEntryWithARecordKeyRefused(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "")
	me := newKey(t)
	e := parse(t, "---\ntitle: Registre\n---\nTexte.\n")
	e.Meta["record"] = "certificate"
	if _, err := c.Publish(ctx, me, e, nil); !errors.Is(err, protocol.ErrInvalid) || !strings.Contains(err.Error(), `"record"`) {
		t.Fatalf("publish with a record key: %v, want invalid, naming the key", err)
	}
	if n, _ := c.Counts(); n.Revisions != 0 {
		t.Fatalf("a refused entry was stored: %+v", n)
	}
}
