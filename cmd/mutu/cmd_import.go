package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "publish every Markdown file under a directory",
		ArgsUsage: "DIR",
		Description: "Importing the same directory twice creates nothing new. A file whose id names one of your entries\n" +
			"with other content becomes an edit of it. Invalid files are listed and change nothing.\n" +
			"Only regular files are read: a symbolic link, device, named pipe or socket under DIR refuses the whole import.\n" +
			"Warnings (a tag in capitals, a key that looks misspelt) are printed on stderr; the files are imported all the same.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kind", Value: "note", Usage: "kind `K` of files without one: note, tool or software"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1, "DIR [--kind K]"); err != nil {
				return err
			}
			kind, err := entry.ParseKind(c.String("kind"))
			if err != nil {
				return inputError{fmt.Errorf("--kind: %w", err)}
			}
			if st, err := os.Stat(c.Args().First()); err != nil || !st.IsDir() {
				return inputError{fmt.Errorf("%s is not a directory", c.Args().First())}
			}
			s, err := openLocalSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.cat.Import(c.Context, s.home.author, c.Args().First(), catalogue.ImportOptions{
				Kind:     kind,
				Progress: progressPrinter(c.App.ErrWriter, "importing"),
			})
			if err != nil {
				return err
			}
			return printImport(c, res)
		},
	}
}

func printImport(c *cli.Context, res *catalogue.ImportResult) error {
	w := c.App.Writer
	printWarnings(c.App.ErrWriter, res.Warnings)
	if c.Bool("json") {
		type file struct {
			Path  string `json:"path"`
			ID    string `json:"id,omitempty"`
			Error string `json:"error,omitempty"`
		}
		files := func(fs []catalogue.ImportedFile) []file {
			out := []file{}
			for _, f := range fs {
				out = append(out, file{Path: f.Path, ID: f.ID.String()})
			}
			return out
		}
		out := struct {
			Published []file          `json:"published"`
			Edited    []file          `json:"edited"`
			Unchanged []file          `json:"unchanged"`
			Failed    []file          `json:"failed"`
			Warnings  []entry.Problem `json:"warnings"`
		}{files(res.Published), files(res.Edited), files(res.Unchanged), []file{}, []entry.Problem{}}
		for _, f := range res.Failed {
			out.Failed = append(out.Failed, file{Path: f.Path, Error: f.Err.Error()})
		}
		out.Warnings = append(out.Warnings, res.Warnings...)
		if err := printJSON(w, out); err != nil {
			return err
		}
	} else {
		for _, f := range res.Failed {
			fmt.Fprintf(c.App.ErrWriter, "refused: %s\n", termText(f.Err.Error()))
		}
		fmt.Fprintf(w, "Imported: %d published, %d edited, %d unchanged, %d refused\n",
			len(res.Published), len(res.Edited), len(res.Unchanged), len(res.Failed))
	}
	if len(res.Failed) > 0 {
		return inputError{fmt.Errorf("%d files refused; fix them and import again (the others are in)", len(res.Failed))}
	}
	return nil
}
