package main

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ma "github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

func inviteCommand() *cli.Command {
	return &cli.Command{
		Name:      "invite",
		Usage:     "print an invitation code for another node to join this network",
		ArgsUsage: " ",
		Description: "In a closed network the code (mutu2…) is signed by this node and admits one node: give it\n" +
			"to the other bassin's operator by a channel you trust, who runs `mutu join CODE`. A coordinator's\n" +
			"code admits at once; a member's makes a join request that a coordinator approves. The code carries\n" +
			"the node's addresses: without a running node, the listen addresses of config.yaml, which must be\n" +
			"fixed ports. In an open network (a name, made before\n" +
			"charters), the code (mutu1…) carries the network name and the addresses.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "label", Usage: "for whom the invitation is (« Lycée Jean Moulin »), shown to the one who joins"},
			&cli.StringFlag{Name: "expires", Usage: "how long the code is valid: `DURATION` in days (7d) or as 36h; at most 90d (default 7d)"},
			&cli.StringSliceFlag{Name: "addr", Usage: "open networks: put `MULTIADDR` in the code instead of the node's own (e.g. a public address); repeatable"},
			jsonFlag,
		},
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the invitations this node issued: ID, state, expiry, label, the node that used it",
				ArgsUsage: " ",
				Flags:     []cli.Flag{jsonFlag},
				Action: fedAction(0, 0, "list [--json]", func(c *cli.Context, f api.Federation) error {
					invs, err := f.Invitations(c.Context)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, invs)
					}
					if len(invs) == 0 {
						fmt.Fprintln(c.App.Writer, "No invitation issued (mutu invite makes one).")
					}
					for _, inv := range invs {
						fmt.Fprintf(c.App.Writer, "%s  %-9s  expires %s  %s", inv.ID, inv.State, inv.Expires.Local().Format("2006-01-02 15:04"), term(inv.Label))
						if inv.Node != "" {
							fmt.Fprintf(c.App.Writer, "  used by %s", shortKey(inv.Node))
						}
						fmt.Fprintln(c.App.Writer)
					}
					return nil
				}),
			},
			{
				Name:        "withdraw",
				Usage:       "withdraw an invitation: its code no longer admits anyone",
				ArgsUsage:   "ID",
				Description: "A used invitation cannot be withdrawn: revoke the node instead (mutu members revoke NODE).",
				Flags:       []cli.Flag{jsonFlag},
				Action: fedAction(1, 1, "withdraw ID", func(c *cli.Context, f api.Federation) error {
					inv, err := f.WithdrawInvitation(c.Context, c.Args().First())
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, inv)
					}
					fmt.Fprintf(c.App.Writer, "Invitation %s withdrawn: its code no longer admits anyone.\n", inv.ID)
					return nil
				}),
			},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0, "[--label L] [--expires 7d]"); err != nil {
				return err
			}
			h, err := openHome(c.String("home"))
			if err != nil {
				return err
			}
			if trust.IsName(h.config.Network) {
				return openInvite(c, h)
			}
			if len(c.StringSlice("addr")) > 0 {
				return usageError{fmt.Errorf("--addr is for open networks: a closed network's code carries the node's own addresses")}
			}
			life, err := lifetime(c.String("expires"))
			if err != nil {
				return err
			}
			req := api.InviteRequest{Label: c.String("label"), Expires: api.Duration(life)}
			var inv *api.Invitation
			if client := daemonClient(c.Context, h); client != nil {
				inv, err = client.Invite(c.Context, req)
			} else {
				inv, err = inviteFromHome(c, h, req)
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, inv)
			}
			fmt.Fprintln(c.App.Writer, inv.Code)
			fmt.Fprintf(c.App.ErrWriter, "Invitation %s, valid until %s: give the code to the one you invite, who runs `mutu join CODE`.\n",
				inv.ID, inv.Expires.Local().Format("2006-01-02 15:04"))
			return nil
		},
	}
}

// lifetime reads --expires: days ("7d"), as people count an
// invitation's life, or a Go duration ("36h"); 0 when not given.
func lifetime(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, inputError{fmt.Errorf("--expires %q: give days (7d) or hours (36h), at most 90d", s)}
}

// openInvite prints a format-1 code: an open network's name and
// addresses.
func openInvite(c *cli.Context, h *home) error {
	network, addrs := h.config.Network, c.StringSlice("addr")
	if len(addrs) == 0 {
		client := daemonClient(c.Context, h)
		if client == nil {
			return networkError{fmt.Errorf("the node of %s is not running: start it with `mutu run` (the code carries its current addresses), or give --addr", h.dir)}
		}
		st, err := client.Status(c.Context)
		if err != nil {
			return networkError{err}
		}
		network, addrs = st.Network, st.Addrs
	}
	mas, err := multiaddrs("--addr", addrs)
	if err != nil {
		return err
	}
	code, err := wire.EncodeInvite(network, mas)
	if err != nil {
		return inputError{err}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, invitation{Code: code, Network: network, Addrs: addrs})
	}
	fmt.Fprintln(c.App.Writer, code)
	return nil
}

// fedAction is the action of a command about the network: through the
// running node, or the home's catalogue.
func fedAction(min, max int, usage string, fn func(*cli.Context, api.Federation) error) cli.ActionFunc {
	return sessionAction(min, max, usage, func(c *cli.Context, s *session) error {
		return fn(c, s.svc.(api.Federation))
	})
}

func joinCommand() *cli.Command {
	return &cli.Command{
		Name:      "join",
		Usage:     "join a network with an invitation code",
		ArgsUsage: "CODE",
		Description: "A closed network's code (mutu2…): asks the inviting node to admit this node, with its label,\n" +
			"académie and contact as the network's members will see them. Admitted, the home belongs to the\n" +
			"network and the next `mutu run` connects as a member; pending (the inviting node is a member, a\n" +
			"coordinator must approve), `mutu run` asks again every 30 s until admitted. The node must not be\n" +
			"running. An open network's code (mutu1…) sets the network and bootstrap peers. Creates the home if needed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "label", Usage: "this node's `LABEL` for the network (« Agence comptable du lycée Jean Moulin — bassin Lyon Est »; default: the host name)"},
			&cli.StringFlag{Name: "academie", Usage: "the académie of this node (« Lyon »)"},
			&cli.StringFlag{Name: "contact", Usage: "how the coordinators reach this node's operator (an e-mail address)"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1, "CODE [--label L --academie A --contact C]"); err != nil {
				return err
			}
			code := c.Args().First()
			inv, err := wire.DecodeInvite(code)
			if err != nil {
				return inputError{fmt.Errorf("%s; ask for a new code with `mutu invite`", inviteSentence(err))}
			}
			h, _, err := openOrInitHome(c.String("home"))
			if err != nil {
				return err
			}
			if inv.Format == 2 {
				return joinClosed(c, h, code, inv)
			}
			network, addrs := inv.Network, inv.Addrs
			if err := joinConfig(h, network, addrs); err != nil {
				return homeError{err}
			}
			if c.Bool("json") {
				inv := invitation{Network: network, Addrs: []string{}, Home: h.dir}
				for _, a := range addrs {
					inv.Addrs = append(inv.Addrs, a.String())
				}
				return printJSON(c.App.Writer, inv)
			}
			noun := "addresses"
			if len(addrs) == 1 {
				noun = "address"
			}
			fmt.Fprintf(c.App.Writer, "This home now belongs to network %q with %d bootstrap %s.\nStart (or restart) the node: mutu --home %s run\n", network, len(addrs), noun, h.dir)
			return nil
		},
	}
}

// inviteSentence says what is wrong with a code that does not read.
func inviteSentence(err error) string {
	switch {
	case errors.Is(err, wire.ErrInviteForged):
		return "the invitation code is mistyped or forged: its signature does not verify"
	case errors.Is(err, wire.ErrInviteDamaged):
		return "the invitation code is mistyped or cut"
	case errors.Is(err, wire.ErrInviteFormat):
		return "the invitation code is of a format this mutu does not know: update mutu"
	case errors.Is(err, wire.ErrInviteNotCode):
		return "this is not an invitation code (they begin with mutu1 or mutu2)"
	}
	return "the invitation code is not valid: " + joinSentence(err)
}

// joinStatus is what `mutu join --json` prints of a closed network's join.
type joinStatus struct {
	Status  string `json:"status"` // admitted or pending
	Network string `json:"network"`
	Name    string `json:"name,omitempty"`
	Home    string `json:"home"`
}

// joinClosed asks the inviting node of a format-2 code to admit this
// home's node.
func joinClosed(c *cli.Context, h *home, code string, inv wire.Invite) error {
	if h.config.Network != "" && h.config.Network != inv.Network {
		return inputError{fmt.Errorf("the invitation is for another network (%s, « %s ») than the one this home belongs to (%s); join with a new home (--home DIR)",
			inv.Network, term(inv.NetworkName), h.config.Network)}
	}
	if daemonClient(c.Context, h) != nil {
		return homeError{fmt.Errorf("the node of %s is running: stop it, join, then start it again", h.dir)}
	}
	p := pendingJoin{Code: code, Network: inv.Network, Label: c.String("label"), Academie: c.String("academie"), Contact: c.String("contact")}
	if p.Label == "" {
		p.Label = hostname()
	}
	status, records, err := node.Join(c.Context, code, h.node, p.details())
	out := joinStatus{Status: status, Network: inv.Network, Name: inv.NetworkName, Home: h.dir}
	switch {
	case errors.Is(err, node.ErrJoinPending):
		if err := writeJoinState(h.dir, p); err != nil {
			return homeError{err}
		}
		if c.Bool("json") {
			return printJSON(c.App.Writer, out)
		}
		fmt.Fprintf(c.App.Writer, "Join request sent to network « %s »: it waits for a coordinator to approve it.\n"+
			"Start the node (mutu --home %s run): it asks again every 30 s until admitted; mutu status shows \"join: pending\".\n", term(inv.NetworkName), h.dir)
		return nil
	case errors.Is(err, node.ErrJoinUnreachable):
		return networkError{fmt.Errorf("%s: it is unreachable from here, or does not hold the invitation any more; check the network, or ask for a new code", joinSentence(err))}
	case err != nil:
		return inputError{errors.New(joinSentence(err))}
	}
	cat, err := catalogue.Open(c.Context, filepath.Join(h.dir, storeDir), catalogue.Options{Network: inv.Network})
	if errors.Is(err, catalogue.ErrLocked) {
		return homeError{fmt.Errorf("another mutu process uses %s; stop it first", h.dir)}
	}
	if err != nil {
		return err
	}
	defer cat.Close()
	if err := admitted(c.Context, h, cat, inv.Network, code, records); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, out)
	}
	fmt.Fprintf(c.App.Writer, "Admitted to network « %s » (%s).\nStart the node: mutu --home %s run\n", term(inv.NetworkName), inv.Network, h.dir)
	return nil
}

// invitation is what `mutu invite --json` prints, and `mutu join
// --json` with the home it configured.
type invitation struct {
	Code    string   `json:"code,omitempty"`
	Network string   `json:"network"`
	Addrs   []string `json:"addrs"`
	Home    string   `json:"home,omitempty"`
}

// joinConfig sets the network and adds the bootstrap peers to the
// home's config file, keeping its comments and other settings.
func joinConfig(h *home, network string, addrs []ma.Multiaddr) error {
	peers := h.config.Peers
	for _, a := range addrs {
		s := a.String()
		dup := false
		for _, p := range peers {
			dup = dup || p == s
		}
		if !dup {
			peers = append(peers, s)
		}
	}
	return updateConfig(h.dir, map[string]any{"network": network, "peers": peers})
}

// inviteFromHome makes an invitation when the home's node does not run:
// it starts the node for the time of the invitation, on the listen
// addresses of the home's config, which the code carries; they must be
// the ones `mutu run` listens on afterwards (fixed ports, as the
// default 4001).
func inviteFromHome(c *cli.Context, h *home, req api.InviteRequest) (*api.Invitation, error) {
	log := slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, a := range h.config.Listen {
		if strings.Contains(a, "/tcp/0") || strings.Contains(a, "/udp/0/") {
			return nil, networkError{fmt.Errorf("the node of %s is not running, and its config listens on a port chosen at each start (%s): start it with `mutu run`, then invite", h.dir, a)}
		}
	}
	s, err := openLocal(c.Context, h, c.App.ErrWriter)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	cfg, err := nodeConfig(c, h, log)
	if err != nil {
		return nil, err
	}
	cfg.Trust, cfg.InvitationsPath, cfg.Bootstrap = s.cat, filepath.Join(h.dir, invitationsFile), nil
	n, err := node.New(cfg, s.cat, node.WithoutGossip())
	if err != nil {
		return nil, inputError{err}
	}
	if err := n.Start(c.Context); err != nil {
		return nil, networkError{fmt.Errorf("start the node to make the invitation: %w (is another program using its port?)", err)}
	}
	defer n.Close()
	inv, err := nodeInvites{n}.Invite(c.Context, req)
	if err != nil {
		return nil, err
	}
	return &inv, nil
}
