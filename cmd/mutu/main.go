// Command mutu runs and drives a mutu node: it publishes signed practice
// notes, tool listings and software entries, searches the catalogue,
// and replicates it with the other nodes of its network.
//
// Run `mutu help` for the commands and docs/cli.md for the exit codes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit code.
// Tests call it in-process with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app, args))
	if e, ok := app.Metadata[unknownCommandKey].(error); ok && err == nil {
		err = e
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintf(stderr, "mutu: %s\n", termText(err.Error()))
	return code
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "mutu",
		Usage: "share practice notes, tools and software between school bursars, peer to peer",
		Description: "mutu keeps a signed, replicated catalogue of fiches pratiques, outils and logiciels.\n" +
			"Start a node with `mutu run`; while it runs, the other commands go through it.\n\n" + exitCodesHelp,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:    "home",
				Usage:   "the node's home `DIR` (keys, config, store, index)",
				EnvVars: []string{"MUTU_HOME"},
				Value:   defaultHome(),
			},
		},
		Commands: []*cli.Command{
			initCommand(),
			runCommand(),
			publishCommand(),
			editCommand(),
			retractCommand(),
			showCommand(),
			diffCommand(),
			fetchCommand(),
			historyCommand(),
			listCommand(),
			searchCommand(),
			reindexCommand(),
			exportCommand(),
			importCommand(),
			bundleCommand(),
			keyCommand(),
			statusCommand(),
			peersCommand(),
			inviteCommand(),
			joinCommand(),
			membersCommand(),
			networkCommand(),
			userCommand(),
			moderateCommand(),
			reportCommand(),
			reportsCommand(),
		},
		HideHelpCommand:      false,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {}, // run maps errors to exit codes
		OnUsageError:         onUsageError,
		CommandNotFound:      commandNotFound,
		Metadata:             map[string]any{},
	}
	setOnUsageError(app.Commands)
	for _, c := range app.Commands {
		if len(c.Subcommands) > 0 {
			c.CustomHelpTemplate = subcommandHelp
		}
	}
	return app
}

// subcommandHelp is the help of a command with subcommands: urfave/cli's
// SubcommandHelpTemplate, but listing them from VisibleCommands. The
// stock template reads VisibleCategories, which urfave/cli fills only
// once the command runs: `mutu help bundle` showed none.
const subcommandHelp = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{.HelpName}} COMMAND [command options] [arguments...]{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}{{if .VisibleCommands}}

COMMANDS:{{template "visibleCommandTemplate" .}}{{end}}{{if .VisibleFlags}}

OPTIONS:{{template "visibleFlagTemplate" .}}{{end}}
`

// onUsageError answers a command line that urfave/cli cannot parse (an
// unknown flag, a flag value of the wrong type) with a usageError that
// names the command and where to read its usage, instead of printing
// the whole help before the error.
func onUsageError(c *cli.Context, err error, _ bool) error {
	words := commandWords(c.Command)
	if len(words) == 0 {
		return usageError{fmt.Errorf("%w; see `%s`", err, helpFor(words))}
	}
	return usageError{fmt.Errorf("%s: %w; see `%s`", strings.Join(words, " "), err, helpFor(words))}
}

// setOnUsageError sets onUsageError on every command of the tree:
// urfave/cli sets the app's only on the app, and a command without one
// prints its help and returns an error that exitCode cannot tell from
// an internal one.
func setOnUsageError(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		setOnUsageError(c.Subcommands)
	}
}

// unknownCommandKey is where commandNotFound leaves its error in the
// app's Metadata, for run.
const unknownCommandKey = "mutu.unknownCommand"

// commandNotFound is called for an unknown command or help topic. A
// CommandNotFoundFunc of urfave/cli v2 cannot return an error, and the
// app then ends with none: the usage error is left for run to return.
func commandNotFound(c *cli.Context, name string) {
	words := commandWords(c.Command) // empty, or ["key"] for an unknown subcommand of key
	what := strings.Join(append(words, name), " ")
	c.App.Metadata[unknownCommandKey] = usageError{fmt.Errorf("unknown command %q; see `%s` for the commands", what, helpFor(words))}
}

// commandWords returns the words that name cmd on the command line,
// after "mutu": none for the app itself, ["key", "import"].
func commandWords(cmd *cli.Command) []string {
	if cmd == nil {
		return nil
	}
	words := strings.Fields(cmd.HelpName) // urfave/cli sets it to the whole path, "mutu key import"
	if len(words) > 0 {
		words = words[1:]
	}
	return words
}

// helpFor returns the command line that shows the help of the command
// named by words.
func helpFor(words []string) string {
	switch len(words) {
	case 0:
		return "mutu help"
	case 1:
		return "mutu help " + words[0]
	}
	// urfave/cli's help command shows the help of its next word only.
	return "mutu " + strings.Join(words[:len(words)-1], " ") + " help " + words[len(words)-1]
}
