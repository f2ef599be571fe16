package node

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// newHost builds the node's libp2p host: its persistent identity, TCP
// and QUIC, the default security (TLS, Noise) and muxer (yamux), a
// connection manager, the resource manager with its allow-list (which
// lets join identities open join streams only), and the connection
// gater that refuses banned peers and, in a closed network,
// non-members (closed.go). Relay is off: mutu nodes
// are reached directly or not at all.
func newHost(cfg Config, o options, pen *penalties, acc *access) (host.Host, error) {
	if err := checkPortsFree(cfg.ListenAddrs); err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(connLow, connHigh, connmgr.WithGracePeriod(connGrace))
	if err != nil {
		return nil, fmt.Errorf("node: connection manager: %w", err)
	}
	rm, err := rcmgr.NewResourceManager(
		rcmgr.NewFixedLimiter(rcmgr.DefaultLimits.AutoScale()),
		rcmgr.WithAllowlistedMultiaddrs(o.allowlist),
		rcmgr.WithMetricsDisabled(),
	)
	if err != nil {
		_ = cm.Close()
		return nil, fmt.Errorf("node: resource manager: %w", err)
	}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.PrivKey),
		libp2p.ListenAddrs(cfg.ListenAddrs...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.DefaultSecurity,
		libp2p.DefaultMuxers,
		libp2p.ConnectionManager(cm),
		libp2p.ResourceManager(joinOnlyManager{rm, acc}),
		libp2p.ConnectionGater(gater{pen, acc}),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.UserAgent("mutu"),
	}
	if cfg.UPnP {
		opts = append(opts, libp2p.NATPortMap())
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		_ = rm.Close()
		_ = cm.Close()
		return nil, fmt.Errorf("node: start libp2p host on %v: %w", cfg.ListenAddrs, err)
	}
	return h, nil
}

// addrInfo splits a full multiaddr (ending in /p2p/<ID>) into the peer
// and its address.
func addrInfo(a ma.Multiaddr) (peer.AddrInfo, error) {
	ai, err := peer.AddrInfoFromP2pAddr(a)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("%s: want a full address ending in /p2p/<peer ID>: %w", a, err)
	}
	return *ai, nil
}

// fullAddrs returns the addresses of h with its /p2p/ID appended.
func fullAddrs(h host.Host) []ma.Multiaddr {
	ai := peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}
	out, err := peer.AddrInfoToP2pAddrs(&ai)
	if err != nil {
		return nil
	}
	return out
}

// checkPortsFree binds each listen address that names a port, without
// port reuse, and lets it go. libp2p listens on TCP with port reuse
// (its outgoing connections leave from the listening port), so a second
// node on one machine would share TCP 4001 with the first and lose its
// QUIC listener without a word: it is refused here, with the address
// and what to do.
func checkPortsFree(addrs []ma.Multiaddr) error {
	for _, a := range addrs {
		ip, err := a.ValueForProtocol(ma.P_IP4)
		if err != nil {
			if ip, err = a.ValueForProtocol(ma.P_IP6); err != nil {
				continue // a DNS name or else: libp2p says what is wrong with it
			}
		}
		var l io.Closer
		if port, err := a.ValueForProtocol(ma.P_TCP); err == nil && port != "0" {
			l, err = net.Listen("tcp", net.JoinHostPort(ip, port))
			if err = portErr(a, err); err != nil {
				return err
			}
		} else if port, err := a.ValueForProtocol(ma.P_UDP); err == nil && port != "0" {
			l, err = net.ListenPacket("udp", net.JoinHostPort(ip, port))
			if err = portErr(a, err); err != nil {
				return err
			}
		}
		if l != nil {
			_ = l.Close()
		}
	}
	return nil
}

// portErr says why listening on a failed, if it did.
func portErr(a ma.Multiaddr, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("node: listen on %s: the port is in use, by another program or another mutu node on this machine: give this node other ports (--listen, or listen in config.yaml)", a)
	}
	return fmt.Errorf("node: listen on %s: %w", a, err)
}
