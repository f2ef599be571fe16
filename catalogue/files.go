package catalogue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue/atomicfile"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/catalogue/filename"
	"github.com/mutu-network/mutu/catalogue/search"
	"github.com/mutu-network/mutu/protocol"
)

// ExportResult says what Export wrote.
type ExportResult struct {
	Files       []string `json:"files"`       // Markdown files written, relative to the directory
	Attachments int      `json:"attachments"` // attachment files written
	// Missing names the attachments not written, "entry ID: name":
	// their blocks are not all held on the node yet (mutu fetch).
	Missing []string `json:"missing,omitempty"`
}

// ExportSource is what an export reads: a catalogue, or a running
// node's through its API (api.Client), so that `mutu export` writes
// the same files whether or not a node runs on the home.
type ExportSource interface {
	// ExportIDs returns the IDs of the current entries, most recently
	// updated first.
	ExportIDs(ctx context.Context) ([]cid.Cid, error)
	// ExportEntry returns entry id as Export writes it; nil for a
	// retracted entry.
	ExportEntry(ctx context.Context, id cid.Cid) (*ExportedEntry, error)
	// ExportAttachment writes the bytes of the attachment of entry id
	// named name to w.
	ExportAttachment(ctx context.Context, id cid.Cid, name string, w io.Writer) error
}

var _ ExportSource = (*Catalogue)(nil)

// ExportedEntry is an entry as an export writes it.
type ExportedEntry struct {
	Title string `json:"title"`
	// File is the entry's Markdown file: its complete front matter,
	// with its ID, its editors and the attachments it lists (their own
	// names, types, sizes and the CIDs of their bytes).
	File string `json:"file"`
	// Attachments names, in order, the attachments File lists, whose
	// files go beside it.
	Attachments []string `json:"attachments"`
	// Missing names the attachments left out of File: their blocks are
	// not all held yet.
	Missing []string `json:"missing,omitempty"`
}

// ExportIDs returns the IDs of the current entries, most recently
// updated first.
func (c *Catalogue) ExportIDs(ctx context.Context) ([]cid.Cid, error) {
	list, err := c.List(ListOptions{})
	if err != nil {
		return nil, err
	}
	ids := make([]cid.Cid, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids, nil
}

// ExportEntry returns entry id as Export writes it. The CID of each
// attachment's bytes is computed reading them, without holding them.
func (c *Catalogue) ExportEntry(ctx context.Context, id cid.Cid) (*ExportedEntry, error) {
	d, err := c.Get(id)
	if err != nil {
		return nil, err
	}
	if d.Retracted || d.Entry == nil {
		return nil, nil
	}
	e := &ExportedEntry{Title: d.Entry.Title()}
	f := entry.File{Entry: *d.Entry, ID: d.ID, Editors: docEditors(d)}
	for _, a := range d.Attachments {
		if !a.Held {
			e.Missing = append(e.Missing, a.Name)
			continue
		}
		sum := protocol.NewBlockSum()
		if err := c.ExportAttachment(ctx, id, a.Name, sum); err != nil {
			return nil, fmt.Errorf("export entry %s: %w", id, err)
		}
		f.Attachments = append(f.Attachments, entry.Attachment{Name: a.Name, Type: a.Type, Size: a.Size, CID: sum.CID()})
		e.Attachments = append(e.Attachments, a.Name)
	}
	data, err := f.Marshal()
	if err != nil {
		return nil, fmt.Errorf("export entry %s: %w", id, err)
	}
	e.File = string(data)
	return e, nil
}

// ExportAttachment writes the bytes of an attachment to w.
func (c *Catalogue) ExportAttachment(ctx context.Context, id cid.Cid, name string, w io.Writer) error {
	_, err := c.WriteAttachment(id, name, w)
	return err
}

// Export writes the entries ids of this catalogue (every current one
// when none is given) into dir; see the function Export.
func (c *Catalogue) Export(ctx context.Context, dir string, ids []cid.Cid) (*ExportResult, error) {
	return Export(ctx, c, dir, ids)
}

// Export writes one Markdown file per current entry of src into dir,
// with its complete front matter (the ID and every unknown key
// included), and its attachments in a directory of the same name
// beside it.
//
// Files are named after the title, and attachments after their names,
// made portable by package filename; the front matter keeps the
// attachments' own names. Export never replaces a file that
// belongs to another entry, or to no entry: an entry whose name is
// taken gets the end of its ID added to it. An entry exported into dir
// before is written again to the file that holds its ID, so that
// exporting twice updates the files. Each file is written aside and
// renamed into place once complete: a failure, as on a full disk,
// leaves the file as it was, never a truncated one that an import
// would take for an edit of the entry.
func Export(ctx context.Context, src ExportSource, dir string, ids []cid.Cid) (*ExportResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: create %s: %w", dir, err)
	}
	if len(ids) == 0 {
		var err error
		if ids, err = src.ExportIDs(ctx); err != nil {
			return nil, err
		}
	}
	names, err := newExportNames(dir)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		e, err := src.ExportEntry(ctx, id)
		if err != nil {
			return res, err
		}
		if e == nil {
			continue
		}
		base, err := names.name(e.Title, id)
		if err != nil {
			return res, err
		}
		n, err := exportEntry(ctx, src, dir, base, id, e)
		res.Attachments += n
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, base+".md")
		for _, m := range e.Missing {
			res.Missing = append(res.Missing, id.String()+": "+m)
		}
	}
	return res, nil
}

// exportEntry writes entry e as dir/base.md, its attachments in
// dir/base/, and returns how many attachments it wrote. When it fails,
// it removes the files it created; files it replaced keep their new,
// whole content.
func exportEntry(ctx context.Context, src ExportSource, dir, base string, id cid.Cid, e *ExportedEntry) (n int, err error) {
	var created []string // files and directory created, to remove on failure
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				os.Remove(created[i])
			}
		}
	}()
	attDir := filepath.Join(dir, base)
	var names filename.Folder // in the order of the file's list, as import reads them
	for _, name := range e.Attachments {
		if _, err := os.Stat(attDir); errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(attDir, 0o755); err != nil {
				return n, fmt.Errorf("export: %w", err)
			}
			created = append(created, attDir)
		}
		path := filepath.Join(attDir, names.Name(name))
		isNew := !exists(path)
		err := atomicfile.WriteWith(path, 0o644, true, func(f *os.File) error {
			return src.ExportAttachment(ctx, id, name, exportWriter{f})
		})
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		if isNew {
			created = append(created, path)
		}
		n++
	}
	return n, writeExportFile(filepath.Join(dir, base+".md"), []byte(e.File))
}

// exportWriter writes an exported file through writeExported.
type exportWriter struct{ f *os.File }

func (w exportWriter) Write(p []byte) (int, error) {
	if err := writeExported(w.f, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeExported writes data to f. Tests replace it to fail the way a
// full disk does, after part of the data.
var writeExported = func(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

// writeExportFile writes data to path through a temporary file,
// synced then renamed over path: path holds either its previous content
// or data, whole.
func writeExportFile(path string, data []byte) error {
	err := atomicfile.WriteWith(path, 0o644, true, func(f *os.File) error { return writeExported(f, data) })
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// exportNames chooses the names of the files of an export into a
// directory that may hold files already, exported or not.
type exportNames struct {
	dir   string
	owner map[string]cid.Cid // name (without .md) of each Markdown file of dir that holds an entry ID
	held  map[cid.Cid]string // and the other way round, the first name for each ID
	used  map[string]bool    // names given in this export
}

// newExportNames reads the IDs in the Markdown files of dir.
func newExportNames(dir string) (*exportNames, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("export: read %s: %w", dir, err)
	}
	n := &exportNames{dir: dir, owner: make(map[string]cid.Cid), held: make(map[cid.Cid]string), used: make(map[string]bool)}
	for _, de := range des {
		name, ok := strings.CutSuffix(de.Name(), ".md")
		if !ok || !de.Type().IsRegular() {
			continue
		}
		id := exportedID(filepath.Join(dir, de.Name()))
		if !id.Defined() {
			continue
		}
		n.owner[name] = id
		if _, dup := n.held[id]; !dup {
			n.held[id] = name
		}
	}
	return n, nil
}

// name returns the name of the files of entry id: the name of the
// file of dir that holds the entry already, else the first of the
// title's slug, the slug and the end of the ID, the slug and the whole
// ID, whose Markdown file and attachment directory are free.
func (n *exportNames) name(title string, id cid.Cid) (string, error) {
	if name, ok := n.held[id]; ok && !n.used[name] {
		n.used[name] = true
		return name, nil
	}
	slug := filename.Portable(exportSlug(title))
	s := id.String()
	candidates := []string{slug, slug + "-" + s[len(s)-8:], slug + "-" + s}
	for _, name := range candidates {
		if n.used[name] || exists(filepath.Join(n.dir, name+".md")) || exists(filepath.Join(n.dir, name)) {
			continue
		}
		n.used[name] = true
		return name, nil
	}
	return "", fmt.Errorf("export: entry %s: %s.md, %s.md and %s.md in %s belong to other entries or are not exported entries; export into another directory: %w",
		id, candidates[0], candidates[1], candidates[2], n.dir, fs.ErrExist)
}

// exportedID returns the entry ID that the front matter of the
// Markdown file at path holds, as Export writes it (a top-level line
// "id: …"); cid.Undef when there is none.
func exportedID(path string) cid.Cid {
	f, err := os.Open(path)
	if err != nil {
		return cid.Undef
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, protocol.MaxEntryFileSize))
	sc.Buffer(nil, protocol.MaxEntryFileSize)
	for i := 0; sc.Scan(); i++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if i == 0 {
			if strings.TrimPrefix(line, "\uFEFF") != "---" {
				return cid.Undef
			}
			continue
		}
		if line == "---" {
			break
		}
		if v, ok := strings.CutPrefix(line, "id:"); ok {
			id, err := protocol.ParseCID(strings.Trim(strings.TrimSpace(v), `"'`))
			if err != nil {
				return cid.Undef
			}
			return id
		}
	}
	return cid.Undef
}

// exportSlug returns the title folded to lowercase ASCII words joined
// by dashes, with the folding of search.Fold.
func exportSlug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range search.Fold(strings.ToLower(title)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "entree"
	}
	return name
}
