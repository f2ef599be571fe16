package node

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/protocol/wire"
)

// Config is what a node is made of. The zero value of every field but
// PrivKey (required unless WithHost is given) selects its default:
//
//   - PrivKey: none; the caller loads the node key (ed25519) from the
//     home. Required unless WithHost is given.
//   - ListenAddrs: TCP and QUIC on port 4001 of every interface, IPv4
//     and IPv6 (where the system has no IPv6, IPv4 alone).
//   - Network: "mutu". Nodes only talk to nodes of the same network.
//   - Trust: none; the network is open to any node that knows it (as
//     a network named before charters is).
//   - InvitationsPath: "", the node issues no invitations and answers
//     every join request "unknown".
//   - Bootstrap: none. Full multiaddrs ending in /p2p/<peer ID>.
//   - PeerStorePath: "", known peers are not remembered across restarts.
//   - BulkCursorPath: "", a bulk transfer cut by a restart starts again
//     from the beginning (within one run it still resumes).
//   - LAN: false; mDNS sends multicast on every interface.
//   - UPnP: false; port mapping talks to the gateway.
//   - AttachmentAutoFetchLimit: 10 MiB per entry; negative disables
//     automatic fetching (FetchBlocks still works).
//   - SyncInterval: 1 minute.
//   - Logger: slog.Default().
type Config struct {
	// PrivKey is the node's libp2p identity, an ed25519 key.
	PrivKey crypto.PrivKey
	// ListenAddrs are the addresses the host listens on.
	ListenAddrs []ma.Multiaddr
	// Network is the network's identifier (docs/protocol.md §4.1): the
	// CID of its charter in text, or the name of a network made before
	// charters (lowercase letters, digits and '-', at most 32
	// characters).
	Network string
	// Trust gives the roster of the network (package catalogue's
	// *Catalogue implements it). When its roster is closed, the node
	// connects only with the network's active nodes (closed.go), keeps
	// connections to them and publishes its addresses (members.go), and
	// answers join requests (join.go). Its roster's network must be
	// Network.
	Trust Trust
	// InvitationsPath is a file in the home holding the invitations the
	// node issued (JSON, rewritten atomically under a lock; never their
	// secrets): see invite.go.
	InvitationsPath string
	// Bootstrap are peers dialled at start and redialled with backoff
	// while they are unreachable.
	Bootstrap []ma.Multiaddr
	// PeerStorePath is a file in the home where the addresses of known
	// peers are saved (JSON, rewritten atomically) and reloaded at start.
	PeerStorePath string
	// BulkCursorPath is a file in the home where the position of an
	// unfinished bulk transfer is saved, so that a node stopped halfway
	// resumes where it stopped.
	BulkCursorPath string
	// LAN enables mDNS discovery of peers on the local network.
	LAN bool
	// UPnP enables NAT port mapping.
	UPnP bool
	// AttachmentAutoFetchLimit is the largest total attachment size of
	// one entry whose blocks are fetched without being asked for.
	AttachmentAutoFetchLimit int64
	// SyncInterval is the period of reconciliation with every
	// connected peer. (Known peers are redialled on their own backoff,
	// from 5 seconds to 10 minutes.)
	SyncInterval time.Duration
	// Logger receives the node's log records.
	Logger *slog.Logger
}

// Defaults for Config fields and fixed operating limits.
const (
	DefaultNetwork                  = "mutu"
	DefaultAttachmentAutoFetchLimit = 10 << 20
	DefaultSyncInterval             = time.Minute

	connLow   = 64 // connection manager: trim down to this many connections
	connHigh  = 128
	connGrace = time.Minute
)

// DefaultListenAddrs returns the listen addresses used when
// Config.ListenAddrs is empty.
func DefaultListenAddrs() []ma.Multiaddr {
	return []ma.Multiaddr{
		ma.StringCast("/ip4/0.0.0.0/tcp/4001"),
		ma.StringCast("/ip4/0.0.0.0/udp/4001/quic-v1"),
		ma.StringCast("/ip6/::/tcp/4001"),
		ma.StringCast("/ip6/::/udp/4001/quic-v1"),
	}
}

// withDefaults returns c with its defaults filled in, or an error
// naming the field that is wrong.
func (c Config) withDefaults(hostGiven bool) (Config, error) {
	if c.Network == "" {
		c.Network = DefaultNetwork
	}
	if err := wire.CheckNetworkID(c.Network); err != nil {
		return c, fmt.Errorf("node: %w", err)
	}
	if c.Trust != nil {
		if got := c.Trust.Roster().Network(); got != c.Network {
			return c, fmt.Errorf("node: Config.Trust holds the roster of network %q, but Config.Network is %q", got, c.Network)
		}
	}
	if len(c.ListenAddrs) == 0 {
		c.ListenAddrs = DefaultListenAddrs()
	}
	if c.PrivKey == nil && !hostGiven {
		return c, errors.New("node: Config.PrivKey is required (load the node key from the home)")
	}
	if c.PrivKey != nil && c.PrivKey.Type() != crypto.Ed25519 {
		return c, fmt.Errorf("node: node key is %s, want an ed25519 key", c.PrivKey.Type())
	}
	if c.AttachmentAutoFetchLimit == 0 {
		c.AttachmentAutoFetchLimit = DefaultAttachmentAutoFetchLimit
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.SyncInterval < 0 {
		return c, fmt.Errorf("node: SyncInterval %v is negative", c.SyncInterval)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	for _, a := range c.Bootstrap {
		if _, err := addrInfo(a); err != nil {
			return c, fmt.Errorf("node: bootstrap address: %w", err)
		}
	}
	return c, nil
}

// Option changes how New builds a node. Options refuse settings that
// conflict with each other or with the Config.
type Option func(*options) error

type options struct {
	host        host.Host
	noGossip    bool
	allowlist   []ma.Multiaddr
	bulkMinDiff int
	// now is the node's clock for invitations' expiry and the
	// once-a-minute log of refused peers; time.Now when nil (tests set
	// it).
	now func() time.Time
}

// WithHost makes the node use h (for example a mocknet host in tests)
// instead of building its own. The node registers its protocols on h
// and removes them on Close, but does not close h: its creator does.
// Config.ListenAddrs, UPnP and the resource manager allow-list do not
// apply to a given host.
func WithHost(h host.Host) Option {
	return func(o *options) error {
		if h == nil {
			return errors.New("node: WithHost: nil host")
		}
		if o.host != nil {
			return errors.New("node: cannot specify more than one host")
		}
		if len(o.allowlist) > 0 {
			return errors.New("node: WithHost conflicts with WithAllowlist: the resource manager belongs to the given host")
		}
		o.host = h
		return nil
	}
}

// WithoutGossip disables live propagation: the node neither joins the
// gossip topic nor publishes on it, and relies on sync alone.
func WithoutGossip() Option {
	return func(o *options) error {
		o.noGossip = true
		return nil
	}
}

// WithAllowlist exempts connections from these addresses or networks
// (for example /ip4/192.0.2.10 or /ip4/192.0.2.0/ipcidr/24) from the
// resource manager's per-IP limits: nodes behind one shared gateway
// all appear with the same address.
func WithAllowlist(addrs ...ma.Multiaddr) Option {
	return func(o *options) error {
		if o.host != nil {
			return errors.New("node: WithAllowlist conflicts with WithHost: the resource manager belongs to the given host")
		}
		o.allowlist = append(o.allowlist, addrs...)
		return nil
	}
}

// WithBulkThreshold sets how many revisions a node must lack, at least,
// before it catches up with a bulk transfer instead of reconciliation
// (it must also hold less than half of what the peer holds). The
// default is 512; 0 makes any such lag use bulk.
func WithBulkThreshold(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return fmt.Errorf("node: WithBulkThreshold(%d): negative", n)
		}
		o.bulkMinDiff = n
		return nil
	}
}
