package entry

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Front-matter keys of DESIGN.md §2.1.
const (
	keyKind               = "kind"
	keyID                 = "id"
	keyTitle              = "title"
	keySummary            = "summary"
	keyTags               = "tags"
	keyCategory           = "category"
	keyAudience           = "audience"
	keyAcademie           = "academie"
	keyLicense            = "license"
	keyReviewBy           = "review_by"
	keyURL                = "url"
	keyToolType           = "tool_type"
	keyProvider           = "provider"
	keyAccess             = "access"
	keyCost               = "cost"
	keyRepository         = "repository"
	keyStatus             = "status"
	keySoftwareType       = "software_type"
	keyPlatforms          = "platforms"
	keyMaintainers        = "maintainers"
	keyContributorsWanted = "contributors_wanted"
	keyAttachments        = "attachments"
	keyEditors            = "editors"
	// keyRecord marks the network's trust records (docs/protocol.md,
	// §4.2), which mutu writes itself: no entry may have it.
	keyRecord = "record"
	// keyDerivedFrom is checked, but kept with the unknown keys: it is
	// written after the known keys, as it always was, and never
	// suggested for a misspelt key.
	keyDerivedFrom = "derived_from"
)

// keyOrder is the order in which Marshal writes the known keys; the
// others follow, sorted.
var keyOrder = []string{
	keyKind, keyID, keyTitle, keySummary, keyTags, keyCategory, keyAudience,
	keyAcademie, keyLicense, keyReviewBy,
	keyURL, keyToolType, keyProvider, keyAccess, keyCost,
	keyRepository, keyStatus, keySoftwareType, keyPlatforms, keyMaintainers,
	keyContributorsWanted, keyEditors, keyAttachments,
}

// listKeys are the known keys whose value is a list.
var listKeys = []string{keyTags, keyAudience, keyPlatforms, keyMaintainers, keyEditors}

// textKeys are the known keys whose value is one line of free text.
// In them a colon written the French way, after a space ("Régie
// d'avances : ouvrir une sous-régie"), needs no quotes (see
// quoteSpacedColons). The other one-line keys hold words from a list,
// dates, URLs or identifiers, in which such a colon has no place.
var textKeys = []string{keyTitle, keySummary, keyCategory, keyProvider}

func isTextKey(k string) bool { return slices.Contains(textKeys, k) }

// isKnownKey reports whether k is a key of some kind's schema.
func isKnownKey(k string) bool { return slices.Contains(keyOrder, k) }

// isReservedKey reports whether k is filled in by mutu itself and so
// lives outside Meta: the document ID and the attachment list. The
// editors live outside Meta too (File.Editors), but the author writes
// them.
func isReservedKey(k string) bool { return k == keyID || k == keyAttachments }

// Controlled vocabularies. The exported functions return fresh copies,
// for forms to list.
var (
	categories = []string{
		"budget", "comptabilite", "bourses-aides", "restauration-hebergement",
		"marches-publics", "batiments-maintenance", "manuels-scolaires",
		"voyages-sorties", "rh-paie", "regies", "controle-interne", "numerique",
	}
	audiences = []string{
		"gestionnaire", "agent-comptable", "secretariat",
		"referent-numerique", "chef-etablissement", "collectivite",
	}
	toolTypes = []string{
		"service-web", "tableur-modele", "forum", "outil-etat", "logiciel", "formation",
	}
	accesses = []string{"public", "compte-agent", "ent"}
	costs    = []string{"gratuit", "payant"}
	statuses = []string{"concept", "development", "beta", "stable", "obsolete"}
	// softwareTypes are publiccode.yml's softwareType values, so that
	// publiccode.yml files import and export without loss.
	softwareTypes = []string{
		"standalone/mobile", "standalone/iot", "standalone/desktop",
		"standalone/web", "standalone/backend", "standalone/other",
		"addon", "library", "configurationFiles",
	}
)

// Categories returns the controlled list of categories. A category
// outside it is accepted as free text, with a warning.
func Categories() []string { return slices.Clone(categories) }

// Audiences returns the values the audience list may hold.
func Audiences() []string { return slices.Clone(audiences) }

// ToolTypes returns the values tool_type may take.
func ToolTypes() []string { return slices.Clone(toolTypes) }

// Accesses returns the values access may take.
func Accesses() []string { return slices.Clone(accesses) }

// Costs returns the values cost may take.
func Costs() []string { return slices.Clone(costs) }

// Statuses returns the values a software entry's status may take.
func Statuses() []string { return slices.Clone(statuses) }

// SoftwareTypes returns the values software_type may take.
func SoftwareTypes() []string { return slices.Clone(softwareTypes) }

// keyAliases maps keys people are likely to write by mistake, English
// variants and French words, to the key they meant.
var keyAliases = map[string]string{
	"titre":       keyTitle,
	"resume":      keySummary,
	"résumé":      keySummary,
	"tag":         keyTags,
	"etiquettes":  keyTags,
	"étiquettes":  keyTags,
	"keywords":    keyTags,
	"mots_cles":   keyTags,
	"mots_clés":   keyTags,
	"categorie":   keyCategory,
	"catégorie":   keyCategory,
	"categories":  keyCategory,
	"public":      keyAudience,
	"academy":     keyAcademie,
	"académie":    keyAcademie,
	"licence":     keyLicense,
	"reviewby":    keyReviewBy,
	"review_date": keyReviewBy,
	"lien":        keyURL,
	"link":        keyURL,
	"fournisseur": keyProvider,
	"cout":        keyCost,
	"coût":        keyCost,
	"depot":       keyRepository,
	"dépôt":       keyRepository,
	"repo":        keyRepository,
	"statut":      keyStatus,
	"platform":    keyPlatforms,
	"maintainer":  keyMaintainers,
	"editeurs":    keyEditors,
	"éditeurs":    keyEditors,
	"coediteurs":  keyEditors,
	"coéditeurs":  keyEditors,
	"co-editeurs": keyEditors,
	"co-éditeurs": keyEditors,
	"editor":      keyEditors,
}

// suggestKey returns the known key an unknown key k was probably meant
// to be, or "": the same key in other case or with dashes or spaces
// for underscores, a word of keyAliases, or else the known key nearest
// to it within a few typing slips (see maxSlips). wanted says which
// known keys may be suggested: those of the entry's kind that it does
// not have already. The reserved keys are never suggested: mutu fills
// them in.
func suggestKey(k string, wanted func(string) bool) string {
	n := strings.ToLower(strings.TrimSpace(k))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	ok := func(s string) bool { return s != "" && !isReservedKey(s) && wanted(s) }
	if n != k && isKnownKey(n) && ok(n) {
		return n
	}
	if s := keyAliases[n]; ok(s) {
		return s
	}
	best, bestSlips := "", 0
	for _, known := range keyOrder {
		if !ok(known) {
			continue
		}
		max := maxSlips(known)
		if d := editDistance(n, known, max); d <= max && (best == "" || d < bestSlips) {
			best, bestSlips = known, d
		}
	}
	return best
}

// maxSlips is how many typing slips (see editDistance) an unknown key
// may be from the known key k and still be suggested as k: two for a
// key of five characters or more, one for a shorter key, on which two
// slips make most words of that length.
func maxSlips(k string) int {
	if utf8.RuneCountInString(k) >= 5 {
		return 2
	}
	return 1
}

// editDistance returns the number of typing slips between a and b: a
// character left out, added, replaced, or two neighbours swapped (the
// optimal string alignment form of the Damerau-Levenshtein distance),
// counted on runes. Past max it returns max+1 without finishing the
// count, so that a long key costs little.
func editDistance(a, b string, max int) int {
	r, s := []rune(a), []rune(b)
	if d := len(r) - len(s); d > max || -d > max {
		return max + 1
	}
	// rows i-2, i-1 and i of the table of distances between the
	// prefixes of r and s.
	prev2 := make([]int, len(s)+1)
	prev := make([]int, len(s)+1)
	cur := make([]int, len(s)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(s); j++ {
			cost := 1
			if r[i-1] == s[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && r[i-1] == s[j-2] && r[i-2] == s[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(s)], max+1)
}
