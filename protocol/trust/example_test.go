package trust_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/trust"
)

// The example of the package's documentation: coordinator A admits
// node B at 10, B certifies author X at 12, A revokes B at 20 and
// admits it again at 30. Whatever order the records arrive in, X's
// revisions are vouched for before 20 and not after.
func ExampleFold() {
	a := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'A'}, ed25519.SeedSize))
	b := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'B'}, ed25519.SeedSize))
	x := protocol.PublicKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{'X'}, ed25519.SeedSize)))
	const t0 = protocol.Clock(1 << 40) // the charter's clock

	// sign makes a record as a node would, and reads it back as its
	// peers do.
	sign := func(key ed25519.PrivateKey, network string, clock protocol.Clock, body trust.Body) trust.Record {
		rev, err := trust.NewRevision(network, body)
		if err != nil {
			panic(err)
		}
		rev.Seq, rev.Clock = 1, clock
		v, err := rev.Sign(key)
		if err != nil {
			panic(err)
		}
		rec, err := trust.Decode(v)
		if err != nil {
			panic(err)
		}
		return rec
	}
	charter := sign(a, "", t0, &trust.Charter{Name: "Gestionnaires du bassin", Policy: trust.PolicyClosed, Coordinators: []trust.Key{protocol.PublicKey(a)}})
	network := charter.CID.String()
	records := []trust.Record{
		charter,
		sign(a, network, t0+10, &trust.Admission{Node: protocol.PublicKey(b), Role: trust.RoleMember, Label: "Collège Y"}),
		sign(b, network, t0+12, &trust.Certificate{Author: x, Name: "Mme Durand", Function: "gestionnaire"}),
		sign(a, network, t0+20, &trust.Revocation{Node: protocol.PublicKey(b)}),
		sign(a, network, t0+30, &trust.Admission{Node: protocol.PublicKey(b), Role: trust.RoleMember, Label: "Collège Y"}),
	}
	rand.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })

	r := trust.Fold(network, records)
	fmt.Println("B active:", r.Active(protocol.PublicKey(b)))
	for _, t := range []protocol.Clock{5, 19, 20, 35} {
		fmt.Printf("X vouched for at %d: %v\n", t, r.Vouched(x, t0+t))
	}
	fmt.Println("X vouched for until:", r.VouchEnd(x)-t0)
	// Output:
	// B active: true
	// X vouched for at 5: true
	// X vouched for at 19: true
	// X vouched for at 20: false
	// X vouched for at 35: false
	// X vouched for until: 20
}
