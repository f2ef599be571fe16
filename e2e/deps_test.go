package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mutu-network/mutu"

// TestDependencyRule checks every import of every package of the
// project, and of its tests, against the table of who may import whom
// in docs/architecture.md ("Who imports whom"), which DESIGN.md's rule
// (cmd -> node -> catalogue -> protocol) becomes once written per
// package. A package missing from the table fails too, and so does a
// row naming a package that does not exist: the table and the code
// cannot drift apart.
func TestDependencyRule(t *testing.T) {
	table := readImportTable(t, filepath.Join("..", "docs", "architecture.md"))
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := make(map[string]bool)
	for dec.More() {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := ours(p.ImportPath)
		row, ok := table[name]
		if !ok {
			t.Errorf("package %s is not in the table of docs/architecture.md; add a row saying what it may import", name)
			continue
		}
		seen[name] = true
		for _, imp := range p.Imports {
			if dep := ours(imp); dep != "" && !slices.Contains(row.imports, dep) {
				t.Errorf("%s imports %s: the table allows only %v", name, dep, row.imports)
			}
		}
		for _, imp := range append(p.TestImports, p.XTestImports...) {
			dep := ours(imp)
			if dep == "" || dep == name || slices.Contains(row.imports, dep) || slices.Contains(row.tests, dep) {
				continue
			}
			t.Errorf("the tests of %s import %s: the table allows only %v, and for tests %v", name, dep, row.imports, row.tests)
		}
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("docs/architecture.md names package %s, which does not exist", name)
		}
	}
	if len(seen) < 10 {
		t.Fatalf("checked only %d packages: go list found less than the project has", len(seen))
	}
}

// ours returns one of the project's import paths without the module
// ("catalogue/store"), and "" for other modules.
func ours(importPath string) string {
	if importPath == module {
		return "."
	}
	rest, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		return ""
	}
	return rest
}

type importRow struct {
	imports []string // what the package may import
	tests   []string // what its tests may import besides
}

// readImportTable reads the rows of the table under the heading "Who
// imports whom": | `pkg` | `a`, `b` | `t` |.
func readImportTable(t *testing.T, path string) map[string]importRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table := make(map[string]importRow)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			in = strings.Contains(line, "Who imports whom")
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("%s: row %q has %d cells, want 3", path, line, len(cells))
		}
		names := func(cell string) []string {
			var out []string
			for _, n := range strings.Split(cell, ",") {
				if n = strings.Trim(strings.TrimSpace(n), "`"); n != "" && n != "—" {
					out = append(out, n)
				}
			}
			return out
		}
		pkg := names(cells[0])
		if len(pkg) != 1 {
			t.Fatalf("%s: row %q names %d packages, want 1", path, line, len(pkg))
		}
		table[pkg[0]] = importRow{imports: names(cells[1]), tests: names(cells[2])}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(table) == 0 {
		t.Fatalf("%s has no table under a heading \"Who imports whom\"", path)
	}
	return table
}
