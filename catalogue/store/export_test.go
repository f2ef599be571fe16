package store

// SetFreeSpace replaces the measure of free disk space for a test, and
// returns what puts it back.
func SetFreeSpace(f func(dir string) (uint64, bool)) (restore func()) {
	old := freeSpace
	freeSpace = f
	return func() { freeSpace = old }
}

// OpenSmall opens a store on disk whose transactions hold a few
// hundred writes, so that tests make the store split its work.
func OpenSmall(dir string) (*Store, error) {
	return open(dir, Options{}, badgerOptions(dir, Options{}).WithMemTableSize(256<<10))
}
