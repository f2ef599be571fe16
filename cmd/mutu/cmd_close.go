package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/web"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

func networkCloseCommand() *cli.Command {
	return &cli.Command{
		Name:      "close",
		Usage:     "close this open network: only the nodes named (by default every node this one knows) stay in it",
		ArgsUsage: " ",
		Description: "On a node of an open network (a name, made before charters), writes a charter that closes it,\n" +
			"with this node as coordinator, admits the nodes it knows (peers.json) or those --member names,\n" +
			"and certifies the author keys of this home and of its web accounts (docs/protocol.md §4.9).\n" +
			"The nodes admitted move to the closed network when they receive the charter; the others stay\n" +
			"in the open one. Every revision held is kept. The node must be stopped; restart it afterwards.",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "member", Usage: "admit the node of `PEERID[=LABEL]` (12D3KooW…, as mutu peers shows it; the label defaults to « nœud » and its short key); repeatable; default: every peer in peers.json"},
			jsonFlag,
		}, foundingFlags...),
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0, "[--network-name N] [--label L] [--member PEERID]..."); err != nil {
				return err
			}
			h, err := openHome(c.String("home"))
			if err != nil {
				return err
			}
			if !trust.IsName(h.config.Network) {
				return inputError{fmt.Errorf("the network of %s is not an open network made before charters (it is %q): there is nothing to close", h.dir, h.config.Network)}
			}
			if daemonClient(c.Context, h) != nil {
				return homeError{fmt.Errorf("the node of %s is running: stop it, close the network, then start it again", h.dir)}
			}
			ids := c.StringSlice("member")
			if len(ids) == 0 {
				if ids, err = knownPeerIDs(h.dir); err != nil {
					return err
				}
			}
			me := protocol.PublicKey(h.nodeKey())
			var members []trust.Admission
			for _, s := range ids {
				id, label, _ := strings.Cut(s, "=")
				k, err := peerKey(id)
				if err != nil {
					return inputError{fmt.Errorf("--member %q: %w", s, err)}
				}
				if label == "" {
					label = "nœud " + k.Short()
				}
				if k != me {
					members = append(members, trust.Admission{Node: k, Role: trust.RoleMember, Label: label})
				}
			}
			s, err := openLocal(c.Context, h, c.App.ErrWriter)
			if err != nil {
				return err
			}
			defer s.Close()
			cat := s.cat
			label := c.String("label")
			if label == "" {
				label = hostname()
			}
			name := c.String("network-name")
			if name == "" {
				name = "Réseau mutu de " + hostname()
			}
			old := h.config.Network
			id, err := cat.CreateNetwork(c.Context, h.nodeKey(), trust.Charter{
				Name: name, Policy: trust.PolicyClosed, Coordinators: []trust.Key{me}, Closes: old,
			}, trust.Admission{Label: label})
			if err != nil {
				return inputError{fmt.Errorf("close the network: %w", err)}
			}
			for _, a := range members {
				if _, err := cat.AddTrust(c.Context, h.nodeKey(), &a); err != nil {
					return inputError{fmt.Errorf("admit %s: %w", a.Label, err)}
				}
			}
			if err := certifyHome(c, h, cat); err != nil {
				return err
			}
			if err := updateConfig(h.dir, map[string]any{"network": id}); err != nil {
				return homeError{err}
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, map[string]any{"network": id, "closes": old, "admitted": len(members)})
			}
			fmt.Fprintf(c.App.Writer, "Network %q is closed: this home now belongs to « %s » (%s), with %d other node(s) admitted.\n"+
				"Start the node again; the nodes admitted follow when they receive the charter.\n", old, name, id, len(members))
			return nil
		},
	}
}

// certifyHome certifies the author keys of the home and of its web
// accounts, as the first run of a closed network does.
func certifyHome(c *cli.Context, h *home, cat *catalogue.Catalogue) error {
	if err := certifyOperator(c.Context, c, h, cat, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	accounts, err := web.ListAccounts(filepath.Join(h.dir, web.UsersFile))
	if err != nil {
		return homeError{err}
	}
	r := cat.Roster()
	for _, a := range accounts {
		if r.VouchEnd(a.Author) == trust.Forever {
			continue
		}
		if _, err := cat.AddTrust(c.Context, h.nodeKey(), &trust.Certificate{Author: a.Author, Name: a.Name, Function: "gestionnaire"}); err != nil {
			return fmt.Errorf("certify the account %q: %w", a.Name, err)
		}
	}
	return nil
}

// knownPeerIDs reads the peer IDs of peers.json.
func knownPeerIDs(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "peers.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, homeError{err}
	}
	var f struct {
		Peers []struct {
			ID string `json:"id"`
		} `json:"peers"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, homeError{fmt.Errorf("%s is damaged: %w; name the members with --member", filepath.Join(dir, "peers.json"), err)}
	}
	var out []string
	for _, p := range f.Peers {
		out = append(out, p.ID)
	}
	return out, nil
}

// peerKey is the node key of a peer ID.
func peerKey(s string) (trust.Key, error) {
	id, err := peer.Decode(s)
	if err != nil {
		return trust.Key{}, fmt.Errorf("not a peer ID: %w", err)
	}
	pub, err := id.ExtractPublicKey()
	if err != nil || pub.Type() != crypto.Ed25519 {
		return trust.Key{}, errors.New("the peer ID holds no ed25519 key")
	}
	raw, err := pub.Raw()
	if err != nil || len(raw) != len(trust.Key{}) {
		return trust.Key{}, errors.New("the peer ID holds no ed25519 key")
	}
	return trust.Key(raw), nil
}
