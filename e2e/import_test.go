package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mutu-network/mutu/e2e/harness"
)

// storeHolds reports which of the needles appear in a file of the
// node's catalogue (its badger store and search index).
func storeHolds(t *testing.T, n *harness.Node, needles map[string][]byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(filepath.Join(n.Home, "catalogue"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for what, needle := range needles {
			if bytes.Contains(data, needle) {
				found = append(found, what+" in "+p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestImportRefusesLinkToAuthorKey: a folder to import (someone
// else's export, unpacked) holds an entry whose attachment is a
// symbolic link to the node's own author key. The import is refused
// with exit code 1, naming the link, nothing is published (not even
// the folder's valid entry), and the key's bytes are in no file of the
// store: once published, the key would have gone to the whole network
// for good.
func TestImportRefusesLinkToAuthorKey(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("A").Init()
	keyPath := filepath.Join(a.Home, "author.key")
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatalf("%s is not PEM", keyPath)
	}
	secret := map[string][]byte{
		"the key file":     keyPEM,
		"the seed, base64": []byte(base64.StdEncoding.EncodeToString(block.Bytes)),
		"the seed":         block.Bytes,
	}

	dir := filepath.Join(h.Dir(), "export-recu")
	if err := os.MkdirAll(filepath.Join(dir, "fiche"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "fiche.md"), "---\ntitle: Modèle de convention\nattachments:\n  - name: convention.odt\n    size: 200\n---\nLe modèle est joint.\n")
	write(filepath.Join(dir, "autre.md"), note("Régie de recettes : encaissements", "Une fiche valide du même dossier."))
	link := filepath.Join(dir, "fiche", "convention.odt")
	if err := os.Symlink(keyPath, link); err != nil {
		t.Fatal(err)
	}

	res := a.Run("import", dir)
	if res.Code != 1 {
		t.Errorf("import: exit %d, want 1\n%v", res.Code, res)
	}
	for _, want := range []string{link, "symbolic link", "nothing imported"} {
		if !strings.Contains(string(res.Stderr), want) {
			t.Errorf("import: stderr lacks %q\n%v", want, res)
		}
	}
	if list := a.List(); len(list) != 0 {
		t.Errorf("after a refused import the node lists %d entries, want none", len(list))
	}
	if found := storeHolds(t, a, secret); len(found) > 0 {
		t.Errorf("the author key reached the store: %s", strings.Join(found, "; "))
	}

	// The search above can find what the store holds: an attachment
	// published on purpose is found in its files.
	marker := make([]byte, 16)
	rand.Read(marker)
	att := filepath.Join(h.Dir(), "piece.txt")
	write(att, "marqueur "+hex.EncodeToString(marker))
	a.MustRun("publish", a.WriteEntry(note("Pièce jointe témoin", "Pour vérifier la recherche dans le magasin.")), "--attach", att)
	if found := storeHolds(t, a, map[string][]byte{"marker": []byte(hex.EncodeToString(marker))}); len(found) == 0 {
		t.Errorf("the store's files do not show a published attachment: the check above proves nothing")
	}
}
