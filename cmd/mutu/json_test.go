package main

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// printsNothing are the commands that print no data, and so take no
// --json: `run` logs while the node runs.
var printsNothing = map[string]bool{
	"run": true,
	// A sentence that the act was done, which the exit code tells.
	"user disable": true, "user enable": true, "user remove": true,
}

// TestEveryDataCommandTakesJSON walks the command tree: every command
// that does something (not a group of subcommands, not help) takes
// --json, unless printsNothing lists it. (docs/cli.md says so, and
// `invite --json` was refused.)
func TestEveryDataCommandTakesJSON(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	var walk func(path string, cmds []*cli.Command)
	n := 0
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.Name)
			if c.Name == "help" {
				continue
			}
			if len(c.Subcommands) > 0 {
				walk(name, c.Subcommands)
				continue
			}
			n++
			has := false
			for _, f := range c.Flags {
				has = has || f.Names()[0] == "json"
			}
			if has == printsNothing[name] {
				t.Errorf("mutu %s: --json %v, want %v", name, has, !printsNothing[name])
			}
		}
	}
	walk("", app.Commands)
	if n < 20 {
		t.Errorf("walked %d commands: the tree was not read", n)
	}
}

// TestJSONOfCommandsThatLackedIt: the commands that had no --json
// print one JSON value with it.
func TestJSONOfCommandsThatLackedIt(t *testing.T) {
	home := newHome(t)
	// An open network: its codes (format 1) carry the addresses given.
	if err := updateConfig(home, map[string]any{"network": "mutu"}); err != nil {
		t.Fatal(err)
	}
	publish(t, home, "---\ntitle: Régie\n---\nCorps.\n")
	keyFile := filepath.Join(t.TempDir(), "author.pem")
	const addr = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGzYfTZ6FLuM7t6Fm7rRrXoyy3Rsv2r9WsVt9s2nhb5hx"
	code, stdout, stderr := mutuIn(t, home, "invite", "--addr", addr, "--json")
	var inv struct {
		Code    string   `json:"code"`
		Network string   `json:"network"`
		Addrs   []string `json:"addrs"`
	}
	if err := json.Unmarshal([]byte(stdout), &inv); code != 0 || err != nil || !strings.HasPrefix(inv.Code, "mutu1") || len(inv.Addrs) != 1 {
		t.Fatalf("invite --json: exit %d, %v, %+v\n%s", code, err, inv, stderr)
	}
	for _, args := range [][]string{
		{"join", inv.Code},
		{"reindex"},
		{"key", "export", keyFile},
		{"key", "import", keyFile},
		{"user", "add", "marie"},
		{"user", "reset", "marie"},
	} {
		code, stdout, stderr := mutuIn(t, home, append(args, "--json")...)
		var v map[string]any
		if err := json.Unmarshal([]byte(stdout), &v); code != 0 || err != nil || len(v) == 0 {
			t.Errorf("mutu %s --json: exit %d, %v\n%s%s", strings.Join(args, " "), code, err, stdout, stderr)
		}
	}
}
