package api

import (
	"io"
	"net/http"
	"testing"
)

// TestWebPagesCannotMakeBrowsersCallTheAPI: any web page, or an entry
// shown by the node itself, can make a browser send a GET to
// 127.0.0.1:6888 (an <img>, a link). The API serves programs; a
// request a browser sends on behalf of a page is refused before it
// costs anything, whatever its route.
func TestWebPagesCannotMakeBrowsersCallTheAPI(t *testing.T) {
	srv, _ := newTestServer(t)
	refused := []struct {
		name    string
		path    string
		headers map[string]string
	}{
		{"image on another site", "/api/v1/search?q=bxxxxxxxx", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}},
		{"image on a sibling site", "/api/v1/status", map[string]string{"Sec-Fetch-Site": "same-site", "Sec-Fetch-Dest": "image"}},
		{"image in an entry of the node", "/api/v1/search?q=b", map[string]string{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "image"}},
		{"link in an entry of the node", "/api/v1/entries", map[string]string{"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}},
		{"script of another site", "/api/v1/peers", map[string]string{"Origin": "https://evil.example"}},
		{"older browser, image on another site", "/api/v1/status", map[string]string{"Referer": "https://evil.example/page"}},
		{"older browser, page of another site under /api/", "/api/v1/status", map[string]string{"Referer": "https://evil.example/api/page"}},
		{"older browser, link on the node's page", "/api/v1/status", map[string]string{"Referer": "http://127.0.0.1:6888/entree/bafy"}},
		{"unknown route", "/api/v1/nothing", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			e := apiError(t, resp)
			if resp.StatusCode != http.StatusForbidden || e.Kind != KindForbidden {
				t.Errorf("%d %+v, want 403 and kind %q", resp.StatusCode, e, KindForbidden)
			}
		})
	}
	// Programs, and a person typing the address, are served.
	served := []map[string]string{
		nil, // the mutu command, curl
		{"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
		{"Referer": srv.URL + "/api/v1//status"}, // Go's client after a redirect of the API
	}
	for _, h := range served {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/status", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status with headers %v: %d, want 200", h, resp.StatusCode)
		}
	}
}
