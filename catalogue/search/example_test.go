package search_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mutu-network/mutu/catalogue/search"
)

func Example() {
	ctx := context.Background()
	ix, err := search.Open("", search.Options{}) // "" keeps the index in memory
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()

	notes := []search.Doc{
		{ID: "regie", Kind: "note", Title: "Régie d'avances : création et contrôle",
			Body: "Le régisseur reçoit l'avance de l'agent comptable.", Category: "regies",
			Updated: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "bourses", Kind: "note", Title: "Bourses de collège",
			Body: "La bourse est versée chaque trimestre.", Category: "bourses-aides"},
	}
	if ix.NeedsRebuild() {
		err := ix.Rebuild(ctx, func(yield func(search.Doc) error) error {
			for _, d := range notes {
				if err := yield(d); err != nil {
					return err
				}
			}
			return nil
		}, 42, nil)
		if err != nil {
			log.Fatal(err)
		}
	}

	res, err := ix.Search(ctx, search.Query{Text: "regie d'avances"})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range res.Hits {
		fmt.Println(h.ID, "|", h.Title, "|", h.Snippet)
	}
	fmt.Println(res.Facets["category"])
	// Output:
	// regie | Régie d'avances : création et contrôle | Le régisseur reçoit l&#39;<mark>avance</mark> de l&#39;agent comptable.
	// [{regies 1}]
}
