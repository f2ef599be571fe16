package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestHelpListsSubcommands: `mutu help X`, `mutu X --help` and
// `mutu X help` list the subcommands of every command that has some,
// each with what it does. (`mutu help bundle|key|user` listed none.)
func TestHelpListsSubcommands(t *testing.T) {
	home := t.TempDir()
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	var withSubs []*cli.Command
	for _, c := range app.Commands {
		if len(c.Subcommands) > 0 {
			withSubs = append(withSubs, c)
		}
	}
	if len(withSubs) < 3 {
		t.Fatalf("%d commands with subcommands, want bundle, key and user at least", len(withSubs))
	}
	for _, c := range withSubs {
		for _, args := range [][]string{{"help", c.Name}, {c.Name, "--help"}, {c.Name, "help"}} {
			code, stdout, stderr := mutuIn(t, home, args...)
			if code != 0 {
				t.Errorf("mutu %s: exit %d: %s", strings.Join(args, " "), code, stderr)
				continue
			}
			if !strings.Contains(stdout, "COMMANDS:") {
				t.Errorf("mutu %s has no COMMANDS section:\n%s", strings.Join(args, " "), stdout)
			}
			for _, sub := range c.Subcommands {
				if sub.Hidden || sub.Name == "help" {
					continue
				}
				line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(sub.Name) + `\s+` + regexp.QuoteMeta(sub.Usage) + `$`)
				if !line.MatchString(stdout) {
					t.Errorf("mutu %s does not list %q (%s):\n%s", strings.Join(args, " "), sub.Name, sub.Usage, stdout)
				}
			}
		}
	}
}
