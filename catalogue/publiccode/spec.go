package publiccode

import "slices"

// The schema of publiccode.yml, as mutu checks it: one schema, that of
// the current version (CurrentVersion), in which the keys older
// versions had and later ones deprecated are accepted with a warning.
// See docs/entries.md, "publiccode.yml", for the table it implements.

// typ is the type of a value.
type typ int

const (
	tString  typ = iota // text (a number or true/false written there is read as its text)
	tURL                // an http or https address
	tURLs               // an address or a list of them (isBasedOn)
	tDate               // YYYY-MM-DD
	tBool               // true or false
	tEmail              // an e-mail address
	tLicense            // an SPDX expression
	tLang               // a BCP 47 language tag
	tCountry            // an ISO 3166-1 alpha-2 country code
	tList               // a list of field.elem
	tMap                // a mapping with field.keys
	tLangMap            // a mapping of language tags to field.elem
)

// field is what the schema says of one key.
type field struct {
	typ      typ
	required bool
	enum     []string          // the values it may take, when a closed list
	min, max int               // characters of text, or items of a list; 0 for no bound
	elem     *field            // a list's items, a language map's values
	keys     map[string]*field // a mapping's keys
	order    []string          // the order export writes keys in
	// deprecated, when set, says what replaces the key.
	deprecated string
}

func str() *field                   { return &field{typ: tString} }
func req(f *field) *field           { f.required = true; return f }
func list(elem *field) *field       { return &field{typ: tList, elem: elem} }
func of(t typ) *field               { return &field{typ: t} }
func oneOf(values ...string) *field { return &field{typ: tString, enum: values} }
func deprecated(f *field, instead string) *field {
	f.deprecated = instead
	return f
}

// mapping makes a tMap field whose keys come in the order given.
func mapping(kv ...any) *field {
	f := &field{typ: tMap, keys: map[string]*field{}}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		f.keys[k] = kv[i+1].(*field)
		f.order = append(f.order, k)
	}
	return f
}

// CurrentVersion is the version of the standard mutu writes.
const CurrentVersion = "0.5"

var (
	developmentStatuses = []string{"concept", "development", "beta", "stable", "obsolete"}
	softwareTypes       = []string{
		"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
		"standalone/backend", "standalone/other", "addon", "library", "configurationFiles",
	}
	maintenanceTypes = []string{"internal", "contract", "community", "none"}
	// categories is the list of the standard's categories.
	categories = []string{
		"accounting", "agile-project-management", "applicant-tracking", "application-development",
		"appointment-scheduling", "backup", "billing-and-invoicing", "blog", "budgeting",
		"business-intelligence", "business-process-management", "cad", "call-center-management",
		"cloud-management", "collaboration", "communications", "compliance-management",
		"contact-management", "content-management", "crm", "customer-service-and-support",
		"data-analytics", "data-collection", "data-visualization", "design", "design-system",
		"digital-asset-management", "digital-citizenship", "document-management",
		"donor-management", "e-commerce", "e-signature", "educational-content", "email-management",
		"email-marketing", "employee-management", "enterprise-project-management",
		"enterprise-social-networking", "erp", "event-management", "facility-management",
		"feedback-and-reviews-management", "financial-reporting", "fleet-management", "fundraising",
		"gamification", "geographic-information-systems", "grant-management", "graphic-design",
		"help-desk", "hr", "ide", "identity-management", "instant-messaging",
		"integrated-library-system", "inventory-management", "it-asset-management",
		"it-development", "it-management", "it-security", "it-service-management",
		"knowledge-management", "learning-management-system", "marketing", "mind-mapping",
		"mobile-marketing", "mobile-payment", "network-management", "office", "online-booking",
		"online-community", "payment-gateway", "payroll", "predictive-analysis", "procurement",
		"productivity-suite", "project-collaboration", "project-management", "property-management",
		"real-estate-management", "regulations-and-directives", "remote-support",
		"resource-management", "sales-management", "seo", "service-desk", "social-media-management",
		"survey", "talent-management", "task-management", "taxes-management", "test-management",
		"time-management", "time-tracking", "translation", "video-conferencing", "video-editing",
		"visitor-management", "voip", "warehouse-management", "web-collaboration",
		"web-conferencing", "website-builder", "whistleblowing", "workflow-management", "other",
	}
	// scopes is the list of the standard's intendedAudience.scope values.
	scopes = []string{
		"agriculture", "culture", "defence", "education", "emergency-services", "employment",
		"energy", "environment", "finance-and-economic-development", "foreign-affairs",
		"government", "healthcare", "infrastructures", "justice", "local-authorities",
		"manufacturing", "research", "science-and-technology", "security", "society", "sport",
		"tourism", "transportation", "welfare",
	}
)

// description is the schema of one language of the description.
var description = mapping(
	"localisedName", str(),
	"genericName", deprecated(&field{typ: tString, max: 35}, "remove it; localisedName or shortDescription say what the software is"),
	"shortDescription", req(&field{typ: tString, max: 150}),
	"longDescription", req(&field{typ: tString, min: 150, max: 10000}),
	"documentation", of(tURL),
	"apiDocumentation", of(tURL),
	"features", req(&field{typ: tList, min: 1, elem: str()}),
	"screenshots", list(str()),
	"videos", list(of(tURL)),
	"awards", list(str()),
)

var dependency = mapping(
	"name", req(str()),
	"versionMin", str(),
	"versionMax", str(),
	"version", str(),
	"optional", of(tBool),
)

const itDeprecated = "the Italian catalogue no longer reads it; it is kept as is"

// schema is the whole file.
var schema = mapping(
	"publiccodeYmlVersion", req(str()),
	"name", req(str()),
	"applicationSuite", str(),
	"url", req(of(tURL)),
	"landingURL", of(tURL),
	"isBasedOn", of(tURLs),
	"softwareVersion", str(),
	"releaseDate", of(tDate),
	"logo", str(),
	"monochromeLogo", deprecated(str(), "remove it; logo is enough"),
	"organisation", mapping("name", str(), "uri", req(str())),
	"fundedBy", list(mapping("name", req(str()), "uri", of(tURL))),
	"inputTypes", deprecated(list(str()), "remove it"),
	"outputTypes", deprecated(list(str()), "remove it"),
	"platforms", req(&field{typ: tList, min: 1, elem: str()}),
	"categories", list(oneOf(categories...)),
	"usedBy", list(str()),
	"roadmap", of(tURL),
	"developmentStatus", req(oneOf(developmentStatuses...)),
	"softwareType", req(oneOf(softwareTypes...)),
	"intendedAudience", mapping(
		"countries", list(of(tCountry)),
		"unsupportedCountries", list(of(tCountry)),
		"scope", list(oneOf(scopes...)),
	),
	"description", req(&field{typ: tLangMap, min: 1, elem: description}),
	"legal", req(mapping(
		"license", req(of(tLicense)),
		"mainCopyrightOwner", str(),
		"repoOwner", str(),
		"authorsFile", deprecated(str(), "remove it; the repository's history says who wrote what"),
	)),
	"maintenance", req(mapping(
		"type", req(oneOf(maintenanceTypes...)),
		"contractors", list(mapping(
			"name", req(str()),
			"email", of(tEmail),
			"website", of(tURL),
			"until", req(of(tDate)),
		)),
		"contacts", list(mapping(
			"name", req(str()),
			"email", of(tEmail),
			"phone", str(),
			"affiliation", str(),
		)),
	)),
	"localisation", req(mapping(
		"localisationReady", req(of(tBool)),
		"availableLanguages", req(&field{typ: tList, min: 1, elem: of(tLang)}),
	)),
	"dependsOn", mapping(
		"open", list(dependency),
		"proprietary", list(dependency),
		"hardware", list(dependency),
	),
	"it", mapping(
		"countryExtensionVersion", str(),
		"conforme", deprecated(mapping(
			"lineeGuidaDesign", of(tBool),
			"modelloInteroperabilita", of(tBool),
			"misureMinimeSicurezza", of(tBool),
			"gdpr", of(tBool),
			// the 0.1 names
			"accessibile", of(tBool),
			"interoperabile", of(tBool),
			"sicuro", of(tBool),
			"privacy", of(tBool),
		), itDeprecated),
		"riuso", mapping(
			"codiceIPA", deprecated(str(), `write organisation.uri: "urn:x-italian-pa:CODE" instead; mutu does not hold the iPA list, so the code is not checked`),
		),
		"piattaforme", deprecated(mapping(
			"spid", of(tBool),
			"cie", of(tBool),
			"anpr", of(tBool),
			"pagopa", of(tBool),
			"io", of(tBool),
		), itDeprecated),
	),
)

// isCountrySection reports whether a top-level key names a country's
// section (it, IT, fr…): two letters.
func isCountrySection(k string) bool {
	return len(k) == 2 && isLetter(k[0]) && isLetter(k[1])
}

func inList(values []string, v string) bool { return slices.Contains(values, v) }
