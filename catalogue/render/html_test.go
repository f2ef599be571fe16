package render

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestHTMLDropsDangerousContent feeds the usual attacks to HTML and
// checks both that the output is safe as a browser parses it and that
// no trace of the payload is left.
func TestHTMLDropsDangerousContent(t *testing.T) {
	tests := []struct {
		name string
		md   string
		// gone must not appear in the output, case-insensitively.
		gone []string
	}{
		{"script block", "<script>alert(1)</script>", []string{"<script", "alert"}},
		{"script inline", "texte <script>alert(1)</script> suite", []string{"<script"}},
		{"javascript link", "[clic](javascript:alert(1))", []string{"javascript"}},
		{"mixed case scheme", "[clic](jAvAsCrIpT:alert(1))", []string{"javascript"}},
		{"entity in scheme", "[clic](java&#x73;cript:alert(1))", []string{"javascript", "java&"}},
		{"decimal entity in scheme", "[clic](&#106;avascript:alert(1))", []string{"javascript"}},
		{"named entity colon", "[clic](javascript&colon;alert(1))", []string{"javascript"}},
		{"tab in scheme", "[clic](<java\tscript:alert(1)>)", []string{"script:"}},
		{"newline in scheme", "[clic](java\nscript:alert(1))", []string{"href=\"java"}},
		{"leading space", "[clic]( javascript:alert(1))", []string{"href=\"javascript", "href=\" javascript"}},
		{"percent-encoded scheme", "[clic](%6Aavascript:alert(1))", []string{"href=\"%6aavascript", "href=\"javascript"}},
		{"reference link", "[clic][x]\n\n[x]: javascript:alert(1)", []string{"javascript"}},
		{"autolink", "<javascript:alert(1)>", []string{"href=\"javascript"}},
		{"vbscript", "[clic](vbscript:msgbox(1))", []string{"vbscript"}},
		{"data link", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", []string{"data:"}},
		{"data image", "![x](data:image/png;base64,iVBORw0KGgo=)", []string{"data:"}},
		{"image javascript", "![x](javascript:alert(1))", []string{"javascript"}},
		{"image title breakout", `![x](https://a.fr/i.png "t\" onerror=\"alert(1))`, []string{"onerror=\""}},
		{"link title breakout", `[x](https://a.fr "a\" onmouseover=\"alert(1)")`, []string{"onmouseover=\""}},
		{"img onerror", `<img src=x onerror=alert(1)>`, []string{"onerror", "<img"}},
		{"svg onload", `<svg onload=alert(1)>`, []string{"onload", "<svg"}},
		{"svg inline", `texte <svg><script>alert(1)</script></svg>`, []string{"<svg", "<script"}},
		{"event handler", `<a href="https://a.fr" onclick="alert(1)">x</a>`, []string{"onclick"}},
		{"style attribute", `<p style="position:fixed">x</p>`, []string{"style"}},
		{"style element", "<style>body{display:none}</style>", []string{"<style", "display"}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, []string{"<iframe", "evil"}},
		{"form", `<form action="https://evil.example"><input name=p></form>`, []string{"<form", "evil"}},
		{"object", `<object data="x.swf"></object>`, []string{"<object"}},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.example">`, []string{"<meta", "refresh"}},
		{"base", `<base href="https://evil.example/">`, []string{"<base"}},
		{"html comment", "<!-- <script>alert(1)</script> -->", []string{"<!--", "<script"}},
		{"cdata", "<![CDATA[<script>alert(1)</script>]]>", []string{"<script"}},
		{"entity-encoded tag", "&lt;script&gt;alert(1)&lt;/script&gt;", []string{"<script"}},
		{"code fence info", "```go\" onmouseover=\"alert(1)\nx\n```", []string{"onmouseover=\""}},
		{"linkify", "voir www.example.com/javascript:alert(1)", nil},
		{"email autolink", "<mailto:a@b.fr?subject=x>", nil},
		{"nested markdown in html", "<a href=\"javascript:alert(1)\">*x*</a>", []string{"javascript"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := HTML(tt.md)
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			if err := checkSafe(string(out)); err != nil {
				t.Errorf("unsafe output: %v\n%s", err, out)
			}
			lower := strings.ToLower(string(out))
			for _, g := range tt.gone {
				if strings.Contains(lower, strings.ToLower(g)) {
					t.Errorf("output contains %q:\n%s", g, out)
				}
			}
		})
	}
}

func TestHTMLRendersMarkdown(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []string // substrings of the output
	}{
		{"table", "| Compte | Solde |\n|:--|--:|\n| 4111 | 12,50 |", []string{"<table>", `<th align="left">Compte</th>`, `<td align="right">12,50</td>`}},
		{"strikethrough", "~~ancien~~ nouveau", []string{"<del>ancien</del>"}},
		{"task list", "- [x] mandat signé\n- [ ] titre émis", []string{`<input checked="" disabled="" type="checkbox"`, `<input disabled="" type="checkbox"`}},
		{"link rel", "[BOAMP](https://www.boamp.fr)", []string{`<a href="https://www.boamp.fr" rel="nofollow noopener noreferrer">BOAMP</a>`}},
		{"autolink rel", "<https://www.boamp.fr>", []string{`rel="nofollow noopener noreferrer"`}},
		{"bare url", "voir https://www.service-public.fr.", []string{`<a href="https://www.service-public.fr" rel="nofollow noopener noreferrer">`}},
		{"www", "voir www.education.gouv.fr", []string{`href="http://www.education.gouv.fr"`}},
		{"email", "écrire à regie@ac-lyon.fr", []string{`href="mailto:regie@ac-lyon.fr"`}},
		{"link to an entry", "[voir](/entree/bafyautre)", []string{`href="/entree/bafyautre"`}},
		{"image of another site", "![logo](https://a.fr/l.png)", []string{`<a href="https://a.fr/l.png" rel="nofollow noopener noreferrer">logo</a>`}},
		{"code language", "```yaml\nk: v\n```", []string{`<code class="language-yaml">`}},
		{"ordered start", "3. trois\n4. quatre", []string{`<ol start="3">`}},
		{"raw html dropped", "a <b>gras</b> b", []string{"<p>a gras b</p>"}},
		{"accents", "Régie d'avances — « dépenses »", []string{"Régie d&#39;avances — « dépenses »"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := HTML(tt.md)
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %s:\n%s", w, out)
				}
			}
			if err := checkSafe(string(out)); err != nil {
				t.Errorf("unsafe output: %v", err)
			}
		})
	}
}

func TestHTMLTooLarge(t *testing.T) {
	_, err := HTML(strings.Repeat("a", protocol.MaxBodySize+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("HTML of %d bytes: err = %v, want ErrTooLarge", protocol.MaxBodySize+1, err)
	}
	if _, err := HTML(strings.Repeat("a", protocol.MaxBodySize)); err != nil {
		t.Fatalf("HTML of exactly the limit: %v", err)
	}
}

// TestHTMLGolden renders testdata/*.md, as an entry with
// testAttachments, and compares with the .html beside each. Run with
// -update to rewrite them.
func TestHTMLGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs in testdata: %v", err)
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".md")
		t.Run(name, func(t *testing.T) {
			md, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := HTML(string(md), testAttachments...)
			if err != nil {
				t.Fatalf("HTML: %v", err)
			}
			if err := checkSafe(string(out)); err != nil {
				t.Errorf("unsafe output: %v", err)
			}
			golden := strings.TrimSuffix(in, ".md") + ".html"
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(out) != string(want) {
				t.Errorf("HTML of %s differs from %s (run go test -update after checking):\n%s", in, golden, out)
			}
		})
	}
}

// TestHTMLConcurrent renders from several goroutines at once, as the
// web interface does; run with -race.
func TestHTMLConcurrent(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("testdata", "fiche-regie.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := HTML(string(md))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				got, err := HTML(string(md))
				if err == nil && got != want {
					err = errors.New("output differs between goroutines")
				}
				if err != nil {
					errs <- err
					return
				}
				_ = PlainText(string(md))
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
