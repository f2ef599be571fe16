package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/e2e/harness"
)

// TestSameOutputThroughDaemon runs the same commands on two nodes, one
// on its home and one through its running daemon's API, and compares
// what they print, once the parts that differ by nature (entry IDs,
// authors, dates, timings) are masked: docs/cli.md promises the same
// output, exit code and error either way.
func TestSameOutputThroughDaemon(t *testing.T) {
	h := harness.New(t)
	nodes := h.NewNodes(2).Init()
	home, daemon := nodes[0], nodes[1]
	daemon.Start()

	dir := t.TempDir()
	write := func(name, markdown string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(markdown), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first := write("regie.md", note("Régie d'avances au collège", "La régie d'avances paie les menues dépenses du collège.", "regie"))
	second := write("voyage.md", note("Voyage scolaire : budget", "Le budget d'un voyage scolaire se vote au conseil d'administration.", "voyage"))
	edited := write("regie-v2.md", note("Régie d'avances au collège, version révisée", "La régie d'avances paie les menues dépenses, dans la limite de l'arrêté.", "regie"))

	// session runs the commands on n, and returns what each printed,
	// masked.
	session := func(n *harness.Node) []string {
		author := n.Status().Author
		_, key, _ := strings.Cut(author, ":")
		mask := func(s string) string {
			s = strings.ReplaceAll(s, author, "AUTHOR")
			if len(key) >= 10 {
				s = strings.ReplaceAll(s, key[:10], "AUTHOR")
			}
			for _, m := range masks {
				s = m.re.ReplaceAllString(s, m.with)
			}
			return s
		}
		var out []string
		run := func(args ...string) {
			res := n.Run(args...)
			out = append(out, mask(fmt.Sprintf("$ mutu %s\nexit %d\n%s--- stderr\n%s", strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)))
		}
		run("publish", first, second)
		id := n.List()[1].ID // the first published: the list is newest first
		if e := n.MustShow(id); e.Title != "Régie d'avances au collège" {
			t.Fatalf("node %s: the second listed entry is %q", n.Name, e.Title)
		}
		run("edit", id, edited)
		for _, json := range [][]string{nil, {"--json"}} {
			run(append([]string{"show", id}, json...)...)
			run(append([]string{"history", id}, json...)...)
			run(append([]string{"list"}, json...)...)
			run(append([]string{"search", "régie"}, json...)...)
			run(append([]string{"search", "--kind", "note", "budget voyage"}, json...)...)
		}
		run("search", "régie", "--offset", "-1")
		run("search", "régie", "--limit", "0")
		run("search", "régie", "--sort", "date")
		run("show", "bafyreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		run("retract", id)
		run("show", id)
		run("list")
		return out
	}

	onHome, throughDaemon := session(home), session(daemon)
	for i := range onHome {
		if onHome[i] != throughDaemon[i] {
			t.Errorf("different output on the home and through the daemon:\n=== on the home\n%s\n=== through the daemon\n%s", onHome[i], throughDaemon[i])
		}
	}
}

// masks hide what differs between two nodes running the same commands.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`bafy[a-z2-7]+`), "CID"},
	{regexp.MustCompile(`\b[a-z2-7]{10}\b`), "SHORTID"}, // and words of 10 letters, alike on both sides
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?`), "TIME"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d`), "DATE"},
	{regexp.MustCompile(`\(\d+(\.\d+)? ms\)`), "(T ms)"},
	{regexp.MustCompile(`"took_ms": [0-9.e+-]+`), `"took_ms": T`},
}
