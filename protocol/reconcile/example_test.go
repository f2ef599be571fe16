package reconcile_test

import (
	"fmt"
	"log"

	"github.com/mutu-network/mutu/protocol"
	"github.com/mutu-network/mutu/protocol/reconcile"
)

// Example shows one reconciliation between two nodes, in memory. On the
// network each message travels on the sync stream; the initiator
// closes the stream once Step returns a nil reply.
func Example() {
	rev := func(clock protocol.Clock, text string) reconcile.Item {
		return reconcile.Item{Clock: clock, ID: protocol.RevisionCID([]byte(text))}
	}
	shared := []reconcile.Item{rev(100, "fiche régies"), rev(200, "outil bourses"), rev(300, "circulaire voyages")}
	onlyHere := rev(250, "fiche marchés publics")
	onlyThere := rev(150, "logiciel inventaire")

	here, err := reconcile.NewSet(append(shared, onlyHere))
	if err != nil {
		log.Fatal(err)
	}
	there, err := reconcile.NewSet(append(shared, onlyThere))
	if err != nil {
		log.Fatal(err)
	}

	ini, err := reconcile.NewInitiator(here)
	if err != nil {
		log.Fatal(err)
	}
	res, err := reconcile.NewResponder(there)
	if err != nil {
		log.Fatal(err)
	}
	msg, err := ini.Initiate()
	if err != nil {
		log.Fatal(err)
	}
	for msg != nil {
		reply, _, _, err := res.Step(msg) // on the other node
		if err != nil {
			log.Fatal(err)
		}
		var have, need []reconcile.Item
		msg, have, need, err = ini.Step(reply)
		if err != nil {
			log.Fatal(err)
		}
		for _, it := range have {
			fmt.Println("push", it.Clock, it.ID == onlyHere.ID)
		}
		for _, it := range need {
			fmt.Println("fetch", it.Clock, it.ID == onlyThere.ID)
		}
	}
	// Output:
	// push 250 true
	// fetch 150 true
}
