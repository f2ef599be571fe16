// Package nstest runs a test again inside Linux namespaces of its own,
// where it is root: there it may mount a small file system to fill, or
// set up network interfaces for multicast, without touching the
// machine. It lives under catalogue so that the tests of catalogue,
// node and cmd may all use it.
//
// A test calls Rerun first and returns unless it runs inside:
//
//	if !nstest.Rerun(t, nstest.Mount) {
//		return
//	}
//	disk := nstest.Tmpfs(t, "16m")
package nstest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// Namespaces a test may ask for, besides the user namespace.
const (
	Mount = "--mount"
	Net   = "--net"
)

// envInside marks the run inside the namespaces.
const envInside = "MUTU_TEST_NAMESPACE"

// Rerun reports whether the calling test runs inside the namespaces it
// asked for. Outside, it runs the test again in a new user namespace
// plus the given ones, and returns false once that run ended: it fails
// t with the run's output if the run failed, and skips t if the run
// skipped or the namespaces (or a tmpfs, for Mount) cannot be made here.
func Rerun(t *testing.T, namespaces ...string) (inside bool) {
	t.Helper()
	if os.Getenv(envInside) != "" {
		return true
	}
	tools := []string{"unshare"}
	for _, ns := range namespaces {
		switch ns {
		case Mount:
			tools = append(tools, "mount")
		case Net:
			tools = append(tools, "ip")
		}
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: cannot run the test in namespaces of its own", tool)
		}
	}
	unshare := append([]string{"--user", "--map-root-user"}, namespaces...)
	probe := append(append([]string{}, unshare...), "true")
	if slices.Contains(namespaces, Mount) {
		probe = append(append([]string{}, unshare...), "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", t.TempDir())
	}
	if out, err := exec.Command("unshare", probe...).CombinedOutput(); err != nil {
		t.Skipf("cannot make namespaces %v here (%v: %s)", namespaces, err, out)
	}
	cmd := exec.Command("unshare", append(unshare, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")...)
	cmd.Env = append(os.Environ(), envInside+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s in its namespaces: %v\n%s", t.Name(), err, out)
	}
	if bytes.Contains(out, []byte("--- SKIP: "+t.Name())) {
		t.Skipf("in its namespaces:\n%s", out)
	}
	t.Logf("in its namespaces:\n%s", out)
	return false
}

// Tmpfs mounts a tmpfs of the given size ("16m", "64k") on a new
// directory and returns it; it is unmounted when the test ends. The test
// must run inside a Mount namespace (Rerun).
func Tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	Remount(t, dir, "size="+size)
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

// Remount mounts a tmpfs on dir with opts ("remount,size=200m" to grow
// one made by Tmpfs).
func Remount(t *testing.T, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -o %s: %v: %s", opts, err, out)
	}
}
