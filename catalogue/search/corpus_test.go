package search

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// betagouvDir is the corpus of state digital services the project's
// tests share (see catalogue/testdata/corpus/README); MUTU_CORPUS
// overrides it.
func betagouvDir() string {
	if d := os.Getenv("MUTU_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "testdata", "corpus", "betagouv-startups")
}

const notesDir = "testdata/relevance/notes"

// splitFrontMatter returns the YAML front matter and the body of a
// Markdown file.
func splitFrontMatter(data []byte) (front, body []byte, err error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return nil, data, nil
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			return rest[:len(rest)-4], nil, nil
		}
		return nil, nil, fmt.Errorf("front matter not closed")
	}
	return rest[:end], rest[end+5:], nil
}

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdMarkup   = regexp.MustCompile("(?m)^\\s{0,3}(#{1,6}|[-*+]|\\d+\\.|>)\\s+")
	mdEmphasis = regexp.MustCompile("[*_`]{1,3}")
)

// plainText is the test's stand-in for the caller's Markdown stripping.
func plainText(md []byte) string {
	s := mdLink.ReplaceAllString(string(md), "$1")
	s = mdMarkup.ReplaceAllString(s, "")
	return mdEmphasis.ReplaceAllString(s, "")
}

func asString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case nil:
		return ""
	case time.Time:
		return v.Format("2006-01-02")
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}

func asStrings(v any) []string {
	list, ok := v.([]any)
	if !ok {
		if s := asString(v); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, e := range list {
		if s := asString(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func asDate(v any) time.Time {
	switch v := v.(type) {
	case time.Time:
		return v
	case string:
		t, _ := time.Parse("2006-01-02", v)
		return t
	}
	return time.Time{}
}

// loadDir reads every Markdown file of dir into a Doc whose ID is the
// file name without ".md", converted by conv.
func loadDir(t testing.TB, dir string, conv func(id string, fm map[string]any, body string) Doc) []Doc {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Markdown files in %s (err %v)", dir, err)
	}
	sort.Strings(files)
	docs := make([]Doc, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		front, body, err := splitFrontMatter(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fm := map[string]any{}
		if err := yaml.Unmarshal(front, &fm); err != nil {
			t.Fatalf("%s: front matter: %v", f, err)
		}
		docs = append(docs, conv(strings.TrimSuffix(filepath.Base(f), ".md"), fm, plainText(body)))
	}
	return docs
}

// loadNotes reads the notes written for the relevance set.
func loadNotes(t testing.TB) []Doc {
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	i := 0
	return loadDir(t, notesDir, func(id string, fm map[string]any, body string) Doc {
		i++
		return Doc{
			ID:       id,
			Kind:     asString(fm["kind"]),
			Title:    asString(fm["title"]),
			Summary:  asString(fm["summary"]),
			Tags:     asStrings(fm["tags"]),
			Category: asString(fm["category"]),
			Academie: asString(fm["academie"]),
			Audience: asStrings(fm["audience"]),
			Body:     body,
			Updated:  base.AddDate(0, 0, 7*i),
			ReviewBy: asDate(fm["review_by"]),
		}
	})
}

// loadBetagouv reads the betagouv corpus as tool listings.
func loadBetagouv(t testing.TB) []Doc {
	return loadDir(t, betagouvDir(), func(id string, fm map[string]any, body string) Doc {
		var tags []string
		for _, th := range asStrings(fm["thematiques"]) {
			tags = append(tags, strings.ToLower(th))
		}
		extra := strings.Join(append(append(asStrings(fm["usertypes"]), asStrings(fm["techno"])...),
			asString(fm["incubator"]), asString(fm["link"]), asString(fm["repository"])), " ")
		return Doc{
			ID:      id,
			Kind:    "tool",
			Title:   asString(fm["title"]),
			Summary: asString(fm["mission"]),
			Tags:    tags,
			Body:    body,
			Extra:   extra,
		}
	})
}

// relevanceQuery is one line of testdata/relevance/queries.txt.
type relevanceQuery struct {
	line int
	text string
	want []string
}

func loadQueries(t testing.TB) []relevanceQuery {
	t.Helper()
	data, err := os.ReadFile("testdata/relevance/queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	var qs []relevanceQuery
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, ids, ok := strings.Cut(line, "->")
		if !ok || len(strings.Fields(ids)) == 0 {
			t.Fatalf("queries.txt:%d: want \"query -> id...\", got %q", i+1, line)
		}
		qs = append(qs, relevanceQuery{line: i + 1, text: strings.TrimSpace(text), want: strings.Fields(ids)})
	}
	return qs
}
