package organizations

import (
	"testing"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

// TestDecodeCache checks that cached records follow the stored bytes and
// that a caller changing its record changes neither the cache nor what
// the next reader gets.
func TestDecodeCache(t *testing.T) {
	s := memory.New()
	defer s.Close()
	o := &orgRecord{ID: "o-cache000001", FeatureSet: featureAll, Accounts: 1,
		RootPolicyTypes: []policyTypeState{{Type: typeSCP, Status: "ENABLED"}}}
	read := func() *orgRecord {
		t.Helper()
		var got *orgRecord
		if err := s.View(t.Context(), func(tx store.Tx) error {
			var err error
			got, err = getOrg(tx, o.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	write := func() {
		t.Helper()
		if err := s.Update(t.Context(), func(tx store.Tx) error { return putOrg(tx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	write()
	first := read()
	first.Accounts = 99
	first.RootPolicyTypes[0].Status = "PENDING_DISABLE"
	if again := read(); again.Accounts != 1 || again.RootPolicyTypes[0].Status != "ENABLED" {
		t.Fatalf("a change to a returned record leaked into the next read: %+v", again)
	}
	o.Accounts = 2
	o.RootPolicyTypes = nil
	write()
	if got := read(); got.Accounts != 2 || len(got.RootPolicyTypes) != 0 {
		t.Fatalf("read after a write = %+v, want the written record", got)
	}
	if err := s.View(t.Context(), func(tx store.Tx) error {
		var r orgRecord
		return orgCache.Get(tx, kOrg("o-missing0001"), &r)
	}); err != store.ErrNotFound {
		t.Fatalf("missing record: %v, want ErrNotFound", err)
	}
}
