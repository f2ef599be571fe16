package main

import (
	"fmt"

	ma "github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/protocol/wire"
)

func inviteCommand() *cli.Command {
	return &cli.Command{
		Name:      "invite",
		Usage:     "print an invitation code for another node to join this network",
		ArgsUsage: " ",
		Description: "The code carries the network name and this node's addresses; give it to the other\n" +
			"bassin's coordinator, who runs `mutu join CODE`. The node must be running.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "addr", Usage: "put `MULTIADDR` in the code instead of the node's own (e.g. a public address); repeatable"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0, "[--addr MULTIADDR]"); err != nil {
				return err
			}
			h, err := openHome(c.String("home"))
			if err != nil {
				return err
			}
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
		},
	}
}

func joinCommand() *cli.Command {
	return &cli.Command{
		Name:        "join",
		Usage:       "configure this home from an invitation code (network and bootstrap peers)",
		ArgsUsage:   "CODE",
		Description: "Creates the home if needed. Restart `mutu run` for the change to take effect.",
		Flags:       []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1, "CODE"); err != nil {
				return err
			}
			inv, err := wire.DecodeInvite(c.Args().First())
			if err != nil {
				return inputError{fmt.Errorf("%w; ask for a new code with `mutu invite`", err)}
			}
			network, addrs := inv.Network, inv.Addrs
			h, _, err := openOrInitHome(c.String("home"))
			if err != nil {
				return err
			}
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
