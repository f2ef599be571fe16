package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/filename"
	"github.com/mutu-network/mutu/catalogue/publiccode"
	"github.com/mutu-network/mutu/node/api"
)

// The publiccode.yml side of import, export and show
// (docs/entries.md, "publiccode.yml").

// isPubliccodeName reports whether a file found in a folder is a
// publiccode.yml: publiccode.yml or .yaml, or a name ending with
// .publiccode.yml or .publiccode.yaml (as OWNER__REPO.publiccode.yml).
func isPubliccodeName(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".yml", ".yaml"} {
		if n == "publiccode"+ext || strings.HasSuffix(n, ".publiccode"+ext) {
			return true
		}
	}
	return false
}

// publiccodeFiles returns the files the arguments name: a file as it
// is, a folder's publiccode.yml files at any depth, sorted. A link or
// another file that is not a regular one, in a folder, refuses the
// import, as a folder import does.
func publiccodeFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, inputError{fmt.Errorf("%s: %w", arg, pathReason(arg, err))}
		}
		if !st.IsDir() {
			files = append(files, arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() || !isPubliccodeName(d.Name()):
				return nil
			case !d.Type().IsRegular():
				return fmt.Errorf("%s is not a regular file; import reads only regular files inside the folder: replace a link with a copy of the file it points to", p)
			}
			found = append(found, p)
			return nil
		})
		if err != nil {
			return nil, inputError{err}
		}
		if len(found) == 0 {
			return nil, inputError{fmt.Errorf("%s holds no publiccode.yml file (publiccode.yml, publiccode.yaml, or a name ending in .publiccode.yml)", arg)}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// readPubliccode reads a file, refusing one over the size Import takes
// before reading it whole.
func readPubliccode(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, publiccode.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return data, nil // Import refuses one over the limit, naming it
}

// importPubliccode makes or updates a software entry from each
// publiccode.yml the arguments name. Each file is checked and mapped
// here; the entries go through the folder import of the node or the
// catalogue, from a temporary folder, so that they are written in
// batches, an unchanged file changes nothing and a file whose url is
// that of one of the author's software entries becomes an edit of it.
// A file with an error is refused and changes nothing; the others are
// imported.
func importPubliccode(c *cli.Context, s *session, args []string) error {
	ctx := c.Context
	files, err := publiccodeFiles(args)
	if err != nil {
		return err
	}
	mine, err := softwareByRepository(ctx, s)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mutu-publiccode-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	res := &api.ImportResult{Published: []api.ImportedFile{}, Edited: []api.ImportedFile{}, Unchanged: []api.ImportedFile{}, Failed: []api.ImportedFile{}}
	original := map[string]string{} // temporary file -> the publiccode.yml it comes from
	seen := map[string]string{}     // url -> the file that gave it
	for i, path := range files {
		data, err := readPubliccode(path)
		if err != nil {
			res.Failed = append(res.Failed, api.ImportedFile{Path: path, Error: err.Error()})
			continue
		}
		f, warns, err := publiccode.Import(path, data)
		res.Warnings = append(res.Warnings, warns...)
		if err != nil {
			res.Failed = append(res.Failed, api.ImportedFile{Path: path, Error: err.Error()})
			continue
		}
		repo := f.Repository()
		if first, dup := seen[repo]; dup {
			res.Failed = append(res.Failed, api.ImportedFile{Path: path,
				Error: fmt.Sprintf("%s: key \"url\": %s is also the url of %s, imported first; a software has one publiccode.yml", path, repo, first)})
			continue
		}
		seen[repo] = path
		if id, ok := mine[repo]; ok {
			f.ID = id
		}
		md, err := f.Marshal()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		name := fmt.Sprintf("%06d.md", i)
		if err := os.WriteFile(filepath.Join(tmp, name), md, 0o600); err != nil {
			return err
		}
		original[name] = path
	}
	if len(original) > 0 {
		out, err := s.svc.Import(ctx, api.ImportRequest{Dir: tmp, Name: "publiccode", Kind: string(entry.KindSoftware)},
			progressPrinter(c.App.ErrWriter, "importing"))
		if err != nil {
			return err
		}
		back := func(fs []api.ImportedFile) []api.ImportedFile {
			for i := range fs {
				name := filepath.Base(fs[i].Path)
				if p, ok := original[name]; ok {
					fs[i].Error = strings.ReplaceAll(fs[i].Error, fs[i].Path, p)
					fs[i].Path = p
				}
			}
			return fs
		}
		res.Published = append(res.Published, back(out.Published)...)
		res.Edited = append(res.Edited, back(out.Edited)...)
		res.Unchanged = append(res.Unchanged, back(out.Unchanged)...)
		res.Failed = append(res.Failed, back(out.Failed)...)
		// out.Warnings are those publiccode.Import gave already, under
		// the temporary files' names.
	}
	return printImport(c, res)
}

// softwareByRepository returns the IDs of the author's software
// entries by their repository: an import of a publiccode.yml with the
// same url updates the entry.
func softwareByRepository(ctx context.Context, s *session) (map[string]cid.Cid, error) {
	st, err := s.svc.Status(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.List(ctx, string(entry.KindSoftware))
	if err != nil {
		return nil, err
	}
	out := map[string]cid.Cid{}
	for _, sum := range list {
		if sum.Author != st.Author || sum.Retracted {
			continue
		}
		id, err := cid.Decode(sum.ID)
		if err != nil {
			return nil, err
		}
		f, err := exportedFile(ctx, s, id)
		if err != nil || f == nil {
			continue
		}
		if repo := f.Repository(); repo != "" {
			out[repo] = id
		}
	}
	return out, nil
}

// exportedFile returns entry id as its file gives it, so that its
// values keep their types (a JSON answer would make every number a
// float); nil for a retracted entry.
func exportedFile(ctx context.Context, s *session, id cid.Cid) (*entry.File, error) {
	e, err := s.svc.ExportEntry(ctx, id)
	if err != nil || e == nil {
		return nil, err
	}
	f, _, err := entry.Parse(id.String()+".md", []byte(e.File), entry.KindNote)
	return f, err
}

// exportPubliccode writes a publiccode.yml for each software entry
// (those ids name, or every one) into dir/NAME/publiccode.yml, NAME
// being the entry's title made a portable file name. What the
// standard would find missing or wrong in a file is said as a warning;
// the file is written all the same.
func exportPubliccode(c *cli.Context, s *session, dir string, ids []cid.Cid) error {
	ctx := c.Context
	if len(ids) == 0 {
		var err error
		if ids, err = s.svc.ExportIDs(ctx); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return inputError{fmt.Errorf("cannot create the directory %s: %w", dir, pathReason(dir, err))}
	}
	var names filename.Folder
	var written []string
	var warnings []entry.Problem
	for _, id := range ids {
		f, err := exportedFile(ctx, s, id)
		if err != nil {
			return err
		}
		if f == nil || f.Kind() != entry.KindSoftware {
			continue
		}
		out, problems, err := publiccode.Export(&f.Entry)
		if err != nil {
			return err
		}
		sub := filepath.Join(dir, names.Name(f.Title()))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return inputError{fmt.Errorf("cannot create the directory %s: %w", sub, pathReason(sub, err))}
		}
		path := filepath.Join(sub, "publiccode.yml")
		if err := atomicfile.Write(path, out, 0o644); err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return inputError{err}
			}
			return err
		}
		for _, p := range problems {
			p.File = path
			warnings = append(warnings, p)
		}
		written = append(written, path)
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, map[string]any{"files": nonNil(written), "warnings": nonNil(warnings)})
	}
	printImportWarnings(c.App.ErrWriter, dir, warnings)
	fmt.Fprintf(c.App.Writer, "Exported %s to %s%s\n", plural(len(written), "publiccode.yml file", "publiccode.yml files"), dir, warningCount(len(warnings)))
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// showPubliccode prints entry ref as a publiccode.yml on w, and what
// the standard would find missing or wrong in it on stderr.
func showPubliccode(ctx context.Context, w, stderr io.Writer, s *session, ref string) error {
	e, err := s.svc.Show(ctx, ref, api.ShowOptions{})
	if err != nil {
		return err
	}
	id, err := cid.Decode(e.ID)
	if err != nil {
		return err
	}
	f, err := exportedFile(ctx, s, id)
	if err != nil {
		return err
	}
	if f == nil || f.Kind() != entry.KindSoftware {
		return inputError{fmt.Errorf("entry %s is a %s, not a software entry: only software has a publiccode.yml", shortID(e.ID), e.Kind)}
	}
	out, problems, err := publiccode.Export(&f.Entry)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "warning: %s\n", p)
	}
	_, err = w.Write(out)
	return err
}
