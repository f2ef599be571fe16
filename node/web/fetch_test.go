package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/node/nodetest"
	"github.com/mutu-network/mutu/protocol"
)

const fetchButton = "Demander les pièces jointes aux autres nœuds"

// randomFile returns size bytes that do not compress.
func randomFile(size int) []byte {
	data := make([]byte, size)
	_, _ = mrand.NewChaCha8([32]byte{byte(size)}).Read(data)
	return data
}

// elsewhere is an entry published on another node's catalogue, and
// that catalogue.
type elsewhere struct {
	cat *catalogue.Catalogue
	pub *catalogue.Published
}

// diskOptions open a catalogue on disk: blocks of a whole MiB do not
// fit in an in-memory one.
var diskOptions = catalogue.Options{NoSync: true, MinFree: -1}

// publishElsewhere publishes an entry with an attachment in a
// catalogue of its own, on disk when the file has blocks of 1 MiB.
func publishElsewhere(t *testing.T, title, file string, data []byte) elsewhere {
	t.Helper()
	opts := catalogue.Options{InMemory: true}
	if len(data) >= protocol.MaxBlockSize {
		opts = diskOptions
	}
	cat, err := catalogue.Open(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	p, err := cat.Publish(context.Background(), key, &entry.Entry{Meta: map[string]any{"title": title}, Body: "Voir la pièce jointe."},
		[]catalogue.File{{Name: file, Type: "application/pdf", Data: bytes.NewReader(data)}})
	if err != nil {
		t.Fatal(err)
	}
	return elsewhere{cat: cat, pub: p}
}

// receiveRevision stores x's revision in e's catalogue without its
// attachment blocks, as a node above its automatic limit holds it.
func (e *env) receiveRevision(x elsewhere) string {
	e.t.Helper()
	nodetest.Receive(e.t, e.cat, x.cat, x.pub.Revision)
	return x.pub.Doc.String()
}

// serveFrom returns a fake Fetch that copies the blocks from x's
// catalogue into e's, as peers holding them would send them.
func (e *env) serveFrom(x elsewhere) func(context.Context, []cid.Cid) (api.BlockFetch, error) {
	return func(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
		r := api.BlockFetch{Wanted: len(cids), Peers: 1, From: 1}
		var blocks []protocol.Block
		for _, c := range cids {
			data, err := x.cat.Block(ctx, c)
			if err != nil {
				return r, err
			}
			blocks = append(blocks, protocol.Block{CID: c, Data: data})
			r.Bytes += uint64(len(data))
		}
		r.Fetched = len(blocks)
		return r, e.cat.AddBlocks(ctx, blocks)
	}
}

// TestFetchAttachmentsFromPeers: two nodes on 127.0.0.1. B's automatic
// limit is 1 MiB, so the 2.5 MiB attachment of an entry published on A
// does not come with the entry: B's page says so and offers the button.
// A reader without an account presses it; the file arrives from A,
// verified, and downloads whole.
func TestFetchAttachmentsFromPeers(t *testing.T) {
	data := randomFile(5 << 19)
	x := publishElsewhere(t, "Circulaire de rentrée", "circulaire.pdf", data)
	a := nodetest.Start(t, x.cat, 0)
	e := newEnvWith(t, t.TempDir(), diskOptions)
	b := nodetest.Start(t, e.cat, 1<<20)
	e.srv.net = b.API()
	if err := b.Connect(context.Background(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	id := x.pub.Doc.String()
	nodetest.Eventually(t, 30*time.Second, "B to receive the entry", func() bool {
		_, err := e.cat.Get(x.pub.Doc)
		return err == nil
	})
	page, piece := "/entree/"+id, "/entree/"+id+"/piece/circulaire.pdf"

	reader := e.client()
	res := reader.get(page)
	if !strings.Contains(res.body, "pas encore reçue par ce nœud") || !strings.Contains(res.body, fetchButton) {
		t.Fatalf("entry page before the fetch: want the attachment missing and the button:\n%s", res.body)
	}
	if strings.Contains(res.body, `href="`+piece+`"`) {
		t.Fatal("entry page links to an attachment the node does not hold")
	}
	if res := reader.get(piece); res.status != http.StatusNotFound {
		t.Fatalf("GET the attachment before the fetch: %d, want 404", res.status)
	}

	res = reader.submit(page, page+"/demander-pieces", url.Values{})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != page+"?msg=recues" {
		t.Fatalf("POST demander-pieces: %d to %q, want 303 to the entry:\n%s", res.status, res.header.Get("Location"), res.body)
	}
	res = reader.get(res.header.Get("Location"))
	if !strings.Contains(res.body, typo(flashes["recues"])) || !strings.Contains(res.body, `href="`+piece+`"`) || strings.Contains(res.body, fetchButton) {
		t.Fatalf("entry page after the fetch: want the message, the download link and no button:\n%s", res.body)
	}
	res = reader.get(piece)
	if res.status != http.StatusOK || res.body != string(data) {
		t.Fatalf("GET the attachment after the fetch: %d, %d bytes, want 200 and the %d bytes published on A", res.status, len(res.body), len(data))
	}
	if got := b.Status().Counters.BlocksReceived; got != 3 {
		t.Errorf("B received %d blocks, want the 3 of the attachment", got)
	}
}

// TestFetchAttachmentsPage: what the page says while a fetch goes on,
// when no peer holds the file, and without the network; and that the
// form needs its CSRF token.
func TestFetchAttachmentsPage(t *testing.T) {
	t.Run("no network", func(t *testing.T) {
		e := newEnv(t)
		id := e.receiveRevision(publishElsewhere(t, "Modèle de budget", "budget.ods", randomFile(3000)))
		res := e.client().get("/entree/" + id)
		if !strings.Contains(res.body, "pas encore reçue par ce nœud") || strings.Contains(res.body, fetchButton) {
			t.Fatalf("without the network: want the attachment missing and no button:\n%s", res.body)
		}
	})

	t.Run("long transfer", func(t *testing.T) {
		e := newEnv(t)
		x := publishElsewhere(t, "Modèle de budget", "budget.ods", randomFile(3000))
		id := e.receiveRevision(x)
		release := make(chan struct{})
		serve := e.serveFrom(x)
		e.srv.net = &fakeNet{fetch: func(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
			select {
			case <-release:
			case <-ctx.Done():
				return api.BlockFetch{}, ctx.Err()
			}
			return serve(ctx, cids)
		}}
		e.srv.fetchWait = 50 * time.Millisecond
		page := "/entree/" + id
		c := e.client()
		res := c.submit(page, page+"/demander-pieces", url.Values{})
		if res.status != http.StatusAccepted || !strings.Contains(res.body, "Transfert en cours") {
			t.Fatalf("POST during a long transfer: %d, want 202 and « Transfert en cours »:\n%s", res.status, res.body)
		}
		if res := c.get(page); !strings.Contains(res.body, "fait venir en ce moment") {
			t.Fatalf("entry page during the transfer does not say it runs:\n%s", res.body)
		}
		close(release)
		nodetest.Eventually(t, 10*time.Second, "the attachment to arrive", func() bool {
			return c.get(page+"/piece/budget.ods").status == http.StatusOK
		})
		if res := c.get(page); strings.Contains(res.body, "fait venir en ce moment") || strings.Contains(res.body, fetchButton) {
			t.Fatalf("entry page after the transfer still offers it:\n%s", res.body)
		}
	})

	t.Run("busy", func(t *testing.T) {
		e := newEnv(t)
		release := make(chan struct{})
		defer close(release)
		e.srv.net = &fakeNet{fetch: func(ctx context.Context, cids []cid.Cid) (api.BlockFetch, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return api.BlockFetch{Wanted: len(cids)}, ctx.Err()
		}}
		e.srv.fetchWait = 10 * time.Millisecond
		c := e.client()
		var pages []string
		for i := range maxFetches + 1 {
			id := e.receiveRevision(publishElsewhere(t, fmt.Sprintf("Modèle %d", i), "budget.ods", randomFile(3000+i)))
			pages = append(pages, "/entree/"+id)
		}
		for _, page := range pages[:maxFetches] {
			if res := c.submit(page, page+"/demander-pieces", url.Values{}); res.status != http.StatusAccepted {
				t.Fatalf("POST %s: %d, want 202", page, res.status)
			}
		}
		last := pages[maxFetches]
		if res := c.submit(last, last+"/demander-pieces", url.Values{}); res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "Nœud occupé") {
			t.Fatalf("POST beyond %d fetches at once: %d, want 503 « Nœud occupé »:\n%s", maxFetches, res.status, res.body)
		}
		// Asking again for an entry being fetched joins its fetch.
		if res := c.submit(pages[0], pages[0]+"/demander-pieces", url.Values{}); res.status != http.StatusAccepted {
			t.Fatalf("POST again for an entry being fetched: %d, want 202", res.status)
		}
	})

	t.Run("no peer", func(t *testing.T) {
		e := newEnv(t)
		id := e.receiveRevision(publishElsewhere(t, "Modèle de budget", "budget.ods", randomFile(3000)))
		e.srv.net = &fakeNet{fetch: func(_ context.Context, cids []cid.Cid) (api.BlockFetch, error) {
			return api.BlockFetch{Wanted: len(cids)}, protocol.Errorf(protocol.CodeNotFound, "%d blocks missing and no peer connected", len(cids))
		}}
		page := "/entree/" + id
		res := e.client().submit(page, page+"/demander-pieces", url.Values{})
		if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "Aucun autre nœud n&#39;est connecté") {
			t.Fatalf("POST with no peer: %d, want 503 saying no node is connected:\n%s", res.status, res.body)
		}
	})

	t.Run("csrf", func(t *testing.T) {
		e := newEnv(t)
		id := e.receiveRevision(publishElsewhere(t, "Modèle de budget", "budget.ods", randomFile(3000)))
		asked := make(chan struct{}, 1)
		e.srv.net = &fakeNet{fetch: func(_ context.Context, cids []cid.Cid) (api.BlockFetch, error) {
			asked <- struct{}{}
			return api.BlockFetch{}, errors.New("must not be called")
		}}
		res := e.client().post("/entree/"+id+"/demander-pieces", url.Values{})
		if res.status != http.StatusForbidden {
			t.Fatalf("POST without a CSRF token: %d, want 403", res.status)
		}
		select {
		case <-asked:
			t.Fatal("a POST without a CSRF token asked the peers")
		default:
		}
	})
}
