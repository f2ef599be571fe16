package entry

import (
	"slices"
	"strings"
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
)

// keyOrder is the order in which Marshal writes the known keys; the
// others follow, sorted.
var keyOrder = []string{
	keyKind, keyID, keyTitle, keySummary, keyTags, keyCategory, keyAudience,
	keyAcademie, keyLicense, keyReviewBy,
	keyURL, keyToolType, keyProvider, keyAccess, keyCost,
	keyRepository, keyStatus, keySoftwareType, keyPlatforms, keyMaintainers,
	keyContributorsWanted, keyAttachments,
}

// isKnownKey reports whether k is a key of some kind's schema.
func isKnownKey(k string) bool { return slices.Contains(keyOrder, k) }

// isReservedKey reports whether k is filled in by mutu itself and so
// lives outside Meta: the document ID and the attachment list.
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
}

// suggestKey returns the known key an unknown key k was probably meant
// to be, or "".
func suggestKey(k string) string {
	n := strings.ToLower(strings.TrimSpace(k))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	if n != k && isKnownKey(n) && !isReservedKey(n) {
		return n
	}
	return keyAliases[n]
}
