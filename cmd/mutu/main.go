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
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintf(stderr, "mutu: %v\n", err)
	return code
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
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
			userCommand(),
		},
		HideHelpCommand:      false,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {}, // run maps errors to exit codes
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
	}
}
