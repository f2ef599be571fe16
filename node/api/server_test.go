package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// newTestServer serves a Local over an in-memory catalogue.
func newTestServer(t *testing.T) (*httptest.Server, *Local) {
	t.Helper()
	cat, err := catalogue.Open("", catalogue.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	l := &Local{Cat: cat, Author: key}
	srv := httptest.NewServer(Handler(l, "token", nil))
	t.Cleanup(srv.Close)
	return srv, l
}

// TestUnknownKindIsInput: a kind that is none is the request's fault,
// on every route that takes one: 422 and kind "input", not 500.
func TestUnknownKindIsInput(t *testing.T) {
	srv, _ := newTestServer(t)
	body, _ := json.Marshal(PublishRequest{Kind: "zz", Files: []Upload{{Name: "f.md", Data: []byte("---\ntitle: Régie\n---\nCorps.\n")}}})
	for _, tc := range []struct {
		method, path string
		body         []byte
	}{
		{"GET", "/api/v1/search?kind=zz", nil},
		{"GET", "/api/v1/entries?kind=zz", nil},
		{"POST", "/api/v1/entries", body},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, bytes.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Error *Error }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || out.Error == nil || out.Error.Kind != KindInput {
			t.Errorf("%s %s: %d %+v, want 422 and kind %q", tc.method, tc.path, resp.StatusCode, out.Error, KindInput)
		}
	}
}
