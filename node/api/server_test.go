package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
)

// newTestServer serves a Local over an in-memory catalogue.
func newTestServer(t *testing.T) (*httptest.Server, *Local) {
	t.Helper()
	return newServer(t, "", catalogue.Options{InMemory: true})
}

// newServer serves, with the token "token", a Local over a catalogue
// opened in dir with opts.
func newServer(t *testing.T, dir string, opts catalogue.Options) (*httptest.Server, *Local) {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), dir, opts)
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

// apiError reads an answer of the API that should be an error in the
// documented shape.
func apiError(t *testing.T, resp *http.Response) *Error {
	t.Helper()
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var out struct{ Error *Error }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Error == nil {
		t.Fatalf("answer %d is not an API error: %v", resp.StatusCode, err)
	}
	return out.Error
}

// TestRouteErrors: a path the API does not serve, and a method a path
// does not take, are answered in the API's JSON error shape, the
// second with the methods allowed.
func TestRouteErrors(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, tc := range []struct {
		method, path string
		status       int
		kind         ErrorKind
		allow        string
	}{
		{"GET", "/api/v1/nope", http.StatusNotFound, KindNotFound, ""},
		{"GET", "/api/v2/entries", http.StatusNotFound, KindNotFound, ""},
		{"POST", "/api/v1/entries/abc/nope", http.StatusNotFound, KindNotFound, ""},
		{"PATCH", "/api/v1/entries", http.StatusMethodNotAllowed, KindMethodNotAllowed, "GET, HEAD, POST"},
		{"POST", "/api/v1/status", http.StatusMethodNotAllowed, KindMethodNotAllowed, "GET, HEAD"},
		{"GET", "/api/v1/entries/abc/fetch", http.StatusMethodNotAllowed, KindMethodNotAllowed, "POST"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		e := apiError(t, resp)
		if resp.StatusCode != tc.status || e.Kind != tc.kind || resp.Header.Get("Allow") != tc.allow || e.Message == "" {
			t.Errorf("%s %s: %d %+v Allow %q, want %d, kind %q, Allow %q and a message",
				tc.method, tc.path, resp.StatusCode, e, resp.Header.Get("Allow"), tc.status, tc.kind, tc.allow)
		}
	}
}

// TestBodyTooLarge: a JSON body over MaxRequestSize is answered 413,
// kind too_large, saying the limit.
func TestBodyTooLarge(t *testing.T) {
	srv, _ := newTestServer(t)
	body := io.MultiReader(strings.NewReader(`{"files":[{"name":"a.md","data":"`),
		io.LimitReader(repeat('A'), MaxRequestSize), strings.NewReader(`"}]}`))
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/entries", body)
	req.Header.Set("Authorization", "Bearer token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	e := apiError(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Kind != KindTooLarge || !strings.Contains(e.Message, "64 MiB") {
		t.Errorf("%d %+v, want 413, kind %q and the limit", resp.StatusCode, e, KindTooLarge)
	}
}

// repeat reads b forever.
type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
