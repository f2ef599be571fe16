package publiccode

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// minimal is a valid file of the current version; line 16 is the
// shortDescription of description.fr, and it has 25 lines.
const minimal = `publiccodeYmlVersion: "0.5"
name: Régies
url: https://forge.example.fr/regies
platforms:
  - web
developmentStatus: beta
softwareType: standalone/web
legal:
  license: EUPL-1.2
maintenance:
  type: community
  contacts:
    - name: Agence comptable
description:
  fr:
    shortDescription: Suivi des régies d'avances et de recettes des établissements
    longDescription: >
      Un outil pour suivre les régies d'avances et de recettes des établissements scolaires, de
      l'acte constitutif à l'arrêté de nomination du régisseur, avec les contrôles de l'agent comptable.
    features:
      - Registre des régies
localisation:
  localisationReady: false
  availableLanguages:
    - fr
`

// with returns minimal with the line that starts with old replaced.
func with(t *testing.T, old, new string) []byte {
	t.Helper()
	lines := strings.Split(minimal, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, old) {
			lines[i] = new
			return []byte(strings.Join(lines, "\n"))
		}
	}
	t.Fatalf("no line %q", old)
	return nil
}

func firstError(t *testing.T, err error) *entry.Error {
	t.Helper()
	var e *entry.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an error, got %v", err)
	}
	return e
}

func TestMinimalFileImports(t *testing.T) {
	f, warns, err := Import("publiccode.yml", []byte(minimal))
	if err != nil || len(warns) > 0 {
		t.Fatalf("minimal file: %v %v", err, warns)
	}
	if f.Title() != "Régies" || f.Repository() != "https://forge.example.fr/regies" || f.License() != "EUPL-1.2" ||
		f.Status() != "beta" || f.SoftwareType() != "standalone/web" || f.Kind() != entry.KindSoftware ||
		!strings.HasPrefix(f.Body, "Un outil pour suivre") || f.Meta["summary"] != "Suivi des régies d'avances et de recettes des établissements" {
		t.Errorf("entry: %#v %q", f.Meta, f.Body)
	}
}

// TestProblemNamesKeyPathAndLine: the example of the task, in English
// for the command line and in French for the web pages.
func TestProblemNamesKeyPathAndLine(t *testing.T) {
	long := strings.Repeat("é", 151)
	_, _, err := Import("publiccode.yml", with(t, "    shortDescription:", "    shortDescription: "+long))
	e := firstError(t, err)
	if e.Key != "description.fr.shortDescription" || e.Line != 16 || !strings.Contains(e.What, "longer than 150 characters (151)") {
		t.Errorf("problem: %s", e)
	}
	if got := e.Error(); !strings.Contains(got, `publiccode.yml:16: key "description.fr.shortDescription": longer than 150 characters`) {
		t.Errorf("message: %s", got)
	}
	fr := French(e.Problem)
	if fr != "clé description.fr.shortDescription, ligne 16\u00a0: plus de 150 caractères (151)\u00a0; raccourcissez" {
		t.Errorf("French: %s", fr)
	}
}

// TestCommonMistakesAreAcceptedWithAWarning: fundedBy[].url for uri,
// YAML 1.1 yes/no, country codes in small letters, a software version
// as publiccodeYmlVersion: the file imports, put right, and the
// warning names the key, the line and the fix.
func TestCommonMistakesAreAcceptedWithAWarning(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       []byte
		code, path string
		line       int
		fix        string
		check      func(pc map[string]any) bool
	}{
		{"fundedBy url", []byte(minimal + "fundedBy:\n  - name: DNE\n    url: https://www.education.gouv.fr\n"),
			CodeURLForURI, "fundedBy[0].url", 28, "rename url to uri",
			func(pc map[string]any) bool {
				f := pc["fundedBy"].([]any)[0].(map[string]any)
				return f["uri"] == "https://www.education.gouv.fr" && f["url"] == nil
			}},
		{"yes", with(t, "  localisationReady:", "  localisationReady: yes"),
			CodeYAML11Bool, "localisation.localisationReady", 23, "write true",
			func(pc map[string]any) bool { return pc["localisation"].(map[string]any)["localisationReady"] == true }},
		{"lowercase country", []byte(minimal + "intendedAudience:\n  countries:\n    - fr\n"),
			CodeCountryCase, "intendedAudience.countries[0]", 28, "write FR",
			func(pc map[string]any) bool {
				return pc["intendedAudience"].(map[string]any)["countries"].([]any)[0] == "FR"
			}},
		{"software version", with(t, "publiccodeYmlVersion:", `publiccodeYmlVersion: "2.4.0"`),
			CodeVersionSoftware, "publiccodeYmlVersion", 1, `write publiccodeYmlVersion: "0.5", the version of the standard, and softwareVersion: "2.4.0"`,
			func(pc map[string]any) bool {
				return pc["publiccodeYmlVersion"] == CurrentVersion && pc["softwareVersion"] == "2.4.0"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, warns, err := Import("publiccode.yml", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(warns, func(p entry.Problem) bool { return p.Code == tc.code })
			if i < 0 {
				t.Fatalf("no warning %s in %v", tc.code, warns)
			}
			if w := warns[i]; w.Key != tc.path || w.Line != tc.line || w.Fix != tc.fix {
				t.Errorf("warning %s, want key %s line %d fix %q", w, tc.path, tc.line, tc.fix)
			}
			if !tc.check(f.Meta[Key].(map[string]any)) {
				t.Errorf("not put right: %#v", f.Meta[Key])
			}
			if French(warns[i]) == warns[i].String() {
				t.Errorf("no French wording for %s", tc.code)
			}
		})
	}
}

// TestLicenseIsAnSPDXExpression: an expression is checked with
// go-spdx; one spelt another way is accepted with a warning.
func TestLicenseIsAnSPDXExpression(t *testing.T) {
	_, _, err := Import("publiccode.yml", with(t, "  license:", "  license: EUPL 1.2"))
	if e := firstError(t, err); e.Key != "legal.license" || e.Line != 9 || e.Code != CodeLicense {
		t.Errorf("error: %s", e)
	}
	f, warns, err := Import("publiccode.yml", with(t, "  license:", "  license: AGPL-3.0-or-later OR eupl-1.2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Code != CodeLicenseSpelling || warns[0].Key != "legal.license" || warns[0].Line != 9 {
		t.Errorf("warnings: %v", warns)
	}
	if f.License() != "AGPL-3.0-or-later OR eupl-1.2" {
		t.Errorf("license changed: %q", f.License())
	}
}

// TestBrokenYAMLWrongTypesAndMissingKeys are clear errors, and nothing
// comes of the file.
func TestBrokenYAMLWrongTypesAndMissingKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		key  string
		line int
		what string
	}{
		{"syntax", with(t, "name:", "name:'Régies'"), "", 2, "YAML cannot read the file"},
		{"wrong type", with(t, "platforms:", "platforms: web"), "platforms", 4, "is a single value, not a list"},
		{"missing", with(t, "name:", "#"), "name", 1, "missing, and the standard requires it"},
		{"not a mapping", []byte("- a\n- b\n"), "", 1, "not a mapping"},
		{"duplicate", with(t, "name:", "name: A\nname: B"), "", 3, `key "name" is given twice`},
		{"alias bomb", []byte("a: &a [x, x, x, x, x, x, x, x, x, x]\n" + strings.Repeat("b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", 1)), "", 0, "too many values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _, err := Import("publiccode.yml", tc.data)
			if f != nil {
				t.Fatalf("an entry came of it")
			}
			e := firstError(t, err)
			if e.Key != tc.key || e.Line != tc.line || !strings.Contains(e.Error(), tc.what) {
				t.Errorf("error %q, want key %q line %d %q", e, tc.key, tc.line, tc.what)
			}
		})
	}
}

// TestEntryRulesNameTheFilesKeys: a rule of mutu's entries (a title of
// at most 200 characters) is reported under the file's key.
func TestEntryRulesNameTheFilesKeys(t *testing.T) {
	_, _, err := Import("publiccode.yml", with(t, "name:", "name: "+strings.Repeat("a", 201)))
	if e := firstError(t, err); e.Key != "name" || e.Line != 2 || e.Code != CodeEntry {
		t.Errorf("error: %s", e)
	}
}

// TestDescriptionLanguage: the entry shows French when the file has
// it, then English, then the first language.
func TestDescriptionLanguage(t *testing.T) {
	for langs, want := range map[string]string{
		"en it fr":    "fr",
		"fr-FR de":    "fr-FR",
		"it en-GB de": "en-GB",
		"nl de":       "de",
	} {
		if got := chooseLanguage(strings.Fields(langs)); got != want {
			t.Errorf("%s: %s, want %s", langs, got, want)
		}
	}
}

// TestByteOrderMarkAndCRLF: a file saved by Windows tools, with a
// byte-order mark and CRLF line ends, reads as the same file.
func TestByteOrderMarkAndCRLF(t *testing.T) {
	want, _, err := Import("publiccode.yml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	windows := "\uFEFF" + strings.ReplaceAll(minimal, "\n", "\r\n")
	got, warns, err := Import("publiccode.yml", []byte(windows))
	if err != nil || len(warns) > 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if got.Body != want.Body || got.Title() != want.Title() {
		t.Errorf("read differently: %q %q", got.Title(), got.Body)
	}
}
