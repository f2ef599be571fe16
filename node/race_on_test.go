//go:build race

package node

// raceEnabled is true when the race detector is on: it slows signature
// verification tenfold, so the largest tests shrink.
const raceEnabled = true
