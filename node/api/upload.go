package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sync"

	"github.com/mutu-network/mutu/protocol"
)

// A write whose attachments are streamed (Upload.Body) goes to the API
// as multipart/form-data rather than JSON, so that an attachment may be
// as large as the catalogue takes (1 GiB) while neither side holds it
// in memory. See docs/api.md, "Large attachments":
//
//   - the first part, named "request", is the JSON request
//     (PublishRequest or EditRequest), its attachments listed by name
//     and type, without data;
//   - then one part per attachment listed, named "attachment", in the
//     order of the list.
//
// The JSON part is capped at MaxRequestSize, each attachment at
// protocol.MaxAttachmentSize.
const (
	partRequest    = "request"
	partAttachment = "attachment"
)

// content returns what the upload holds.
func (u Upload) content() io.Reader {
	if u.Body != nil {
		return u.Body
	}
	return bytes.NewReader(u.Data)
}

// streamed reports whether any of us has a Body.
func streamed(us []Upload) bool {
	for _, u := range us {
		if u.Body != nil {
			return true
		}
	}
	return false
}

// listed returns us by name and type only, as the request part of a
// multipart write lists them.
func listed(us []Upload) []Upload {
	out := make([]Upload, len(us))
	for i, u := range us {
		out[i] = Upload{Name: u.Name, Type: u.Type}
	}
	return out
}

// decodeWrite reads the body of a write into req, whose attachments
// atts points to: JSON, or multipart as above, whose attachments it
// sets to read their parts as the service consumes them.
func decodeWrite(w http.ResponseWriter, r *http.Request, req any, atts *[]Upload) error {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestSize)
		return decode(r, req)
	}
	body := &cappedReader{r: r.Body, left: MaxRequestSize}
	mr := multipart.NewReader(body, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		return badPart(err, "the request part")
	}
	if p.FormName() != partRequest {
		return inputErrorf("multipart request: the first part is %q; it must be %q, the JSON request", p.FormName(), partRequest)
	}
	if err := json.NewDecoder(p).Decode(req); err != nil {
		return badPart(err, "the request part")
	}
	if len(*atts) > protocol.MaxAttachments {
		return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("%d attachments; an entry has at most %d", len(*atts), protocol.MaxAttachments)}
	}
	// Each part may now hold a whole attachment, and a little more for
	// its headers.
	body.left += int64(len(*atts)) * (protocol.MaxAttachmentSize + 64<<10)
	seq := &partSequence{mr: mr}
	for i := range *atts {
		a := &(*atts)[i]
		if len(a.Data) > 0 {
			return inputErrorf("multipart request: attachment %q has data in the request part; send it as a part %q", a.Name, partAttachment)
		}
		a.Body = &partReader{seq: seq, index: i, name: a.Name}
	}
	return nil
}

// badPart turns an error reading a part of a multipart write into an
// API error.
func badPart(err error, what string) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return inputErrorf("multipart request: %s: %v", what, err)
}

// cappedReader reads r and fails with a too_large error past left
// bytes. decodeWrite raises left once it knows the attachments.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, &Error{Kind: KindTooLarge, Message: "the request is over its limit: 64 MiB for the request part, 1 GiB for each attachment"}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// partSequence hands out the attachment parts of a multipart write in
// order. The service reads its attachments one after the other, each
// to the end, as catalogue.Publish and Edit do.
type partSequence struct {
	mr   *multipart.Reader
	next int // index of the next part to open
}

// partReader reads attachment index of a multipart write.
type partReader struct {
	seq   *partSequence
	index int
	name  string
	part  *multipart.Part // nil until the first Read
}

func (r *partReader) Read(p []byte) (int, error) {
	if r.part == nil {
		if r.seq.next != r.index {
			return 0, fmt.Errorf("attachment %q read out of order (part %d of %d opened)", r.name, r.index+1, r.seq.next)
		}
		part, err := r.seq.mr.NextPart()
		if err == io.EOF {
			return 0, inputErrorf("multipart request: the part of attachment %q is missing (parts come in the order of the list)", r.name)
		}
		if err != nil {
			return 0, badPart(err, fmt.Sprintf("attachment %q", r.name))
		}
		if part.FormName() != partAttachment {
			return 0, inputErrorf("multipart request: part %d is %q; attachments are parts %q", r.index+2, part.FormName(), partAttachment)
		}
		r.part = part
		r.seq.next++
	}
	n, err := r.part.Read(p)
	if err != nil && err != io.EOF {
		return n, badPart(err, fmt.Sprintf("attachment %q, cut short", r.name))
	}
	return n, err
}

// doUpload sends a write whose attachments atts (those of req) are
// streamed, as multipart. The parts are written by a goroutine as the
// node reads them; it ends before doUpload returns.
func (c *Client) doUpload(ctx context.Context, method, path string, req any, atts []Upload, out any) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pw.CloseWithError(writeParts(mw, req, atts))
	}()
	err := c.send(ctx, c.upload, method, path, mw.FormDataContentType(), pr, out)
	// The node may answer (an invalid entry) before it has read every
	// part: stop writing them.
	pr.CloseWithError(errors.New("the node has answered"))
	wg.Wait()
	return err
}

// writeParts writes the parts of a multipart write and closes mw.
func writeParts(mw *multipart.Writer, req any, atts []Upload) error {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="`+partRequest+`"`)
	h.Set("Content-Type", "application/json")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(w).Encode(req); err != nil {
		return err
	}
	// The attachments' names are in the request part: a part's header
	// carries none, so that any name a file may have (CR, LF, ESC)
	// travels, as it does without a node.
	ah := make(textproto.MIMEHeader)
	ah.Set("Content-Disposition", `form-data; name="`+partAttachment+`"`)
	ah.Set("Content-Type", "application/octet-stream")
	for _, a := range atts {
		w, err := mw.CreatePart(ah)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, a.content()); err != nil {
			return fmt.Errorf("read attachment %s: %w", a.Name, err)
		}
	}
	return mw.Close()
}
