package web

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// moderator gives e's catalogue a moderation whose journal is in a
// temporary directory.
func (e *env) moderator() *moderation.Moderator {
	e.t.Helper()
	j, err := moderation.OpenJournal(filepath.Join(e.t.TempDir(), moderation.JournalFile), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { j.Close() })
	m := moderation.New(j, e.cat.SetModeration, nil)
	e.srv.mod = m
	return m
}

func (e *env) act(m *moderation.Moderator, action trust.Action, id string) {
	e.t.Helper()
	doc, err := cid.Decode(id)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := m.Act(moderation.Act{By: moderation.Operator, Action: action, Target: moderation.EntryTarget(doc),
		Category: trust.CategorySpam, Reason: "publicité"}); err != nil {
		e.t.Fatal(err)
	}
}

// A hidden entry leaves the home page, the search page, the tables and
// the Atom feeds at once, with their counts, although each keeps its
// results cached; unhidden, it is back as soon.
func TestHiddenEntryLeavesEveryPageAndFeed(t *testing.T) {
	e := newEnv(t)
	m := e.moderator()
	spam := e.publish(nil, map[string]any{"title": "Achetez Zorglub", "kind": "tool", "category": "regies"}, "Régie miracle.")
	e.publish(nil, map[string]any{"title": "Régie de recettes", "kind": "tool", "category": "regies"}, "Régie ordinaire.")
	c := e.client()
	pages := []string{"/", "/recherche?q=r%C3%A9gie", "/outils", "/flux.atom", "/flux/regies.atom"}
	look := func(want bool) {
		t.Helper()
		for _, p := range pages {
			res := c.get(p)
			if res.status != 200 {
				t.Fatalf("GET %s: %d", p, res.status)
			}
			if got := strings.Contains(res.body, "Zorglub"); got != want {
				t.Errorf("GET %s shows the entry: %v, want %v", p, got, want)
			}
		}
		home := c.get("/").body
		count := "2 entrées sur ce nœud"
		if !want {
			count = "1 entrée sur ce nœud"
		}
		if !strings.Contains(home, count) {
			t.Errorf("the home page does not say %q", count)
		}
	}
	look(true) // and the caches hold the pages
	e.act(m, trust.ActionHide, spam)
	look(false)
	e.act(m, trust.ActionUnhide, spam)
	look(true)
}

// A moderator hides an entry from its page and sees the banner « masqué
// par … le … : motif »; its author sees it too; every other visitor
// gets a page saying this node's moderation hides it, and no longer
// finds it; the Modération page lists it and the journal; showing it
// again from the page brings it back.
func TestModeratorHidesAnEntryFromItsPage(t *testing.T) {
	e := newEnv(t)
	e.moderator()
	author, key := e.account("marie")
	id := e.publish(key, map[string]any{"title": "Régie de Zorglub"}, "Texte.")
	mod, _ := e.accountWith("claire", AddOptions{Moderator: true})
	reader := e.client()
	page := "/entree/" + id

	if body := mod.get(page).body; !strings.Contains(body, "Masquer cette entrée") || !strings.Contains(body, "publicité ou spam") {
		t.Fatalf("the moderator's entry page has no form to hide it:\n%s", body)
	}
	if body := reader.get(page).body; strings.Contains(body, "Masquer cette entrée") {
		t.Fatal("a reader sees the moderation form")
	}
	if body := author.get("/").body; strings.Contains(body, `href="/moderation"`) {
		t.Fatal("an account without the role has the Modération menu")
	}
	res := mod.submit(page, "/moderation/agir", url.Values{"action": {"hide"}, "cible": {id}, "categorie": {"spam"},
		"motif": {"publicité déguisée"}, "suite": {page}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), page) {
		t.Fatalf("hide: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
	}

	banner := "Masqué par claire le "
	if body := mod.get(page).body; !strings.Contains(body, banner) || !strings.Contains(body, "publicité déguisée") || !strings.Contains(body, "Ne plus masquer") {
		t.Fatalf("the moderator sees no banner:\n%s", body)
	}
	if body := author.get(page).body; !strings.Contains(body, banner) {
		t.Fatalf("the author sees no banner:\n%s", body)
	}
	res = reader.get(page)
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "masquée sur ce nœud par claire le ") ||
		!strings.Contains(res.body, "publicité déguisée (publicité ou spam)") || strings.Contains(res.body, "Zorglub") {
		t.Fatalf("a reader's page of a hidden entry: %d\n%s", res.status, res.body)
	}
	for _, p := range []string{page + "/historique", "/recherche?q=zorglub", "/"} {
		if strings.Contains(reader.get(p).body, "Zorglub") {
			t.Errorf("%s shows the hidden entry to a reader", p)
		}
	}
	list := mod.get("/moderation")
	if list.status != 200 || !strings.Contains(list.body, "Régie de Zorglub") || !strings.Contains(list.body, "masquage") || !strings.Contains(list.body, "publicité déguisée") {
		t.Fatalf("the Modération page:\n%s", list.body)
	}

	res = mod.submit(page, "/moderation/agir", url.Values{"action": {"unhide"}, "cible": {id}, "categorie": {"spam"},
		"motif": {"vérifié, c'est une vraie fiche"}, "suite": {page}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("unhide: %d\n%s", res.status, res.body)
	}
	if res := reader.get(page); res.status != 200 || !strings.Contains(res.body, "Zorglub") || strings.Contains(res.body, banner) {
		t.Fatalf("after unhide, a reader gets %d", res.status)
	}
	if !strings.Contains(reader.get("/").body, "Zorglub") {
		t.Error("the home page does not list the entry shown again")
	}
}

// Only moderators and operators moderate; a form without a category or
// a reason is refused in French, and records nothing.
func TestModerationIsForModeratorsOnly(t *testing.T) {
	e := newEnv(t)
	m := e.moderator()
	id := e.publish(nil, map[string]any{"title": "Régie"}, "Texte.")
	user, _ := e.account("paul")
	hide := url.Values{"action": {"hide"}, "cible": {id}, "categorie": {"spam"}, "motif": {"pub"}, "suite": {"/"}}
	if res := user.get("/moderation"); res.status != http.StatusForbidden || !strings.Contains(res.body, "Réservé aux modérateurs") {
		t.Fatalf("GET /moderation by a user: %d", res.status)
	}
	if res := user.submit("/entree/"+id, "/moderation/agir", hide); res.status != http.StatusForbidden {
		t.Fatalf("POST by a user: %d", res.status)
	}
	op, _ := e.accountWith("jean", AddOptions{Operator: true})
	if res := op.get("/moderation"); res.status != 200 || !strings.Contains(res.body, "Rien n'est masqué") {
		t.Fatalf("GET /moderation by an operator: %d\n%s", res.status, res.body)
	}
	for name, form := range map[string]url.Values{
		"no category": {"action": {"hide"}, "cible": {id}, "motif": {"pub"}},
		"no reason":   {"action": {"hide"}, "cible": {id}, "categorie": {"spam"}},
		"erase":       {"action": {"erase"}, "cible": {id}, "categorie": {"spam"}, "motif": {"pub"}},
	} {
		if res := op.submit("/entree/"+id, "/moderation/agir", form); res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, res.status)
		}
	}
	if len(m.Journal()) != 0 {
		t.Fatalf("journal after refusals: %+v", m.Journal())
	}
	if res := op.submit("/entree/"+id, "/moderation/agir", hide); res.status != http.StatusSeeOther || len(m.Journal()) != 1 || m.Journal()[0].By != "jean" {
		t.Fatalf("an operator's hide: %d, journal %+v", res.status, m.Journal())
	}
}

// A blocked author's publication from the web form is refused with a
// page in French, and nothing is stored.
func TestBlockedAuthorCannotPublishFromTheWeb(t *testing.T) {
	e := newEnv(t)
	m := e.moderator()
	c, key := e.account("marie")
	if _, err := m.Act(moderation.Act{By: moderation.Operator, Action: trust.ActionBlockAuthor, Target: moderation.AuthorTarget(protocol.PublicKey(key)),
		Category: trust.CategorySpam, Reason: "publicité"}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.cat.Counts()
	res := c.submit("/publier", "/publier", url.Values{"kind": {"note"}, "title": {"Achetez"}, "body": {"Texte."}})
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "bloqué votre clé") {
		t.Fatalf("publish by a blocked author: %d\n%s", res.status, res.body)
	}
	if after, _ := e.cat.Counts(); after.Revisions != before.Revisions {
		t.Fatal("a revision was stored")
	}
}

// A logged-in reader reports an entry from its page with one of the six
// categories and a comment; the report is signed by the node, hides
// nothing, reaches the Modération page and the author's view of the
// entry, names the reporter only if they agreed, and an account's
// reports are limited per hour.
func TestReportFromTheEntryPage(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	e.moderator()
	ctx := context.Background()
	author, key := e.account("marie")
	if _, err := e.cat.AddTrust(ctx, coord, &trust.Certificate{Author: protocol.PublicKey(key), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	id := e.publish(key, map[string]any{"title": "Bourses 2019"}, "Le taux de 2019.")
	page := "/entree/" + id
	paul, _ := e.account("paul")
	mod, _ := e.accountWith("claire", AddOptions{Moderator: true})

	body := paul.get(page).body
	if !strings.Contains(body, "Signaler cette entrée") {
		t.Fatalf("no report form for a logged-in reader:\n%s", body)
	}
	for _, c := range trust.Categories {
		if !strings.Contains(body, `<option value="`+string(c)+`">`+c.Label()+`</option>`) {
			t.Errorf("the form lacks category %s (%s)", c, c.Label())
		}
	}
	if strings.Contains(e.client().get(page).body, "Signaler cette entrée") {
		t.Error("a visitor without an account has the report form")
	}
	report := func(c *client, form url.Values) response {
		return c.submit(page, page+"/signaler", form)
	}
	res := report(paul, url.Values{"categorie": {"erronee-obsolete"}, "commentaire": {"Le taux a changé en 2024."}})
	if res.status != http.StatusSeeOther || !strings.Contains(res.header.Get("Location"), "msg=signale") {
		t.Fatalf("report: %d\n%s", res.status, res.body)
	}
	reports := e.cat.Moderation().Reports()
	if len(reports) != 1 || reports[0].Reporter != "" || reports[0].Node != protocol.PublicKey(coord) || reports[0].Entry != id {
		t.Fatalf("reports held: %+v", reports)
	}
	if res := e.client().get(page); res.status != 200 || !strings.Contains(res.body, "Bourses 2019") {
		t.Fatal("a report hid the entry")
	}
	if body := author.get(page).body; !strings.Contains(body, "Le taux a changé en 2024.") || !strings.Contains(body, "anonyme") {
		t.Fatalf("the author does not see the report:\n%s", body)
	}
	if body := mod.get("/moderation").body; !strings.Contains(body, "Le taux a changé en 2024.") || !strings.Contains(body, "fait ici") {
		t.Fatalf("the Modération page does not list the report:\n%s", body)
	}
	report(paul, url.Values{"categorie": {"autre"}, "commentaire": {"Je signe."}, "montrer_nom": {"1"}})
	if r := e.cat.Moderation().Reports(); len(r) != 2 || r[1].Reporter != "paul" {
		t.Fatalf("a report with the name shown: %+v", r)
	}
	if res := report(paul, url.Values{"categorie": {"autre"}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a report without comment: %d", res.status)
	}
	e.srv.reports = api.NewReportLimiter(2)
	report(paul, url.Values{"categorie": {"spam"}, "commentaire": {"un"}})
	report(paul, url.Values{"categorie": {"spam"}, "commentaire": {"deux"}})
	if res := report(paul, url.Values{"categorie": {"spam"}, "commentaire": {"trois"}}); res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Trop de signalements") {
		t.Fatalf("a report over the account's limit: %d", res.status)
	}
	if n := len(e.cat.Moderation().Reports()); n != 4 {
		t.Fatalf("%d reports held, want 4", n)
	}
}

// In an open network, no node signs reports: the form is not shown.
func TestNoReportFormInAnOpenNetwork(t *testing.T) {
	e := newEnv(t)
	c, key := e.account("marie")
	id := e.publish(key, map[string]any{"title": "Régie"}, "Texte.")
	if strings.Contains(c.get("/entree/"+id).body, "Signaler cette entrée") {
		t.Fatal("report form in an open network")
	}
}

// TestFollowedDecisionNamesItsCoordinator: an act that follows a
// coordinator's decision names, on the pages, that coordinator's node
// by its label; the node's operator and accounts by themselves.
func TestFollowedDecisionNamesItsCoordinator(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	for _, tc := range []struct {
		act  moderation.Act
		want string
	}{
		{moderation.Act{By: protocol.PublicKey(coord).String(), Decision: "bafyreidecision"}, "la coordination du réseau (Bassin A)"},
		{moderation.Act{By: protocol.PublicKey(newTestKey(t)).String(), Decision: "bafyreidecision"}, "la coordination du réseau"},
		{moderation.Act{By: moderation.Operator}, "l'opérateur du nœud"},
		{moderation.Act{By: "claire"}, "claire"},
	} {
		if got := e.srv.byName(tc.act); got != tc.want {
			t.Errorf("byName(%q) = %q, want %q", tc.act.By, got, tc.want)
		}
	}
}

// On the Modération page, each report on an entry held here has a form
// to hide the entry, its category chosen as the report's; once the
// entry is hidden, the report says so and the form is gone.
func TestModeratorHidesAnEntryFromTheReportQueue(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	m := e.moderator()
	_, key := e.account("marie")
	if _, err := e.cat.AddTrust(context.Background(), coord, &trust.Certificate{Author: protocol.PublicKey(key), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	id := e.publish(key, map[string]any{"title": "Achetez Zorglub"}, "Régie miracle.")
	paul, _ := e.account("paul")
	mod, _ := e.accountWith("claire", AddOptions{Moderator: true})
	page := "/entree/" + id
	if res := paul.submit(page, page+"/signaler", url.Values{"categorie": {"spam"}, "commentaire": {"Publicité."}}); res.status != http.StatusSeeOther {
		t.Fatalf("report: %d\n%s", res.status, res.body)
	}
	body := mod.get("/moderation").body
	for _, want := range []string{`name="cible" value="` + id + `"`, `<option value="spam" selected>`, "Masquer l'entrée"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the report in the queue lacks %q:\n%s", want, body)
		}
	}
	res := mod.submit("/moderation", "/moderation/agir", url.Values{"action": {"hide"}, "cible": {id}, "categorie": {"spam"},
		"motif": {"publicité déguisée"}, "suite": {"/moderation"}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/moderation") {
		t.Fatalf("hide from the queue: %d %s", res.status, res.header.Get("Location"))
	}
	if j := m.Journal(); len(j) != 1 || j[0].By != "claire" || j[0].Action != trust.ActionHide {
		t.Fatalf("journal: %+v", j)
	}
	body = mod.get("/moderation").body
	if !strings.Contains(body, "entrée masquée") || strings.Contains(body, "Masquer l'entrée") {
		t.Fatalf("the queue still offers to hide the hidden entry:\n%s", body)
	}
}

// TestAuthorErasesTheirEntryFromItsPage: the author of an entry erases,
// from the web, the personal data it holds: a reason is required; the
// entry then says its content was erased, the text is found nowhere,
// and the journal keeps the act with the decision published. Another
// account may not.
func TestAuthorErasesTheirEntryFromItsPage(t *testing.T) {
	e, coord, _, _ := closedEnv(t)
	m := e.moderator()
	marie, key := e.account("marie")
	if _, err := e.cat.AddTrust(context.Background(), coord, &trust.Certificate{Author: protocol.PublicKey(key), Name: "Mme Durand", Function: "gestionnaire"}); err != nil {
		t.Fatal(err)
	}
	id := e.publish(key, map[string]any{"title": "Fonds social"}, "La famille Zorglub touche 412 euros.")
	page := "/entree/" + id
	if body := marie.get(page).body; !strings.Contains(body, page+"/effacer") {
		t.Fatalf("the author's entry page has no link to erase it:\n%s", body)
	}
	paul, _ := e.account("paul")
	if res := paul.get(page + "/effacer"); res.status != http.StatusForbidden {
		t.Fatalf("another account's erase page: %d, want 403", res.status)
	}
	if res := marie.submit(page+"/effacer", page+"/effacer", url.Values{"motif": {" "}}); res.status != http.StatusBadRequest ||
		!strings.Contains(res.body, "Indiquez en quelques mots") {
		t.Fatalf("an erasure without a reason: %d\n%s", res.status, res.body)
	}
	res := marie.submit(page+"/effacer", page+"/effacer", url.Values{"motif": {"nom et revenus d'une famille"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != page {
		t.Fatalf("erase: %d %s\n%s", res.status, res.header.Get("Location"), res.body)
	}
	res = marie.get(page)
	if res.status != http.StatusGone || !strings.Contains(res.body, "Contenu effacé le") || strings.Contains(res.body, "Zorglub") {
		t.Fatalf("the entry after its erasure: %d\n%s", res.status, res.body)
	}
	if body := marie.get("/recherche?q=zorglub").body; strings.Contains(body, "Fonds social") {
		t.Error("the search still finds the erased text")
	}
	j := m.Journal()
	if len(j) != 1 || j[0].By != "marie" || j[0].Action != trust.ActionErase || j[0].Decision == "" || j[0].Category != trust.CategoryPersonalData {
		t.Fatalf("journal %+v, want marie's erasure with its decision", j)
	}
}
