package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// TestErasedEntryShowsWhenAndWhy: the page of an entry whose content
// was erased says « contenu effacé le … : données personnelles » in
// French typography and shows none of the content; its history lists
// the erased version the same way, and comparing it works.
func TestErasedEntryShowsWhenAndWhy(t *testing.T) {
	e := newEnv(t)
	c, key := e.account("durand")
	id := e.publish(key, map[string]any{"title": "Fonds social"}, "La procédure d'attribution.\n")
	doc, err := cid.Decode(id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.cat.Edit(context.Background(), key, doc, &entry.Entry{Meta: map[string]any{"title": "Fonds social : la famille Durand"}, Body: "La famille Durand, quotient 312.\n"}, catalogue.EditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	by := catalogue.ErasedBy{Decision: protocol.BlockCID([]byte("decision")), Time: time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC), Category: trust.CategoryPersonalData}
	if err := e.cat.Erase(context.Background(), []cid.Cid{p.Revision}, by); err != nil {
		t.Fatal(err)
	}
	e.srv.recent.invalidate()
	want := "Contenu effacé le 7 décembre 2026" + nbsp + ": données personnelles"

	res := c.get("/entree/" + id)
	if res.status != 410 || !strings.Contains(res.body, want) || strings.Contains(res.body, "Durand") {
		t.Errorf("entry page: %d, want 410 with %q and no content:\n%s", res.status, want, res.body)
	}
	res = c.get("/entree/" + id + "/historique")
	if res.status != 200 || !strings.Contains(res.body, want) || strings.Contains(res.body, "Durand") || !strings.Contains(res.body, "Fonds social") {
		t.Errorf("history page: %d, want the erased version as %q:\n%s", res.status, want, res.body)
	}
	res = c.get("/entree/" + id + "/modifier")
	if res.status != 410 || !strings.Contains(res.body, want) || strings.Contains(res.body, "Durand") {
		t.Errorf("edit form of the erased entry, for its author: %d, want 410 with %q:\n%s", res.status, want, res.body)
	}
	res = c.get("/entree/" + id + "/diff?" + url.Values{"de": {doc.String()}, "a": {p.Revision.String()}}.Encode())
	if res.status != 200 || strings.Contains(res.body, "Durand") {
		t.Errorf("comparison with the erased version: %d:\n%s", res.status, res.body)
	}
}
