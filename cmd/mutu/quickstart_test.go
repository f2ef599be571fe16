package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestQuickstart runs docs/quickstart.md as it is written: the page is
// turned into a script (quickstartScript says how), which testscript
// runs. Every command of its sh blocks runs, in order, with the files
// its markdown blocks give, on two machines (two $HOMEs) and three
// nodes, two of them on one machine; some outputs are checked against
// what the page says of them. The page and the program cannot drift
// apart.
func TestQuickstart(t *testing.T) {
	steps := readQuickstart(t, filepath.Join("..", "..", "docs", "quickstart.md"))
	script := quickstartScript(t, steps)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "quickstart.txtar"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"capture":    cmdCapture,
			"waitnode":   cmdWaitNode,
			"eventually": cmdEventually,
			"append":     cmdAppend,
		},
		RequireExplicitExec: true,
	})
}

// quickStep is a file to write or a command to run, on a machine.
type quickStep struct {
	machine string // "a", or "b" for "the other bassin's machine"
	file    string // a file to write, with text as content
	text    string
}

// readQuickstart reads the steps of the page: its sh blocks' commands
// (without their comments) and the files of its markdown blocks, those
// introduced by "Write `f.md`:".
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
			machine := "a"
			if strings.Contains(prose.String(), "other bassin's machine") {
				machine = "b"
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

// quickTitle is the title of the page's entry, which the checks look for.
const quickTitle = "Calculer le fonds de roulement avant la DBM"

// quickstartScript turns the page's steps into a testscript, changing
// only what a test must:
//
//   - `go run ./cmd/mutu` and `./mutu` are `exec mutu`, and `go build`
//     is left out;
//   - a machine is a folder of $WORK that is also its $HOME, so the
//     default home is the page's (~/.local/share/mutu);
//   - the nodes listen on 127.0.0.1, on ports of their own (the page's
//     --listen and --http are replaced), and `run` goes on in the
//     background: the script waits for the node's API, and stops every
//     node with Ctrl-C at the end;
//   - `ID` is the ID the last publish printed, `CODE` the code invite
//     printed, /media/usb a folder of the test;
//   - "edit the file and publish the change": the script adds a line.
func quickstartScript(t *testing.T, steps []quickStep) []byte {
	t.Helper()
	var s strings.Builder
	ar := &txtar.Archive{}
	line := func(format string, args ...any) { fmt.Fprintf(&s, format+"\n", args...) }
	line("# Generated from docs/quickstart.md by TestQuickstart.")
	line("mkdir usb a b")
	machine, nodes, ran := "", 0, 0
	for _, st := range steps {
		if st.file != "" {
			ar.Files = append(ar.Files, txtar.File{Name: st.machine + "/" + st.file, Data: []byte(st.text)})
			continue
		}
		if strings.HasPrefix(st.text, "go build ") {
			continue
		}
		if st.machine != machine {
			machine = st.machine
			line("cd $WORK/%s", machine)
			line("env HOME=$WORK/%s", machine)
		}
		args := quickArgs(t, strings.ReplaceAll(st.text, "/media/usb", "$WORK/usb"))
		home := "$WORK/" + machine + "/.local/share/mutu"
		verb := args[0]
		if verb == "--home" && len(args) > 2 {
			home = "$WORK/" + machine + "/" + args[1]
			verb = args[2]
		}
		ran++
		switch verb {
		case "run":
			var kept []string
			for i := 0; i < len(args); i++ {
				if args[i] == "--listen" || args[i] == "--http" {
					i++
					continue
				}
				kept = append(kept, args[i])
			}
			kept = append(kept, "--listen", "/ip4/127.0.0.1/tcp/0", "--listen", "/ip4/127.0.0.1/udp/0/quic-v1", "--http", "127.0.0.1:0")
			line("exec mutu %s &node%d&", strings.Join(kept, " "), nodes)
			line("waitnode %s", home)
			nodes++
			continue
		case "edit":
			line("append %s 'Mis à jour après le vote du budget.'", args[len(args)-1])
		case "list":
			if args[0] == "--home" {
				// "the first entry is there": it comes from the first node.
				line("eventually %s mutu %s", quote(quickTitle), strings.Join(args, " "))
			}
		}
		line("exec mutu %s", strings.Join(args, " "))
		switch verb {
		case "publish":
			line("capture ID 'as (bafy\\w+)'")
		case "list", "search":
			line("stdout %s", quote(quickTitle))
		case "show":
			line("stdout 'title: Calculer le fonds de roulement'")
		case "history":
			line("stdout '(?s)put.*put'")
		case "invite":
			line("capture CODE '(mutu[12]\\w+)'")
		case "bundle":
			if args[len(args)-2] == "import" {
				line("stdout '\\(0 new\\)'")
			}
		}
	}
	if ran < 15 {
		t.Fatalf("docs/quickstart.md has %d commands; the page has more", ran)
	}
	line("")
	line("# Ctrl-C stops every node, which exits cleanly.")
	line("kill -INT")
	line("wait")
	ar.Comment = []byte(s.String())
	return txtar.Format(ar)
}

// quickArgs splits a command of the page into the arguments of mutu,
// quoted for a script, with ID and CODE as variables.
func quickArgs(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	for rest := strings.TrimSpace(line); rest != ""; rest = strings.TrimSpace(rest) {
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				t.Fatalf("docs/quickstart.md: unterminated quote in %q", line)
			}
			words = append(words, rest[1:end+1])
			rest = rest[end+2:]
			continue
		}
		word, after, _ := strings.Cut(rest, " ")
		words = append(words, word)
		rest = after
	}
	switch {
	case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/mutu":
		words = words[3:]
	case len(words) >= 1 && words[0] == "./mutu":
		words = words[1:]
	default:
		t.Fatalf("docs/quickstart.md: %q is not a mutu command", line)
	}
	if len(words) == 0 {
		t.Fatalf("docs/quickstart.md: %q runs mutu without a command", line)
	}
	for i, w := range words {
		switch w {
		case "ID", "CODE":
			words[i] = "$" + w
		default:
			words[i] = quote(w)
		}
	}
	return words
}

// quote quotes a word for a script when it needs it.
func quote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t'#") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", "''") + "'"
}

// eventually REGEXP COMMAND ARGS...: runs the command until its stdout
// matches, for up to a minute (what a node fetches from another takes
// a moment).
func cmdEventually(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: eventually REGEXP COMMAND ARGS...")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	deadline := time.Now().Add(time.Minute)
	for {
		if err := ts.Exec(args[1], args[2:]...); err == nil && re.MatchString(ts.ReadFile("stdout")) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("after a minute, %s does not print %q", strings.Join(args[1:], " "), args[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// append FILE TEXT: adds a line to a file, as someone editing it would.
func cmdAppend(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: append FILE TEXT")
	}
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_WRONLY, 0)
	ts.Check(err)
	_, err = fmt.Fprintf(f, "\n%s\n", args[1])
	ts.Check(err)
	ts.Check(f.Close())
}
