package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
)

// TestReindexThroughTheNode: a running node rebuilds its index when
// asked through the API, and tells its progress on the way when the
// client reads the progress stream; a client that does not gets the
// result alone.
func TestReindexThroughTheNode(t *testing.T) {
	srv, local := newServer(t, t.TempDir(), catalogue.Options{})
	ctx := context.Background()
	var files []Upload
	for i := range 1500 {
		files = append(files, Upload{Name: fmt.Sprintf("f%d.md", i), Data: fmt.Appendf(nil, "---\ntitle: Fiche %d\n---\nCorps de la fiche.\n", i)})
	}
	if _, err := local.Publish(ctx, PublishRequest{Files: files}); err != nil {
		t.Fatal(err)
	}
	c := NewClient(strings.TrimPrefix(srv.URL, "http://"), "token")
	var seen [][2]int
	res, err := c.Reindex(ctx, func(done, total int) { seen = append(seen, [2]int{done, total}) })
	if err != nil || res.Entries != 1500 {
		t.Fatalf("Reindex through the API: %+v, %v", res, err)
	}
	if len(seen) == 0 || seen[len(seen)-1] != [2]int{1500, 1500} {
		t.Errorf("progress seen: %v, want it to end at 1500 of 1500", seen)
	}
	found, err := c.Search(ctx, SearchQuery{Text: "fiche", Limit: 1})
	if err != nil || found.Total != 1500 {
		t.Errorf("search after the reindex: %v, %v", found, err)
	}

	// Without asking for progress, the answer is the result.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/reindex", nil)
	req.Header.Set("Authorization", "Bearer token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/json" {
		t.Errorf("reindex without a progress stream: %d %s", resp.StatusCode, ct)
	}
	// A wrong token is refused as for any write.
	if _, err := NewClient(strings.TrimPrefix(srv.URL, "http://"), "faux").Reindex(ctx, nil); ErrorOf(err).Kind != KindForbidden {
		t.Errorf("reindex with a wrong token: %v", err)
	}
}
