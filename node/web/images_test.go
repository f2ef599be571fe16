package web

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/catalogue"
)

// testImage encodes a small picture in format: png, jpeg or gif.
func testImage(t *testing.T, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 120, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpImage is the smallest lossless WebP picture (1×1).
var webpImage = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// TestAttachedImagesAreShown: the entry page shows its attached PNG,
// JPEG, GIF and WebP images with <img>, from an address of the node
// that sends each with the type its bytes say and nosniff; SVG, other
// files and files that only claim to be images are not shown, and
// their image address refuses them.
func TestAttachedImagesAreShown(t *testing.T) {
	e := newEnv(t)
	pngData := testImage(t, "png")
	note := e.publish(nil, map[string]any{"title": "Plan du self"}, "Voir le plan.",
		catalogue.File{Name: "plan.png", Type: "image/png", Data: bytes.NewReader(pngData)},
		catalogue.File{Name: "photo.jpg", Data: bytes.NewReader(testImage(t, "jpeg"))},
		catalogue.File{Name: "anim.gif", Type: "image/gif", Data: bytes.NewReader(testImage(t, "gif"))},
		catalogue.File{Name: "petit.webp", Type: "image/webp", Data: bytes.NewReader(webpImage)},
		// Says it is a PNG; is a page with a script.
		catalogue.File{Name: "faux.png", Type: "image/png", Data: strings.NewReader("<html><script>window.__pwned=1</script></html>")},
		// Says it is a JPEG; is a PNG: sent as what it is.
		catalogue.File{Name: "menteur.jpg", Type: "image/jpeg", Data: bytes.NewReader(pngData)},
		catalogue.File{Name: "dessin.svg", Type: "image/svg+xml", Data: strings.NewReader(hostileSVG)},
		catalogue.File{Name: "bareme.csv", Type: "text/csv", Data: strings.NewReader("a;b\n")},
	)
	c := e.client()
	page := c.get("/entree/" + note)
	for _, name := range []string{"plan.png", "photo.jpg", "anim.gif", "petit.webp", "faux.png", "menteur.jpg"} {
		if want := `<img src="/entree/` + note + `/image/` + name + `"`; !strings.Contains(page.body, want) {
			t.Errorf("the entry page does not show %s:\n%s", name, want)
		}
	}
	for _, name := range []string{"dessin.svg", "bareme.csv"} {
		if strings.Contains(page.body, "/image/"+name) {
			t.Errorf("the entry page shows %s as an image", name)
		}
		if !strings.Contains(page.body, "/piece/"+name) {
			t.Errorf("the entry page does not list %s for download", name)
		}
	}
	if !strings.Contains(page.body, typo("Images jointes")) || !strings.Contains(page.body, `alt="`+typo("Image jointe « plan.png »")+`"`) {
		t.Errorf("the images have no heading or no text for screen readers")
	}

	for _, tt := range []struct{ name, typ string }{
		{"plan.png", "image/png"}, {"photo.jpg", "image/jpeg"}, {"anim.gif", "image/gif"},
		{"petit.webp", "image/webp"}, {"menteur.jpg", "image/png"},
	} {
		res := c.get("/entree/" + note + "/image/" + tt.name)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != tt.typ || res.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(res.header.Get("Content-Disposition"), "inline") || !strings.Contains(res.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("GET image %s: %d, headers %v; want 200, %s, nosniff, inline, sandbox", tt.name, res.status, res.header, tt.typ)
		}
		if tt.name == "plan.png" && res.body != string(pngData) {
			t.Errorf("GET image plan.png: %d bytes, want the %d published", len(res.body), len(pngData))
		}
	}
	for _, tt := range []struct {
		name   string
		status int
	}{{"faux.png", http.StatusUnsupportedMediaType}, {"dessin.svg", http.StatusNotFound}, {"bareme.csv", http.StatusNotFound}, {"absente.png", http.StatusNotFound}} {
		res := c.get("/entree/" + note + "/image/" + tt.name)
		if res.status != tt.status || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || strings.Contains(res.body, "__pwned") {
			t.Errorf("GET image %s: %d %q, want %d and a page that says why", tt.name, res.status, res.header.Get("Content-Type"), tt.status)
		}
	}
	// The attachment address stays a download.
	if res := c.get("/entree/" + note + "/piece/plan.png"); !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the attachment address of an image is not a download: %v", res.header)
	}
}

// TestLargeImageIsNotShown: an image over maxInlineImage is listed for
// download, not loaded in the page.
func TestLargeImageIsNotShown(t *testing.T) {
	// On disk: the in-memory store holds no block of 1 MiB.
	e := newEnvWith(t, t.TempDir(), catalogue.Options{})
	big := append(testImage(t, "png"), make([]byte, maxInlineImage)...)
	note := e.publish(nil, map[string]any{"title": "Grand plan"}, "Texte.", catalogue.File{Name: "grand.png", Type: "image/png", Data: bytes.NewReader(big)})
	c := e.client()
	page := c.get("/entree/" + note)
	if strings.Contains(page.body, "<img") || !strings.Contains(page.body, "/piece/grand.png") {
		t.Errorf("an image over %d bytes is shown, or not listed", maxInlineImage)
	}
	if res := c.get("/entree/" + note + "/image/grand.png"); res.status != http.StatusNotFound {
		t.Errorf("GET a large image: %d, want 404", res.status)
	}
}
