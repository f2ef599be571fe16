package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// topName and topURL match the top-level name and url lines of a
// publiccode.yml.
var (
	topName = regexp.MustCompile(`(?m)^name:.*$`)
	topURL  = regexp.MustCompile(`(?m)^url:.*$`)
)

// publiccodeThousand writes into dir 1,000 publiccode.yml files: the
// 33 of the corpus in turn, each with a name, a url and a file name of
// its own, so that each valid one is a software of its own.
func publiccodeThousand(tb testing.TB, dir string) {
	tb.Helper()
	corpus, err := filepath.Glob(filepath.Join(publiccodeDir(), "*.publiccode.yml"))
	if err != nil || len(corpus) != 33 {
		tb.Fatalf("corpus: %d files, %v", len(corpus), err)
	}
	for i := range 1000 {
		src := corpus[i%len(corpus)]
		data, err := os.ReadFile(src)
		if err != nil {
			tb.Fatal(err)
		}
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = topName.ReplaceAllFunc(data, func(line []byte) []byte {
			name := strings.Trim(strings.TrimSpace(strings.TrimPrefix(string(line), "name:")), `"'`)
			return fmt.Appendf(nil, "name: %s", strconv.Quote(fmt.Sprintf("%s %04d", name, i)))
		})
		data = topURL.ReplaceAllLiteral(data, fmt.Appendf(nil, "url: https://forge.example.fr/logiciel-%04d", i))
		name := fmt.Sprintf("%04d-%s", i, strings.TrimSuffix(filepath.Base(src), ".publiccode.yml")) + ".publiccode.yml"
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkImportPubliccode1000 imports 1,000 publiccode.yml files
// (the corpus's 33 repeated with names of their own) into a fresh home
// with `mutu import --publiccode DIR`: check, mapping, signing,
// storing and indexing. Run it once: go test -run XXX -bench
// ImportPubliccode1000 -benchtime 1x ./cmd/mutu/ (figures in
// docs/performance.md).
func BenchmarkImportPubliccode1000(b *testing.B) {
	src := b.TempDir()
	publiccodeThousand(b, src)
	b.StopTimer()
	for range b.N {
		home := filepath.Join(b.TempDir(), "home")
		var o, e bytes.Buffer
		if code := run([]string{"mutu", "--home", home, "init"}, strings.NewReader(""), &o, &e); code != 0 {
			b.Fatalf("init: %s", e.String())
		}
		o.Reset()
		e.Reset()
		b.StartTimer()
		code := run([]string{"mutu", "--home", home, "import", "--publiccode", src}, strings.NewReader(""), &o, &e)
		b.StopTimer()
		if code != 1 || !strings.Contains(o.String(), "1000 files: 546 published, 0 edited, 0 unchanged, 454 refused") { // 546 valid (see the corpus verdicts)
			b.Fatalf("import: exit %d\n%s", code, o.String())
		}
		b.Log(strings.TrimSpace(o.String()))
	}
	b.StartTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
}
