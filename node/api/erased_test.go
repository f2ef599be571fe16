package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// TestShowErasedRevision: asking for an erased revision says it was
// erased, when, by which decision and why, instead of calling it a
// retraction; the entry itself is still shown without content, saying
// it was erased, and so is the revision in the history.
func TestShowErasedRevision(t *testing.T) {
	srv, l := newTestServer(t)
	p := publishNote(t, l, "Fonds social", "La procédure.")
	e2 := editNote(t, l, p.ID, "Fonds social", "La famille Durand.")
	rev, err := cid.Decode(e2.Revision)
	if err != nil {
		t.Fatal(err)
	}
	by := catalogue.ErasedBy{Decision: protocol.BlockCID([]byte("decision")), Time: time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC), Category: trust.CategoryPersonalData}
	if err := l.Cat.Erase(context.Background(), []cid.Cid{rev}, by); err != nil {
		t.Fatal(err)
	}
	var e Entry
	status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"?revision="+e2.Revision, &e)
	if status != 422 || !strings.Contains(apiErr.Message, "was erased on 2026-12-07") || !strings.Contains(apiErr.Message, "donnees-personnelles") {
		t.Errorf("show the erased revision: %d %+v", status, apiErr)
	}
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID, &e); status != 200 || e.Body != "" || e.Title != "" {
		t.Errorf("show the entry whose head was erased: %d %+v %+v", status, apiErr, e)
	}
	want := Erasure{Decision: by.Decision.String(), Time: by.Time, Category: trust.CategoryPersonalData}
	if e.Erased == nil || *e.Erased != want {
		t.Errorf("the entry whose head was erased says erased %+v, want %+v", e.Erased, want)
	}
	var history []Revision
	if status, apiErr := getJSON(t, srv, "/api/v1/entries/"+p.ID+"/history", &history); status != 200 || len(history) != 2 {
		t.Fatalf("history: %d %+v %+v", status, apiErr, history)
	}
	for _, r := range history {
		if erased := r.CID == e2.Revision; (r.Erased != nil) != erased || (erased && *r.Erased != want) {
			t.Errorf("history: revision %s says erased %+v", r.CID, r.Erased)
		}
	}
}
