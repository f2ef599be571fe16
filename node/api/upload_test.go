package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
)

// newDiskServer serves a Local over a catalogue on disk (an in-memory
// store holds no block of 1 MiB) and returns a client for it.
func newDiskServer(t *testing.T) (*httptest.Server, *Client, *Local) {
	t.Helper()
	srv, l := newServer(t, t.TempDir(), catalogue.Options{NoSync: true})
	return srv, NewClient(strings.TrimPrefix(srv.URL, "http://"), "token"), l
}

// pattern is n bytes that are not all the same, read without being
// held in memory.
func pattern(n int64) io.Reader {
	return io.LimitReader(&counter{}, n)
}

type counter struct{ i int }

func (c *counter) Read(p []byte) (int, error) {
	for j := range p {
		p[j] = byte(c.i * 7 / 4093)
		c.i++
	}
	return len(p), nil
}

const note = "---\ntitle: Régie\n---\nCorps.\n"

// TestStreamedAttachments: attachments streamed through the API, as
// the mutu command sends them, may be larger than a JSON request may
// be, on a publish and on an edit; the node stores them whole.
func TestStreamedAttachments(t *testing.T) {
	_, c, _ := newDiskServer(t)
	ctx := context.Background()
	size := int64(MaxRequestSize + 3<<20)
	out, err := c.Publish(ctx, PublishRequest{
		Files:       []Upload{{Name: "f.md", Data: []byte(note)}},
		Attachments: []Upload{{Name: "gros.bin", Body: pattern(size)}, {Name: "petit.txt", Data: []byte("petit")}},
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	p, err := c.Edit(ctx, EditRequest{ID: out[0].ID, File: Upload{Name: "f.md", Data: []byte(note)},
		Attachments: []Upload{{Name: "autre.bin", Type: "application/x-test", Body: pattern(2 << 20)}}, Drop: []string{"petit.txt"}})
	if err != nil || p.Unchanged {
		t.Fatalf("edit: %+v %v", p, err)
	}
	e, err := c.Show(ctx, out[0].ID, ShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != 2 || e.Attachments[0].Size != uint64(size) || e.Attachments[1].Size != 2<<20 ||
		e.Attachments[1].Type != "application/x-test" || !e.Attachments[0].Held {
		t.Fatalf("attachments %+v, want gros.bin of %d bytes and autre.bin of 2 MiB", e.Attachments, size)
	}
}

// TestStreamedAttachmentInvalidEntry: when the entry is invalid, the
// node answers before reading the attachment, and the client gets that
// answer, the problems listed, not a broken connection.
func TestStreamedAttachmentInvalidEntry(t *testing.T) {
	_, c, l := newDiskServer(t)
	for range 3 {
		_, err := c.Publish(context.Background(), PublishRequest{
			Files:       []Upload{{Name: "f.md", Data: []byte("---\ntitle: Régie\nreview_by: 2025-13-40\n---\nCorps.\n")}},
			Attachments: []Upload{{Name: "gros.bin", Body: pattern(40 << 20)}},
		})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindInput || len(e.Problems) != 1 || e.Problems[0].Key != "review_by" {
			t.Fatalf("err = %v, want the problem with review_by", err)
		}
	}
	if n, _ := l.Cat.Counts(); n.Revisions != 0 {
		t.Fatalf("%d revisions stored", n.Revisions)
	}
}

// TestMultipartRequestErrors: a multipart write that does not follow
// the form (docs/api.md) is answered 422 saying what is wrong.
func TestMultipartRequestErrors(t *testing.T) {
	srv, _, l := newDiskServer(t)
	req := `{"files":[{"name":"f.md","data":"` + "LS0tCnRpdGxlOiBSw6lnaWUKLS0tCkNvcnBzLgo=" + `"}],"attachments":[{"name":"a.bin"}]}`
	type part struct{ name, file, body string }
	for _, tc := range []struct {
		name  string
		parts []part
		want  string
	}{
		{"request not first", []part{{"attachment", "a.bin", "x"}, {"request", "", req}}, `must be "request"`},
		{"attachment missing", []part{{"request", "", req}}, `attachment "a.bin" is missing`},
		{"wrong part name", []part{{"request", "", req}, {"fichier", "a.bin", "x"}}, `"fichier"`},
		{"data in the request", []part{{"request", "", strings.Replace(req, `"a.bin"`, `"a.bin","data":"eA=="`, 1)}, {"attachment", "a.bin", "x"}}, "has data"},
		{"bad JSON", []part{{"request", "", "{"}}, "request part"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for _, p := range tc.parts {
				var w io.Writer
				if p.file != "" {
					w, _ = mw.CreateFormFile(p.name, p.file)
				} else {
					w, _ = mw.CreateFormField(p.name)
				}
				io.WriteString(w, p.body)
			}
			mw.Close()
			r, _ := http.NewRequest("POST", srv.URL+"/api/v1/entries", &b)
			r.Header.Set("Authorization", "Bearer token")
			r.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			e := apiError(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || e.Kind != KindInput || !strings.Contains(e.Message, tc.want) {
				t.Errorf("%d %+v, want 422, kind input, and %q", resp.StatusCode, e, tc.want)
			}
		})
	}
	if n, _ := l.Cat.Counts(); n.Revisions != 0 {
		t.Fatalf("%d revisions stored", n.Revisions)
	}
}

// TestMultipartRequestTooLarge: the request part of a multipart write
// is capped like a JSON body: 413, kind too_large.
func TestMultipartRequestTooLarge(t *testing.T) {
	srv, _, _ := newDiskServer(t)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormField("request")
		io.WriteString(w, `{"files":[{"name":"a.md","data":"`)
		io.Copy(w, io.LimitReader(repeat('A'), MaxRequestSize))
		io.WriteString(w, `"}]}`)
		pw.CloseWithError(mw.Close())
	}()
	defer pr.Close()
	r, _ := http.NewRequest("POST", srv.URL+"/api/v1/entries", pr)
	r.Header.Set("Authorization", "Bearer token")
	r.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	e := apiError(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Kind != KindTooLarge {
		t.Errorf("%d %+v, want 413 and kind %q", resp.StatusCode, e, KindTooLarge)
	}
}

// TestStreamedAttachmentNamesTravel: an attachment may have any name
// a file may have, control characters included; streamed to a running
// node, it keeps it, as it does without one (the name travels in the
// request part, not in a part's header, where CR, LF or ESC break it).
func TestStreamedAttachmentNamesTravel(t *testing.T) {
	_, c, _ := newDiskServer(t)
	ctx := context.Background()
	names := []string{"a\x1b[31mrouge.txt", "ligne\r\nsuivante.txt", `guillemet".txt`}
	var atts []Upload
	for _, n := range names {
		atts = append(atts, Upload{Name: n, Body: strings.NewReader("contenu de " + n)})
	}
	out, err := c.Publish(ctx, PublishRequest{Files: []Upload{{Name: "f.md", Data: []byte(note)}}, Attachments: atts})
	if err != nil {
		t.Fatalf("publish through the node: %v", err)
	}
	e, err := c.Show(ctx, out[0].ID, ShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		if i >= len(e.Attachments) || e.Attachments[i].Name != n {
			t.Fatalf("attachments %+v, want %q", e.Attachments, names)
		}
	}
}
