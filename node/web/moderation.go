package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/moderation"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// The node's own moderation on the web (docs/web.md, "Modération"):
// the accounts with the moderator role, and operators, hide entries,
// show them again and block authors, from an entry's page or the
// Modération page, which lists what is hidden and the journal. A
// hidden entry's page shows them, and its author, a banner saying who
// hid it, when and why; other visitors get a page saying it is hidden.

// categoryOption is a category of a moderation form.
type categoryOption struct{ Value, Label string }

// categoryOptions are the six categories, in the order forms show them.
func categoryOptions() []categoryOption {
	out := make([]categoryOption, len(trust.Categories))
	for i, c := range trust.Categories {
		out[i] = categoryOption{string(c), c.Label()}
	}
	return out
}

// actView is a moderation act as the pages show it.
type actView struct {
	Time     time.Time
	By       string // the account, « l'opérateur du nœud », or the coordinating node of a decision
	Action   string // in French: « masquage », « blocage de l'auteur »…
	Undo     string // the action that undoes it; "" if none
	Target   string // the target as it is typed in a form: an ID or a key
	What     string // the target for people: an entry's title, a key
	Href     string // the entry's page; "" for an author or a node
	Category string // its French label
	Raw      trust.Category
	Reason   string
	Decision string // the decision's CID, when the act is shared
}

var actionLabels = map[trust.Action]string{
	trust.ActionHide:          "masquage",
	trust.ActionUnhide:        "fin du masquage",
	trust.ActionBlockAuthor:   "blocage de l'auteur",
	trust.ActionUnblockAuthor: "fin du blocage de l'auteur",
	trust.ActionBlockNode:     "blocage du nœud",
	trust.ActionUnblockNode:   "fin du blocage du nœud",
	trust.ActionErase:         "effacement",
}

var undoOf = map[trust.Action]trust.Action{
	trust.ActionHide:        trust.ActionUnhide,
	trust.ActionBlockAuthor: trust.ActionUnblockAuthor,
	trust.ActionBlockNode:   trust.ActionUnblockNode,
}

// byName is who did an act, for people.
func (s *Server) byName(a moderation.Act) string {
	switch {
	case a.By == moderation.Operator:
		return "l'opérateur du nœud"
	case a.Decision != "" && strings.HasPrefix(a.By, "ed25519:"):
		// A decision of the network: its coordinator, by its label.
		if k, err := protocol.ParseAuthorKey(a.By); err == nil {
			if n, ok := s.cat.Roster().Node(k); ok && n.Label != "" {
				return "la coordination du réseau (" + n.Label + ")"
			}
		}
		return "la coordination du réseau"
	}
	return a.By
}

// view makes the page's view of act a.
func (s *Server) actView(a moderation.Act) actView {
	v := actView{Time: a.Time, By: s.byName(a), Action: actionLabels[a.Action], Undo: string(undoOf[a.Action]),
		Category: a.Category.Label(), Raw: a.Category, Reason: a.Reason, Decision: a.Decision}
	kind, value := moderation.SplitTarget(a.Target)
	v.Target, v.What = value, value
	switch kind {
	case moderation.TargetEntry, moderation.TargetRevision:
		doc := value
		if kind == moderation.TargetRevision {
			doc, v.Target = a.Entry, a.Entry
		}
		if id, err := cid.Decode(doc); err == nil {
			v.Href = entryPath(id)
			v.What = "entrée " + catalogue.ShortID(doc)
			if d, err := s.cat.Get(id); err == nil && d.Entry != nil {
				v.What = "« " + d.Entry.Title() + " »"
			}
			if kind == moderation.TargetRevision {
				v.What += " (une version)"
			}
		}
	case moderation.TargetAuthor:
		if k, err := protocol.ParseAuthorKey(value); err == nil {
			v.What = "auteur " + s.authorName(k)
		}
	case moderation.TargetNode:
		v.What = "nœud " + value
	}
	return v
}

// hiddenPage answers a visitor who may not see a hidden entry: who hid
// it, when and why.
func (s *Server) hiddenPage(w http.ResponseWriter, r *http.Request, a moderation.Act) {
	s.fail(w, r, http.StatusForbidden, "Entrée masquée",
		"Cette entrée est masquée sur ce nœud par "+s.byName(a)+" le "+frenchDate(a.Time)+" : "+a.Reason+" ("+a.Category.Label()+"). "+
			"Si vous pensez que c'est une erreur, adressez-vous à la personne qui gère le nœud.",
		link{"/", "Revenir à l'accueil"}, link{"/recherche", "Rechercher"})
}

// seesHidden reports whether the visitor may see d although it is
// hidden: a moderator, an operator, or its author.
func seesHidden(v *visitor, d *catalogue.Doc) bool {
	return v.account.moderates() || owns(v, d)
}

// moderationView is the Modération page.
type moderationView struct {
	base
	InForce    []actView    // what is hidden or blocked now, latest first
	Reports    []reportView // the reports for this node's moderators, latest first
	Journal    []actView    // the node's own acts, latest first
	Categories []categoryOption
	Enabled    bool // the node keeps a moderation journal
}

// maxJournalShown bounds the acts the page lists.
const maxJournalShown = 200

func (s *Server) moderationPage(w http.ResponseWriter, r *http.Request) {
	if !visitorOf(r).account.moderates() {
		s.refuseModeration(w, r)
		return
	}
	v := &moderationView{base: base{Title: "Modération", Nav: "moderation", Flash: flashes[r.URL.Query().Get("msg")]},
		Categories: categoryOptions(), Enabled: s.mod != nil}
	if s.mod != nil {
		inForce := s.mod.State().InForce()
		for _, a := range slices.Backward(inForce) {
			v.InForce = append(v.InForce, s.actView(a))
		}
		queue := api.ReportQueue(s.cat, s.nodeKey)
		slices.Reverse(queue)
		v.Reports = s.queueViews(queue)
		journal := s.mod.Journal()
		for i := len(journal) - 1; i >= 0 && len(v.Journal) < maxJournalShown; i-- {
			v.Journal = append(v.Journal, s.actView(journal[i]))
		}
	}
	s.render(w, r, http.StatusOK, "moderation", v)
}

// refuseModeration answers a visitor who is not a moderator.
func (s *Server) refuseModeration(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusForbidden, "Réservé aux modérateurs",
		"Seuls les comptes modérateurs et les opérateurs de ce nœud modèrent ses entrées. La personne qui gère le nœud donne ce rôle (mutu user add NOM --moderator).")
}

// moderatePost records an act from a form: action, cible (an entry's
// ID or an author's key), version (one revision, for hide and unhide),
// categorie, motif, and suite, the page to come back to.
func (s *Server) moderatePost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	if !vis.account.moderates() {
		s.refuseModeration(w, r)
		return
	}
	back := localPath(r.PostFormValue("suite"))
	if s.mod == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "Modération indisponible", "Ce nœud ne tient pas de journal de modération.", link{back, "Revenir"})
		return
	}
	action := trust.Action(r.PostFormValue("action"))
	category := trust.Category(r.PostFormValue("categorie"))
	reason := strings.TrimSpace(r.PostFormValue("motif"))
	problem := ""
	switch {
	case actionLabels[action] == "" || action == trust.ActionErase:
		problem = "Cette action de modération n'existe pas."
	case !category.Valid():
		problem = "Choisissez une catégorie."
	case reason == "":
		problem = "Donnez un motif : il est gardé dans le journal de modération."
	case utf8.RuneCountInString(reason) > moderation.MaxReason:
		problem = "Le motif dépasse 500 caractères : raccourcissez-le."
	}
	if problem != "" {
		s.fail(w, r, http.StatusUnprocessableEntity, "Action de modération impossible", problem, link{back, "Revenir"})
		return
	}
	_, err := api.ModerateAs(r.Context(), s.cat, s.mod, nil, vis.account.Name, api.ModerateRequest{
		Action: action, Target: r.PostFormValue("cible"), Revision: r.PostFormValue("version"), Category: category, Reason: reason,
	})
	switch {
	case errors.Is(err, catalogue.ErrNotFound), errors.Is(err, catalogue.ErrAmbiguous):
		s.fail(w, r, http.StatusNotFound, "Entrée introuvable", "Aucune entrée de ce nœud ne porte cet identifiant.", link{back, "Revenir"})
		return
	case errors.Is(err, api.ErrInput):
		s.fail(w, r, http.StatusUnprocessableEntity, "Action de modération impossible",
			"La cible n'est ni une entrée de ce nœud ni une clé d'auteur (ed25519:…).", link{back, "Revenir"})
		return
	case err != nil:
		s.internalError(w, r, err)
		return
	}
	s.recent.invalidate()
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"msg=modere", http.StatusSeeOther)
}

// reportPost signs a report of the entry from its page's form:
// categorie, commentaire and montrer_nom (the reporter agrees to show
// their account's name). Each account makes at most
// Config.ReportsPerHour reports an hour.
func (s *Server) reportPost(w http.ResponseWriter, r *http.Request) {
	vis := visitorOf(r)
	d, ok := s.loadDoc(w, r)
	if !ok {
		return
	}
	back := entryPath(d.ID)
	category := trust.Category(r.PostFormValue("categorie"))
	comment := strings.TrimSpace(r.PostFormValue("commentaire"))
	problem := ""
	switch {
	case !s.canReport():
		problem = "Les signalements passent par les nœuds d'un réseau fermé, dont ce nœud n'est pas membre actif."
	case !category.Valid():
		problem = "Choisissez une catégorie."
	case comment == "":
		problem = "Dites en quelques mots ce qui ne va pas dans l'entrée."
	case utf8.RuneCountInString(comment) > trust.MaxComment:
		problem = "Le commentaire dépasse 1 000 caractères : raccourcissez-le."
	}
	if problem != "" {
		s.fail(w, r, http.StatusUnprocessableEntity, "Signalement impossible", problem, link{back, "Revenir à l'entrée"})
		return
	}
	if !s.reports.Allow(vis.account.Name, s.now()) {
		s.fail(w, r, http.StatusTooManyRequests, "Trop de signalements",
			"Vous avez fait "+strconv.Itoa(s.reports.PerHour())+" signalements dans l'heure, le plus qu'un compte puisse faire. Réessayez plus tard.",
			link{back, "Revenir à l'entrée"})
		return
	}
	_, err := api.ReportAs(r.Context(), s.cat, s.nodeKey, vis.account.Name, api.ReportRequest{
		Entry: d.ID.String(), Category: category, Comment: comment, ShowName: r.PostFormValue("montrer_nom") != "",
	})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, back+"?msg=signale", http.StatusSeeOther)
}

// canReport reports whether this node signs reports: an active member
// of a closed network.
func (s *Server) canReport() bool {
	r := s.cat.Roster()
	return s.nodeKey != nil && r.Closed() && r.Active(protocol.PublicKey(s.nodeKey))
}

// reportView is a report as the pages show it.
type reportView struct {
	api.ReportView
	CategoryLabel string
	Href          string
	// On the Modération page: Held, the entry is in this node's
	// catalogue, and Hidden, it is hidden already. The page offers to
	// hide a held entry that is not.
	Held, Hidden bool
}

func reportViews(list []api.ReportView) []reportView {
	out := make([]reportView, len(list))
	for i, r := range list {
		out[i] = reportView{ReportView: r, CategoryLabel: r.Category.Label(), Href: "/entree/" + r.Entry}
		if r.Revoke != "" {
			out[i].Href = "/reseau"
		}
	}
	return out
}

// queueViews is reportViews for the Modération page, with Held and
// Hidden.
func (s *Server) queueViews(list []api.ReportView) []reportView {
	out := reportViews(list)
	for i := range out {
		id, err := cid.Decode(out[i].Entry)
		if err != nil {
			continue
		}
		if d, err := s.cat.Get(id); err == nil {
			out[i].Held, out[i].Hidden = true, d.Hidden != nil
		}
	}
	return out
}
