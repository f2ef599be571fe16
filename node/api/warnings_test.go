package api

import (
	"github.com/mutu-network/mutu/catalogue/entry"

	"context"
	"net/url"
	"reflect"
	"testing"
)

// TestWritesCarryWarnings: what is worth fixing in a file published or
// edited comes back with the result, alike from a Local service and
// through the HTTP API, and does not stop the write.
func TestWritesCarryWarnings(t *testing.T) {
	srv, local := newTestServer(t)
	u, _ := url.Parse(srv.URL)
	client := NewClient(u.Host, "token")
	const file = "---\ntitle: Régie\ntags: [Bad Tag]\ncategory: Budget\nsumary: Court.\n---\nCorps.\n"
	want := []entry.Problem{
		{File: "f.md", Line: 3, Key: "tags", What: `tag "Bad Tag" has capitals; tags are lowercase`, Fix: "write it as bad tag",
			Code: entry.WarnTagCapitals, Value: "Bad Tag", Suggest: "bad tag"},
		{File: "f.md", Line: 4, Key: "category"},
		{File: "f.md", Line: 5, Key: "sumary"},
	}
	check := func(t *testing.T, what string, got []entry.Problem) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: warnings %+v, want %d", what, got, len(want))
		}
		if !reflect.DeepEqual(got[0], want[0]) {
			t.Errorf("%s: warning %+v, want %+v", what, got[0], want[0])
		}
		for i, w := range want[1:] {
			g := got[i+1]
			if g.File != w.File || g.Line != w.Line || g.Key != w.Key || g.What == "" || g.Fix == "" {
				t.Errorf("%s: warning %+v, want file %s line %d key %s with a problem and a fix", what, g, w.File, w.Line, w.Key)
			}
		}
	}
	for name, svc := range map[string]Service{"local": local, "client": client} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// The body differs so that each service publishes its own entry.
			data := []byte(file + name + "\n")
			pubs, err := svc.Publish(ctx, PublishRequest{Files: []Upload{{Name: "f.md", Data: data}}})
			if err != nil || len(pubs) != 1 {
				t.Fatalf("Publish = %v, %v", pubs, err)
			}
			check(t, "publish", pubs[0].Warnings)
			p, err := svc.Edit(ctx, EditRequest{ID: pubs[0].ID, File: Upload{Name: "f.md", Data: append(data, "Suite.\n"...)}})
			if err != nil {
				t.Fatalf("Edit: %v", err)
			}
			check(t, "edit", p.Warnings)
			p, err = svc.Edit(ctx, EditRequest{ID: pubs[0].ID, File: Upload{Name: "f.md", Data: append(data, "Suite.\n"...)}})
			if err != nil || !p.Unchanged {
				t.Fatalf("Edit that changes nothing = %+v, %v", p, err)
			}
			check(t, "edit that changes nothing", p.Warnings)
			// A clean file has none.
			pubs, err = svc.Publish(ctx, PublishRequest{Files: []Upload{{Name: "g.md", Data: []byte("---\ntitle: Propre " + name + "\n---\n")}}})
			if err != nil || len(pubs) != 1 || pubs[0].Warnings != nil {
				t.Errorf("Publish of a clean file = %+v, %v; want no warnings", pubs, err)
			}
		})
	}
}
