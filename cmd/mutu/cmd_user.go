package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/web"
)

func userCommand() *cli.Command {
	urlFlag := &cli.StringFlag{
		Name:  "url",
		Usage: "address people open the node's web pages at, for the link (default: the running node's, else config http)",
	}
	return &cli.Command{
		Name:  "user",
		Usage: "manage the accounts of the web interface (one person, one account)",
		Description: "Accounts live in users.json in the home (mode 0600), each with its own author key held\n" +
			"by the node: what a person publishes from the web is signed with their key. A running node\n" +
			"sees changes at once.",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create an account and print a one-time link to choose its password",
				ArgsUsage: "NAME",
				Description: "NAME is 2 to 40 lowercase letters, digits, '.', '_' or '-', e.g. marie.dupont. The link is\n" +
					"valid 72 hours; send it to the person by a channel you trust.",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "operator", Usage: "the account also sees the node's invitation code"},
					urlFlag,
					jsonFlag,
				},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "NAME"); err != nil {
						return err
					}
					return runUserAdd(userOptions{home: c.String("home"), name: c.Args().First(), operator: c.Bool("operator"), url: c.String("url"), json: c.Bool("json")}, c.App.Writer)
				},
			},
			{
				Name:        "reset",
				Usage:       "print a new one-time link for an account to choose a new password",
				ArgsUsage:   "NAME",
				Description: "The current password keeps working until the link is used.",
				Flags:       []cli.Flag{urlFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "NAME"); err != nil {
						return err
					}
					return runUserReset(userOptions{home: c.String("home"), name: c.Args().First(), url: c.String("url"), json: c.Bool("json")}, c.App.Writer)
				},
			},
			{
				Name:      "list",
				Usage:     "list the accounts",
				ArgsUsage: " ",
				Flags:     []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 0, 0, "[--json]"); err != nil {
						return err
					}
					return runUserList(userOptions{home: c.String("home"), json: c.Bool("json")}, c.App.Writer)
				},
			},
		},
	}
}

// userOptions are the options of the user subcommands.
type userOptions struct {
	home     string
	name     string
	operator bool
	url      string // base address for the link; "" to find it
	json     bool
}

func runUserAdd(opts userOptions, out io.Writer) error {
	h, err := openHome(opts.home)
	if err != nil {
		return err
	}
	token, err := web.AddAccount(filepath.Join(h.dir, web.UsersFile), opts.name, web.AddOptions{Operator: opts.operator})
	if err != nil {
		return userError(err)
	}
	link := web.ActivationURL(webBase(h, opts.url), token)
	if opts.json {
		return printJSON(out, userLink{Name: opts.name, Operator: opts.operator, Link: link, ValidHours: int(web.ActivationTTL / time.Hour)})
	}
	fmt.Fprintf(out, "Account %q created. To choose a password, %s opens this link (valid %d hours, once):\n\n  %s\n",
		opts.name, opts.name, int(web.ActivationTTL/time.Hour), link)
	return nil
}

// userLink is what `mutu user add --json` and `user reset --json`
// print: the one-time link to choose a password.
type userLink struct {
	Name       string `json:"name"`
	Operator   bool   `json:"operator,omitempty"`
	Link       string `json:"link"`
	ValidHours int    `json:"valid_hours"`
}

func runUserReset(opts userOptions, out io.Writer) error {
	h, err := openHome(opts.home)
	if err != nil {
		return err
	}
	token, err := web.ResetAccount(filepath.Join(h.dir, web.UsersFile), opts.name, time.Time{})
	if err != nil {
		return userError(err)
	}
	link := web.ActivationURL(webBase(h, opts.url), token)
	if opts.json {
		return printJSON(out, userLink{Name: opts.name, Link: link, ValidHours: int(web.ActivationTTL / time.Hour)})
	}
	fmt.Fprintf(out, "New link for %q (valid %d hours, once; the current password works until it is used):\n\n  %s\n",
		opts.name, int(web.ActivationTTL/time.Hour), link)
	return nil
}

// userListing is an account as `mutu user list --json` prints it.
type userListing struct {
	Name      string    `json:"name"`
	Operator  bool      `json:"operator"`
	Author    string    `json:"author"`
	Created   time.Time `json:"created"`
	Activated bool      `json:"activated"`
	Pending   time.Time `json:"link_expires,omitzero"`
}

func runUserList(opts userOptions, out io.Writer) error {
	h, err := openHome(opts.home)
	if err != nil {
		return err
	}
	accounts, err := web.ListAccounts(filepath.Join(h.dir, web.UsersFile))
	if err != nil {
		return homeError{err}
	}
	list := make([]userListing, len(accounts))
	for i, a := range accounts {
		list[i] = userListing{Name: a.Name, Operator: a.Operator, Author: a.Author.String(), Created: a.Created, Activated: a.Activated, Pending: a.Pending}
	}
	if opts.json {
		return printJSON(out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(out, "No account yet: create one with `mutu user add NAME`.")
		return nil
	}
	for _, a := range list {
		state := "active"
		switch {
		case !a.Activated:
			state = "waiting for its password"
		case !a.Pending.IsZero():
			state = "active, new-password link pending"
		}
		role := ""
		if a.Operator {
			role = " (operator)"
		}
		fmt.Fprintf(out, "%-24s %s%s  %s\n", a.Name, shortID(a.Author), role, state)
	}
	return nil
}

// userError classifies the errors of the account functions.
func userError(err error) error {
	if errors.Is(err, web.ErrAccountName) || errors.Is(err, web.ErrAccountExists) || errors.Is(err, web.ErrNoAccount) {
		return inputError{err}
	}
	return homeError{err}
}

// webBase is the address of the node's web pages: the flag, else the
// address the running node bound (file api), else the config's http.
func webBase(h *home, flag string) string {
	if flag != "" {
		return flag
	}
	if data, err := os.ReadFile(filepath.Join(h.dir, apiFile)); err == nil {
		if addr := strings.TrimSpace(string(data)); addr != "" {
			return addr
		}
	}
	return h.config.HTTP
}
