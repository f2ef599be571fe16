package api

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// moderatedServer serves a Local with a moderation journal; it returns
// the server, the Local and a Client with the token.
func moderatedServer(t *testing.T) (*Local, *Client, string) {
	t.Helper()
	srv, l := newTestServer(t)
	j, err := moderation.OpenJournal(filepath.Join(t.TempDir(), moderation.JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	l.Moderation = moderation.New(j, l.Cat.SetModeration, nil)
	return l, NewClient(strings.TrimPrefix(srv.URL, "http://"), "token"), srv.URL
}

func publishTitled(t *testing.T, svc Service, title string) string {
	t.Helper()
	out, err := svc.Publish(context.Background(), PublishRequest{Files: []Upload{{Name: "n.md", Data: []byte("---\ntitle: " + title + "\n---\nLa régie encaisse.\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].ID
}

// readerView returns the IDs the API's listing and search give, and the
// search's total.
func readerView(t *testing.T, svc Service) (list, found []string, total uint64) {
	t.Helper()
	ctx := context.Background()
	sums, err := svc.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		list = append(list, s.ID)
	}
	res, err := svc.Search(ctx, SearchQuery{Text: "régie"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		found = append(found, h.ID)
	}
	slices.Sort(list)
	slices.Sort(found)
	return list, found, res.Total
}

// Through the API (a daemon's client, as the command line uses it): a
// hidden entry leaves the listing and the search at once, its page is
// refused to a reader without the token and shown to the operator with
// the act; the journal lists the acts; unhide brings it back.
func TestAPIModerationHidesFromListingsAndShowsTheOperator(t *testing.T) {
	ctx := context.Background()
	_, c, base := moderatedServer(t)
	a, b := publishTitled(t, c, "Régie A"), publishTitled(t, c, "Régie B")
	both := []string{a, b}
	slices.Sort(both)

	act, err := c.Moderate(ctx, ModerateRequest{Action: trust.ActionHide, Target: shortIDOf(a), Category: trust.CategorySpam, Reason: "publicité"})
	if err != nil {
		t.Fatal(err)
	}
	if act.By != moderation.Operator || act.Target != "entry:"+a || act.Time.IsZero() {
		t.Fatalf("act = %+v", act)
	}
	if list, found, total := readerView(t, c); !slices.Equal(list, []string{b}) || !slices.Equal(found, []string{b}) || total != 1 {
		t.Fatalf("after hide: list %v, search %v (total %d), want only %s", list, found, total, b)
	}
	e, err := c.Show(ctx, a, ShowOptions{})
	if err != nil || e.Hidden == nil || e.Hidden.Reason != "publicité" {
		t.Fatalf("the operator's show of a hidden entry: %+v, %v", e, err)
	}
	resp, err := http.Get(base + "/api/v1/entries/" + a)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden || apiError(t, resp).Kind != KindForbidden {
		t.Fatalf("a reader without the token got %d for a hidden entry", resp.StatusCode)
	}

	if _, err := c.Moderate(ctx, ModerateRequest{Action: trust.ActionUnhide, Target: a, Category: trust.CategorySpam, Reason: "erreur"}); err != nil {
		t.Fatal(err)
	}
	if list, found, total := readerView(t, c); !slices.Equal(list, both) || !slices.Equal(found, both) || total != 2 {
		t.Fatalf("after unhide: list %v, search %v (total %d)", list, found, total)
	}
	journal, err := c.ModerationJournal(ctx)
	if err != nil || len(journal) != 2 || journal[0].Action != trust.ActionHide || journal[1].Action != trust.ActionUnhide {
		t.Fatalf("journal = %+v, %v", journal, err)
	}
}

func shortIDOf(id string) string { return strings.TrimPrefix(id, "bafyrei")[:10] }

// Bad requests name what to fix, and store nothing in the journal.
func TestAPIModerateRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	l, c, base := moderatedServer(t)
	a := publishTitled(t, c, "Régie A")
	key := protocol.PublicKey(l.Author).String()
	for _, tc := range []struct {
		name string
		req  ModerateRequest
		kind ErrorKind
		says string
	}{
		{"no category", ModerateRequest{Action: trust.ActionHide, Target: a, Reason: "x"}, KindInput, "category"},
		{"bad category", ModerateRequest{Action: trust.ActionHide, Target: a, Category: "rude", Reason: "x"}, KindInput, "donnees-personnelles"},
		{"no reason", ModerateRequest{Action: trust.ActionHide, Target: a, Category: trust.CategorySpam}, KindInput, "reason"},
		{"long reason", ModerateRequest{Action: trust.ActionHide, Target: a, Category: trust.CategorySpam, Reason: strings.Repeat("a", 501)}, KindInput, "500"},
		{"unknown entry", ModerateRequest{Action: trust.ActionHide, Target: "bafyreizzzzzzzzz", Category: trust.CategorySpam, Reason: "x"}, KindNotFound, ""},
		{"author not a key", ModerateRequest{Action: trust.ActionBlockAuthor, Target: "marie", Category: trust.CategorySpam, Reason: "x"}, KindInput, "ed25519"},
		{"unknown action", ModerateRequest{Action: "delete", Target: a, Category: trust.CategorySpam, Reason: "x"}, KindInput, "hide"},
		{"network in an open network", ModerateRequest{Action: trust.ActionBlockAuthor, Target: key, Category: trust.CategorySpam, Reason: "x", Network: true}, KindForbidden, "coordinator"},
		{"network for a node", ModerateRequest{Action: trust.ActionBlockNode, Target: key, Category: trust.CategorySpam, Reason: "x", Network: true}, KindInput, "revoke"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Moderate(ctx, tc.req)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || !strings.Contains(e.Message, tc.says) {
				t.Fatalf("err = %v, want kind %s saying %q", err, tc.kind, tc.says)
			}
		})
	}
	if j, _ := c.ModerationJournal(ctx); len(j) != 0 {
		t.Fatalf("journal after refusals: %+v", j)
	}
	// Writing an act needs the token; so does reading the journal.
	for _, path := range []string{"/api/v1/moderation/journal"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s without the token: %d", path, resp.StatusCode)
		}
		resp.Body.Close()
	}
	noToken := NewClient(strings.TrimPrefix(base, "http://"), "")
	if _, err := noToken.Moderate(ctx, ModerateRequest{Action: trust.ActionHide, Target: a, Category: trust.CategorySpam, Reason: "x"}); ErrorOf(err).Kind != KindForbidden {
		t.Fatalf("moderate without the token: %v", err)
	}
}

// A blocked author's publication through the API is refused with the
// forbidden kind, naming the block.
func TestAPIPublishOfABlockedAuthorIsForbidden(t *testing.T) {
	ctx := context.Background()
	l, c, _ := moderatedServer(t)
	if _, err := c.Moderate(ctx, ModerateRequest{Action: trust.ActionBlockAuthor, Target: protocol.PublicKey(l.Author).String(),
		Category: trust.CategorySpam, Reason: "publicité"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Publish(ctx, PublishRequest{Files: []Upload{{Name: "n.md", Data: []byte("---\ntitle: Pub\n---\nAchetez.\n")}}})
	if e := ErrorOf(err); e.Kind != KindForbidden || !strings.Contains(e.Message, "blocked") {
		t.Fatalf("publish by a blocked author: %v", err)
	}
}

// TestBlockNodeAsksTheCoordinatorsToRevokeIt: a member that blocks
// another member asks the coordinators, by a report about that node, to
// revoke it; the coordinators' queue shows the request, the blocked
// node's own queue does not; in an open network nothing is asked.
func TestBlockNodeAsksTheCoordinatorsToRevokeIt(t *testing.T) {
	ctx := context.Background()
	_, l, coord, member, _ := closedNetwork(t)
	other := newKey(t)
	if _, err := l.Cat.AddTrust(ctx, coord, &trust.Admission{Node: protocol.PublicKey(other), Role: trust.RoleMember, Label: "Bassin D"}); err != nil {
		t.Fatal(err)
	}
	j, err := moderation.OpenJournal(filepath.Join(t.TempDir(), moderation.JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	m := moderation.New(j, l.Cat.SetModeration, nil)

	act, err := ModerateAs(ctx, l.Cat, m, member, moderation.Operator, ModerateRequest{Action: trust.ActionBlockNode,
		Target: protocol.PublicKey(other).String(), Category: trust.CategorySpam, Reason: "Publicités chaque jour."})
	if err != nil {
		t.Fatal(err)
	}
	if act.Report == "" {
		t.Fatalf("act %+v: no report asked the coordinators to revoke the node", act)
	}
	queue := ReportQueue(l.Cat, coord)
	if len(queue) != 1 || queue[0].CID != act.Report || queue[0].Revoke != protocol.PublicKey(other).String() ||
		queue[0].Entry != "" || queue[0].Comment != "Publicités chaque jour." || queue[0].Node != protocol.PublicKey(member).String() {
		t.Fatalf("the coordinator's queue %+v, want the request to revoke %s", queue, protocol.PublicKey(other))
	}
	if q := ReportQueue(l.Cat, other); len(q) != 0 {
		t.Errorf("the blocked node's queue %+v, want it empty", q)
	}
	if q := ReportQueue(l.Cat, member); len(q) != 1 || !q[0].Here {
		t.Errorf("the member's queue %+v, want its own request, made here", q)
	}

	// In an open network there is no one to ask: the block stays local.
	_, open := newTestServer(t)
	jo, err := moderation.OpenJournal(filepath.Join(t.TempDir(), moderation.JournalFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jo.Close() })
	act, err = ModerateAs(ctx, open.Cat, moderation.New(jo, open.Cat.SetModeration, nil), newKey(t), moderation.Operator,
		ModerateRequest{Action: trust.ActionBlockNode, Target: protocol.PublicKey(other).String(), Category: trust.CategorySpam, Reason: "Publicités."})
	if err != nil || act.Report != "" {
		t.Errorf("block-node in an open network: %+v, %v; want a local act and no report", act, err)
	}
}
