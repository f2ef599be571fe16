package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
)

// The home page lists the most recently updated entries of each kind.
// The catalogue offers no "most recent N" read that stops early (List
// walks every document), so they come from the search index sorted by
// date, which still ranks every entry of the kind: tens of
// milliseconds per thousand entries. The lists are therefore kept
// between requests and recomputed when the catalogue's revision count
// changes: at once after a write made here, so that its author sees
// it, and in the background otherwise, at most every refreshInterval,
// the page meanwhile showing the lists as they were.
const (
	refreshInterval = 2 * time.Second
	recentPerKind   = 6
)

// recentCache keeps the home page's lists.
type recentCache struct {
	s *Server

	mu         sync.Mutex // guards the fields below
	lists      *recentLists
	stale      bool   // a write was made here: recompute before showing
	staleAt    uint64 // catalogue.Indexed after that write
	refreshing bool
	started    time.Time // of the last refresh
}

// recentLists is the content of the home page at one revision count.
type recentLists struct {
	revisions uint64 // catalogue.Indexed when they were computed
	mod       uint64 // catalogue.ModerationVersion when they were computed
	byKind    map[string]kindList
}

// kindList is the recent entries of one kind and how many there are.
type kindList struct {
	Kind  string
	Total uint64
	Cards []card
}

func newRecentCache(s *Server) *recentCache { return &recentCache{s: s} }

// get returns the lists, computing them if there are none yet and
// scheduling a refresh if the catalogue changed.
func (rc *recentCache) get(ctx context.Context) (*recentLists, error) {
	revs := rc.s.cat.Indexed()
	rc.mu.Lock()
	lists := rc.lists
	if rc.stale || lists != nil && lists.mod != rc.s.cat.ModerationVersion() {
		// A moderation act shows at once, as a write made here does.
		lists = nil
	}
	if lists != nil && lists.revisions != revs && !rc.refreshing && time.Since(rc.started) >= refreshInterval {
		rc.refreshing, rc.started = true, time.Now()
		rc.s.wg.Add(1)
		go func() {
			defer rc.s.wg.Done()
			if _, err := rc.refresh(rc.s.ctx); err != nil && rc.s.ctx.Err() == nil {
				rc.s.log.Warn("web: refresh the home page lists", "err", err)
			}
			rc.mu.Lock()
			rc.refreshing = false
			rc.mu.Unlock()
		}()
	}
	rc.mu.Unlock()
	if lists != nil {
		return lists, nil
	}
	return rc.refresh(ctx)
}

// refresh recomputes the lists now and keeps them unless lists of a
// later revision count were kept meanwhile.
func (rc *recentCache) refresh(ctx context.Context) (*recentLists, error) {
	revs := rc.s.cat.Indexed()
	lists := &recentLists{revisions: revs, mod: rc.s.cat.ModerationVersion(), byKind: make(map[string]kindList)}
	now := rc.s.now()
	for _, k := range entry.Kinds() {
		res, err := rc.s.cat.Search(ctx, catalogue.SearchQuery{Kind: string(k), Sort: catalogue.SortUpdated, Limit: recentPerKind, Now: now})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		lists.byKind[string(k)] = kindList{Kind: string(k), Total: res.Total, Cards: rc.s.loadCards(ids, now, nil)}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.lists == nil || rc.lists.revisions <= revs {
		rc.lists = lists
	}
	if revs >= rc.staleAt {
		rc.stale = false
	}
	return lists, nil
}

// invalidate makes the next home page recompute the lists, so that a
// write made here shows at once.
func (rc *recentCache) invalidate() {
	revs := rc.s.cat.Indexed()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.stale = true
	rc.staleAt = max(rc.staleAt, revs)
}

// homeView is the home page.
type homeView struct {
	base
	Lists []kindList
	// Total is the catalogue's count of entries (not retracted), the
	// figure of the network page and `mutu status`; the lists' totals
	// come from search, which may lag behind after a large catch-up.
	Total int
}

// Flash messages named by the parameter msg after a redirect.
var flashes = map[string]string{
	"publiee":    "L'entrée est publiée ; elle part vers les autres nœuds du réseau.",
	"modifiee":   "Vos modifications sont enregistrées.",
	"inchangee":  "Rien n'a changé : aucune nouvelle version n'est enregistrée.",
	"retiree":    "L'entrée est retirée, ici et bientôt sur tous les nœuds du réseau.",
	"connecte":   "Vous êtes connecté·e.",
	"deconnecte": "Vous êtes déconnecté·e.",
	"active":     "Votre mot de passe est enregistré ; vous êtes connecté·e.",
	"recues":     "Les pièces jointes sont sur ce nœud : vous pouvez les télécharger.",
	"admis":      "Le nœud est admis : il rejoint le réseau dès sa prochaine tentative.",
	"revoque":    "Le nœud est révoqué : les nœuds du réseau s'en déconnectent.",
	"modere":     "L'action de modération est enregistrée dans le journal ; elle s'applique dès maintenant sur ce nœud.",
	"signale":    "Votre signalement est envoyé aux modérateurs de ce nœud et du nœud de l'auteur. Il ne masque rien par lui-même.",
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	lists, err := s.recent.get(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	counts, err := s.cat.Counts()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	now := s.now()
	v := &homeView{base: base{Title: "Accueil", Nav: "accueil", Flash: flashes[r.URL.Query().Get("msg")]}, Total: counts.Entries}
	for _, k := range entry.Kinds() {
		l := lists.byKind[string(k)]
		cards := make([]card, len(l.Cards))
		copy(cards, l.Cards)
		for i := range cards {
			cards[i].refresh(now)
		}
		l.Cards = cards
		v.Lists = append(v.Lists, l)
	}
	s.render(w, r, http.StatusOK, "home", v)
}
