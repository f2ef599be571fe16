package store

// SetFreeSpace replaces the measure of free disk space for a test, and
// returns what puts it back.
func SetFreeSpace(f func(dir string) (uint64, bool)) (restore func()) {
	old := freeSpace
	freeSpace = f
	return func() { freeSpace = old }
}
