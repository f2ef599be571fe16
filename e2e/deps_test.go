package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mutu-network/mutu"

// allowed says which of the project's top-level packages each one may
// import: imports point one way only, cmd -> node -> catalogue ->
// protocol (DESIGN.md §1). e2e drives the binary and may decode its
// output with protocol.
var allowed = map[string][]string{
	"protocol":  {"protocol"},
	"catalogue": {"catalogue", "protocol"},
	"node":      {"node", "catalogue", "protocol"},
	"cmd":       {"cmd", "node", "catalogue", "protocol"},
	"e2e":       {"e2e", "protocol"},
}

func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "-json=ImportPath,Deps", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		top := topLevel(p.ImportPath)
		if top == "" {
			continue // not ours
		}
		ok, known := allowed[top]
		if !known {
			t.Errorf("%s: top-level directory %q is not in the layout of DESIGN.md", p.ImportPath, top)
			continue
		}
		checked++
		for _, d := range p.Deps {
			dt := topLevel(d)
			if dt == "" || contains(ok, dt) {
				continue
			}
			t.Errorf("%s imports %s: %s may import only %v", p.ImportPath, d, top, ok)
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages: go list found less than the project has", checked)
	}
}

// topLevel returns the first directory of one of the project's import
// paths ("catalogue" for .../catalogue/store), or "" for other modules.
// Test variants ("p [p.test]") and test mains count as p.
func topLevel(importPath string) string {
	path, _, _ := strings.Cut(importPath, " ")
	path = strings.TrimSuffix(path, ".test")
	rest, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	top, _, _ := strings.Cut(rest, "/")
	return top
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
