package harness

import (
	"os/exec"
	"syscall"
)

// orphanProof makes the kernel kill cmd when the test process dies, so
// that a test binary killed by -timeout leaves no daemon behind.
func orphanProof(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
