package web

import (
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// field is a form field, or a file when file is set, in the order a
// browser sends them.
type field struct{ name, value, file string }

// sendLarge posts the fields as multipart to path, each file holding
// size bytes, streamed as a browser sends them.
func (c *client) sendLarge(path string, fields []field, size int64) response {
	c.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, f := range fields {
			if f.file == "" {
				mw.WriteField(f.name, f.value)
				continue
			}
			w, err := mw.CreateFormFile(f.name, f.file)
			if err == nil {
				_, err = io.Copy(w, io.LimitReader(repeatByte('x'), size))
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	defer pr.Close() // stops the writer once the node has answered
	req, _ := http.NewRequest(http.MethodPost, c.e.ts.URL+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

type repeatByte byte

func (r repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestUploadTooLarge: a form whose files are over the 64 MB a
// submission may carry comes back, with 413, the message saying the
// limit and what to do, and what was typed and the files kept from an
// earlier submission; nothing is written. docs/web.md: "nothing typed
// is lost".
func TestUploadTooLarge(t *testing.T) {
	e := newEnv(t)
	marie, key := e.account("marie")
	token := marie.csrf("/publier")
	over := int64(maxUploadSize + 1<<20)

	// A preview keeps a small file in the session.
	res := marie.sendLarge("/publier", []field{{"csrf", token, ""}, {"title", "Brouillon", ""}, {"action", "apercu", ""}, {"pieces", "", "modele.csv"}}, 10)
	kept := regexp.MustCompile(`name="garder" value="([^"]+)"`).FindStringSubmatch(res.body)
	if kept == nil {
		t.Fatalf("preview kept no file:\n%s", res.body)
	}

	typed := []field{{"csrf", token, ""}, {"kind", "note", ""}, {"title", "Fiche trop lourde", ""}, {"tags", "budget, voyages", ""},
		{"body", "Le texte que j'ai tapé pendant une heure.", ""}, {"garder", kept[1], ""}}
	check := func(what string, res response, want ...string) {
		t.Helper()
		if res.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d, want 413:\n%s", what, res.status, res.body)
		}
		body := html.UnescapeString(res.body)
		for _, w := range append(want, "64 Mo", "en plusieurs fois") {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page lacks %q:\n%s", what, w, body)
			}
		}
	}

	res = marie.sendLarge("/publier", append(typed, field{"pieces", "", "video.mp4"}, field{"action", "publier", ""}), over)
	check("publish", res, `action="/publier"`, `value="Fiche trop lourde"`, `value="budget, voyages"`,
		"Le texte que j'ai tapé pendant une heure.", `name="garder" value="`+kept[1]+`"`, "modele.csv", "video.mp4")

	id := e.publish(key, map[string]any{"kind": "note", "title": "La fiche de Marie"}, "Texte.")
	d := getDoc(t, e.cat, id)
	path := "/entree/" + id + "/modifier"
	edit := []field{{"csrf", token, ""}, {"version", d.Head.String(), ""}, {"title", "Titre modifié", ""}, {"body", "Texte modifié.", ""},
		{"pieces", "", "video.mp4"}, {"action", "enregistrer", ""}}
	res = marie.sendLarge(path, edit, over)
	check("edit", res, `action="`+path+`"`, `value="Titre modifié"`, "Texte modifié.")
	if after := getDoc(t, e.cat, id); after.Head != d.Head {
		t.Errorf("an edit over the limit stored a revision")
	}
	if n, _ := e.cat.Counts(); n.Revisions != 1 {
		t.Errorf("%d revisions stored, want the one published directly", n.Revisions)
	}

	// The fields after the files cannot be read back: the CSRF token
	// among them, the page says so, with the way back to the form.
	res = marie.sendLarge("/publier", []field{{"pieces", "", "video.mp4"}, {"csrf", token, ""}, {"title", "Perdu", ""}}, over)
	check("fields after the file", res, `href="/publier"`, "n'a pas pu être relu")

	// A wrong token is refused as on any form.
	res = marie.sendLarge("/publier", append([]field{{"csrf", "faux", ""}}, field{"pieces", "", "video.mp4"}), over)
	if res.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token over the limit: status %d, want 403", res.status)
	}
}
