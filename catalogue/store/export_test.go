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

// SetBeforeRewrite makes every rewrite of the files after an erasure
// call f first, and stop with its error; it returns what puts it back.
func SetBeforeRewrite(f func() error) (restore func()) {
	old := beforeRewrite
	beforeRewrite = f
	return func() { beforeRewrite = old }
}
