package api

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
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

// publishNote publishes a note through l and returns what it says.
func publishNote(t *testing.T, l *Local, title, body string) Published {
	t.Helper()
	out, err := l.Publish(context.Background(), PublishRequest{Files: []Upload{{Name: "n.md", Data: []byte("---\ntitle: " + title + "\n---\n" + body + "\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// editNote edits entry id through l.
func editNote(t *testing.T, l *Local, id, title, body string) Published {
	t.Helper()
	p, err := l.Edit(context.Background(), EditRequest{ID: id, File: Upload{Name: "e.md", Data: []byte("---\ntitle: " + title + "\n---\n" + body + "\n")}})
	if err != nil {
		t.Fatal(err)
	}
	return *p
}

// copyRevisions hands the revisions revs of from to to, as a peer
// would.
func copyRevisions(t *testing.T, from, to *Local, revs ...string) {
	t.Helper()
	ctx := context.Background()
	var blocks []protocol.Block
	for _, r := range revs {
		c, err := cid.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		data, err := from.Cat.Block(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, protocol.Block{CID: c, Data: data})
	}
	good, bad := protocol.VerifyAll(ctx, blocks)
	if len(bad) > 0 {
		t.Fatalf("%d revisions do not verify", len(bad))
	}
	if _, err := to.Cat.AddVerified(ctx, good); err != nil {
		t.Fatal(err)
	}
}

// getJSON GETs path from srv and decodes a 200 answer into v; it
// returns the status and, for any other, the API error.
func getJSON(t *testing.T, srv *httptest.Server, path string, v any) (int, *Error) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, apiError(t, resp)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, nil
}

// TestRetractedEntryIsGone: reading a retracted entry answers 410, in
// the API's error shape, saying it was retracted and by which
// revision; the error carries its metadata without its title or text.
// (The API answered 200 with the whole entry while its web page
// answered 410.) The client gives the same error.
func TestRetractedEntryIsGone(t *testing.T) {
	srv, l := newTestServer(t)
	p := publishNote(t, l, "Régie retirée", "Texte retiré.")
	r, err := l.Retract(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/entries/" + p.ID, "/api/v1/entries/" + p.ID + "?markdown=1&revision=" + p.Revision, "/api/v1/entries/" + p.ID + "/diff"} {
		status, e := getJSON(t, srv, path, &Entry{})
		if status != http.StatusGone || e == nil || e.Kind != KindRetracted {
			t.Fatalf("GET %s: %d %+v, want 410 and kind retracted", path, status, e)
		}
		if !strings.Contains(e.Message, "retracted") || !strings.Contains(e.Message, r.Revision) {
			t.Errorf("GET %s: message %q does not name the retraction %s", path, e.Message, r.Revision)
		}
		if e.Entry == nil || !e.Entry.Retracted || e.Entry.Retraction != r.Revision || e.Entry.Conflict ||
			e.Entry.Title != "" || e.Entry.Body != "" || e.Entry.Markdown != "" {
			t.Errorf("GET %s: entry %+v, want its metadata, retracted by %s, without its content", path, e.Entry, r.Revision)
		}
	}
	_, err = NewClient(strings.TrimPrefix(srv.URL, "http://"), "").Show(context.Background(), p.ID, ShowOptions{})
	if e := ErrorOf(err); e.Kind != KindRetracted || e.Entry == nil || e.Entry.Retraction != r.Revision || e.ExitCode() != ExitInput {
		t.Errorf("Client.Show: %+v, want kind retracted with the entry", e)
	}
}

// TestShowRevision: GET /api/v1/entries/{id}?revision=CID shows any
// revision of the entry's history, by CID or unique prefix.
func TestShowRevision(t *testing.T) {
	srv, l := newTestServer(t)
	p := publishNote(t, l, "Première", "Un.")
	e2 := editNote(t, l, p.ID, "Seconde", "Deux.")
	other := publishNote(t, l, "Autre", "Trois.")
	var e Entry
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"?markdown=1&revision="+p.Revision[:16], &e); status != 200 {
		t.Fatalf("show the first revision: %d %+v", status, apiErr)
	}
	if e.Title != "Première" || e.Revision != p.Revision || e.Head != e2.Revision || !strings.Contains(e.Markdown, "title: Première") ||
		!strings.Contains(e.Markdown, "id: "+p.ID) {
		t.Errorf("first revision shown as %+v", e)
	}
	if status, _ := getJSON(t, srv, "/api/v1/entries/"+p.ID, &e); status != 200 || e.Title != "Seconde" || e.Revision != e2.Revision {
		t.Errorf("current revision: %d %+v", status, e)
	}
	for _, rev := range []string{other.Revision, "bafyreizzzzzzzz"} {
		if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"?revision="+rev, &e); status != 404 || apiErr.Kind != KindNotFound {
			t.Errorf("revision %s: %d %+v, want 404", rev, status, apiErr)
		}
	}
}

// TestDiffRoute: GET /api/v1/entries/{id}/diff compares the two heads
// of a conflict, or the two revisions named, as a unified diff of
// their Markdown files; without a conflict, it asks for two.
func TestDiffRoute(t *testing.T) {
	srv, a := newTestServer(t)
	cat, err := catalogue.Open(context.Background(), "", catalogue.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	b := &Local{Cat: cat, Author: a.Author}
	p := publishNote(t, a, "Cantine", "Tarifs.")
	copyRevisions(t, a, b, p.Revision)
	ea := editNote(t, a, p.ID, "Cantine (A)", "Tarifs votés.")
	publishNote(t, b, "Autre", "Pour que la révision de B diffère de celle de A.")
	eb := editNote(t, b, p.ID, "Cantine (B)", "Tarifs du forfait.")
	copyRevisions(t, b, a, eb.Revision)

	var d Diff
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"/diff", &d); status != 200 {
		t.Fatalf("diff of the conflict: %d %+v", status, apiErr)
	}
	heads := []string{ea.Revision, eb.Revision}
	if d.From == d.To || !slices.Contains(heads, d.From) || !slices.Contains(heads, d.To) || d.ID != p.ID {
		t.Errorf("diff compares %s and %s, want the heads %v", d.From, d.To, heads)
	}
	for _, line := range []string{"--- " + d.From, "+++ " + d.To, "-title: Cantine (", "+title: Cantine (", " id: " + p.ID} {
		if !strings.Contains(d.Unified, line+"") {
			t.Errorf("diff lacks %q:\n%s", line, d.Unified)
		}
	}
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"/diff?from="+p.Revision[:12]+"&to="+ea.Revision, &d); status != 200 ||
		d.From != p.Revision || !strings.Contains(d.Unified, "-Tarifs.\n+Tarifs votés.\n") {
		t.Errorf("diff of two named revisions: %d %+v %+v", status, apiErr, d)
	}
	q := publishNote(t, a, "Sans conflit", "Rien.")
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+q.ID+"/diff", &d); status != 422 || !strings.Contains(apiErr.Message, "no conflict") {
		t.Errorf("diff of an entry without conflict: %d %+v, want 422 saying it has no conflict", status, apiErr)
	}
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"/diff?from="+p.Revision, &d); status != 422 {
		t.Errorf("diff with one revision named: %d %+v, want 422", status, apiErr)
	}
}
