package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/e2e/harness"
)

// TestQuickstart walks docs/quickstart.md as it is written: every
// command of its sh blocks runs, in order, with the files its markdown
// blocks give ("Write `f.md`:" then the block). The page and the
// program cannot drift apart. The walk changes only what a test must:
//
//   - `go run ./cmd/mutu` and `./mutu` are the binary the tests built,
//     and `go build` is skipped;
//   - the nodes listen on 127.0.0.1, on ports of their own (the page's
//     --listen and --http are replaced), and `run` goes on in the
//     background: the walk waits for the node's API, and stops every
//     node at the end;
//   - `ID` is the ID the last publish printed, `CODE` the code invite
//     printed, /media/usb a folder of the test;
//   - a block introduced as on "the other bassin's machine" runs on a
//     second machine: another $HOME.
//
// Some commands' output is checked against what the page says of it.
func TestQuickstart(t *testing.T) {
	h := harness.New(t)
	steps := readQuickstart(t, filepath.Join("..", "docs", "quickstart.md"))
	base := t.TempDir()
	machines := map[string]string{"A": filepath.Join(base, "a"), "B": filepath.Join(base, "b")}
	usb := filepath.Join(base, "usb")
	for _, d := range append([]string{usb}, machines["A"], machines["B"]) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w := &walker{t: t, bin: h.Binary(), machines: machines, usb: usb}
	defer w.stopAll()
	ran := 0
	for _, s := range steps {
		dir := machines[s.machine]
		if s.file != "" {
			if err := os.WriteFile(filepath.Join(dir, s.file), []byte(s.text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w.run(s.machine, s.text)
		ran++
	}
	if ran < 15 {
		t.Fatalf("walked %d commands of docs/quickstart.md; the page has more", ran)
	}
}

// quickStep is a file to write or a command to run, on a machine.
type quickStep struct {
	machine string // "A" or "B"
	file    string // a file to write, with text as content
	text    string
}

// readQuickstart reads the steps of the page: its sh blocks' commands
// (without their comments) and the files of its markdown blocks.
func readQuickstart(t *testing.T, path string) []quickStep {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []quickStep
	var prose, block strings.Builder
	lang, file := "", ""
	writeFile := regexp.MustCompile("Write `([^`]+)`:")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case lang == "" && strings.HasPrefix(line, "```"):
			lang = strings.TrimPrefix(line, "```")
			block.Reset()
			file = ""
			if m := writeFile.FindStringSubmatch(prose.String()); m != nil {
				file = m[1]
			}
		case lang != "" && line == "```":
			machine := "A"
			if strings.Contains(prose.String(), "other bassin's machine") {
				machine = "B"
			}
			switch {
			case lang == "markdown" && file != "":
				steps = append(steps, quickStep{machine: machine, file: file, text: block.String()})
			case lang == "sh":
				for _, l := range strings.Split(block.String(), "\n") {
					if cmd, _, _ := strings.Cut(l, "#"); strings.TrimSpace(cmd) != "" {
						steps = append(steps, quickStep{machine: machine, text: strings.TrimSpace(cmd)})
					}
				}
			}
			lang = ""
			prose.Reset()
		case lang != "":
			block.WriteString(line + "\n")
		default:
			if strings.HasPrefix(line, "#") {
				prose.Reset()
			}
			prose.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return steps
}

// walker runs the page's commands.
type walker struct {
	t        *testing.T
	bin      string
	machines map[string]string
	usb      string
	id, code string
	nodes    []*exec.Cmd
	title    string // of the entry published
}

// run runs one command of the page on a machine.
func (w *walker) run(machine, line string) {
	t := w.t
	t.Helper()
	if strings.HasPrefix(line, "go build ") {
		return // the binary is built already
	}
	line = strings.ReplaceAll(line, "/media/usb", w.usb)
	args := splitArgs(t, line)
	switch {
	case len(args) >= 3 && args[0] == "go" && args[1] == "run":
		args = args[3:] // go run ./cmd/mutu ...
	case args[0] == "./mutu":
		args = args[1:]
	default:
		t.Fatalf("docs/quickstart.md: %q is not a mutu command", line)
	}
	for i, a := range args {
		switch a {
		case "ID":
			args[i] = w.id
		case "CODE":
			args[i] = w.code
		}
	}
	dir := w.machines[machine]
	verb := args[0]
	if verb == "--home" && len(args) > 2 {
		verb = args[2]
	}
	if verb == "run" {
		w.start(machine, dir, args)
		return
	}
	if verb == "edit" {
		// "edit the file and publish the change": the walk edits it.
		f, err := os.OpenFile(filepath.Join(dir, args[len(args)-1]), os.O_APPEND|os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString("\nMis à jour après le vote du budget.\n")
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(w.bin, args...)
	cmd.Dir, cmd.Env = dir, w.env(dir)
	out, err := cmd.CombinedOutput()
	t.Logf("machine %s: mutu %s\n%s", machine, strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("docs/quickstart.md: `%s` failed on machine %s: %v\n%s", line, machine, err, out)
	}
	w.check(machine, dir, args, string(out))
}

// check holds a command's output to what the page says of it, and
// keeps what later commands need.
func (w *walker) check(machine, dir string, args []string, out string) {
	t := w.t
	t.Helper()
	verb := args[0]
	if verb == "--home" {
		verb = args[2]
	}
	switch verb {
	case "publish":
		m := regexp.MustCompile(`as (bafy\w+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("publish printed no ID:\n%s", out)
		}
		w.id, w.title = m[1], "Calculer le fonds de roulement avant la DBM"
	case "list":
		if args[0] == "--home" {
			// "the first entry is there": it comes from the first node.
			w.waitFor(dir, args, w.title)
			return
		}
		if !strings.Contains(out, w.title) {
			t.Errorf("list does not show the entry published:\n%s", out)
		}
	case "search":
		if !strings.Contains(out, w.title) {
			t.Errorf("search %q does not find the entry:\n%s", args[1], out)
		}
	case "show":
		if !strings.Contains(out, "title: Calculer le fonds de roulement") {
			t.Errorf("show does not print the entry:\n%s", out)
		}
	case "history":
		if strings.Count(out, "put") < 2 {
			t.Errorf("history after an edit lists fewer than two revisions:\n%s", out)
		}
	case "invite":
		m := regexp.MustCompile(`mutu1\w+`).FindString(out)
		if m == "" {
			t.Fatalf("invite printed no code:\n%s", out)
		}
		w.code = m
	case "bundle":
		if args[len(args)-2] == "import" && !strings.Contains(out, "(0 new)") {
			t.Errorf("bundle import into a node that has the entries stored some again:\n%s", out)
		}
	}
}

// waitFor runs args until their output holds want, for up to a minute:
// what a node fetches from another takes a moment.
func (w *walker) waitFor(dir string, args []string, want string) {
	t := w.t
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cmd := exec.Command(w.bin, args...)
		cmd.Dir, cmd.Env = dir, w.env(dir)
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute, mutu %s does not show %q:\n%s", strings.Join(args, " "), want, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// start starts a node in the background on 127.0.0.1 and waits for its
// API.
func (w *walker) start(machine, dir string, args []string) {
	t := w.t
	t.Helper()
	var kept []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--listen" || args[i] == "--http" {
			i++
			continue
		}
		kept = append(kept, args[i])
	}
	kept = append(kept, "--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1", "--http", "127.0.0.1:0")
	home := filepath.Join(dir, ".local", "share", "mutu")
	if kept[0] == "--home" {
		home = filepath.Join(dir, kept[1])
	}
	logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("node-%d.log", len(w.nodes))))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, kept...)
	cmd.Dir, cmd.Env = dir, w.env(dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.nodes = append(w.nodes, cmd)
	t.Logf("machine %s: started mutu %s", machine, strings.Join(kept, " "))
	deadline := time.Now().Add(time.Minute)
	for {
		if addr, err := os.ReadFile(filepath.Join(home, "api")); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+strings.TrimSpace(string(addr))+"/api/v1/status", nil)
			resp, err := http.DefaultClient.Do(req)
			cancel()
			if err == nil {
				resp.Body.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("the node of %s did not answer within a minute:\n%s", home, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopAll stops the nodes the walk started, as Ctrl-C does.
func (w *walker) stopAll() {
	for _, cmd := range w.nodes {
		_ = cmd.Process.Signal(os.Interrupt)
	}
	for _, cmd := range w.nodes {
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			w.t.Errorf("a node did not stop within 10 s of Ctrl-C")
		}
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// env is the environment of a command on a machine whose $HOME is dir.
func (w *walker) env(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "HOME" || k == "MUTU_HOME" || k == "XDG_DATA_HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+dir)
}

// splitArgs splits a command line of the page: words, and double-quoted
// strings.
func splitArgs(t *testing.T, line string) []string {
	var args []string
	for rest := strings.TrimSpace(line); rest != ""; rest = strings.TrimSpace(rest) {
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				t.Fatalf("docs/quickstart.md: unterminated quote in %q", line)
			}
			args = append(args, rest[1:end+1])
			rest = rest[end+2:]
			continue
		}
		word, after, _ := strings.Cut(rest, " ")
		args = append(args, word)
		rest = after
	}
	return args
}
