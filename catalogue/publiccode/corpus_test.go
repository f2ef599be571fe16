package publiccode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// corpusDir holds 33 real publiccode.yml files and SOURCES.tsv, which
// says of each whether the reference parser finds it valid, invalid or
// broken, and why (see testdata/corpus/README).
const corpusDir = "testdata/corpus"

// source is a line of SOURCES.tsv.
type source struct {
	file, verdict string
}

func readSources(t *testing.T) []source {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "SOURCES.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []source
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		out = append(out, source{file: cols[0], verdict: cols[7]})
	}
	if len(out) != 33 {
		t.Fatalf("SOURCES.tsv lists %d files, want 33", len(out))
	}
	return out
}

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// expected is what mutu finds in a file SOURCES.tsv marks invalid or
// broken: whether it is refused, and problems, each "E path:line" for
// an error, "W path:line" for a warning, that must be among those
// reported. The comment says which part of SOURCES.tsv's reason each
// stands for.
var expected = map[string]struct {
	refused  bool
	problems []string
}{
	// no developmentStatus/softwareType/longDescription/features/localisation;
	// platforms empty; fundedBy[].url; empty contact name/email; documentation not a URL
	"DISIC__Ara.publiccode.yml": {true, []string{
		"E developmentStatus:1", "E softwareType:12", "E description.fr.longDescription:15",
		"E description.fr.features:15", "E localisation:1", "E platforms:1",
		"W fundedBy[0].url:28", "W fundedBy[1].url:30",
		"E maintenance.contacts[0].name:24", "E maintenance.contacts[0].email:25",
		"E description.fr.documentation:17",
	}},
	// fundedBy[].url instead of uri (otherwise complete): accepted with a warning
	"InseeFrLab__onyxia.publiccode.yml": {false, []string{"W fundedBy[0].url:27"}},
	// as DISIC, and roadmap/documentation not URLs
	"SocialGouv__archifiltre-docs.publiccode.yml": {true, []string{
		"E developmentStatus:1", "E softwareType:15", "E description.fr.longDescription:18",
		"E description.fr.features:18", "E localisation:1", "E platforms:1", "W fundedBy[0].url:13",
		"E roadmap:14", "E description.fr.documentation:19", "E description.en.documentation:22",
	}},
	// releaseDate holds a URL; maintenance.type missing; fundedBy[].url; stray fr section
	"demarches-simplifiees__demarches-simplifiees.fr.publiccode.yml": {true, []string{
		"E releaseDate:10", "E maintenance:5", "W fundedBy[0].url:51", "W fr:26",
	}},
	// a software version as publiccodeYmlVersion: read as the current version, with a warning;
	// the file lacks required keys all the same
	"suitenumerique__docs.publiccode.yml": {true, []string{
		"W publiccodeYmlVersion:1", "E developmentStatus:1", "E platforms:1", "E localisation:1",
	}},
	// maintenance.type missing; fundedBy[].url; stray fr section
	"betagouv__rdv-service-public.publiccode.yml": {true, []string{
		"E maintenance:7", "W fundedBy[0].url:51", "W fundedBy[1].url:53", "W fr:25",
	}},
	// it.riuso.codiceIPA not in the iPA list: mutu does not hold the list
	// (see docs/entries.md); the deprecated key is warned of, the file imported
	"ASL2-Liguria__onesys.publiccode.yml": {false, []string{"W it.riuso.codiceIPA:30"}},
	// YAML syntax error line 9
	"Azienda-USL-di-Bologna__babel.publiccode.yml": {true, []string{"E :9"}},
	// description.it.features is a scalar; codiceIPA
	"5Tsrl__emma-backend.publiccode.yml": {true, []string{
		"E description.it.features:38", "E description.it.shortDescription:37", "W it.riuso.codiceIPA:55",
	}},
	// description.it is a plain string; no maintenance/localisation; invalid categories/scope
	"CS78-open__PsyMemo.publiccode.yml": {true, []string{
		"E description.it:19", "E maintenance:2", "E localisation:2",
		"E categories[0]:12", "E categories[1]:13", "E intendedAudience.scope[1]:30",
	}},
	// pre-0.1 draft layout: no publiccodeYmlVersion, kebab-case keys
	"italia__publiccode-parser-go.publiccode.yml": {true, []string{
		"W publiccodeYmlVersion:1", "E name:1", "W legal.main-copyright-owner:8",
		"E description.shortdesc:28", "E maintenance.type:14",
	}},
	// YAML syntax error line 17
	"MinBZK__amt.publiccode.yml": {true, []string{"E :17"}},
	// localisationReady "yes"; landingURL/apiDocumentation without scheme; description.en
	// lacks short/longDescription. (SOURCES.tsv's releaseDate "2021-22-02" is not in the
	// file as stored: it reads "2021-01-03".)
	"ConductionNL__Agendas.publiccode.yml": {true, []string{
		"W localisation.localisationReady:110", "E landingURL:6", "E description.en.apiDocumentation:73",
		"E description.en.shortDescription:72", "E description.en.longDescription:72",
		"W monochromeLogo:11", "W inputTypes:14",
	}},
	// description.de.features missing
	"Cicatrice__journal-web-ui.publiccode.yml": {true, []string{"E description.de.features:36"}},
	// features missing in description.de and description.en
	"Chrisdo82__kolibri.publiccode.yml": {true, []string{"E description.de.features:31", "E description.en.features:45"}},
	// maintenance.type internal without contacts
	"AI-Riksarkivet__htrflow.publiccode.yml": {true, []string{"E maintenance.contacts:54"}},
	// localisationReady "yes" and optional "no"; developmentStatus "production";
	// invalid category; landingUrl misspelt
	"CodeForBaltimore__Bmore-Responsive.publiccode.yml": {true, []string{
		"W localisation.localisationReady:58", "W dependsOn.open[0].optional:66",
		"E developmentStatus:14", "E categories[0]:12", "W landingUrl:5",
	}},
}

// problemKeys lists the problems of an import as "E path:line" and
// "W path:line".
func problemKeys(warns []entry.Problem, err error) []string {
	var out []string
	var es entry.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			out = append(out, fmt.Sprintf("E %s:%d", e.Key, e.Line))
		}
	}
	for _, w := range warns {
		out = append(out, fmt.Sprintf("W %s:%d", w.Key, w.Line))
	}
	return out
}

// TestCorpusVerdicts holds every file of the corpus against the
// verdict of SOURCES.tsv: a valid file imports without error; an
// invalid or broken one gives the problems its reason describes, each
// naming its key path and line, and no entry when one is an error.
func TestCorpusVerdicts(t *testing.T) {
	for _, s := range readSources(t) {
		t.Run(strings.TrimSuffix(s.file, ".publiccode.yml"), func(t *testing.T) {
			f, warns, err := Import(s.file, readCorpus(t, s.file))
			got := problemKeys(warns, err)
			if strings.HasPrefix(s.verdict, "valid") {
				if err != nil {
					t.Fatalf("valid file refused: %v", err)
				}
				for _, w := range warns {
					if w.Code != CodeDeprecated && w.Code != CodeCountryCase { // the reference tools deprecate small letters
						t.Errorf("valid file: warning other than a deprecated key: %s", w)
					}
				}
				return
			}
			want, ok := expected[s.file]
			if !ok {
				t.Fatalf("%s is %q in SOURCES.tsv but not in the expected table", s.file, s.verdict)
			}
			if want.refused != (err != nil) {
				t.Errorf("refused = %v, want %v (error: %v)", err != nil, want.refused, err)
			}
			if want.refused && f != nil {
				t.Errorf("refused file gave an entry")
			}
			for _, p := range want.problems {
				if !slices.Contains(got, p) {
					t.Errorf("missing problem %s; got %v", p, got)
				}
			}
			for _, w := range warns {
				if w.Line == 0 || w.Key == "" || w.Fix == "" {
					t.Errorf("warning without its key path, line or fix: %+v", w)
				}
			}
			var es entry.Errors
			if errors.As(err, &es) {
				for _, e := range es {
					if e.Line == 0 || e.Fix == "" {
						t.Errorf("error without its line or fix: %s", e)
					}
					if e.Key == "" && !errors.Is(e, entry.ErrSyntax) {
						t.Errorf("error without its key path: %s", e)
					}
				}
			}
		})
	}
}
