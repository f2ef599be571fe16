package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/node/web"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// checkCertificate refuses, before the account is made, a certificate
// the network would refuse.
func checkCertificate(c api.CertifyRequest) error {
	// Any network: only the fields are judged here.
	const someNetwork = "bafyreifxpljo34mzus2epe2hv6xtq7kdlijeqdinyw4oaqwezcmrlb6qqa"
	_, err := trust.NewRevision(someNetwork, &trust.Certificate{Name: c.Name, Function: c.Function, Etablissement: c.Etablissement, UAI: c.UAI})
	if err != nil {
		return inputError{fmt.Errorf("the certificate of the account: %s (fix --full-name, --function, --etablissement or --uai)", protocol.Sentence(err))}
	}
	return nil
}

// accountAuthor is the author key of account name.
func accountAuthor(path, name string) (protocol.AuthorKey, bool) {
	accounts, err := web.ListAccounts(path)
	if err != nil {
		return protocol.AuthorKey{}, false
	}
	for _, a := range accounts {
		if a.Name == name {
			return a.Author, true
		}
	}
	return protocol.AuthorKey{}, false
}

// federation reaches the home's node about its network: through its
// API when it runs, else the catalogue. close ends what it opened.
func federation(h *home) (f api.Federation, closed bool, close func(), err error) {
	if h.config.Network == "" || trust.IsName(h.config.Network) {
		// No network yet, or an open one: nothing to certify, and
		// nothing to open (the account commands work while another
		// process holds the catalogue).
		return nil, false, func() {}, nil
	}
	ctx := context.Background()
	if client := daemonClient(ctx, h); client != nil {
		n, err := client.Network(ctx)
		if err != nil {
			return nil, false, nil, err
		}
		return client, n.Policy == string(trust.PolicyClosed), func() {}, nil
	}
	s, err := openLocal(ctx, h, io.Discard)
	if err != nil {
		return nil, false, nil, err
	}
	return s.local, s.cat.Roster().Closed(), func() { s.Close() }, nil
}

// certifyAccount certifies a new account's author key in a closed
// network; nil in an open one.
func certifyAccount(h *home, req api.CertifyRequest) (*api.Certificate, error) {
	f, closed, done, err := federation(h)
	if err != nil {
		return nil, err
	}
	defer done()
	if !closed {
		return nil, nil
	}
	return f.Certify(context.Background(), req)
}

// endAccountCertificate ends the certificate of a removed account's
// author key, if it has one in force.
func endAccountCertificate(h *home, author protocol.AuthorKey) (bool, error) {
	f, closed, done, err := federation(h)
	if err != nil {
		return false, err
	}
	defer done()
	if !closed {
		return false, nil
	}
	_, err = f.EndCertificate(context.Background(), author.String())
	if err != nil && strings.Contains(api.ErrorOf(err).Message, "no certificate in force") {
		return false, nil
	}
	return err == nil, err
}

func userCommand() *cli.Command {
	urlFlag := &cli.StringFlag{
		Name:  "url",
		Usage: "address people open the node's web pages at, for the link (default: the running node's, else config http)",
	}
	return &cli.Command{
		Name:  "user",
		Usage: "manage the accounts of the web interface (one person, one account)",
		Description: "Accounts live in users.json in the home (mode 0600), each with its own author key held\n" +
			"by the node: what a person publishes from the web is signed with their key. Every command\n" +
			"works whether the node runs or not; a running node sees changes at once.",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create an account and print a one-time link to choose its password",
				ArgsUsage: "NAME",
				Description: "NAME is 2 to 40 lowercase letters, digits, '.', '_' or '-', e.g. marie.dupont. The link is\n" +
					"valid 72 hours; send it to the person by a channel you trust.",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "operator", Usage: "the account also sees the node's invitation code, and admits and revokes nodes on the Réseau page of a coordinator"},
					&cli.BoolFlag{Name: "moderator", Usage: "the account also moderates the node's entries from the web: hides them, blocks authors (docs/web.md)"},
					&cli.StringFlag{Name: "full-name", Usage: "closed networks: the person's `NAME` in the certificate of the account's author key (« Mme Durand »; default: the account's NAME)"},
					&cli.StringFlag{Name: "function", Value: "gestionnaire", Usage: "closed networks: the person's `FUNCTION` in the certificate (gestionnaire, agent comptable, référent numérique…)"},
					&cli.StringFlag{Name: "etablissement", Usage: "closed networks: the person's établissement in the certificate"},
					&cli.StringFlag{Name: "uai", Usage: "closed networks: the `UAI` of the établissement (7 digits and a letter, 0691234A)"},
					urlFlag,
					jsonFlag,
				},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "NAME"); err != nil {
						return err
					}
					return runUserAdd(userOptions{home: c.String("home"), name: c.Args().First(), operator: c.Bool("operator"), moderator: c.Bool("moderator"), url: c.String("url"), json: c.Bool("json"),
						cert: api.CertifyRequest{Name: c.String("full-name"), Function: c.String("function"), Etablissement: c.String("etablissement"), UAI: c.String("uai")}}, c.App.Writer)
				},
			},
			{
				Name:      "reset",
				Usage:     "print a new one-time link for an account to choose a new password",
				ArgsUsage: "NAME",
				Description: "The current password stops working and every session of the account ends at once\n" +
					"(the password was forgotten, or may be known to someone else).",
				Flags: []cli.Flag{urlFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "NAME"); err != nil {
						return err
					}
					return runUserReset(userOptions{home: c.String("home"), name: c.Args().First(), url: c.String("url"), json: c.Bool("json")}, c.App.Writer)
				},
			},
			{
				Name:        "disable",
				Usage:       "keep an account from logging in, and end its sessions",
				ArgsUsage:   "NAME",
				Description: "Its entries and author key stay. `mutu user enable NAME` undoes it.",
				Action:      userAction(runUserDisable),
			},
			{
				Name:        "enable",
				Usage:       "let a disabled account log in again",
				ArgsUsage:   "NAME",
				Description: "The sessions ended when it was disabled stay ended: its owner logs in again.",
				Action:      userAction(runUserEnable),
			},
			{
				Name:      "remove",
				Usage:     "delete an account and its author key, and end its sessions",
				ArgsUsage: "NAME",
				Description: "The entries it published stay on the network, signed by its key, but no account of this\n" +
					"node can revise them any more. To keep that possible, disable the account instead.",
				Action: userAction(runUserRemove),
			},
			{
				Name:      "sessions",
				Usage:     "list an account's web sessions (when each logged in and was last seen), or end them",
				ArgsUsage: "NAME",
				Description: "A running node saves when sessions were last seen every minute, so the time shown may lag\n" +
					"by that much. --end logs every browser of the account out, at once.",
				Flags: []cli.Flag{jsonFlag, &cli.BoolFlag{Name: "end", Usage: "end every session of the account"}},
				Action: func(c *cli.Context) error {
					if err := needArgs(c, 1, 1, "NAME"); err != nil {
						return err
					}
					return runUserSessions(userOptions{home: c.String("home"), name: c.Args().First(), json: c.Bool("json"), end: c.Bool("end")}, c.App.Writer)
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
	home      string
	name      string
	operator  bool
	moderator bool
	url       string // base address for the link; "" to find it
	json      bool
	end       bool // sessions: end them
	// cert is the certificate of a new account's author key, in a
	// closed network.
	cert api.CertifyRequest
}

// userAction is the action of a subcommand that takes one NAME and no
// flag.
func userAction(run func(userOptions, io.Writer) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := needArgs(c, 1, 1, "NAME"); err != nil {
			return err
		}
		return run(userOptions{home: c.String("home"), name: c.Args().First()}, c.App.Writer)
	}
}

// usersPath returns the accounts file of the home.
func usersPath(opts userOptions) (string, *home, error) {
	h, err := openHome(opts.home)
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(h.dir, web.UsersFile), h, nil
}

func runUserAdd(opts userOptions, out io.Writer) error {
	h, err := openHome(opts.home)
	if err != nil {
		return err
	}
	if opts.cert.Name == "" {
		opts.cert.Name = opts.name
	}
	if err := checkCertificate(opts.cert); err != nil {
		return err
	}
	path := filepath.Join(h.dir, web.UsersFile)
	token, err := web.AddAccount(path, opts.name, web.AddOptions{Operator: opts.operator, Moderator: opts.moderator})
	if err != nil {
		return userError(err)
	}
	if author, ok := accountAuthor(path, opts.name); ok {
		opts.cert.Author = author.String()
		cert, err := certifyAccount(h, opts.cert)
		if err != nil {
			web.RemoveAccount(path, opts.name)
			return fmt.Errorf("account %q not created: %w", opts.name, err)
		}
		if cert != nil && !opts.json {
			fmt.Fprintf(out, "Its author key is certified by this node: « %s, %s ».\n", cert.Name, cert.Function)
		}
	}
	link := web.ActivationURL(webBase(h, opts.url), token)
	if opts.json {
		return printJSON(out, userLink{Name: opts.name, Operator: opts.operator, Moderator: opts.moderator, Link: link, ValidHours: int(web.ActivationTTL / time.Hour)})
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
	Moderator  bool   `json:"moderator,omitempty"`
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
	fmt.Fprintf(out, "The password of %q no longer works and its sessions have ended. New link to choose one (valid %d hours, once):\n\n  %s\n",
		opts.name, int(web.ActivationTTL/time.Hour), link)
	return nil
}

func runUserDisable(opts userOptions, out io.Writer) error {
	path, _, err := usersPath(opts)
	if err != nil {
		return err
	}
	if err := web.DisableAccount(path, opts.name); err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Account %q disabled: it can no longer log in, and its sessions have ended. `mutu user enable %s` undoes it.\n", opts.name, opts.name)
	return nil
}

func runUserEnable(opts userOptions, out io.Writer) error {
	path, _, err := usersPath(opts)
	if err != nil {
		return err
	}
	if err := web.EnableAccount(path, opts.name); err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Account %q enabled: it can log in again.\n", opts.name)
	return nil
}

func runUserRemove(opts userOptions, out io.Writer) error {
	path, h, err := usersPath(opts)
	if err != nil {
		return err
	}
	author, known := accountAuthor(path, opts.name)
	if err := web.RemoveAccount(path, opts.name); err != nil {
		return userError(err)
	}
	if known {
		ended, err := endAccountCertificate(h, author)
		if err != nil {
			return fmt.Errorf("account %q removed, but the certificate of its author key %s was not ended: %w; ask a coordinator of the network to end it", opts.name, author, err)
		}
		if ended {
			fmt.Fprintln(out, "Its certificate has ended: what its key signs from now on is refused by the network.")
		}
	}
	fmt.Fprintf(out, "Account %q removed, with its author key; its sessions have ended. Its entries stay.\n", opts.name)
	return nil
}

// sessionListing is a session as `mutu user sessions --json` prints it.
type sessionListing struct {
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

func runUserSessions(opts userOptions, out io.Writer) error {
	path, h, err := usersPath(opts)
	if err != nil {
		return err
	}
	list, err := web.ListSessions(path, filepath.Join(h.dir, web.SessionsFile), opts.name, time.Now())
	if err != nil {
		return userError(err)
	}
	if opts.end {
		if err := web.EndSessions(path, opts.name); err != nil {
			return userError(err)
		}
		if opts.json {
			return printJSON(out, struct {
				Account string `json:"account"`
				Ended   int    `json:"ended"`
			}{opts.name, len(list)})
		}
		fmt.Fprintf(out, "Ended %s of %q.\n", plural(len(list), "session", "sessions"), opts.name)
		return nil
	}
	if opts.json {
		sessions := make([]sessionListing, len(list))
		for i, se := range list {
			sessions[i] = sessionListing{Created: se.Created, LastSeen: se.Seen}
		}
		return printJSON(out, sessions)
	}
	if len(list) == 0 {
		fmt.Fprintf(out, "No open session for %q.\n", opts.name)
		return nil
	}
	fmt.Fprintf(out, "%s of %q:\n", plural(len(list), "session", "sessions"), opts.name)
	for _, se := range list {
		fmt.Fprintf(out, "  logged in %s, last seen %s\n", se.Created.Local().Format("2006-01-02 15:04"), se.Seen.Local().Format("2006-01-02 15:04"))
	}
	return nil
}

// userListing is an account as `mutu user list --json` prints it.
type userListing struct {
	Name      string    `json:"name"`
	Operator  bool      `json:"operator"`
	Moderator bool      `json:"moderator"`
	Author    string    `json:"author"`
	Created   time.Time `json:"created"`
	Activated bool      `json:"activated"`
	Disabled  bool      `json:"disabled"`
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
		list[i] = userListing{Name: a.Name, Operator: a.Operator, Moderator: a.Moderator, Author: a.Author.String(), Created: a.Created, Activated: a.Activated, Disabled: a.Disabled, Pending: a.Pending}
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
		case a.Disabled:
			state = "disabled"
		case !a.Activated:
			state = "waiting for its password"
		case !a.Pending.IsZero():
			state = "active, new-password link pending"
		}
		role := ""
		switch {
		case a.Operator:
			role = " (operator)"
		case a.Moderator:
			role = " (moderator)"
		}
		fmt.Fprintf(out, "%-24s %s%s  %s\n", term(a.Name), shortKey(a.Author), role, state)
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
