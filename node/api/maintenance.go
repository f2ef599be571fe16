package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/ipfs/go-cid"

	"github.com/mutu-network/mutu/catalogue"
	"github.com/mutu-network/mutu/catalogue/entry"
	"github.com/mutu-network/mutu/protocol"
)

// The maintenance commands (import, export, bundle export and import,
// reindex) work while the node runs, through its API, as the other
// commands do. What the node must read of the user's files is sent to
// it (a folder as a tar stream, a bundle as its bytes), and what it
// writes for the user comes back (an export's files entry by entry, a
// bundle's bytes), since the node may run as another user that cannot
// read or write the user's folders. See docs/api.md, "Maintenance".

// ImportRequest imports a folder of entry files.
type ImportRequest struct {
	// Dir is the folder, read by the side that has it: Local imports
	// it in place, Client packs it and sends it to the node.
	Dir string
	// Archive is the folder packed by catalogue.PackFolder, as a node
	// receives it from its client; used when Dir is empty.
	Archive io.Reader
	// Name is the folder's name in results and messages; Dir when
	// empty.
	Name string
	// Kind is the kind of files without one; note when empty.
	Kind string
}

// ImportResult says what an import did with each file.
type ImportResult struct {
	Published []ImportedFile  `json:"published"`
	Edited    []ImportedFile  `json:"edited"`
	Unchanged []ImportedFile  `json:"unchanged"`
	Failed    []ImportedFile  `json:"failed"`
	Warnings  []entry.Problem `json:"warnings"`
}

// ImportedFile is a file of an import: the entry it went to, or why it
// was refused.
type ImportedFile struct {
	Path  string `json:"path"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
}

// importResult turns what the catalogue says of an import into the
// API's terms.
func importResult(res *catalogue.ImportResult) *ImportResult {
	files := func(fs []catalogue.ImportedFile) []ImportedFile {
		out := []ImportedFile{}
		for _, f := range fs {
			out = append(out, ImportedFile{Path: f.Path, ID: f.ID.String()})
		}
		return out
	}
	out := &ImportResult{Published: files(res.Published), Edited: files(res.Edited), Unchanged: files(res.Unchanged),
		Failed: []ImportedFile{}, Warnings: append([]entry.Problem{}, res.Warnings...)}
	for _, f := range res.Failed {
		out.Failed = append(out.Failed, ImportedFile{Path: f.Path, Error: f.Err.Error()})
	}
	return out
}

// Import imports the folder of req, in place or from its archive.
func (l *Local) Import(ctx context.Context, req ImportRequest, progress Progress) (*ImportResult, error) {
	kind, err := defaultKind(req.Kind)
	if err != nil {
		return nil, err
	}
	opts := catalogue.ImportOptions{Kind: kind, Progress: progress, Name: req.Name}
	var res *catalogue.ImportResult
	if req.Dir != "" {
		res, err = l.Cat.Import(ctx, l.Author, req.Dir, opts)
	} else {
		res, err = l.Cat.ImportArchive(ctx, l.Author, req.Archive, opts)
	}
	if err != nil {
		return nil, err
	}
	return importResult(res), nil
}

// ImportBundle imports a bundle read from r, named name in messages.
func (l *Local) ImportBundle(ctx context.Context, r io.Reader, name string, progress Progress) (*catalogue.BundleResult, error) {
	return l.Cat.ImportBundleFrom(ctx, r, catalogue.BundleOptions{Name: name, Progress: progress})
}

// ExportBundle writes entries ids (every one when none) as a bundle
// to w.
func (l *Local) ExportBundle(ctx context.Context, w io.Writer, ids []string) (*catalogue.BundleResult, error) {
	var cids []cid.Cid
	for _, ref := range ids {
		id, err := l.Cat.Resolve(ref)
		if err != nil {
			return nil, err
		}
		cids = append(cids, id)
	}
	return l.Cat.ExportBundle(ctx, w, cids)
}

// ExportIDs, ExportEntry and ExportAttachment make Local the
// catalogue's catalogue.ExportSource.
func (l *Local) ExportIDs(ctx context.Context) ([]cid.Cid, error) { return l.Cat.ExportIDs(ctx) }

func (l *Local) ExportEntry(ctx context.Context, id cid.Cid) (*catalogue.ExportedEntry, error) {
	return l.Cat.ExportEntry(ctx, id)
}

func (l *Local) ExportAttachment(ctx context.Context, id cid.Cid, name string, w io.Writer) error {
	return l.Cat.ExportAttachment(ctx, id, name, w)
}

// The routes.

func (h *handler) importFolder(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := ImportRequest{Archive: r.Body, Name: q.Get("name"), Kind: q.Get("kind")}
	if req.Name == "" {
		req.Name = "folder"
	}
	h.long(w, r, func(ctx context.Context, progress Progress) (any, error) {
		return h.svc.Import(ctx, req, progress)
	})
}

func (h *handler) importBundle(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "bundle"
	}
	h.long(w, r, func(ctx context.Context, progress Progress) (any, error) {
		return h.svc.ImportBundle(ctx, r.Body, name, progress)
	})
}

// bundleTrailer carries, after a bundle's bytes, what was written or
// the error that cut it.
const bundleTrailer = "Mutu-Result"

func (h *handler) exportBundle(w http.ResponseWriter, r *http.Request) {
	h.guard.NoWriteDeadline(w)
	w.Header().Set("Content-Type", "application/vnd.ipld.car")
	w.Header().Set("Trailer", bundleTrailer)
	res, err := h.svc.ExportBundle(r.Context(), w, r.URL.Query()["id"])
	var out any = res
	if err != nil {
		e := ErrorOf(err)
		if e.Kind == KindInternal {
			h.log.Error("API request failed", "err", e.Message)
		}
		out = struct {
			Error *Error `json:"error"`
		}{e}
	}
	data, _ := json.Marshal(out)
	w.Header().Set(bundleTrailer, string(data))
}

func (h *handler) exportEntry(w http.ResponseWriter, r *http.Request) {
	id, err := protocol.ParseCID(r.PathValue("id"))
	if err != nil {
		h.reply(w, nil, err)
		return
	}
	out, err := h.svc.ExportEntry(r.Context(), id)
	h.reply(w, out, err)
}

func (h *handler) exportAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := protocol.ParseCID(r.PathValue("id"))
	if err != nil {
		h.reply(w, nil, err)
		return
	}
	h.guard.NoWriteDeadline(w)
	// Nothing is written before the first byte of the attachment, so
	// that an attachment not held answers in the error shape.
	lw := &lazyWriter{w: w}
	err = h.svc.ExportAttachment(r.Context(), id, r.PathValue("name"), lw)
	if err != nil && !lw.started {
		h.reply(w, nil, err)
	}
}

// lazyWriter sets the headers of a file's download at its first write.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", "application/octet-stream")
		l.w.Header().Set("Content-Disposition", "attachment")
	}
	return l.w.Write(p)
}

// The client.

// Import packs the folder req.Dir and has the node import it, reading
// its progress.
func (c *Client) Import(ctx context.Context, req ImportRequest, progress Progress) (*ImportResult, error) {
	body := req.Archive
	if req.Dir != "" {
		// The folder is checked before anything is sent: a link in it
		// refuses the import here, as it does without a node.
		if err := catalogue.PackFolder(io.Discard, req.Dir); err != nil {
			return nil, err
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(catalogue.PackFolder(pw, req.Dir)) }()
		defer pr.Close()
		body = pr
	}
	name := req.Name
	if name == "" {
		name = req.Dir
	}
	v := url.Values{"name": {name}, "kind": {req.Kind}}
	var out ImportResult
	if err := c.long(ctx, http.MethodPost, "/api/v1/import?"+v.Encode(), "application/x-tar", body, progress, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportBundle sends the bundle read from r to the node, which
// imports it.
func (c *Client) ImportBundle(ctx context.Context, r io.Reader, name string, progress Progress) (*catalogue.BundleResult, error) {
	var out catalogue.BundleResult
	path := "/api/v1/bundle?" + url.Values{"name": {name}}.Encode()
	if err := c.long(ctx, http.MethodPost, path, "application/vnd.ipld.car", r, progress, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportBundle writes the node's bundle of entries ids (every one when
// none) to w.
func (c *Client) ExportBundle(ctx context.Context, w io.Writer, ids []string) (*catalogue.BundleResult, error) {
	resp, err := c.get(ctx, "/api/v1/bundle?"+url.Values{"id": ids}.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return nil, fmt.Errorf("read the node's bundle: %w", err)
	}
	var out struct {
		catalogue.BundleResult
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp.Trailer.Get(bundleTrailer)), &out); err != nil {
		return nil, fmt.Errorf("read the node's bundle: it ended without its result (did the node stop?)")
	}
	if out.Error != nil {
		return nil, out.Error
	}
	return &out.BundleResult, nil
}

// ExportIDs returns the IDs of the node's current entries.
func (c *Client) ExportIDs(ctx context.Context) ([]cid.Cid, error) {
	list, err := c.List(ctx, "")
	if err != nil {
		return nil, err
	}
	ids := make([]cid.Cid, len(list))
	for i, s := range list {
		if ids[i], err = cid.Decode(s.ID); err != nil {
			return nil, fmt.Errorf("read the node's list: %w", err)
		}
	}
	return ids, nil
}

// ExportEntry returns entry id as an export writes it.
func (c *Client) ExportEntry(ctx context.Context, id cid.Cid) (*catalogue.ExportedEntry, error) {
	var out *catalogue.ExportedEntry
	if err := c.do(ctx, http.MethodGet, "/api/v1/entries/"+id.String()+"/export", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExportAttachment writes the bytes of an attachment to w.
func (c *Client) ExportAttachment(ctx context.Context, id cid.Cid, name string, w io.Writer) error {
	resp, err := c.get(ctx, "/api/v1/entries/"+id.String()+"/attachments/"+url.PathEscape(name))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read attachment %q of %s from the node: %w", name, id, err)
	}
	return nil
}

// get sends a GET whose answer is read as a stream, as long as it
// takes: its error, if any, is answered in the API's shape.
func (c *Client) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.upload.Do(req)
	if err != nil {
		return nil, &UnreachableError{Addr: c.base, Err: err}
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, c.answer(resp, nil)
	}
	return resp, nil
}
