package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// rosterView is the part of the Réseau page about a closed network:
// its charter, its nodes and, for the operator of a coordinator's
// node, the requests to admit.
type rosterView struct {
	Name         string
	ID           string
	Since        time.Time
	Coordinators []string // labels, or short keys
	Members      []memberView
	Pending      []pendingView
	// Manage: the visitor is an operator of a coordinator's node: the
	// page shows the buttons « Admettre » and « Révoquer ».
	Manage bool
	// Operator: the visitor is an operator of this node: the page shows
	// the network's identifier and the nodes' addresses.
	Operator bool
}

type memberView struct {
	Key, Label, Academie string
	Coordinator          bool
	AdmittedBy           string
	Since                time.Time
	Revoked              bool
	RevokedAt            time.Time
	Reason               string
}

type pendingView struct {
	Key, Label, Academie, Contact, Via string
	At                                 time.Time
}

// nodeLabel is how the page names node k: its label, or its short key.
func nodeLabel(r *trust.Roster, k trust.Key) string {
	if n, ok := r.Node(k); ok && n.Label != "" {
		return n.Label
	}
	return "nœud " + k.Short()
}

// roster describes the closed network of the catalogue; nil for an
// open one.
func (s *Server) roster(r *http.Request) *rosterView {
	ro := s.cat.Roster()
	rec, ok := ro.Charter()
	if !ok || !ro.Closed() {
		return nil
	}
	ch := rec.Body.(*trust.Charter)
	v := &rosterView{Name: ch.Name, ID: ro.Network(), Since: ro.CharterClock().Time()}
	for _, k := range ch.Coordinators {
		v.Coordinators = append(v.Coordinators, nodeLabel(ro, k))
	}
	for _, n := range ro.Nodes() {
		v.Members = append(v.Members, memberView{
			Key: n.Key.String(), Label: n.Label, Academie: n.Academie, Coordinator: n.Role == trust.RoleCoordinator && !n.Revoked,
			AdmittedBy: nodeLabel(ro, n.AdmittedBy), Since: n.Since.Time(),
			Revoked: n.Revoked, RevokedAt: n.RevokedAt.Time(), Reason: n.Reason,
		})
	}
	vis := visitorOf(r)
	v.Operator = vis.account != nil && vis.account.Operator
	v.Manage = s.manages(r)
	if v.Manage {
		for _, p := range ro.Pending() {
			v.Pending = append(v.Pending, pendingView{Key: p.Node.String(), Label: p.Label, Academie: p.Academie, Contact: p.Contact, Via: nodeLabel(ro, p.Via), At: p.Clock.Time()})
		}
	}
	return v
}

// manages reports whether the visitor may admit and revoke nodes: an
// operator's account on a node that coordinates the network.
func (s *Server) manages(r *http.Request) bool {
	vis := visitorOf(r)
	return vis.account != nil && vis.account.Operator && s.nodeKey != nil &&
		s.cat.Roster().Coordinator(protocol.PublicKey(s.nodeKey))
}

// federation signs this node's acts on the roster.
func (s *Server) federation() *api.Local {
	return &api.Local{Cat: s.cat, NodeKey: s.nodeKey}
}

// refuseManage answers a visitor who may not admit or revoke.
func (s *Server) refuseManage(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusForbidden, "Action réservée",
		"Seul un compte d'opérateur d'un nœud coordinateur du réseau peut admettre ou révoquer un nœud.", link{"/reseau", "Revenir à la page Réseau"})
}

// admitPost admits the node of a waiting request.
func (s *Server) admitPost(w http.ResponseWriter, r *http.Request) {
	if !s.manages(r) {
		s.refuseManage(w, r)
		return
	}
	if _, err := s.federation().Approve(r.Context(), r.PostFormValue("noeud")); err != nil {
		s.rosterError(w, r, err)
		return
	}
	http.Redirect(w, r, "/reseau?msg=admis", http.StatusSeeOther)
}

// revokeView is the confirmation page of a revocation.
type revokeView struct {
	base
	Key, Label string
}

// revokeForm asks to confirm a revocation, with its reason.
func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) {
	if !s.manages(r) {
		s.refuseManage(w, r)
		return
	}
	k, err := protocol.ParseAuthorKey(r.URL.Query().Get("noeud"))
	ro := s.cat.Roster()
	if err != nil || !ro.Active(k) {
		s.fail(w, r, http.StatusNotFound, "Nœud introuvable", "Ce nœud n'est pas membre actif du réseau.", link{"/reseau", "Revenir à la page Réseau"})
		return
	}
	s.render(w, r, http.StatusOK, "revoke", &revokeView{base: base{Title: "Révoquer un nœud", Nav: "reseau"}, Key: k.String(), Label: nodeLabel(ro, k)})
}

// revokePost revokes a node, with the reason given.
func (s *Server) revokePost(w http.ResponseWriter, r *http.Request) {
	if !s.manages(r) {
		s.refuseManage(w, r)
		return
	}
	if _, err := s.federation().Revoke(r.Context(), r.PostFormValue("noeud"), r.PostFormValue("raison")); err != nil {
		s.rosterError(w, r, err)
		return
	}
	http.Redirect(w, r, "/reseau?msg=revoque", http.StatusSeeOther)
}

// rosterError answers an admission or revocation refused.
func (s *Server) rosterError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, api.ErrInput) {
		s.fail(w, r, http.StatusUnprocessableEntity, "Action impossible",
			"Le nœud n'a pas été admis ni révoqué : "+api.ErrorOf(err).Message+".", link{"/reseau", "Revenir à la page Réseau"})
		return
	}
	s.internalError(w, r, err)
}

// attribution says who vouches for the author of a revision at its
// clock, in a closed network: « par Mme X, gestionnaire, collège Y —
// nœud du bassin Z ». "" in an open network or without a certificate.
func (s *Server) attribution(author protocol.AuthorKey, t protocol.Clock) string {
	ro := s.cat.Roster()
	if !ro.Closed() {
		return ""
	}
	c, ok := ro.CertificateAt(author, t)
	if !ok {
		return ""
	}
	out := "par " + c.Name + ", " + c.Function
	if c.Etablissement != "" {
		out += ", " + c.Etablissement
	}
	return out + " — " + nodeLabel(ro, c.Issuer)
}

// revokeHref is the confirmation page of the revocation of node k.
func revokeHref(k string) string { return "/reseau/revoquer?noeud=" + url.QueryEscape(k) }
