package e2e

import (
	"os"
	"testing"

	"github.com/mutu-network/mutu/e2e/harness"
)

// TestMain removes the mutu binary that the scenarios built.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
