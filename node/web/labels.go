package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// French labels of the values that entries carry in English or as
// slugs. A value without a label is shown as written.
var (
	kindLabels = map[string]string{
		string(entry.KindNote): "Fiche pratique", string(entry.KindTool): "Outil", string(entry.KindSoftware): "Logiciel",
	}
	kindPlurals = map[string]string{
		string(entry.KindNote): "Fiches pratiques", string(entry.KindTool): "Outils", string(entry.KindSoftware): "Logiciels",
	}
	categoryLabels = map[string]string{
		"budget": "Budget", "comptabilite": "Comptabilité", "bourses-aides": "Bourses et aides",
		"restauration-hebergement": "Restauration et hébergement", "marches-publics": "Marchés publics",
		"batiments-maintenance": "Bâtiments et maintenance", "manuels-scolaires": "Manuels scolaires",
		"voyages-sorties": "Voyages et sorties", "rh-paie": "RH et paie", "regies": "Régies",
		"controle-interne": "Contrôle interne", "numerique": "Numérique",
	}
	audienceLabels = map[string]string{
		"gestionnaire": "Gestionnaires", "agent-comptable": "Agents comptables", "secretariat": "Secrétariat",
		"referent-numerique": "Référents numériques", "chef-etablissement": "Chefs d'établissement",
		"collectivite": "Collectivités",
	}
	toolTypeLabels = map[string]string{
		"service-web": "Service en ligne", "tableur-modele": "Modèle de tableur", "forum": "Forum",
		"outil-etat": "Outil de l'État", "logiciel": "Logiciel", "formation": "Formation",
	}
	accessLabels = map[string]string{"public": "Public", "compte-agent": "Compte agent", "ent": "ENT"}
	costLabels   = map[string]string{"gratuit": "Gratuit", "payant": "Payant"}
	statusLabels = map[string]string{
		"concept": "Idée", "development": "En développement", "beta": "Bêta", "stable": "Stable", "obsolete": "Obsolète",
	}
	// academies lists the académies, for the form's suggestions.
	academies = []string{
		"aix-marseille", "amiens", "besancon", "bordeaux", "clermont-ferrand", "corse", "creteil", "dijon",
		"grenoble", "guadeloupe", "guyane", "la-reunion", "lille", "limoges", "lyon", "martinique", "mayotte",
		"montpellier", "nancy-metz", "nantes", "nice", "normandie", "orleans-tours", "paris", "poitiers",
		"polynesie-francaise", "reims", "rennes", "strasbourg", "toulouse", "versailles",
	}
	academieLabels = map[string]string{
		"besancon": "Besançon", "creteil": "Créteil", "la-reunion": "La Réunion", "orleans-tours": "Orléans-Tours",
		"polynesie-francaise": "Polynésie française",
	}
	facetHeadings = map[string]string{
		"kind": "Type", "category": "Catégorie", "tags": "Étiquettes", "academie": "Académie", "audience": "Public",
	}
)

func label(m map[string]string, v string) string {
	if l, ok := m[v]; ok {
		return l
	}
	return v
}

// academieLabel writes an académie slug as a name: "aix-marseille" is
// "Aix-Marseille".
func academieLabel(s string) string {
	if l, ok := academieLabels[s]; ok {
		return l
	}
	words := strings.Split(s, "-")
	for i, w := range words {
		if r := []rune(w); len(r) > 0 {
			r[0] = unicode.ToUpper(r[0])
			words[i] = string(r)
		}
	}
	return strings.Join(words, "-")
}

// facetLabel is the label of a value of a facet.
func facetLabel(facet, v string) string {
	switch facet {
	case "kind":
		return label(kindLabels, v)
	case "category":
		return label(categoryLabels, v)
	case "audience":
		return label(audienceLabels, v)
	case "academie":
		return academieLabel(v)
	}
	return v
}

var months = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// paris is the time zone dates are shown in; UTC where the zone data
// is missing.
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()

// frenchDate writes "2 janvier 2026"; "" for the zero time.
func frenchDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(paris)
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, months[t.Month()-1], t.Year())
}

// frenchDateTime writes "2 janvier 2026 à 14 h 05".
func frenchDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s à %d h %02d", frenchDate(t), t.In(paris).Hour(), t.In(paris).Minute())
}

// isoDate is a date for a <time datetime> attribute.
func isoDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// frenchSize writes a file size: "850 octets", "12,5 Ko", "3,2 Mo".
func frenchSize(n uint64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d octets", n)
	case n < 1000*1000:
		return strings.Replace(fmt.Sprintf("%.1f Ko", float64(n)/1000), ".", ",", 1)
	case n < 1000*1000*1000:
		return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/1e6), ".", ",", 1)
	}
	return strings.Replace(fmt.Sprintf("%.1f Go", float64(n)/1e9), ".", ",", 1)
}

// plural writes "1 entrée", "3 entrées".
func plural(n any, one, many string) string {
	var v int64
	switch x := n.(type) {
	case int:
		v = int64(x)
	case uint64:
		v = int64(x)
	case int64:
		v = x
	}
	if v <= 1 {
		return fmt.Sprintf("%d %s", v, one)
	}
	return fmt.Sprintf("%d %s", v, many)
}

// funcs are the helpers templates may call.
var funcs = func() template.FuncMap {
	m := template.FuncMap{
		"kind":       func(k string) string { return label(kindLabels, k) },
		"kinds":      func(k string) string { return label(kindPlurals, k) },
		"category":   func(c string) string { return label(categoryLabels, c) },
		"audience":   func(a string) string { return label(audienceLabels, a) },
		"academie":   academieLabel,
		"toolType":   func(t string) string { return label(toolTypeLabels, t) },
		"access":     func(a string) string { return label(accessLabels, a) },
		"cost":       func(c string) string { return label(costLabels, c) },
		"status":     func(s string) string { return label(statusLabels, s) },
		"date":       frenchDate,
		"datetime":   frenchDateTime,
		"iso":        isoDate,
		"size":       frenchSize,
		"plural":     plural,
		"shortKey":   func(k protocol.AuthorKey) string { return k.Short() },
		"shortCID":   shortCID,
		"shortID":    catalogue.ShortID,
		"facetName":  func(f string) string { return label(facetHeadings, f) },
		"lower":      strings.ToLower,
		"typo":       typo,
		"revokeHref": revokeHref,
	}
	for k, f := range formFuncs {
		m[k] = f
	}
	return m
}()

// shortCID shows the end of a CID, which differs between revisions
// (their starts are all "bafyrei").
func shortCID(s fmt.Stringer) string {
	t := s.String()
	if len(t) > 10 {
		return "…" + t[len(t)-10:]
	}
	return t
}
