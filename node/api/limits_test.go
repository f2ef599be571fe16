package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/httplimit"
	"github.com/mutu-network/mutu/protocol"
)

// Finding 1 and 3: the API capped nothing, and one query of a long
// word or many words took the node down. A search over a limit of the
// search package is the request's fault: 422, kind input, a message
// naming the limit, at once.
func TestSearchOverTheLimitsIsInput(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, tc := range []struct {
		name, params, want string
	}{
		{"a long word", "q=" + strings.Repeat("a", 501), "over the limit of 500 bytes"},
		{"half a million letters", "q=" + strings.Repeat("a", 500_000), "over the limit of 500 bytes"},
		{"many words", "q=" + url.QueryEscape(strings.Repeat("ab ", 33)), "33 words, over the limit of 32"},
		{"a long tag", "tag=" + strings.Repeat("t", 201), "over the limit of 200 bytes"},
		{"a deep offset", "q=regie&offset=10001", "over the limit of 10000"},
		{"a large page", "q=regie&limit=101", "over the limit of 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			resp, err := http.Get(srv.URL + "/api/v1/search?" + tc.params)
			if err != nil {
				t.Fatal(err)
			}
			e := apiError(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || e.Kind != KindInput || !strings.Contains(e.Message, tc.want) {
				t.Errorf("%d %s %q, want 422, kind input, saying %q", resp.StatusCode, e.Kind, e.Message, tc.want)
			}
			// Generous: the refusal is checked before any work.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refused after %v", d)
			}
		})
	}
}

// Finding 11: JSON answers, errors included, carry
// X-Content-Type-Options: nosniff, so that no browser takes one for
// HTML.
func TestJSONAnswersAreNotSniffed(t *testing.T) {
	srv, _ := newTestServer(t)
	for _, path := range []string{"/api/v1/status", "/api/v1/search?q=regie", "/api/v1/entries/bafynope", "/api/v1/nope"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options %q, want nosniff", path, resp.StatusCode, got)
		}
	}
}

// rateServer serves a Local over an in-memory catalogue, with the rates
// of l.
func rateServer(t *testing.T, l httplimit.Limits) *httptest.Server {
	t.Helper()
	cat, err := catalogue.Open(context.Background(), "", catalogue.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	key, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(&Local{Cat: cat, Author: key}, "token", nil, WithGuard(httplimit.NewGuard(l))))
	t.Cleanup(srv.Close)
	return srv
}

// Each client has a rate of searches, writes and fetches; past it, the
// API answers 429, kind rate_limited, with Retry-After, and the other
// routes and classes go on.
func TestRateLimitedRequestsAre429(t *testing.T) {
	srv := rateServer(t, httplimit.Limits{
		Search:        httplimit.Rate{PerSecond: 0.1, Burst: 2},
		Write:         httplimit.Rate{PerSecond: 0.1, Burst: 1},
		LimitLoopback: true,
	})
	do := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"files":[]}`))
		req.Header.Set("Authorization", "Bearer token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := range 2 {
		if resp := do("GET", "/api/v1/search?q=regie"); resp.StatusCode != 200 {
			t.Fatalf("search %d within the burst: %d", i, resp.StatusCode)
		}
	}
	resp := do("GET", "/api/v1/search?q=regie")
	e := apiError(t, resp)
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || e.Kind != KindRateLimited || secs < 1 || !strings.Contains(e.Message, "too many search requests") {
		t.Errorf("search past the burst: %d %s %q, Retry-After %q; want 429, rate_limited, a wait",
			resp.StatusCode, e.Kind, e.Message, resp.Header.Get("Retry-After"))
	}
	if resp := do("GET", "/api/v1/status"); resp.StatusCode != 200 {
		t.Errorf("status while searches are limited: %d", resp.StatusCode)
	}
	// A write is counted on its own rate, once its token is checked.
	if resp := do("POST", "/api/v1/entries"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("first write: %d, want 422 (no files)", resp.StatusCode)
	}
	if resp := do("POST", "/api/v1/entries"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second write: %d, want 429", resp.StatusCode)
	}
}

// The command line slows down rather than fail when the node asks it
// to wait; past maxRateWait it fails with exit code 4, as when the
// node cannot be reached.
func TestClientWaitsWhenRateLimited(t *testing.T) {
	srv := rateServer(t, httplimit.Limits{Search: httplimit.Rate{PerSecond: 2, Burst: 1}, LimitLoopback: true})
	c := NewClient(strings.TrimPrefix(srv.URL, "http://"), "token")
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.Search(ctx, SearchQuery{Text: "regie"}); err != nil {
			t.Fatalf("search %d: %v", i, err)
		}
	}

	slow := rateServer(t, httplimit.Limits{Search: httplimit.Rate{PerSecond: 0.01, Burst: 1}, LimitLoopback: true})
	c = NewClient(strings.TrimPrefix(slow.URL, "http://"), "token")
	c.Search(ctx, SearchQuery{Text: "regie"})
	_, err := c.Search(ctx, SearchQuery{Text: "regie"})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindRateLimited || ErrorOf(err).ExitCode() != ExitNetwork {
		t.Errorf("search past a long wait: %v, want kind rate_limited and exit code %d", err, ExitNetwork)
	}
}
