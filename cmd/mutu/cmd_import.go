package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/node/api"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "publish every Markdown file under a directory, or publiccode.yml files as software entries",
		ArgsUsage: "DIR | --publiccode FILE|DIR...",
		Description: "Importing the same directory twice creates nothing new. A file whose id names one of your entries\n" +
			"with other content becomes an edit of it. Invalid files are listed and change nothing; files without\n" +
			"front matter are not entries. Keys of other catalogues are copied to mutu's (link to url for tools).\n" +
			"Only regular files are read: a symbolic link, device, named pipe or socket under DIR refuses the whole import.\n" +
			"Warnings (a tag in capitals, a key that looks misspelt) are printed on stderr, the same warning of many\n" +
			"files once, with their number; the files are imported all the same. --json lists every warning.\n" +
			"--publiccode makes or updates a software entry from each publiccode.yml file named, or found in a DIR\n" +
			"(publiccode.yml, publiccode.yaml, *.publiccode.yml): a file whose url is that of one of your software entries\n" +
			"updates it. Problems name the key path and the line; a file with an error changes nothing.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kind", Value: "note", Usage: "kind `K` of files without one: note, tool or software"},
			&cli.BoolFlag{Name: "publiccode", Usage: "import publiccode.yml files (FILE or DIR, several allowed) as software entries"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Bool("publiccode") {
				if err := needArgs(c, 1, -1, "--publiccode FILE|DIR..."); err != nil {
					return err
				}
				s, err := openSession(c)
				if err != nil {
					return err
				}
				defer s.Close()
				return importPubliccode(c, s, c.Args().Slice())
			}
			if err := needArgs(c, 1, 1, "DIR [--kind K]"); err != nil {
				return err
			}
			kind, err := entry.ParseKind(c.String("kind"))
			if err != nil {
				return inputError{fmt.Errorf("--kind: %w", err)}
			}
			dir := c.Args().First()
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return inputError{fmt.Errorf("%s is not a directory", dir)}
			}
			s, err := openSession(c)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.svc.Import(c.Context, api.ImportRequest{Dir: dir, Kind: string(kind)}, progressPrinter(c.App.ErrWriter, "importing"))
			if err != nil {
				return err
			}
			return printImport(c, res)
		},
	}
}

func printImport(c *cli.Context, res *api.ImportResult) error {
	w := c.App.Writer
	dir := c.Args().First()
	printImportWarnings(c.App.ErrWriter, dir, res.Warnings)
	if c.Bool("json") {
		if err := printJSON(w, res); err != nil {
			return err
		}
	} else {
		for _, f := range res.Failed {
			fmt.Fprintf(c.App.ErrWriter, "refused: %s\n", termText(f.Error))
		}
		total := len(res.Published) + len(res.Edited) + len(res.Unchanged) + len(res.Failed)
		fmt.Fprintf(w, "%s: %d published, %d edited, %d unchanged, %d refused%s\n",
			plural(total, "file", "files"), len(res.Published), len(res.Edited), len(res.Unchanged), len(res.Failed),
			warningCount(len(res.Warnings)))
	}
	if len(res.Failed) > 0 {
		return inputError{fmt.Errorf("%d files refused; fix them and import again (the others are in)", len(res.Failed))}
	}
	return nil
}

// maxExampleFiles is how many files a grouped warning names.
const maxExampleFiles = 3

// printImportWarnings prints the warnings of an import on w, grouped:
// a warning found in several files (the same key, problem and fix)
// is printed once, with how many files have it and the first few of
// them, named relative to dir. A warning of one file only reads as
// publish prints it.
func printImportWarnings(w io.Writer, dir string, ws []entry.Problem) {
	type group struct {
		first entry.Problem
		files []string
	}
	var groups []*group
	byKey := make(map[[3]string]*group)
	for _, p := range ws {
		k := [3]string{p.Key, p.What, p.Fix}
		g := byKey[k]
		if g == nil {
			g = &group{first: p}
			byKey[k] = g
			groups = append(groups, g)
		}
		name := p.File
		if rel, err := filepath.Rel(dir, p.File); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		g.files = append(g.files, name)
	}
	for _, g := range groups {
		if len(g.files) == 1 {
			fmt.Fprintf(w, "warning: %s\n", g.first)
			continue
		}
		p := g.first
		p.File, p.Line = "", 0
		examples := strings.Join(g.files[:min(len(g.files), maxExampleFiles)], ", ")
		if n := len(g.files) - maxExampleFiles; n > 0 {
			examples += fmt.Sprintf(" and %d more", n)
		}
		fmt.Fprintf(w, "warning × %d: %s (%s)\n", len(g.files), p, examples)
	}
}

// warningCount says how many warnings an import had, for its summary.
func warningCount(n int) string {
	if n == 0 {
		return ""
	}
	return "; " + plural(n, "warning", "warnings") + " (on stderr)"
}

// plural writes n and the word for it.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
