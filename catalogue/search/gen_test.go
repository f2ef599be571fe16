package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// A deterministic generator of realistic notes for benchmarks: the
// vocabulary of school bursars and of everyday administrative French,
// drawn with a Zipf distribution (a few words very frequent, most rare),
// inflected (plurals, verb forms), mixed with codes, amounts, dates and
// names, assembled by sentence templates.

// genTopics holds the words each category of notes uses most; a note
// draws most of its domain words from its own category.
var genTopics = map[string][]string{
	"budget":                   strings.Fields("budget dotation subvention crédit prévision service chapitre décision modification exercice vote équilibre ressource charge collectivité rapport prélèvement réserve"),
	"comptabilite":             strings.Fields("compte balance bilan écriture clôture exercice solde résultat amortissement trésorerie titre mandat pièce justificatif tiers fournisseur facture paiement virement"),
	"bourses-aides":            strings.Fields("bourse échelon prime aide famille ressource revenu enfant campagne dossier demande instruction paiement trimestre fonds social commission mérite"),
	"restauration-hebergement": strings.Fields("cantine restauration repas demi-pension internat hébergement forfait tarif remise denrée menu cuisine convive commensal ticket badge gaspillage"),
	"marches-publics":          strings.Fields("marché consultation devis seuil procédure publicité concurrence offre candidat lot attribution avenant groupement centrale achat besoin cahier"),
	"batiments-maintenance":    strings.Fields("bâtiment maintenance ascenseur chauffage chaufferie électricité incendie extincteur alarme évacuation registre vérification travaux entretien énergie eau"),
	"manuels-scolaires":        strings.Fields("manuel licence prêt commande éditeur libraire inventaire perte ouvrage collection discipline niveau classe numérique rentrée"),
	"voyages-sorties":          strings.Fields("voyage sortie séjour transport accompagnateur programmation participation famille don agence autocar hébergement annulation"),
	"rh-paie":                  strings.Fields("paie salaire contrat assistant recrutement cotisation absence congé agent personnel quotité heure mutualisation déclaration"),
	"regies":                   strings.Fields("régie régisseur avance recette encaisse caisse espèces chèque carte versement reconstitution acte plafond contrôle"),
	"controle-interne":         strings.Fields("contrôle risque cartographie organigramme procédure audit qualité plan action diagnostic supervision séparation fonction"),
	"numerique":                strings.Fields("logiciel ordinateur tablette réseau messagerie plateforme application donnée protection sécurité licence abonnement sauvegarde"),
}

// genDomain is every topic word, for words drawn outside a note's topic.
var genDomain = func() []string {
	var all []string
	for _, c := range genCategories {
		all = append(all, genTopics[c]...)
	}
	return all
}()

// genRare is the long tail: pseudo-words standing for the proper nouns,
// product names and technical terms that real notes hold.
var genRare = func() []string {
	syl := strings.Fields("ba be bi bo ca ce ci co da de di do fa fe fi fo ga ge la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo tran pli cor mon ver")
	r := rand.New(rand.NewPCG(42, 42))
	words := make([]string, 30000)
	for i := range words {
		var b strings.Builder
		for n := 2 + r.IntN(3); n > 0; n-- {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		words[i] = b.String()
	}
	return words
}()

var genCommon = strings.Fields(`temps année jour semaine mois moment question réponse exemple partie cas point
travail service personne situation besoin moyen condition règle principe objectif résultat
information document tableau liste modèle outil méthode étape niveau montant coût prix
quantité nombre ensemble groupe équipe réunion échange conseil avis accord mesure action
suivi mise place charge responsabilité rôle fonction mission poste bureau salle local
papier courrier téléphone adresse nom date période fin début suite cadre base accès usage
version modification changement évolution difficulté problème solution amélioration
progrès pratique habitude expérience connaissance compétence appui soutien accompagnement`)

var genAdjectives = strings.Fields(`nouveau nouvelle ancien ancienne prochain prochaine dernier dernière premier
première annuel annuelle mensuel mensuelle budgétaire comptable financier financière
administratif administrative pédagogique scolaire social sociale public publique
obligatoire facultatif facultative important importante simple complexe rapide précis
précise complet complète exact exacte régulier régulière possible nécessaire utile
prévisionnel prévisionnelle définitif définitive provisoire général générale particulier
particulière national nationale local locale territorial territoriale numérique durable`)

var genVerbs = strings.Fields(`vérifier contrôler préparer transmettre signer valider saisir enregistrer
calculer prévoir organiser suivre présenter voter adopter notifier payer encaisser relancer
demander accorder attribuer déduire répartir comparer choisir commander livrer recevoir
archiver conserver classer justifier expliquer informer consulter associer anticiper
vérifie contrôle prépare transmet signe valide saisit enregistre calcule prévoit organise
suit présente vote adopte notifie paie encaisse relance demande accorde attribue déduit
vérifié contrôlé préparé transmis signé validé saisi enregistré calculé prévu organisé
suivi présenté voté adopté notifié payé encaissé relancé demandé accordé attribué déduit
vérifient contrôlent préparent transmettent signent valident saisissent enregistrent`)

var genLinks = strings.Fields(`avant après pendant depuis selon pour dans avec sans sous entre chez vers
dès lors ainsi donc cependant toutefois notamment également ensuite enfin puis alors
chaque plusieurs certains certaines aucun aucune tout toute tous toutes même autre autres`)

var genPlaces = strings.Fields(`Lyon Marseille Lille Nantes Rennes Grenoble Toulouse Bordeaux Strasbourg Dijon
Besançon Clermont-Ferrand Limoges Poitiers Orléans Tours Rouen Caen Amiens Reims Nancy Metz
Montpellier Nice Versailles Créteil Paris Corse Guadeloupe Martinique Guyane Réunion Mayotte`)

var genNames = strings.Fields(`Ampère Pasteur Curie Hugo Zola Camus Jaurès Ferry Moulin Condorcet Voltaire
Diderot Rousseau Montaigne Rabelais Colette Sand Verne Monet Debussy Berlioz Lumière Eiffel
Perrin Langevin Vauban Daudet Prévert Aragon Éluard Senghor Césaire Schœlcher Baker Veil`)

var genAcademies = strings.Fields(`lyon aix-marseille lille nantes rennes grenoble toulouse bordeaux strasbourg
dijon besancon clermont-ferrand limoges poitiers orleans-tours normandie amiens reims nancy-metz
montpellier nice versailles creteil paris corse guadeloupe martinique guyane la-reunion mayotte`)

var genCategories = strings.Fields(`budget comptabilite bourses-aides restauration-hebergement marches-publics
batiments-maintenance manuels-scolaires voyages-sorties rh-paie regies controle-interne numerique`)

var genAudiences = strings.Fields(`gestionnaire agent-comptable secretariat referent-numerique chef-etablissement collectivite`)

var genDets = []string{"le", "la", "les", "un", "une", "des", "ce", "cette", "ces", "son", "sa", "leur", "l'", "d'"}

// generator produces notes; each note depends only on its number, so a
// corpus can be generated in any order or in parallel.
type generator struct {
	seed uint64
}

type genRand struct {
	r        *rand.Rand
	zipf     map[int]*rand.Zipf
	category string
	topic    []string
}

func (g generator) rand(i int) *genRand {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	gr := &genRand{r: r, zipf: map[int]*rand.Zipf{}}
	gr.category = gr.pick(genCategories)
	gr.topic = genTopics[gr.category]
	return gr
}

// pick draws from words with a Zipf law: the first words of a list are the
// most frequent.
func (gr *genRand) pick(words []string) string {
	z, ok := gr.zipf[len(words)]
	if !ok {
		z = rand.NewZipf(gr.r, 1.1, 3, uint64(len(words)-1))
		gr.zipf[len(words)] = z
	}
	return words[z.Uint64()]
}

func (gr *genRand) uniform(words []string) string { return words[gr.r.IntN(len(words))] }

func plural(w string) string {
	switch {
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"):
		return w
	case strings.HasSuffix(w, "al"):
		return w[:len(w)-2] + "aux"
	case strings.HasSuffix(w, "eau"):
		return w + "x"
	}
	return w + "s"
}

// noun returns a noun: from the note's topic half the time, otherwise
// from the whole domain, everyday words or the long tail; sometimes in
// the plural.
func (gr *genRand) noun() string {
	var w string
	switch r := gr.r.IntN(20); {
	case r < 10:
		w = gr.pick(gr.topic)
	case r < 14:
		// Uniform: a Zipf law over the concatenated topics would make
		// the first topic's words appear in nearly every note.
		w = gr.uniform(genDomain)
	case r < 19:
		w = gr.pick(genCommon)
	default:
		w = gr.pick(genRare)
	}
	if gr.r.IntN(4) == 0 {
		w = plural(w)
	}
	return w
}

func (gr *genRand) group() string {
	det := gr.uniform(genDets)
	n := gr.noun()
	var s string
	switch {
	case strings.HasSuffix(det, "'") && strings.ContainsRune("aeéèêioôuh", []rune(n)[0]):
		s = det + n
	case strings.HasSuffix(det, "'"):
		s = "le " + n
	default:
		s = det + " " + n
	}
	if gr.r.IntN(3) == 0 {
		s += " " + gr.pick(genAdjectives)
	}
	return s
}

func (gr *genRand) code() string {
	switch gr.r.IntN(6) {
	case 0:
		return fmt.Sprintf("%07d%c", gr.r.IntN(10000000), 'A'+rune(gr.r.IntN(26)))
	case 1:
		return fmt.Sprintf("%d,%02d €", gr.r.IntN(90000)+10, gr.r.IntN(100))
	case 2:
		return fmt.Sprintf("le %d/%02d/20%02d", gr.r.IntN(28)+1, gr.r.IntN(12)+1, 18+gr.r.IntN(9))
	case 3:
		return fmt.Sprintf("compte %d", 4000+gr.r.IntN(3000))
	case 4:
		return "lycée " + gr.uniform(genNames) + " de " + gr.uniform(genPlaces)
	default:
		return fmt.Sprintf("%d %s", gr.r.IntN(400)+2, plural(gr.noun()))
	}
}

func (gr *genRand) sentence() string {
	var b strings.Builder
	first := gr.group()
	b.WriteString(strings.ToUpper(first[:1]) + first[1:])
	b.WriteString(" " + gr.pick(genVerbs) + " " + gr.group())
	for n := gr.r.IntN(4); n > 0; n-- {
		switch gr.r.IntN(4) {
		case 0:
			b.WriteString(" " + gr.uniform(genLinks) + " " + gr.group())
		case 1:
			b.WriteString(", " + gr.code())
		case 2:
			b.WriteString(" et " + gr.group())
		default:
			b.WriteString(" " + gr.pick(genLinks) + " " + gr.pick(genVerbs) + " " + gr.group())
		}
	}
	b.WriteString(".")
	return b.String()
}

// note returns note number i, with a body of about bodySize bytes.
func (g generator) note(i, bodySize int) Doc {
	gr := g.rand(i)
	title := gr.group() + " : " + gr.group()
	title = strings.ToUpper(title[:1]) + title[1:]
	var body strings.Builder
	for body.Len() < bodySize {
		for s := 3 + gr.r.IntN(4); s > 0 && body.Len() < bodySize; s-- {
			body.WriteString(gr.sentence())
			body.WriteString(" ")
		}
		body.WriteString("\n\n")
	}
	var tags []string
	for n := 2 + gr.r.IntN(3); n > 0; n-- {
		tags = append(tags, Fold(gr.pick(gr.topic)))
	}
	var audience []string
	for n := 1 + gr.r.IntN(2); n > 0; n-- {
		audience = append(audience, gr.pick(genAudiences))
	}
	kind := "note"
	switch r := gr.r.IntN(20); {
	case r < 3:
		kind = "tool"
	case r == 3:
		kind = "software"
	}
	d := Doc{
		ID:       fmt.Sprintf("gen-%06d", i),
		Kind:     kind,
		Title:    title,
		Summary:  gr.sentence(),
		Tags:     tags,
		Category: gr.category,
		Academie: gr.pick(genAcademies),
		Audience: audience,
		Body:     body.String(),
		Updated:  time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(gr.r.IntN(7*365*24)) * time.Hour),
	}
	if gr.r.IntN(3) == 0 {
		d.ReviewBy = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, gr.r.IntN(3*365))
	}
	if kind != "note" {
		d.Extra = "https://outils.example.fr/" + Fold(gr.uniform(genDomain)) + " " + gr.uniform(genNames)
	}
	return d
}

// query returns query number i: one to three words, often without
// accents, sometimes with a typo, and half the time with a filter.
func (g generator) query(i int) Query {
	gr := g.rand(1_000_000_000 + i)
	var words []string
	for n := 1 + gr.r.IntN(3); n > 0; n-- {
		w := gr.pick(gr.topic)
		switch gr.r.IntN(6) {
		case 0:
			w = gr.pick(genCommon)
		case 1:
			w = gr.uniform(genDomain)
		}
		if gr.r.IntN(4) == 0 {
			w = plural(w)
		}
		if gr.r.IntN(2) == 0 {
			w = Fold(w)
		}
		if gr.r.IntN(10) == 0 && len(w) > 5 {
			k := 1 + gr.r.IntN(len(w)-2)
			w = w[:k] + w[k+1:] // drop a letter
		}
		words = append(words, w)
	}
	q := Query{Text: strings.Join(words, " ")}
	switch gr.r.IntN(6) {
	case 0:
		q.Category = gr.pick(genCategories)
	case 1:
		q.Kind = "tool"
	case 2:
		q.Tag = Fold(gr.pick(gr.topic))
	}
	return q
}
