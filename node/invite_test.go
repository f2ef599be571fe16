package node

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mutu-network/mutu/protocol/wire"
)

// The invitations a node issued survive its restart (the restarted node
// answers their join identities from the file), and the file never
// holds a secret, in any encoding.
func TestInvitationsFileSurvivesRestartWithoutSecret(t *testing.T) {
	ctx := context.Background()
	keyA := nodeKey(t)
	net := newFedNet(t, keyA)
	a := startClosed(t, keyA, net, nil, nil)
	path := a.cfg.InvitationsPath
	inv1, code1 := invite(t, a, InviteOptions{Label: "Lycée Jean Moulin", Lifetime: 30 * 24 * time.Hour})
	inv2, code2 := invite(t, a, InviteOptions{})
	if _, err := a.WithdrawInvitation(ctx, inv2.ID); err != nil {
		t.Fatal(err)
	}
	if inv1.Expires.Sub(inv1.Created) != 30*24*time.Hour || inv2.Expires.Sub(inv2.Created) != DefaultInviteLifetime {
		t.Errorf("lifetimes %v and %v", inv1.Expires.Sub(inv1.Created), inv2.Expires.Sub(inv2.Created))
	}
	if _, _, err := a.Invite(ctx, InviteOptions{Lifetime: MaxInviteLifetime + time.Hour}); err == nil {
		t.Error("an invitation valid over 90 days was issued")
	}
	before, err := a.Invitations()
	if err != nil {
		t.Fatal(err)
	}
	cat, mt := a.cat, a.trust
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{code1, code2} {
		inv, err := wire.DecodeInvite(code)
		if err != nil {
			t.Fatal(err)
		}
		s := inv.Secret[:]
		for _, enc := range []string{
			hex.EncodeToString(s), base32.StdEncoding.EncodeToString(s), base32.HexEncoding.EncodeToString(s),
			base64.StdEncoding.EncodeToString(s), base64.RawURLEncoding.EncodeToString(s),
		} {
			if bytes.Contains(bytes.ToLower(data), []byte(strings.ToLower(strings.TrimRight(enc, "=")))) {
				t.Errorf("the invitations file holds a secret (%s)", enc)
			}
		}
		if bytes.Contains(data, s) {
			t.Error("the invitations file holds a secret's bytes")
		}
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("invitations file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}

	a2 := startReal(t, keyA, cat, func(c *Config) {
		c.Network, c.Trust, c.InvitationsPath = net.id, mt, path
	})
	after, err := a2.Invitations()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(before, after, func(x, y Invitation) bool {
		return x.ID == y.ID && x.JoinPeer == y.JoinPeer && x.State == y.State && x.Expires.Equal(y.Expires) && x.Label == y.Label
	}) || len(after) != 2 || after[1].State != InvitationWithdrawn {
		t.Fatalf("after a restart the node holds %+v, want %+v", after, before)
	}
	code1 = recode(t, code1, edKey(t, keyA), func(inv *wire.Invite2) { inv.Addrs = addrsWith(a2, "/tcp/") })
	code2 = recode(t, code2, edKey(t, keyA), func(inv *wire.Invite2) { inv.Addrs = addrsWith(a2, "/tcp/") })
	if status, _, err := Join(ctx, code1, nodeKey(t), joinDetails); err != nil || status != wire.JoinAdmitted {
		t.Errorf("an invitation issued before the restart: status %q, err %v", status, err)
	}
	if _, _, err := Join(ctx, code2, nodeKey(t), joinDetails); !errors.Is(err, ErrJoinWithdrawn) {
		t.Errorf("an invitation withdrawn before the restart: %v", err)
	}
	if _, err := WithdrawInvitation(ctx, path, inv1.ID); !errors.Is(err, ErrInvitationUsed) {
		t.Errorf("withdrawing a used invitation: %v, want ErrInvitationUsed", err)
	}
	if _, err := WithdrawInvitation(ctx, path, "0011223344556677"); !errors.Is(err, ErrInvitationUnknown) {
		t.Errorf("withdrawing an unknown invitation: %v, want ErrInvitationUnknown", err)
	}
}
