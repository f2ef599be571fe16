package api

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeWrite checks the server's reading of a multipart write
// (decodeWrite and the attachment parts it hands out): whatever the
// body, it never panics, reads within its caps, and every refusal is
// wrong input or too large, never an internal error.
func FuzzDecodeWrite(f *testing.F) {
	seed := func(req any, atts []Upload) []byte {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.SetBoundary("fuzzboundary"); err != nil {
			f.Fatal(err)
		}
		if err := writeParts(mw, req, atts); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	atts := []Upload{{Name: "acte.odt", Body: strings.NewReader("acte")}, {Name: "budget.ods", Body: strings.NewReader("tableur")}}
	good := seed(PublishRequest{Files: []Upload{{Name: "f.md", Data: []byte("---\ntitle: T\n---\n")}}, Attachments: listed(atts)}, atts)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte(`name="attachment"`), []byte(`name="autre"`), 1))
	f.Add(seed(PublishRequest{Attachments: []Upload{{Name: "a", Data: []byte("x")}}}, nil))
	f.Add(seed(PublishRequest{Attachments: listed(atts)}, atts[:1]))
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{\"attachments\":[{\"name\":\"a\"}]}\r\n--fuzzboundary--\r\n"))
	f.Add([]byte("--fuzzboundary\r\n\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/entries", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=fuzzboundary")
		var req PublishRequest
		err := decodeWrite(httptest.NewRecorder(), r, &req, &req.Attachments)
		for i := 0; err == nil && i < len(req.Attachments); i++ {
			// The service reads each attachment to the end, in order.
			_, err = io.Copy(io.Discard, req.Attachments[i].Body)
		}
		if err == nil {
			return
		}
		if k := ErrorOf(err).Kind; k != KindInput && k != KindTooLarge {
			t.Fatalf("error of kind %q, want input or too_large: %v", k, err)
		}
	})
}
