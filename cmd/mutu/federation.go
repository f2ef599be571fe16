package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/node"
	"github.com/mutu-network/mutu/node/api"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Files of a home for its network.
const (
	invitationsFile = "invitations.json" // the invitations this node issued (node.Config.InvitationsPath)
	joinFile        = "join.json"        // a join that waits for a coordinator: `mutu run` asks again
)

// joinRetry is how often `mutu run` asks again while its join waits.
const joinRetry = 30 * time.Second

// nodeKey is the home's node key as an ed25519 key: it signs the trust
// records of this node (docs/protocol.md, §4.2).
func (h *home) nodeKey() ed25519.PrivateKey {
	raw, err := h.node.Raw()
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil
	}
	return ed25519.PrivateKey(raw)
}

// hostname names this machine in the defaults of a new network.
func hostname() string {
	n, err := os.Hostname()
	if err != nil || strings.TrimSpace(n) == "" {
		return "mutu"
	}
	return n
}

// catalogueOptions are the options every command opens a home's
// catalogue with: its network, so that local writes are judged by its
// roster.
func (h *home) catalogueOptions(log *slog.Logger, progress func(done, total int)) catalogue.Options {
	return catalogue.Options{Logger: log, Progress: progress, Network: h.config.Network}
}

// foundingFlags are the flags of `mutu run` that name a new network
// and this node in it, and certify the operator's author key.
var foundingFlags = []cli.Flag{
	&cli.StringFlag{Name: "network-name", Usage: "name of the new network for people, when this run founds one (default « Réseau mutu de HOSTNAME »)"},
	&cli.StringFlag{Name: "label", Usage: "this node's `LABEL` in a network it founds (default: the host name)"},
	&cli.StringFlag{Name: "name", Usage: "your `NAME` as the certificate of your author key shows it (default: the node's label)"},
	&cli.StringFlag{Name: "function", Value: "opérateur du nœud", Usage: "your `FUNCTION` in the certificate (gestionnaire, agent comptable…)"},
	&cli.StringFlag{Name: "etablissement", Usage: "your établissement in the certificate"},
	&cli.StringFlag{Name: "uai", Usage: "the `UAI` of your établissement (7 digits and a letter, 0691234A)"},
}

// foundNetwork makes a new closed network of which this node is the
// coordinator, and records it in the home's config.
func foundNetwork(ctx context.Context, c *cli.Context, h *home, cat *catalogue.Catalogue, log *slog.Logger) error {
	label := c.String("label")
	if label == "" {
		label = hostname()
	}
	name := c.String("network-name")
	if name == "" {
		name = "Réseau mutu de " + hostname()
	}
	key := h.nodeKey()
	id, err := cat.CreateNetwork(ctx, key, trust.Charter{
		Name: name, Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(key)},
	}, trust.Admission{Label: label})
	if err != nil {
		return inputError{fmt.Errorf("found a new network: %w (choose another --network-name or --label)", err)}
	}
	if err := updateConfig(h.dir, map[string]any{"network": id}); err != nil {
		return homeError{err}
	}
	h.config.Network = id
	log.Info("founded a new closed network; invite other nodes with `mutu invite`", "network", id, "name", name)
	return nil
}

// certifyOperator gives the home's author key a certificate signed by
// this node, when the network is closed, the node active in it and the
// key not vouched for now: what the operator publishes is then kept by
// every member.
func certifyOperator(ctx context.Context, c *cli.Context, h *home, cat *catalogue.Catalogue, log *slog.Logger) error {
	r := cat.Roster()
	key := h.nodeKey()
	me := protocol.PublicKey(key)
	author := protocol.PublicKey(h.author)
	if !r.Closed() || !r.Active(me) || r.VouchEnd(author) == trust.Forever {
		return nil
	}
	name := c.String("name")
	if name == "" {
		name = hostname()
		if n, ok := r.Node(me); ok {
			name = n.Label
		}
	}
	_, err := cat.AddTrust(ctx, key, &trust.Certificate{
		Author: author, Name: name, Function: c.String("function"),
		Etablissement: c.String("etablissement"), UAI: c.String("uai"),
	})
	if err != nil {
		return inputError{fmt.Errorf("certify your author key: %w (fix --name, --function, --etablissement or --uai)", err)}
	}
	log.Info("certified the home's author key", "author", author, "name", name)
	return nil
}

// pendingJoin is a join that waits for a coordinator, saved in the
// home (join.json, 0600: the code admits whoever holds it).
type pendingJoin struct {
	Code     string `json:"code"`
	Network  string `json:"network"`
	Label    string `json:"label"`
	Academie string `json:"academie,omitempty"`
	Contact  string `json:"contact,omitempty"`
}

func readPendingJoin(dir string) (*pendingJoin, error) {
	data, err := os.ReadFile(filepath.Join(dir, joinFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, homeError{err}
	}
	var p pendingJoin
	if err := json.Unmarshal(data, &p); err != nil || p.Code == "" {
		return nil, homeError{fmt.Errorf("%s is damaged: remove it and run `mutu join CODE` again", filepath.Join(dir, joinFile))}
	}
	return &p, nil
}

func (p pendingJoin) details() node.JoinDetails {
	return node.JoinDetails{Label: p.Label, Academie: p.Academie, Contact: p.Contact}
}

// admitted stores what an admitted join brought (the charter, the
// node's admission, the members' addresses), makes the catalogue a
// node of the network and records it in the home, with the inviting
// node as a bootstrap peer.
func admitted(ctx context.Context, h *home, cat *catalogue.Catalogue, network string, code string, records []protocol.Verified) error {
	if err := cat.SetNetwork(ctx, network); err != nil {
		return err
	}
	if _, err := cat.AddVerified(ctx, records); err != nil {
		return fmt.Errorf("store the records of the admission: %w", err)
	}
	inv, err := wire.DecodeInvite(code)
	if err != nil {
		return err
	}
	if err := joinConfig(h, network, inv.Addrs); err != nil {
		return homeError{err}
	}
	h.config.Network = network
	if err := os.Remove(filepath.Join(h.dir, joinFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return homeError{err}
	}
	return nil
}

// waitAdmission asks again, every retry (joinRetry), to join with the
// saved pending join, until admitted (nil), refused (the error) or ctx
// ends.
func waitAdmission(ctx context.Context, h *home, cat *catalogue.Catalogue, p *pendingJoin, retry time.Duration, log *slog.Logger) error {
	for {
		status, records, err := node.Join(ctx, p.Code, h.node, p.details())
		switch {
		case err == nil && status == wire.JoinAdmitted:
			if err := admitted(ctx, h, cat, p.Network, p.Code, records); err != nil {
				return err
			}
			log.Info("admitted to the network", "network", p.Network)
			return nil
		case errors.Is(err, node.ErrJoinPending), errors.Is(err, node.ErrJoinUnreachable):
			log.Info("the join request waits for a coordinator of the network; asking again later", "network", p.Network, "in", retry, "answer", joinSentence(err))
		default:
			return networkError{fmt.Errorf("join: %s; remove %s to stop asking", joinSentence(err), filepath.Join(h.dir, joinFile))}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

// joinSentence is a join error as people read it.
func joinSentence(err error) string {
	s := err.Error()
	for _, p := range []string{"node: join: ", "wire: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// nodeInvites issues invitations through the running node.
type nodeInvites struct{ n *node.Node }

func (i nodeInvites) Invite(ctx context.Context, req api.InviteRequest) (api.Invitation, error) {
	lifetime := time.Duration(req.Expires)
	if lifetime < 0 || lifetime > node.MaxInviteLifetime {
		return api.Invitation{}, &api.Error{Kind: api.KindInput, Message: fmt.Sprintf("expires %v: give a lifetime above 0 and at most 90 days", lifetime)}
	}
	inv, code, err := i.n.Invite(ctx, node.InviteOptions{Label: req.Label, Lifetime: lifetime})
	if err != nil {
		return api.Invitation{}, &api.Error{Kind: api.KindInput, Message: strings.TrimPrefix(err.Error(), "node: ")}
	}
	out := apiInvitation(inv, time.Now())
	out.Code = code
	return out, nil
}

func (i nodeInvites) Invitations() ([]api.Invitation, error) {
	return fileInvites{}.list(i.n.Invitations())
}

func (i nodeInvites) Withdraw(ctx context.Context, id string) (api.Invitation, error) {
	return withdrawn(i.n.WithdrawInvitation(ctx, id))
}

// fileInvites lists and withdraws the invitations of a home whose
// node does not run.
type fileInvites struct{ path string }

func (f fileInvites) Invite(ctx context.Context, req api.InviteRequest) (api.Invitation, error) {
	return api.Invitation{}, fmt.Errorf("%w: start it with `mutu run` to make an invitation (the code carries its current addresses)", api.ErrOffline)
}

func (f fileInvites) Invitations() ([]api.Invitation, error) { return f.list(node.Invitations(f.path)) }

func (f fileInvites) list(invs []node.Invitation, err error) ([]api.Invitation, error) {
	if err != nil {
		return nil, err
	}
	out := []api.Invitation{}
	now := time.Now()
	for _, inv := range invs {
		out = append(out, apiInvitation(inv, now))
	}
	return out, nil
}

func (f fileInvites) Withdraw(ctx context.Context, id string) (api.Invitation, error) {
	return withdrawn(node.WithdrawInvitation(ctx, f.path, id))
}

func withdrawn(inv node.Invitation, err error) (api.Invitation, error) {
	switch {
	case errors.Is(err, node.ErrInvitationUnknown):
		return api.Invitation{}, &api.Error{Kind: api.KindNotFound, Message: "no such invitation: `mutu invite list` shows their IDs"}
	case errors.Is(err, node.ErrInvitationUsed):
		return api.Invitation{}, &api.Error{Kind: api.KindInput, Message: "the invitation was used already: revoke the node it admitted instead (mutu members revoke NODE)"}
	case err != nil:
		return api.Invitation{}, err
	}
	return apiInvitation(inv, time.Now()), nil
}

func apiInvitation(inv node.Invitation, now time.Time) api.Invitation {
	state := string(inv.State)
	if inv.Expired(now) {
		state = "expired"
	}
	return api.Invitation{
		ID: inv.ID, Network: inv.Network, Label: inv.Label, Created: inv.Created, Expires: inv.Expires,
		State: state, Node: inv.Node, Changed: inv.Changed,
	}
}

// writeJoinState writes join.json.
func writeJoinState(dir string, p pendingJoin) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, joinFile), append(data, '\n'), 0o600)
}

// followClosure moves the home to the closed network that closes its
// open one, when the catalogue holds such a charter and this node is
// active in its roster (docs/protocol.md, §4.9): the node then uses the
// charter's CID as its network and vouches for its own accounts'
// authors. It reports whether it moved.
func followClosure(c *cli.Context, h *home, cat *catalogue.Catalogue, log *slog.Logger) (bool, error) {
	if !trust.IsName(h.config.Network) {
		return false, nil
	}
	records := cat.TrustRecords()
	me := protocol.PublicKey(h.nodeKey())
	for _, rec := range records {
		ch, ok := rec.Body.(*trust.Charter)
		if !ok || ch.Closes != h.config.Network {
			continue
		}
		id := rec.CID.String()
		if !trust.Fold(id, records).Active(me) {
			continue
		}
		if err := cat.SetNetwork(c.Context, id); err != nil {
			return false, err
		}
		if err := updateConfig(h.dir, map[string]any{"network": id}); err != nil {
			return false, homeError{err}
		}
		old := h.config.Network
		h.config.Network = id
		log.Info("the open network was closed, and this node admitted: it moves to the closed network", "closes", old, "network", id, "name", ch.Name)
		return true, certifyHome(c, h, cat)
	}
	return false, nil
}
