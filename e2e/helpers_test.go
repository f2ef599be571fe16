package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// note returns the Markdown file of a note: front matter and body.
func note(title, body string, tags ...string) string {
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %q\n", title)
	if len(tags) > 0 {
		fmt.Fprintf(&b, "tags: [%s]\n", strings.Join(tags, ", "))
	}
	b.WriteString("category: regies\naudience: [gestionnaire]\n---\n")
	b.WriteString(body)
	b.WriteString("\n")
	return b.String()
}

// notes returns count notes whose titles and bodies carry word, so
// that a search for it finds them all, numbered from 1.
func notes(count int, word, prefix string) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = note(
			fmt.Sprintf("%s %04d : fiche de %s", prefix, i+1, word),
			fmt.Sprintf("Fiche numéro %d (%s) du lot de %s : contrôle de la régie d'avances, pièces justificatives et bordereaux.", i+1, prefix, word),
			"essai")
	}
	return out
}

// publishedIDs returns the entry IDs of publish results.
func publishedIDs(ps ...[]harness.Published) []string {
	var out []string
	for _, list := range ps {
		for _, p := range list {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// diffIDs describes how got differs from want (both sorted), or
// returns "" when they are equal.
func diffIDs(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	var missing, extra []string
	for _, id := range want {
		if _, ok := slices.BinarySearch(got, id); !ok {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		if _, ok := slices.BinarySearch(want, id); !ok {
			extra = append(extra, id)
		}
	}
	return fmt.Sprintf("%d entries, want %d: %d missing %s, %d extra %s",
		len(got), len(want), len(missing), sample(missing), len(extra), sample(extra))
}

// sample shows the first few IDs of a list.
func sample(ids []string) string {
	if len(ids) > 3 {
		return fmt.Sprintf("%v…", ids[:3])
	}
	return fmt.Sprint(ids)
}

// listIDs reads the IDs of a running node's current entries through the
// API.
func listIDs(n *harness.Node) ([]string, error) {
	var list []harness.Summary
	if err := n.Get("/api/v1/entries", &list); err != nil {
		return nil, err
	}
	return harness.IDs(list), nil
}

// connectTimeout bounds the wait for nodes given each other as --peer
// to connect.
const connectTimeout = 30 * time.Second

// awaitPeers waits until every node has exactly the given number of
// peers connected.
func awaitPeers(h *harness.Harness, want map[*harness.Node]int) {
	h.WaitFor(connectTimeout, "the nodes to connect", func() error {
		for n, w := range want {
			st, err := n.GetStatus()
			if err != nil {
				return err
			}
			if st.PeersConnected != w {
				return fmt.Errorf("node %s has %d peers connected, want %d", n.Name, st.PeersConnected, w)
			}
		}
		return nil
	})
}

// searchPage is the most hits one search returns (the search package's
// MaxLimit; larger limits are refused).
const searchPage = 100

// searchAll pages through every hit of a search and returns the hit
// IDs, sorted, and the total the search announced. page reads the hits
// from offset on.
func searchAll(page func(offset int) (harness.SearchResult, error)) ([]string, uint64, error) {
	var ids []string
	var total uint64
	for offset := 0; offset < 100*searchPage; offset += searchPage {
		res, err := page(offset)
		if err != nil {
			return nil, 0, err
		}
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		total = res.Total
		if len(res.Hits) == 0 || uint64(offset+len(res.Hits)) >= total {
			break
		}
	}
	slices.Sort(ids)
	return ids, total, nil
}

// searchAPI searches a running node through its API.
func searchAPI(n *harness.Node, query string) ([]string, uint64, error) {
	return searchAll(func(offset int) (harness.SearchResult, error) {
		var res harness.SearchResult
		v := url.Values{"q": {query}, "limit": {strconv.Itoa(searchPage)}, "offset": {strconv.Itoa(offset)}}
		err := n.Get("/api/v1/search?"+v.Encode(), &res)
		return res, err
	})
}

// searchCLI searches with mutu search.
func searchCLI(n *harness.Node, query string) []string {
	ids, _, _ := searchAll(func(offset int) (harness.SearchResult, error) {
		return n.Search(query, "--limit", strconv.Itoa(searchPage), "--offset", strconv.Itoa(offset)), nil
	})
	return ids
}

// mustStatus reads a running node's status through its API.
func mustStatus(t *testing.T, n *harness.Node) harness.Status {
	t.Helper()
	st, err := n.GetStatus()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// sorted returns the strings sorted.
func sorted(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
