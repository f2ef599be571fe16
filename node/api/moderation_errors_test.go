package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestNotEntitledIsForbidden: a moderation record refused because its
// signer may not make it (a decision by a node that does not
// coordinate) is a refusal of who asks, as not vouched is: 403.
func TestNotEntitledIsForbidden(t *testing.T) {
	e := ErrorOf(fmt.Errorf("publish decision: %w", protocol.Errorf(protocol.CodeNotEntitled, "not a coordinator")))
	if e.Kind != KindForbidden || e.HTTPStatus() != http.StatusForbidden || e.ExitCode() != ExitInput {
		t.Errorf("not entitled: kind %q, status %d, exit %d; want forbidden, 403, %d", e.Kind, e.HTTPStatus(), e.ExitCode(), ExitInput)
	}
}
