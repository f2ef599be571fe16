package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/node/api"
)

func membersCommand() *cli.Command {
	return &cli.Command{
		Name:      "members",
		Usage:     "list the nodes of this closed network and the join requests that wait",
		ArgsUsage: " ",
		Description: "For each node: its label, académie, role, the coordinator that admitted it, since when, when it\n" +
			"last published its addresses, and whether it was revoked. NODE, for approve and revoke, is the\n" +
			"node's key as --json prints it (ed25519:…).",
		Flags: []cli.Flag{jsonFlag},
		Subcommands: []*cli.Command{
			{
				Name:        "approve",
				Usage:       "admit the node of a waiting join request (coordinators)",
				ArgsUsage:   "NODE",
				Description: "The node is admitted with the label, académie and contact of its request; its `mutu run` connects.",
				Flags:       []cli.Flag{jsonFlag},
				Action: fedAction(1, 1, "approve NODE", func(c *cli.Context, f api.Federation) error {
					m, err := f.Approve(c.Context, c.Args().First())
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, m)
					}
					fmt.Fprintf(c.App.Writer, "Admitted %s (%s).\n", term(m.Label), m.Node)
					return nil
				}),
			},
			{
				Name:      "revoke",
				Usage:     "revoke a node: every member disconnects it, and the authors it certified are no longer vouched for (coordinators)",
				ArgsUsage: "NODE",
				Description: "What the authors it certified published after the revocation is withdrawn on every node,\n" +
					"unless another member certifies them. An admission undoes it (mutu invite, then approve).",
				Flags: []cli.Flag{jsonFlag, &cli.StringFlag{Name: "reason", Usage: "why, for the other coordinators (at most 500 characters)"}},
				Action: fedAction(1, 1, "revoke NODE [--reason R]", func(c *cli.Context, f api.Federation) error {
					m, err := f.Revoke(c.Context, c.Args().First(), c.String("reason"))
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(c.App.Writer, m)
					}
					fmt.Fprintf(c.App.Writer, "Revoked %s (%s).\n", term(m.Label), m.Node)
					return nil
				}),
			},
		},
		Action: fedAction(0, 0, "[--json]", func(c *cli.Context, f api.Federation) error {
			ms, err := f.Members(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, ms)
			}
			w := c.App.Writer
			if !ms.Closed {
				fmt.Fprintf(w, "Network %s is open: any node that knows it connects; it has no members to list.\n", term(ms.Network))
				return nil
			}
			labels := map[string]string{}
			for _, m := range ms.Members {
				labels[m.Node] = m.Label
			}
			for _, m := range ms.Members {
				state := m.Role
				if m.Revoked {
					state = "revoked " + day(m.RevokedAt)
					if m.Reason != "" {
						state += " (" + m.Reason + ")"
					}
				}
				fmt.Fprintf(w, "%s  %s", shortKey(m.Node), term(m.Label))
				if m.Academie != "" {
					fmt.Fprintf(w, ", %s", term(m.Academie))
				}
				fmt.Fprintf(w, "  %s  admitted by %s on %s", term(state), term(nameOr(labels, m.AdmittedBy)), day(m.Since))
				if m.LastSeen != "" {
					fmt.Fprintf(w, "  last seen %s", day(m.LastSeen))
				}
				fmt.Fprintln(w)
			}
			if len(ms.Pending) > 0 {
				fmt.Fprintln(w, "\nWaiting for a coordinator (mutu members approve NODE):")
			}
			for _, p := range ms.Pending {
				fmt.Fprintf(w, "%s  %s", p.Node, term(p.Label))
				if p.Academie != "" {
					fmt.Fprintf(w, ", %s", term(p.Academie))
				}
				fmt.Fprintf(w, "  via %s on %s\n", term(nameOr(labels, p.Via)), day(p.At))
			}
			return nil
		}),
	}
}

// nameOr is the label of node k, or its short key.
func nameOr(labels map[string]string, k string) string {
	if l := labels[k]; l != "" {
		return l
	}
	return shortKey(k)
}

// day is the date of an RFC 3339 time.
func day(t string) string {
	d, _, _ := strings.Cut(t, "T")
	return d
}

func networkCommand() *cli.Command {
	return &cli.Command{
		Name:        "network",
		Usage:       "show the network this node belongs to: its charter (name, policy, coordinators, CID)",
		ArgsUsage:   " ",
		Flags:       []cli.Flag{jsonFlag},
		Subcommands: []*cli.Command{networkCloseCommand()},
		Action: fedAction(0, 0, "[--json]", func(c *cli.Context, f api.Federation) error {
			n, err := f.Network(c.Context)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, n)
			}
			w := c.App.Writer
			if n.Since == "" {
				fmt.Fprintf(w, "Network: %s (open: made before charters; any node that knows it connects)\n", term(n.ID))
				return nil
			}
			fmt.Fprintf(w, "Network: %s\nID: %s\nPolicy: %s\nSince: %s\n", term(n.Name), n.ID, n.Policy, n.Since)
			if n.Closes != "" {
				fmt.Fprintf(w, "Closes: %s\n", term(n.Closes))
			}
			for _, k := range n.Coordinators {
				fmt.Fprintf(w, "Coordinator: %s\n", k)
			}
			role := n.Role
			if role == "" {
				role = "not a member"
			}
			fmt.Fprintf(w, "This node: %s (%s)\n", n.Node, role)
			return nil
		}),
	}
}
