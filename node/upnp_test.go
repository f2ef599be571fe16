package node

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/mutu-network/mutu/catalogue/nstest"
)

// The test gateway's network: one end of a pair of virtual interfaces
// (the other end stays inside the namespace too), multicast on, so that
// SSDP searches reach the gateway's socket through the kernel's
// multicast loop and go nowhere else.
const upnpGatewayIP = "10.99.0.1"

// upnpExternalIP is the address the test gateway says it has on the
// Internet (a documentation address: nothing is ever sent to it).
const upnpExternalIP = "192.0.2.7"

var upnpNamespace = [][]string{
	{"link", "set", "lo", "up"},
	{"link", "set", "mutu0", "up", "multicast", "on"},
	{"link", "set", "mutu1", "up"},
	{"addr", "add", upnpGatewayIP + "/24", "dev", "mutu0"},
	{"route", "add", "224.0.0.0/4", "dev", "mutu0"},
}

// TestUPnP checks that a node asks the gateway to forward its P2P ports
// only when UPnP is on, for a limited lease, and advertises the
// gateway's address. UPnP looks for the gateway by multicast on every
// interface, so the test runs again inside a network namespace of its
// own, where the gateway is a test server on a virtual interface.
func TestUPnP(t *testing.T) {
	if !nstest.Rerun(t, nstest.Net) {
		return
	}
	isolated(t)
	if out, err := exec.Command("ip", "link", "add", "mutu0", "type", "veth", "peer", "name", "mutu1").CombinedOutput(); err != nil {
		t.Skipf("no virtual interface for the test gateway in this namespace (%v): %s", err, out)
	}
	ipSetup(t, upnpNamespace...)
	gw := startTestGateway(t)
	everywhere := func(cfg *Config) {
		cfg.ListenAddrs = []ma.Multiaddr{
			ma.StringCast("/ip4/0.0.0.0/tcp/0"),
			ma.StringCast("/ip4/0.0.0.0/udp/0/quic-v1"),
		}
	}

	// UPnP is off by default: no search for a gateway, not even one. A
	// node sends its search as its host starts, so the node without
	// UPnP, started first, would have sent one before the node with
	// UPnP: every search the gateway receives must come after that
	// one's start.
	startReal(t, nodeKey(t), nil, everywhere)
	onStart := time.Now()
	on := startReal(t, nodeKey(t), nil, func(cfg *Config) {
		everywhere(cfg)
		cfg.UPnP = true
	})
	tcpPort, udpPort := listenPort(t, on, ma.P_TCP), listenPort(t, on, ma.P_UDP)
	eventually(t, 30*time.Second, "the node asks the gateway to forward its TCP and QUIC ports", func() bool {
		return gw.mapped("TCP", tcpPort) && gw.mapped("UDP", udpPort)
	})
	if first := gw.firstAt("M-SEARCH"); first.Before(onStart) {
		t.Fatalf("an SSDP search reached the gateway at %v, before the node with UPnP started (%v): the node without UPnP sent it", first, onStart)
	}
	if got := gw.client("TCP", tcpPort); got != upnpGatewayIP {
		t.Errorf("forwarding asked to %s, want the node's address on the gateway's network, %s", got, upnpGatewayIP)
	}
	// The node tells its peers the gateway's address, once it has the
	// gateway's answers (a mapping still being made when the node stops
	// is not withdrawn: it expires).
	eventually(t, 30*time.Second, "the node to advertise the forwarded address", func() bool {
		return len(addrsWith(on, "/ip4/"+upnpExternalIP+"/tcp/")) > 0 && len(addrsWith(on, "/ip4/"+upnpExternalIP+"/udp/")) > 0
	})

	// Forwarding is leased, not permanent: it lapses within minutes of
	// the node stopping, however it stops (the node withdraws it as it
	// closes, but a request cut by the closing is not sent again).
	for k, f := range gw.mappings() {
		if lease, err := strconv.Atoi(f.lease); err != nil || lease <= 0 || lease > 600 {
			t.Errorf("forwarding %s asked for a lease of %q seconds, want a few minutes at most (0 is forever)", k, f.lease)
		}
	}
}

// listenPort returns the port of the node's listen address of one
// transport (P_TCP or P_UDP).
func listenPort(t *testing.T, n *testNode, proto int) int {
	t.Helper()
	for _, a := range n.h.Network().ListenAddresses() {
		if v, err := a.ValueForProtocol(proto); err == nil {
			p, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no listen address with protocol %d among %v", proto, n.h.Network().ListenAddresses())
	return 0
}

// testGateway plays an Internet gateway device: it answers SSDP
// searches for a WAN connection device and the WANIPConnection actions
// a port mapping client uses, and keeps the mappings it was asked for.
type testGateway struct {
	url string

	mu      sync.Mutex
	calls   map[string]int           // SSDP methods and SOAP actions received
	first   map[string]time.Time     // when each was first received
	forward map[string]forwardedPort // by protocol and external port: "TCP 40123"
}

// forwardedPort is where the gateway forwards one of its ports.
type forwardedPort struct {
	client string // internal address
	port   string // internal port
	lease  string // seconds; "0" is forever
}

func startTestGateway(t *testing.T) *testGateway {
	t.Helper()
	ifc, err := net.InterfaceByName("mutu0")
	if err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenMulticastUDP("udp4", ifc, &net.UDPAddr{IP: net.IPv4(239, 255, 255, 250), Port: 1900})
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp4", upnpGatewayIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	gw := &testGateway{
		url:     "http://" + tcp.Addr().String(),
		calls:   make(map[string]int),
		first:   make(map[string]time.Time),
		forward: make(map[string]forwardedPort),
	}
	srv := &http.Server{Handler: gw}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(tcp) })
	wg.Go(func() { gw.answerSearches(udp) })
	t.Cleanup(func() {
		_ = srv.Close()
		_ = udp.Close()
		wg.Wait()
	})
	return gw
}

// wanConnectionDevice is the search target a port mapping client looks
// for; the gateway answers no other.
const wanConnectionDevice = "urn:schemas-upnp-org:device:WANConnectionDevice:1"

func (gw *testGateway) answerSearches(conn *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(buf[:n])))
		if err != nil {
			continue
		}
		gw.record(req.Method)
		if req.Method != "M-SEARCH" || req.Header.Get("ST") != wanConnectionDevice {
			continue
		}
		reply := "HTTP/1.1 200 OK\r\n" +
			"CACHE-CONTROL: max-age=120\r\n" +
			"EXT:\r\n" +
			"LOCATION: " + gw.url + "/device.xml\r\n" +
			"SERVER: mutu-test UPnP/1.0\r\n" +
			"ST: " + wanConnectionDevice + "\r\n" +
			"USN: uuid:mutu-test-gateway::" + wanConnectionDevice + "\r\n\r\n"
		_, _ = conn.WriteToUDP([]byte(reply), from)
	}
}

const testGatewayDevice = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion><major>1</major><minor>0</minor></specVersion>
  <device>
    <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
    <friendlyName>mutu test gateway</friendlyName>
    <UDN>uuid:mutu-test-gateway</UDN>
    <deviceList><device>
      <deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
      <UDN>uuid:mutu-test-wan</UDN>
      <deviceList><device>
        <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
        <UDN>uuid:mutu-test-wan-connection</UDN>
        <serviceList><service>
          <serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
          <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
          <SCPDURL>/scpd.xml</SCPDURL>
          <controlURL>/control</controlURL>
          <eventSubURL>/events</eventSubURL>
        </service></serviceList>
      </device></deviceList>
    </device></deviceList>
  </device>
</root>`

// ServeHTTP serves the device description and the control URL.
func (gw *testGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/device.xml":
		w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
		_, _ = io.WriteString(w, testGatewayDevice)
		return
	case "/control":
	default:
		http.NotFound(w, r)
		return
	}
	_, action, _ := strings.Cut(strings.Trim(r.Header.Get("SOAPAction"), `"`), "#")
	gw.record(action)
	args, err := soapArguments(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var out string
	switch action {
	case "GetNATRSIPStatus":
		out = "<NewRSIPAvailable>0</NewRSIPAvailable><NewNATEnabled>1</NewNATEnabled>"
	case "GetExternalIPAddress":
		out = "<NewExternalIPAddress>" + upnpExternalIP + "</NewExternalIPAddress>"
	case "AddPortMapping":
		gw.mu.Lock()
		gw.forward[args["NewProtocol"]+" "+args["NewExternalPort"]] = forwardedPort{args["NewInternalClient"], args["NewInternalPort"], args["NewLeaseDuration"]}
		gw.mu.Unlock()
	case "DeletePortMapping":
		gw.mu.Lock()
		delete(gw.forward, args["NewProtocol"]+" "+args["NewExternalPort"])
		gw.mu.Unlock()
	default:
		http.Error(w, "unknown action "+action, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	fmt.Fprintf(w, `<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body><u:%sResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">%s</u:%sResponse></s:Body>
</s:Envelope>`, action, out, action)
}

// soapArguments reads the arguments of a SOAP action: the text of each
// element inside the action element.
func soapArguments(body io.Reader) (map[string]string, error) {
	args := make(map[string]string)
	d := xml.NewDecoder(body)
	var name string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return args, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name = tok.Name.Local
		case xml.CharData:
			if name != "" {
				args[name] = strings.TrimSpace(string(tok))
			}
		case xml.EndElement:
			name = ""
		}
	}
}

func (gw *testGateway) record(what string) {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	gw.calls[what]++
	if _, ok := gw.first[what]; !ok {
		gw.first[what] = time.Now()
	}
}

// firstAt returns when what was first received, zero if never.
func (gw *testGateway) firstAt(what string) time.Time {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return gw.first[what]
}

func (gw *testGateway) count(what string) int {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return gw.calls[what]
}

// client returns the internal address to which the gateway forwards a
// port of the given protocol to the internal port, "" if it does not.
func (gw *testGateway) client(protocol string, port int) string {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	for k, f := range gw.forward {
		if strings.HasPrefix(k, protocol+" ") && f.port == strconv.Itoa(port) {
			return f.client
		}
	}
	return ""
}

func (gw *testGateway) mapped(protocol string, port int) bool {
	return gw.client(protocol, port) != ""
}

func (gw *testGateway) mappings() map[string]forwardedPort {
	gw.mu.Lock()
	defer gw.mu.Unlock()
	return maps.Clone(gw.forward)
}
