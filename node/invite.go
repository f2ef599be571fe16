package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/catalogue/lockfile"
	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
	"github.com/mutu-network/mutu/protocol/wire"
)

// Invitations (docs/protocol.md, Part 4 §4.7). A node of a closed
// network invites another with a format-2 code that it signs with its
// node key: the code carries a random secret, and the secret determines
// a join identity (wire.JoinIdentity) with which the joining node dials.
// The inviting node keeps, in Config.InvitationsPath, what it needs to
// recognise the join identity and answer it: the invitation's ID, the
// join identity's peer ID, its network, expiry, label and state
// (pending, used by a node key, withdrawn). Never the secret: the file
// lets no one join.
//
// The file is JSON, rewritten whole (atomicfile) under a lock beside it
// (lockfile, "<file>.lock"), so that the running node (which marks an
// invitation used) and the command line (which may withdraw one while
// no node runs) each start from the other's last write. The node
// reloads it when it changes on disk.

// Invitation limits and defaults.
const (
	DefaultInviteLifetime = 7 * 24 * time.Hour
	MaxInviteLifetime     = 90 * 24 * time.Hour
	// MaxInvitations bounds the invitations a file holds; invitations
	// whose expiry is more than MaxInviteLifetime past are dropped to
	// make room.
	MaxInvitations = 1000
	// maxInvitationsFile bounds the file read: MaxInvitations entries
	// at their limits fit in well under it.
	maxInvitationsFile = 4 << 20
	// invitationsLockWait is how long a writer of the file waits for
	// another one.
	invitationsLockWait = 5 * time.Second
)

// InvitationState is where an invitation stands.
type InvitationState string

const (
	InvitationPending   InvitationState = "pending"   // not used yet (it may have expired: see Invitation.Expired)
	InvitationUsed      InvitationState = "used"      // a node key answered it (Invitation.Node)
	InvitationWithdrawn InvitationState = "withdrawn" // its maker withdrew it
)

// Invitation is what the inviting node keeps of an invitation it
// issued: never its secret.
type Invitation struct {
	ID       string          `json:"id"`        // 16 hex digits
	JoinPeer peer.ID         `json:"join_peer"` // the peer ID of its join identity
	Network  string          `json:"network"`   // the network it invites into
	Label    string          `json:"label,omitempty"`
	Created  time.Time       `json:"created"`
	Expires  time.Time       `json:"expires"` // valid up to and including this second
	State    InvitationState `json:"state"`
	// Node is the node key that used it (State used), in text.
	Node string `json:"node,omitempty"`
	// Changed is when it was used or withdrawn.
	Changed time.Time `json:"changed,omitzero"`
}

// Expired reports whether a pending invitation is past its expiry at
// now.
func (inv Invitation) Expired(now time.Time) bool {
	return inv.State == InvitationPending && now.After(inv.Expires)
}

// invitationsFile is the JSON form of the file.
type invitationsFile struct {
	Version     int          `json:"version"`
	Invitations []Invitation `json:"invitations"`
}

// Errors of the invitation functions.
var (
	ErrInvitationUnknown = errors.New("node: no such invitation")
	ErrInvitationUsed    = errors.New("node: invitation used already")
)

// InviteOptions are the choices of the one who invites.
type InviteOptions struct {
	// Label says for whom the invitation is (« Lycée Jean Moulin »): at
	// most 200 characters, carried by the code and kept in the file.
	Label string
	// Lifetime is how long the code is valid: DefaultInviteLifetime
	// when 0, at most MaxInviteLifetime.
	Lifetime time.Duration
}

// Invite issues an invitation into the node's network and returns it
// with its code: a format-2 code signed with the node key, carrying
// the node's public listen addresses (with /p2p/), the network and its
// name for people, the expiry, the label and a new secret. The node
// must be an active node of a closed network, and Config.InvitationsPath
// set. A coordinator's invitation admits the node that answers it; a
// member's makes a join request that a coordinator approves.
func (n *Node) Invite(ctx context.Context, o InviteOptions) (Invitation, string, error) {
	h, err := n.running()
	if err != nil {
		return Invitation{}, "", err
	}
	if n.acc.invites == nil {
		return Invitation{}, "", errors.New("node: invite: no invitations file (Config.InvitationsPath) to keep invitations in")
	}
	r := n.acc.roster()
	if r == nil {
		return Invitation{}, "", fmt.Errorf("node: invite: network %s is not closed: any node that knows it may join", n.cfg.Network)
	}
	key, err := n.signingKey()
	if err != nil {
		return Invitation{}, "", err
	}
	if !r.Active(protocol.PublicKey(key)) {
		return Invitation{}, "", fmt.Errorf("node: invite: this node is not an active node of network %s", n.cfg.Network)
	}
	lifetime := o.Lifetime
	if lifetime == 0 {
		lifetime = DefaultInviteLifetime
	}
	if lifetime < time.Second || lifetime > MaxInviteLifetime {
		return Invitation{}, "", fmt.Errorf("node: invite: lifetime %v: choose between 1 second and %v (default %v)", lifetime, MaxInviteLifetime, DefaultInviteLifetime)
	}
	addrs := publicAddrs(h.Addrs(), wire.MaxInviteAddrs)
	if len(addrs) == 0 {
		return Invitation{}, "", errors.New("node: invite: the node listens on no address to put in the code")
	}
	full, err := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: h.ID(), Addrs: addrs})
	if err != nil {
		return Invitation{}, "", fmt.Errorf("node: invite: %w", err)
	}
	now := n.now().Truncate(time.Second)
	inv := wire.Invite2{Addrs: full, Expiry: now.Add(lifetime), Label: o.Label, Network: n.cfg.Network}
	if ch, ok := r.Charter(); ok {
		if c, ok := ch.Body.(*trust.Charter); ok {
			inv.NetworkName = c.Name
		}
	}
	if _, err := io.ReadFull(rand.Reader, inv.ID[:]); err != nil {
		return Invitation{}, "", fmt.Errorf("node: invite: %w", err)
	}
	if _, err := io.ReadFull(rand.Reader, inv.Secret[:]); err != nil {
		return Invitation{}, "", fmt.Errorf("node: invite: %w", err)
	}
	code, err := wire.EncodeInvite2(inv, key)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("node: invite: %w", err)
	}
	joinPeer, err := joinPeerID(inv.Secret)
	if err != nil {
		return Invitation{}, "", err
	}
	rec := Invitation{
		ID: inv.IDText(), JoinPeer: joinPeer, Network: n.cfg.Network, Label: o.Label,
		Created: now, Expires: inv.Expiry, State: InvitationPending,
	}
	err = n.acc.invites.update(ctx, func(f *invitationsFile) error {
		f.prune(now)
		if len(f.Invitations) >= MaxInvitations {
			return fmt.Errorf("node: invite: %s holds %d invitations, the most it keeps: withdraw unused ones (mutu invite withdraw)", n.acc.invites.path, len(f.Invitations))
		}
		f.Invitations = append(f.Invitations, rec)
		return nil
	})
	if err != nil {
		return Invitation{}, "", err
	}
	n.log.Info("invitation issued", "id", rec.ID, "label", rec.Label, "expires", rec.Expires)
	return rec, code, nil
}

// joinPeerID returns the peer ID of the join identity of a secret.
func joinPeerID(secret [wire.InviteSecretLen]byte) (peer.ID, error) {
	priv, err := crypto.UnmarshalEd25519PrivateKey(wire.JoinIdentity(secret))
	if err != nil {
		return "", fmt.Errorf("node: join identity: %w", err)
	}
	return peer.IDFromPrivateKey(priv)
}

// Invitations lists the invitations the node issued, oldest first.
func (n *Node) Invitations() ([]Invitation, error) {
	return Invitations(n.cfg.InvitationsPath)
}

// WithdrawInvitation withdraws an invitation the node issued; see the
// function of the same name.
func (n *Node) WithdrawInvitation(ctx context.Context, id string) (Invitation, error) {
	if n.acc.invites == nil {
		return Invitation{}, errors.New("node: withdraw invitation: no invitations file")
	}
	return n.acc.invites.withdraw(ctx, id)
}

// Invitations reads the invitations file at path (a node's
// Config.InvitationsPath), oldest first; none when it does not exist.
func Invitations(path string) ([]Invitation, error) {
	f, err := readInvitations(path)
	if err != nil {
		return nil, err
	}
	return f.Invitations, nil
}

// WithdrawInvitation withdraws the invitation id of the file at path:
// its code no longer admits anyone (its join identity is answered
// "withdrawn"). Withdrawing one withdrawn already changes nothing; a
// used one cannot be withdrawn (ErrInvitationUsed: revoke the node
// instead), an unknown one is ErrInvitationUnknown.
func WithdrawInvitation(ctx context.Context, path, id string) (Invitation, error) {
	if path == "" {
		return Invitation{}, errors.New("node: withdraw invitation: no invitations file")
	}
	return newInvitations(path).withdraw(ctx, id)
}

func (iv *invitations) withdraw(ctx context.Context, id string) (Invitation, error) {
	path := iv.path
	var out Invitation
	err := iv.update(ctx, func(f *invitationsFile) error {
		i := f.find(id)
		if i < 0 {
			return fmt.Errorf("%w %q in %s (mutu invite list shows them)", ErrInvitationUnknown, id, path)
		}
		e := &f.Invitations[i]
		switch e.State {
		case InvitationUsed:
			return fmt.Errorf("%w: invitation %s admitted node %s; revoke that node instead (mutu members revoke)", ErrInvitationUsed, id, e.Node)
		case InvitationPending:
			e.State, e.Changed = InvitationWithdrawn, time.Now().UTC().Truncate(time.Second)
		}
		out = *e
		return nil
	})
	return out, err
}

// find returns the index of invitation id, -1 if none.
func (f *invitationsFile) find(id string) int {
	return slices.IndexFunc(f.Invitations, func(inv Invitation) bool { return inv.ID == id })
}

// prune drops the invitations whose expiry is more than
// MaxInviteLifetime past: no one asks about those any more.
func (f *invitationsFile) prune(now time.Time) {
	f.Invitations = slices.DeleteFunc(f.Invitations, func(inv Invitation) bool {
		return now.Sub(inv.Expires) > MaxInviteLifetime
	})
}

// readInvitations reads the file at path; an absent file holds none.
func readInvitations(path string) (*invitationsFile, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &invitationsFile{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("node: invitations: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxInvitationsFile+1))
	if err != nil {
		return nil, fmt.Errorf("node: invitations: read %s: %w", path, err)
	}
	if len(data) > maxInvitationsFile {
		return nil, fmt.Errorf("node: invitations: %s is over %d bytes: it is not a file mutu wrote; move it away", path, maxInvitationsFile)
	}
	var f invitationsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("node: invitations: %s: %w (restore it from a backup, or move it away: its invitations will be answered \"unknown\")", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("node: invitations: %s: version %d, want 1 (written by a newer mutu?)", path, f.Version)
	}
	return &f, nil
}

// invitations is the node's view of its invitations file: who its join
// identities are, reloaded when the file changes. It is safe for
// concurrent use.
type invitations struct {
	path string
	// write serialises the node's updates (the file lock keeps other
	// processes out); it is held while waiting for the file lock, so
	// readers of the cache never take it.
	write  sync.Mutex
	mu     sync.Mutex  // guards stat, loaded, byPeer
	stat   os.FileInfo // of the file last loaded; nil: absent or not loaded
	loaded bool
	byPeer map[peer.ID]Invitation
}

func newInvitations(path string) *invitations {
	return &invitations{path: path}
}

// current returns the invitations by join peer, reloading the file if
// it changed since it was read. A file that does not read keeps what
// was loaded before.
func (iv *invitations) current() map[peer.ID]Invitation {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	iv.refreshLocked()
	return iv.byPeer
}

// get returns the invitation id as the file holds it now.
func (iv *invitations) get(id string) (Invitation, bool) {
	for _, inv := range iv.current() {
		if inv.ID == id {
			return inv, true
		}
	}
	return Invitation{}, false
}

// refreshLocked reloads the file if it changed; iv.mu is held.
func (iv *invitations) refreshLocked() {
	st, err := os.Stat(iv.path)
	if err != nil {
		st = nil
	}
	if iv.loaded && sameStat(iv.stat, st) {
		return
	}
	f, err := readInvitations(iv.path)
	if err != nil {
		return
	}
	iv.setLocked(f, st)
}

func (iv *invitations) setLocked(f *invitationsFile, st os.FileInfo) {
	m := make(map[peer.ID]Invitation, len(f.Invitations))
	for _, inv := range f.Invitations {
		m[inv.JoinPeer] = inv
	}
	iv.byPeer, iv.stat, iv.loaded = m, st, true
}

func sameStat(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// holdsPeer reports whether p is the join identity of an invitation in
// the file, whatever its state: the joining node is told why it may not
// join.
func (iv *invitations) holdsPeer(p peer.ID) bool {
	_, ok := iv.current()[p]
	return ok
}

// errUnchanged, returned by the function given to update, leaves the
// file as it is without an error.
var errUnchanged = errors.New("unchanged")

// update applies fn to the file under its lock and writes the result
// atomically (mode 0600); fn returning an error changes nothing.
func (iv *invitations) update(ctx context.Context, fn func(*invitationsFile) error) error {
	iv.write.Lock()
	defer iv.write.Unlock()
	ctx, cancel := context.WithTimeout(ctx, invitationsLockWait)
	defer cancel()
	l, err := lockfile.Lock(ctx, iv.path+".lock")
	if errors.Is(err, lockfile.ErrLocked) {
		return fmt.Errorf("node: invitations file %s is locked by another mutu process for more than %v; try again", iv.path, invitationsLockWait)
	}
	if err != nil {
		return fmt.Errorf("node: lock invitations: %w", err)
	}
	defer l.Unlock()
	f, err := readInvitations(iv.path)
	if err != nil {
		return err
	}
	if err := fn(f); errors.Is(err, errUnchanged) {
		return nil
	} else if err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("node: encode invitations: %w", err)
	}
	if err := atomicfile.Write(iv.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("node: invitations: %w", err)
	}
	st, err := os.Stat(iv.path)
	if err != nil {
		st = nil
	}
	iv.mu.Lock()
	iv.setLocked(f, st)
	iv.mu.Unlock()
	return nil
}

// idText returns an invitation ID in text.
func idText(id []byte) string { return hex.EncodeToString(id) }
