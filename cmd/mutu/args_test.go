package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestFlagsFirst(t *testing.T) {
	app := newApp(strings.NewReader(""), io.Discard, io.Discard)
	for _, tc := range []struct{ in, want string }{
		// Flags after the arguments move before them.
		{"search bourse college --kind note --json", "search --kind note --json bourse college"},
		{"search --limit 3 regie --sort=updated", "search --limit 3 --sort=updated regie"},
		// A global flag after the command moves before it.
		{"search regie --home /tmp/h", "--home /tmp/h search regie"},
		{"--home /tmp/h publish note.md --json", "--home /tmp/h publish --json note.md"},
		// Subcommands keep their flags.
		{"key export key.txt", "key export key.txt"},
		{"user add marie --operator", "user add --operator marie"},
		// "--" ends the flags; arguments that look like flags keep it.
		{"search -- -5 --json", "search -- -5 --json"},
		{"search regie -- --kind", "search -- regie --kind"},
		// "-" is an argument; unknown flags stay for urfave/cli to refuse.
		{"publish - --json", "publish --json -"},
		{"search regie --nope", "search --nope regie"},
		{"--nope search", "--nope search"},
		// Nothing to do.
		{"run --peer /ip4/127.0.0.1/tcp/4001", "run --peer /ip4/127.0.0.1/tcp/4001"},
		{"help search", "help search"},
		{"search regie --kind note --generate-bash-completion", "search --kind note regie --generate-bash-completion"},
		{"", ""},
	} {
		in := append([]string{"mutu"}, strings.Fields(tc.in)...)
		want := append([]string{"mutu"}, strings.Fields(tc.want)...)
		if got := flagsFirst(app, in); !slices.Equal(got, want) {
			t.Errorf("flagsFirst(%q) = %q, want %q", tc.in, strings.Join(got[1:], " "), tc.want)
		}
	}
}
