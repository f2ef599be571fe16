package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFilterOnlySearch: a search by kind, tag or category alone, with
// no words, answers 200 with its hits, as the web page does. (Its
// scores were NaN, which JSON cannot encode: the answer was an empty
// 200.)
func TestFilterOnlySearch(t *testing.T) {
	srv, l := newTestServer(t)
	note := "---\ntitle: Régie d'avances\ntags: [regie]\ncategory: regies\n---\nCorps.\n"
	if _, err := l.Publish(context.Background(), PublishRequest{Files: []Upload{{Name: "n.md", Data: []byte(note)}}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/api/v1/search?kind=note",
		"/api/v1/search?tag=regie",
		"/api/v1/search?category=regies",
		"/api/v1/search?q=&kind=note&sort=relevance",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var out SearchResult
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || out.Total != 1 || len(out.Hits) != 1 {
			t.Errorf("GET %s: %d, %v, %+v; want 200 and the one note", path, resp.StatusCode, err, out)
		}
	}
}

// nanService answers every search with a hit whose score is NaN.
type nanService struct{ Service }

func (nanService) Search(context.Context, SearchQuery) (*SearchResult, error) {
	return &SearchResult{Total: 1, Hits: []Hit{{ID: "x", Score: math.NaN()}}}, nil
}

// TestAnswerThatCannotBeEncodedIsAnError: an answer that JSON cannot
// encode is a 500 in the API's error shape, never a 200 with an empty
// or cut body.
func TestAnswerThatCannotBeEncodedIsAnError(t *testing.T) {
	srv := serveService(t, nanService{})
	resp, err := http.Get(srv.URL + "/api/v1/search?q=x")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	if e := apiError(t, resp); e.Kind != KindInternal || e.Message == "" {
		t.Errorf("error %+v, want kind internal with a message", e)
	}
}

// serveService serves svc with the token "token".
func serveService(t *testing.T, svc Service) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(svc, "token", nil))
	t.Cleanup(srv.Close)
	return srv
}
