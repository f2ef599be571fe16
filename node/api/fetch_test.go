package api_test

import (
	"bytes"
	"context"
	"errors"
	mrand "math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/node/nodetest"
	"github.com/mutu-network/mutu/protocol"
)

// openCatalogue opens a catalogue on disk: blocks of a whole MiB do
// not fit in an in-memory one.
func openCatalogue(t *testing.T) *catalogue.Catalogue {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), t.TempDir(), catalogue.Options{NoSync: true, MinFree: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return cat
}

// serve serves svc's API on 127.0.0.1 and returns a client with token.
func serve(t *testing.T, svc api.Service, token string) *api.Client {
	t.Helper()
	ts := httptest.NewServer(api.Handler(svc, "secret", nil))
	t.Cleanup(ts.Close)
	return api.NewClient(strings.TrimPrefix(ts.URL, "http://"), token)
}

// TestFetchOnDemand: two nodes on 127.0.0.1. B's automatic limit is
// 1 MiB, so the 2.5 MiB attachment of an entry published on A stays
// on A until the API's fetch route asks for it; then it is on B, whole
// and verified. Without a peer, the route says what is missing and
// why; without a running node, it refuses.
func TestFetchOnDemand(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 5<<19)
	_, _ = mrand.NewChaCha8([32]byte{7}).Read(data)
	catA := openCatalogue(t)
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := catA.Publish(ctx, key, &entry.Entry{Meta: map[string]any{"title": "Circulaire de rentrée"}, Body: "Voir la pièce jointe."},
		[]catalogue.File{{Name: "circulaire.pdf", Type: "application/pdf", Data: bytes.NewReader(data)}})
	if err != nil {
		t.Fatal(err)
	}
	id := pub.Doc.String()

	// C holds the entry without the file and has no peer.
	catC := openCatalogue(t)
	nodetest.Receive(t, catC, catA, pub.Revision)
	c := nodetest.Start(t, catC, 1<<20)
	clientC := serve(t, &api.Local{Cat: catC, Net: c.API()}, "secret")
	res, err := clientC.Fetch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Wanted != 3 || res.Fetched != 0 || res.Missing != 3 || res.Reason != api.FetchNoPeer || res.Problem == "" {
		t.Errorf("fetch without a peer = %+v, want 3 blocks missing for want of a peer", res)
	}

	// Without the token, nothing is asked.
	if _, err := serve(t, &api.Local{Cat: catC, Net: c.API()}, "wrong").Fetch(ctx, id); api.ErrorOf(err).Kind != api.KindForbidden {
		t.Errorf("fetch with a wrong token = %v, want forbidden", err)
	}
	// Without a running node, the catalogue alone cannot fetch.
	_, err = (&api.Local{Cat: catC}).Fetch(ctx, id)
	if !errors.Is(err, api.ErrOffline) || api.ErrorOf(err).Kind != api.KindUnavailable {
		t.Errorf("fetch without a node = %v, want ErrOffline (unavailable)", err)
	}
	if _, err := clientC.Fetch(ctx, "bafyreiaaaaaaaaaaaaaaaaaa"); api.ErrorOf(err).Kind != api.KindNotFound {
		t.Errorf("fetch of an unknown entry = %v, want not_found", err)
	}

	a := nodetest.Start(t, catA, 0)
	catB := openCatalogue(t)
	b := nodetest.Start(t, catB, 1<<20)
	clientB := serve(t, &api.Local{Cat: catB, Net: b.API()}, "secret")
	if err := b.Connect(ctx, a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	nodetest.Eventually(t, 30*time.Second, "B to receive the entry", func() bool {
		_, err := clientB.Show(ctx, id, api.ShowOptions{})
		return err == nil
	})
	e, err := clientB.Show(ctx, id, api.ShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != 1 || e.Attachments[0].Held {
		t.Fatalf("B shows attachments %+v before the fetch, want one not held", e.Attachments)
	}

	res, err = clientB.Fetch(ctx, id[:16])
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != id || res.Wanted != 3 || res.Fetched != 3 || res.Bytes != uint64(len(data)) || res.Missing != 0 ||
		res.Peers != 1 || res.From != 1 || res.Reason != "" || res.Problem != "" {
		t.Errorf("fetch = %+v, want the 3 blocks (%d bytes) of %s from the one peer", res, len(data), id)
	}
	if len(res.Attachments) != 1 || !res.Attachments[0].Held {
		t.Errorf("fetch result lists %+v, want the attachment held", res.Attachments)
	}
	var file bytes.Buffer
	if _, err := catB.WriteAttachment(pub.Doc, "circulaire.pdf", &file); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Bytes(), data) {
		t.Fatalf("B holds %d bytes that differ from the %d published on A", file.Len(), len(data))
	}

	// Asking again fetches nothing.
	if res, err = clientB.Fetch(ctx, id); err != nil || res.Wanted != 0 || res.Missing != 0 {
		t.Errorf("second fetch = %+v, %v; want nothing to fetch", res, err)
	}
}
