package main

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/node/api"
)

func searchCommand() *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "search the catalogue, in French, offline",
		ArgsUsage: "QUERY",
		Description: "Accents, plurals, elisions and small typos do not matter: \"regie d'avance\" finds \"Régies d'avances\".\n" +
			"An empty QUERY with filters lists the matching entries.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kind", Usage: "note, tool or software"},
			&cli.StringFlag{Name: "category", Usage: "a category, e.g. budget, marches-publics, regies"},
			&cli.StringFlag{Name: "tag", Usage: "a tag"},
			&cli.StringFlag{Name: "academie", Usage: "an académie, e.g. lyon"},
			&cli.StringFlag{Name: "audience", Usage: "e.g. gestionnaire, agent-comptable"},
			&cli.StringFlag{Name: "sort", Value: "relevance", Usage: "relevance or updated"},
			&cli.IntFlag{Name: "limit", Value: 10, Usage: "at most `N` hits"},
			&cli.IntFlag{Name: "offset", Usage: "skip the first `N` hits"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, -1, "QUERY [flags]"); err != nil {
				return err
			}
			if c.Int("limit") < 1 || c.Int("limit") > catalogue.MaxSearchLimit {
				return inputError{fmt.Errorf("--limit %d: give a number from 1 to %d (page further with --offset)", c.Int("limit"), catalogue.MaxSearchLimit)}
			}
			s, err := openSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.svc.Search(c.Context, api.SearchQuery{
				Text: strings.Join(c.Args().Slice(), " "), Kind: c.String("kind"), Category: c.String("category"),
				Tag: c.String("tag"), Academie: c.String("academie"), Audience: c.String("audience"),
				Sort: c.String("sort"), Limit: c.Int("limit"), Offset: c.Int("offset"),
			})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, res)
			}
			printHits(c.App.Writer, res)
			return nil
		},
	}
}

var markTag = regexp.MustCompile(`</?mark>`)

// printHits prints one hit per block: title, kind and ID, snippet.
func printHits(w io.Writer, res *api.SearchResult) {
	if res.Total == 0 {
		fmt.Fprintln(w, "No entry matches.")
		return
	}
	for _, h := range res.Hits {
		fmt.Fprintf(w, "%s\n  %s · %s\n", term(h.Title), term(h.Kind), shortID(h.ID))
		if h.Snippet != "" {
			snip := html.UnescapeString(markTag.ReplaceAllStringFunc(h.Snippet, func(t string) string {
				if t == "<mark>" {
					return "«"
				}
				return "»"
			}))
			fmt.Fprintf(w, "  %s\n", term(strings.Join(strings.Fields(snip), " ")))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%d of %d results (%.1f ms)\n", len(res.Hits), res.Total, res.TookMS)
}
