package publiccode

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// validFiles returns the files of the corpus that import.
func validFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, s := range readSources(t) {
		if _, _, err := Import(s.file, readCorpus(t, s.file)); err == nil {
			out = append(out, s.file)
		}
	}
	if len(out) != 18 { // the 16 valid ones, onyxia and ASL2 (see corpus_test.go)
		t.Fatalf("%d files of the corpus import, want 18", len(out))
	}
	return out
}

// checkedTree returns a file's values as Import reads them, its
// accepted mistakes fixed.
func checkedTree(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	root, err := readTree(data)
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{file: name, lines: map[string]int{}}
	c.version(root)
	c.check(root, schema, "")
	return root.value().(map[string]any)
}

// TestRoundTripKeepsEveryField: each file of the corpus that imports,
// exported and imported again, gives the same entry, and the exported
// file holds every value of the original (its country sections,
// unknown keys and every language of its description), with only the
// accepted mistakes put right and the version raised.
func TestRoundTripKeepsEveryField(t *testing.T) {
	for _, name := range validFiles(t) {
		t.Run(strings.TrimSuffix(name, ".publiccode.yml"), func(t *testing.T) {
			data := readCorpus(t, name)
			first, _, err := Import(name, data)
			if err != nil {
				t.Fatal(err)
			}
			out, problems, err := Export(&first.Entry)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				if p.Code != CodeDeprecated && p.Code != CodeUnknownKey && p.Code != CodeCountrySection {
					t.Errorf("exported file has a problem: %s", p)
				}
			}
			second, _, err := Import("exported.yml", out)
			if err != nil {
				t.Fatalf("exported file refused: %v\n%s", err, out)
			}
			if !reflect.DeepEqual(first.Meta, second.Meta) || first.Body != second.Body {
				t.Errorf("export then import changed the entry:\nfirst  %#v\nsecond %#v", first.Meta, second.Meta)
			}
			want, got := checkedTree(t, name, data), checkedTree(t, "exported.yml", out)
			if !reflect.DeepEqual(want, got) {
				t.Errorf("the exported file lost or changed values:\nwant %#v\ngot  %#v\n%s", want, got, out)
			}
		})
	}
}

// specRequired lists, for each version of the standard mutu writes, the
// keys a file must have and the YAML type of each: what a reader of the
// standard needs, written from its text independently of the checker.
var specRequired = map[string]map[string]string{
	"0.5": {
		"publiccodeYmlVersion":            "string",
		"name":                            "string",
		"url":                             "string",
		"platforms":                       "list",
		"developmentStatus":               "string",
		"softwareType":                    "string",
		"description":                     "map",
		"legal":                           "map",
		"legal.license":                   "string",
		"maintenance":                     "map",
		"maintenance.type":                "string",
		"localisation":                    "map",
		"localisation.localisationReady":  "bool",
		"localisation.availableLanguages": "list",
	},
}

// specDescription lists the keys each language of the description must
// have, and their types.
var specDescription = map[string]string{
	"shortDescription": "string",
	"longDescription":  "string",
	"features":         "list",
}

func yamlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	}
	return "other"
}

func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, p := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// TestExportedFilesAreValidPubliccode holds each exported file, read by
// plain yaml.v3, against the required keys and types of the version it
// declares.
func TestExportedFilesAreValidPubliccode(t *testing.T) {
	for _, name := range validFiles(t) {
		t.Run(strings.TrimSuffix(name, ".publiccode.yml"), func(t *testing.T) {
			f, _, err := Import(name, readCorpus(t, name))
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := Export(&f.Entry)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := yaml.Unmarshal(out, &doc); err != nil {
				t.Fatalf("exported file is not YAML: %v", err)
			}
			version, _ := doc["publiccodeYmlVersion"].(string)
			required, ok := specRequired[version]
			if !ok && version > CurrentVersion {
				required = specRequired[CurrentVersion] // a later version the file declared
			} else if !ok {
				t.Fatalf("exported version %q, want %s", version, CurrentVersion)
			}
			for path, typ := range required {
				v, ok := lookup(doc, path)
				if !ok || yamlType(v) != typ {
					t.Errorf("%s: %v (%s), want a %s", path, v, yamlType(v), typ)
				}
			}
			desc, _ := doc["description"].(map[string]any)
			if len(desc) == 0 {
				t.Errorf("description has no language")
			}
			for lang, d := range desc {
				dm, _ := d.(map[string]any)
				for k, typ := range specDescription {
					if yamlType(dm[k]) != typ {
						t.Errorf("description.%s.%s: %v, want a %s", lang, k, dm[k], typ)
					}
				}
			}
		})
	}
}

// TestExportWritesTheCurrentVersion: a file of 0.2 is exported as 0.5;
// one of a later version keeps it.
func TestExportWritesTheCurrentVersion(t *testing.T) {
	for name, want := range map[string]string{
		"AgID__wai-portal.publiccode.yml":              CurrentVersion, // 0.2
		"AUSL-ReggioEmilia__DocSuitePA.publiccode.yml": CurrentVersion, // 0.4.0
		"CatalaLang__catala.publiccode.yml":            CurrentVersion, // "0"
		"Amsterdam__design-system.publiccode.yml":      "0.7",
	} {
		f, _, err := Import(name, readCorpus(t, name))
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := Export(&f.Entry)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), "publiccodeYmlVersion: \""+want+"\"\n") {
			t.Errorf("%s: exported file starts %q, want version %s", name, string(out)[:40], want)
		}
	}
}

// TestExportOfAnEntryWrittenInMutu: a software entry that never was a
// publiccode.yml exports as one, with what it lacks named.
func TestExportOfAnEntryWrittenInMutu(t *testing.T) {
	e := &entry.Entry{Meta: map[string]any{
		"kind": "software", "title": "Gestion des régies", "repository": "https://forge.example.fr/regies",
		"license": "EUPL-1.2", "status": "beta", "software_type": "standalone/web", "platforms": []any{"web"},
		"summary": "Suivi des régies d'avances et de recettes", "maintainers": []any{"Agence comptable de Lyon"},
	}, Body: "Un outil pour suivre les régies.\n"}
	out, problems, err := Export(e)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := lookup(doc, "description.fr.shortDescription"); v != "Suivi des régies d'avances et de recettes" {
		t.Errorf("description.fr.shortDescription = %v", v)
	}
	if v, _ := lookup(doc, "maintenance.type"); v != "community" {
		t.Errorf("maintenance.type = %v", v)
	}
	var keys []string
	for _, p := range problems {
		keys = append(keys, p.Key)
	}
	for _, want := range []string{"description.fr.features", "description.fr.longDescription"} {
		if !strings.Contains(strings.Join(keys, " "), want) {
			t.Errorf("problems %v do not name %s", keys, want)
		}
	}
	if _, _, err := Export(&entry.Entry{Meta: map[string]any{"kind": "note", "title": "Régie"}}); err == nil {
		t.Errorf("a note exported as publiccode.yml")
	}
}
