package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst returns args with every flag moved before the arguments
// of its command, so that `mutu search "bourse" --kind note` reads
// --kind as a flag: urfave/cli v2, like Go's flag package, stops
// reading flags at a command's first argument and would search for
// "bourse --kind note". Global flags (--home) given after the command
// move before it. "--" ends the flags, as usual: what follows it is
// arguments, even when it starts with a dash.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	// Shell completion asks with a last word that must stay last.
	if last := args[len(args)-1]; last == "--generate-bash-completion" {
		return append(flagsFirst(app, args[:len(args)-1]), last)
	}
	global := flagSpecOf(app.Flags)
	var (
		globals, path, flags, params []string
		cmds                         = app.Commands
		local                        flagSpec // of the command named last; nil before one
		rest                         = args[1:]
	)
	for len(rest) > 0 {
		a := rest[0]
		var cmd *cli.Command
		if len(params) == 0 && !isFlag(a) {
			cmd = findCommand(cmds, a)
		}
		switch {
		case a == "--":
			params = append(params, rest[1:]...)
			rest = nil
		case isFlag(a):
			n := local.span(rest)
			to := &flags
			if n == 0 {
				if n = global.span(rest); n > 0 {
					to = &globals
				}
			}
			if n == 0 { // unknown: left where urfave/cli will refuse it
				n = 1
				if local == nil {
					to = &globals
				}
			}
			*to = append(*to, rest[:n]...)
			rest = rest[n:]
		case cmd != nil:
			// Flags seen so far belong to the command before this one.
			path = append(append(path, flags...), a)
			flags, cmds, local = nil, cmd.Subcommands, flagSpecOf(cmd.Flags)
			rest = rest[1:]
		default:
			params = append(params, a)
			rest = rest[1:]
		}
	}
	out := append([]string{args[0]}, globals...)
	out = append(append(out, path...), flags...)
	for _, p := range params {
		if isFlag(p) {
			out = append(out, "--")
			break
		}
	}
	return append(out, params...)
}

// isFlag reports whether a command-line word is a flag; "-" alone is an
// argument (standard input, by custom).
func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagSpec maps the names of a command's flags to whether each takes a
// value.
type flagSpec map[string]bool

func flagSpecOf(flags []cli.Flag) flagSpec {
	s := flagSpec{"h": false, "help": false}
	for _, f := range flags {
		takes := true
		if tv, ok := f.(interface{ TakesValue() bool }); ok {
			takes = tv.TakesValue()
		}
		for _, name := range f.Names() {
			s[name] = takes
		}
	}
	return s
}

// span returns how many words the flag at args[0] spans, 0 if it is not
// one of s: two for a flag that takes a value given as the next word.
func (s flagSpec) span(args []string) int {
	name, _, inline := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
	takes, ok := s[name]
	switch {
	case !ok:
		return 0
	case takes && !inline && len(args) > 1:
		return 2
	}
	return 1
}

// findCommand returns the command of cmds called name, nil if none.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
