package publiccode

import (
	"fmt"
	"strings"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// French words a problem this package reported, for the web pages:
// « clé description.fr.shortDescription, ligne 14 : plus de 150
// caractères (151) ; raccourcissez-la ». A problem of another origin
// (Code not one of this package's) keeps its English text.
func French(p entry.Problem) string {
	what := frenchWhat(p)
	if what == "" {
		return p.String()
	}
	var b strings.Builder
	if p.Key != "" {
		fmt.Fprintf(&b, "clé %s", p.Key)
	}
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "ligne %d", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString("\u00a0: ")
	}
	b.WriteString(what)
	return b.String()
}

// frenchTypes are the types of CodeType's Suggest, in French.
var frenchTypes = map[string]string{
	"a list":                 "une liste",
	"a mapping of keys":      "un ensemble de clés",
	"a mapping of languages": "un ensemble de langues (fr, en…)",
	"a single value":         "une valeur simple",
	"true or false":          "true ou false",
}

func frenchWhat(p entry.Problem) string {
	switch p.Code {
	case CodeSyntax:
		return "le YAML ne se lit pas (" + p.Value + ")\u00a0; vérifiez l’indentation, et qu’une espace suit chaque deux-points et chaque tiret"
	case CodeRequired:
		return "absente ou vide, alors que le standard l’exige\u00a0; ajoutez-la"
	case CodeType:
		want := frenchTypes[p.Suggest]
		if want == "" {
			want = p.Suggest
		}
		return "n’est pas du bon type\u00a0; écrivez " + want
	case CodeEnum:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas une valeur permise par le standard\u00a0; choisissez parmi\u00a0: %s", p.Value, p.Suggest)
	case CodeTooLong:
		return fmt.Sprintf("plus de %s caractères (%s)\u00a0; raccourcissez", p.Suggest, p.Value)
	case CodeTooShort:
		if p.Value == "0" {
			return "liste vide\u00a0; donnez au moins un élément"
		}
		return fmt.Sprintf("moins de %s caractères (%s)\u00a0; complétez", p.Suggest, p.Value)
	case CodeDate:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas une date\u00a0; écrivez-la AAAA-MM-JJ, par exemple 2026-06-30", p.Value)
	case CodeURL:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas une adresse web\u00a0; écrivez-la en entier, avec https://", p.Value)
	case CodeEmail:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas une adresse électronique", p.Value)
	case CodeLicense:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas une licence SPDX\u00a0; voyez https://spdx.org/licenses/ (EUPL-1.2, AGPL-3.0-or-later…)", p.Value)
	case CodeLanguage:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas un code de langue\u00a0; écrivez fr, en, it-IT…", p.Value)
	case CodeCountry:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est pas un code de pays\u00a0; écrivez les deux lettres, FR, IT…", p.Value)
	case CodeContacts:
		return fmt.Sprintf("une maintenance de type %s doit nommer ses %s\u00a0; ajoutez-en au moins un", p.Value, p.Suggest)
	case CodeEntry:
		return "refusé par les règles des fiches de mutu\u00a0: " + p.Value
	case CodeURLForURI:
		return "la clé s’appelle uri, pas url\u00a0; lue comme uri, renommez-la"
	case CodeYAML11Bool:
		return fmt.Sprintf("«\u00a0%s\u00a0» n’est un booléen qu’en YAML 1.1\u00a0; lu comme %s, écrivez %s", p.Value, p.Suggest, p.Suggest)
	case CodeCountryCase:
		return fmt.Sprintf("«\u00a0%s\u00a0» en minuscules\u00a0; lu comme %s, écrivez %s", p.Value, p.Suggest, p.Suggest)
	case CodeVersionSoftware:
		return fmt.Sprintf("«\u00a0%s\u00a0» est la version du logiciel, pas celle du standard\u00a0; lu comme %s, écrivez publiccodeYmlVersion: \"%s\" (et la version du logiciel dans softwareVersion)", p.Value, p.Suggest, p.Suggest)
	case CodeVersionMissing:
		return fmt.Sprintf("absente\u00a0; le fichier est lu en version %s, ajoutez publiccodeYmlVersion: \"%s\"", p.Suggest, p.Suggest)
	case CodeDeprecated:
		return "clé dépréciée par le standard\u00a0; elle est gardée telle quelle, retirez-la quand vous le pourrez"
	case CodeUnknownKey:
		if p.Suggest != "" {
			return fmt.Sprintf("clé inconnue, gardée telle quelle\u00a0; vouliez-vous dire %s\u00a0?", p.Suggest)
		}
		return "clé inconnue, gardée telle quelle"
	case CodeCountrySection:
		return fmt.Sprintf("section d’un pays (%s) que le standard ne définit pas\u00a0; gardée telle quelle", strings.ToUpper(p.Value))
	case CodeLicenseSpelling:
		return fmt.Sprintf("licence «\u00a0%s\u00a0» mal orthographiée\u00a0; écrivez %s", p.Value, p.Suggest)
	case CodeLicenseOutOfDate:
		return fmt.Sprintf("identifiant SPDX «\u00a0%s\u00a0» déprécié\u00a0; prenez l’identifiant actuel", p.Value)
	}
	return ""
}
