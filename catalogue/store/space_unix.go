//go:build linux || darwin || freebsd

package store

import "golang.org/x/sys/unix"

func diskFree(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	// Bavail is signed on some systems, negative once root's share is
	// in use.
	return uint64(max(int64(st.Bavail), 0)) * uint64(st.Bsize), true
}
