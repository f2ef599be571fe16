package web

import (
	"strings"
	"testing"
)

// TestOneSearchBoxPerPage: the home page and the search page show their
// own search box and not the header's; other pages show the header's.
func TestOneSearchBoxPerPage(t *testing.T) {
	e := newEnv(t)
	note := e.publish(nil, map[string]any{"title": "Régie d'avances"}, "Texte.")
	c := e.client()
	for _, tt := range []struct{ path, box string }{
		{"/", `id="q-accueil"`},
		{"/recherche?q=regie", `id="q-page"`},
		{"/recherche?kind=note", `id="q-page"`},
		{"/entree/" + note, `id="q-entete"`},
		{"/reseau", `id="q-entete"`},
	} {
		res := c.get(tt.path)
		if n := strings.Count(res.body, `type="search"`); n != 1 || !strings.Contains(res.body, tt.box) {
			t.Errorf("%s: %d search boxes, want one, %s", tt.path, n, tt.box)
		}
	}
}

// TestPlainWords: the pages say what a gestionnaire says, not the
// words of peer-to-peer software: the other nodes are « nœuds », never
// « pairs ».
func TestPlainWords(t *testing.T) {
	e := newEnv(t)
	e.srv.net = &fakeNet{id: "12D3KooWnoeud"}
	marie, _ := e.account("marie")
	for _, tt := range []struct {
		path      string
		want, not []string
	}{
		{"/reseau", []string{"Nœuds connectés", `<th scope="col">Nœud</th>`, "avec chaque nœud"}, []string{"Pair", " pair"}},
		{"/publier", []string{"<label for=\"champ-body\">Texte de l'entrée</label>", "Le nom court de la licence"}, []string{"en Markdown", "Identifiant SPDX"}},
		{"/", []string{"S'abonner aux nouveautés (flux Atom)"}, nil},
	} {
		body := marie.get(tt.path).body
		for _, w := range tt.want {
			if !strings.Contains(body, typo(w)) {
				t.Errorf("%s lacks %q", tt.path, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s still says %q", tt.path, w)
			}
		}
	}
}
