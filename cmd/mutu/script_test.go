package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"

	"github.com/mutu-network/mutu/catalogue/entry"
)

// TestMain runs the tests, and the mutu command when a script execs
// it. The tests fail if a goroutine outlives them: a command run
// in-process must end everything it started.
func TestMain(m *testing.M) {
	testscript.Main(leakChecked{m}, map[string]func(){
		"mutu": func() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// leakChecked runs the tests, then fails the run if goroutines were
// left behind.
type leakChecked struct{ m *testing.M }

func (l leakChecked) Run() int {
	ignore := goleak.IgnoreCurrent()
	code := l.m.Run()
	if err := goleak.Find(ignore); err != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "goroutines left behind by the tests: %v\n", err)
		return 1
	}
	return code
}

// TestScripts runs the command-line scenarios in testdata/script: each
// is a shell-like script over fresh homes (see the commands below).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("MUTU_HOME", env.WorkDir+"/home")
			env.Setenv("CORPUS", corpusDir())
			env.Setenv("PUBLICCODE", publiccodeDir())
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"capture":     cmdCapture,
			"jsonget":     cmdJSONGet,
			"eq":          cmdEq,
			"gen":         cmdGen,
			"sameentries": cmdSameEntries,
			"waitnode":    cmdWaitNode,
			"eventually":  cmdEventually,
			"mistype":     cmdMistype,
			"sleep":       cmdSleep,
		},
		RequireExplicitExec: true,
	})
}

func corpusDir() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "..", "..", "catalogue", "testdata", "corpus", "betagouv-startups")
}

// publiccodeDir holds the corpus of real publiccode.yml files.
func publiccodeDir() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "..", "..", "catalogue", "publiccode", "testdata", "corpus")
}

// capture VAR REGEXP: sets VAR to the first submatch of REGEXP in the
// last command's stdout.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture VAR REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("capture: %q not found in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// jsonget VAR PATH: sets VAR to the value at PATH (dot-separated keys
// and indexes, e.g. heads.0) of the JSON in the last stdout; strings
// as they are, other values as JSON.
func cmdJSONGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonget VAR PATH")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &v))
	for _, k := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				ts.Fatalf("jsonget: no index %q in a list of %d", k, len(x))
			}
			v = x[i]
		default:
			ts.Fatalf("jsonget: %q: not a map or list", k)
		}
	}
	if s, ok := v.(string); ok {
		ts.Setenv(args[0], s)
		return
	}
	b, _ := json.Marshal(v)
	ts.Setenv(args[0], string(b))
}

// eq A B: A and B are equal (with !, different).
func cmdEq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: eq A B")
	}
	if (args[0] == args[1]) == neg {
		ts.Fatalf("eq: %q and %q", args[0], args[1])
	}
}

// gen KIND FILE: writes a file that a text editor could not:
// bigfm (a front matter of 10 MB), badutf8, binary.
func cmdGen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gen bigfm|badutf8|binary FILE")
	}
	var data []byte
	switch args[0] {
	case "bigfm":
		var b bytes.Buffer
		b.WriteString("---\ntitle: Trop grand\n")
		for i := 0; b.Len() < 10<<20; i++ {
			fmt.Fprintf(&b, "cle%d: %s\n", i, strings.Repeat("x", 100))
		}
		b.WriteString("---\nCorps.\n")
		data = b.Bytes()
	case "badutf8":
		data = []byte("---\ntitle: R\xe9gie\n---\nCorps en Latin-1 : r\xe9gie.\n")
	case "binary":
		data = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	default:
		ts.Fatalf("gen: unknown kind %q", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
}

// sameentries DIR1 DIR2 KIND: every entry file of DIR1 has a file in
// DIR2 with the same title, body and front matter (keys and values;
// the id and attachments keys aside), and the other way round; both
// read as an import reads them.
func cmdSameEntries(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: sameentries DIR1 DIR2 KIND")
	}
	kind := entry.Kind(args[2])
	read := func(dir string) map[string]*entry.File {
		out := make(map[string]*entry.File)
		paths, err := filepath.Glob(filepath.Join(ts.MkAbs(dir), "*.md"))
		ts.Check(err)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			ts.Check(err)
			f, _, err := entry.ParseImported(p, data, kind)
			ts.Check(err)
			title := f.Title()
			if _, dup := out[title]; dup {
				title += "\x00" + f.Body
			}
			out[title] = f
		}
		return out
	}
	a, b := read(args[0]), read(args[1])
	if len(a) != len(b) {
		ts.Fatalf("sameentries: %d entries in %s, %d in %s", len(a), args[0], len(b), args[1])
	}
	for title, fa := range a {
		fb, ok := b[title]
		switch {
		case !ok:
			ts.Fatalf("sameentries: %q is in %s, not in %s", title, args[0], args[1])
		case fa.Body != fb.Body:
			ts.Fatalf("sameentries: %q: bodies differ", title)
		case !reflect.DeepEqual(fa.Meta, fb.Meta):
			ts.Fatalf("sameentries: %q: front matter differs:\n%v\n%v", title, fa.Meta, fb.Meta)
		}
	}
}

// cmdWaitNode waits, for up to a minute, until the node of a home
// answers its API: the home of $MUTU_HOME, or the one given. A script
// starts the node in the background (exec mutu run ... &node&), waits
// for it, and stops it with kill -INT node then wait node.
func cmdWaitNode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: waitnode [HOME]")
	}
	dir := ts.Getenv("MUTU_HOME")
	if len(args) == 1 {
		dir = ts.MkAbs(args[0])
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if h, err := openHome(dir); err == nil && daemonClient(context.Background(), h) != nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the node of %s did not answer within a minute", dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mistype VAR: changes one character in the middle of the value of VAR,
// as a person copying an invitation code might.
func cmdMistype(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mistype VAR")
	}
	b := []byte(ts.Getenv(args[0]))
	if len(b) < 2 {
		ts.Fatalf("mistype: $%s is too short", args[0])
	}
	i := len(b) / 2
	if b[i] == 'a' {
		b[i] = 'b'
	} else {
		b[i] = 'a'
	}
	ts.Setenv(args[0], string(b))
}

// sleep DURATION: waits, as for an invitation to expire.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}
