package main

import (
	"strings"
	"testing"

	"github.com/mutu-network/mutu/protocol"
)

// TestModerationFollowConfig: moderation.follow is all by default,
// none, or a list of node keys; anything else is refused naming it.
func TestModerationFollowConfig(t *testing.T) {
	k, err := protocol.NewAuthorKey()
	if err != nil {
		t.Fatal(err)
	}
	key := protocol.PublicKey(k)
	other, _ := protocol.NewAuthorKey()
	for _, tc := range []struct {
		config          string
		followsKey, any bool
	}{
		{"", true, true},
		{"moderation:\n  follow: none\n", false, false},
		{"moderation:\n  follow: all\n", true, true},
		{"moderation:\n  follow: [" + key.String() + "]\n", true, false},
	} {
		var c config
		if err := parseConfig([]byte(tc.config), &c); err != nil {
			t.Fatalf("%q: %v", tc.config, err)
		}
		f, err := c.follow()
		if err != nil || f.Follows(key) != tc.followsKey || f.Follows(protocol.PublicKey(other)) != tc.any {
			t.Errorf("%q: %+v, %v", tc.config, f, err)
		}
	}
	for _, bad := range []string{"moderation:\n  follow: some\n", "moderation:\n  follow: [marie]\n", "moderation:\n  follow: {a: b}\n"} {
		var c config
		if err := parseConfig([]byte(bad), &c); err == nil || !strings.Contains(err.Error(), "moderation.follow") {
			t.Errorf("%q: %v, want an error naming moderation.follow", bad, err)
		}
	}
}
