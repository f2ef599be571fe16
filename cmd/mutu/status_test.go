package main

import (
	"testing"

	"github.com/mutu-network/mutu/node/api"
)

func TestDiskLine(t *testing.T) {
	const mb = 1_000_000
	for _, tc := range []struct {
		free, reserve uint64
		want          string
	}{
		{0, 0, ""}, // the system cannot tell
		{82_600 * mb, 67 * mb, "Disk: 82.6 GB free"},
		{120 * mb, 67 * mb, "Disk: 120.0 MB free, nearly full: writes stop below 67.0 MB"},
		{40 * mb, 67 * mb, "Disk: full (40.0 MB free, writes need 67.0 MB): free some space"},
	} {
		if got := diskLine(&api.Status{DiskFree: tc.free, DiskReserve: tc.reserve}); got != tc.want {
			t.Errorf("diskLine(%d free, %d kept) = %q, want %q", tc.free, tc.reserve, got, tc.want)
		}
	}
}
