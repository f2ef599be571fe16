package node

import (
	"errors"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/mutu-network/mutu/catalogue/nstest"
	"github.com/mutu-network/mutu/protocol/protocoltest"
)

// TestLANDiscovery checks that nodes started with LAN discovery find
// each other by mDNS, and that a node without it, or of another network,
// is not found. mDNS multicasts on every interface, so the test runs
// again inside a network namespace of its own (unshare), whose only
// interface is a loopback with multicast turned on: nothing leaves it.
func TestLANDiscovery(t *testing.T) {
	if !nstest.Rerun(t, nstest.Net) {
		return
	}
	isolated(t)
	ipSetup(t, loopbackMulticast...)

	lan := func(network string) *testNode {
		return startReal(t, nodeKey(t), nil, func(cfg *Config) {
			cfg.LAN = true
			cfg.Network = network
		})
	}
	a, b := lan("bassin-a"), lan("bassin-a")
	other, other2 := lan("bassin-b"), lan("bassin-b")
	quiet := startReal(t, nodeKey(t), nil, func(cfg *Config) { cfg.Network = "bassin-a" })

	found := func(x, y *testNode) bool {
		return x.h.Network().Connectedness(y.h.ID()) == network.Connected
	}
	eventually(t, 30*time.Second, "A and B found each other on the LAN", func() bool { return found(a, b) })
	// The log line follows Connect's return, a moment after the
	// connection shows.
	eventually(t, 5*time.Second, "A or B logs the peer found on the LAN", func() bool {
		return a.logs.contains("found peer on the LAN") || b.logs.contains("found peer on the LAN")
	})
	// The other network's nodes find each other: their announcements
	// went out, and A and B heard them.
	eventually(t, 30*time.Second, "the nodes of the other network found each other", func() bool { return found(other, other2) })
	// A node of A's network started after the quiet one is found by A:
	// an mDNS round of A's network ran since the quiet node started.
	late := lan("bassin-a")
	eventually(t, 30*time.Second, "A found a node started after the quiet one", func() bool { return found(a, late) })
	for _, n := range []*testNode{a, b} {
		if found(n, other) || found(n, other2) {
			t.Errorf("%s connected to a node of another network", n.h.ID())
		}
		if found(n, quiet) {
			t.Errorf("%s found a node that does not announce itself", n.h.ID())
		}
	}
}

// loopbackMulticast turns multicast on over the loopback, for mDNS.
var loopbackMulticast = [][]string{
	{"link", "set", "lo", "up", "multicast", "on"},
	{"route", "add", "224.0.0.0/4", "dev", "lo"},
}

// isolated checks that the test runs where its only interface is a
// loopback, before it sets anything up there.
func isolated(t *testing.T) {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			t.Fatalf("interface %s in what should be an empty network namespace: refusing to send multicast", ifc.Name)
		}
	}
}

// ipSetup runs ip commands, failing the test with their output.
func ipSetup(t *testing.T, commands ...[]string) {
	t.Helper()
	for _, args := range commands {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				t.Fatalf("ip %v: %s", args, out)
			}
			t.Fatal(err)
		}
	}
}

// TestMDNSServiceNameFitsADNSLabel: a network named by its charter's
// CID gets an mDNS service whose labels DNS accepts (63 bytes at most);
// a network named by a name keeps the service it had.
func TestMDNSServiceNameFitsADNSLabel(t *testing.T) {
	// Any revision's CID has the shape of a charter's.
	charter := protocoltest.NewAuthor(t).Create(t).CID.String()
	for _, network := range []string{"mutu", "e2e-1234", strings.Repeat("a", 32), charter} {
		name := mdnsServiceName(network)
		for _, label := range strings.Split(name, ".") {
			if len(label) > 63 {
				t.Errorf("network %s: service %q has a label of %d bytes", network, name, len(label))
			}
		}
	}
	if got := mdnsServiceName("mutu"); got != "_mutu-mutu._udp" {
		t.Errorf("the network mutu's service is %q, want _mutu-mutu._udp as before", got)
	}
	if a, b := mdnsServiceName(charter), mdnsServiceName("mutu"); a == b {
		t.Errorf("two networks share the service %q", a)
	}
}
