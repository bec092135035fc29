package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStateEndpointsGuard checks who may export, import and reset the
// state: anyone in open mode; in enforce mode loopback clients, and
// others only with --state-control. The requests go through the whole
// server pipeline; only the client's address is made up.
func TestStateEndpointsGuard(t *testing.T) {
	requests := []struct{ method, path string }{
		{"GET", "/_orgstack/state"},
		{"PUT", "/_orgstack/state"},
		{"POST", "/_orgstack/state"},
		{"POST", "/_orgstack/reset"},
		{"POST", "/moto-api/reset"},
	}
	for _, tc := range []struct {
		name         string
		auth         string
		stateControl bool
		remote       string
		allowed      bool
	}{
		{"open, remote", "open", false, "192.0.2.7:4000", true},
		{"enforce, loopback v4", "enforce", false, "127.0.0.1:4000", true},
		{"enforce, loopback v6", "enforce", false, "[::1]:4000", true},
		{"enforce, remote", "enforce", false, "192.0.2.7:4000", false},
		{"enforce, remote, --state-control", "enforce", true, "192.0.2.7:4000", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMain()
			m.Config.Addr, m.Config.Memory, m.Config.LogLevel = "127.0.0.1:0", true, "error"
			m.Config.Auth, m.Config.RootSecret, m.Config.StateControl = tc.auth, "s3cret", tc.stateControl
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = m.Close() })
			// A snapshot to import: the empty state's.
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/_orgstack/state", nil)
			req.RemoteAddr = "127.0.0.1:1"
			m.Server.ServeHTTP(rec, req)
			snap := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.HasPrefix(snap, `{"format":"orgstack-snapshot"`) {
				t.Fatalf("export from loopback: %d %s", rec.Code, snap)
			}
			for _, r := range requests {
				rec := httptest.NewRecorder()
				var body io.Reader
				if r.path == "/_orgstack/state" && r.method != "GET" {
					body = strings.NewReader(snap)
				}
				req := httptest.NewRequest(r.method, r.path, body)
				req.RemoteAddr = tc.remote
				m.Server.ServeHTTP(rec, req)
				switch {
				case tc.allowed && rec.Code != http.StatusOK:
					t.Errorf("%s %s from %s: %d %s; want 200", r.method, r.path, tc.remote, rec.Code, rec.Body)
				case !tc.allowed && (rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "--state-control")):
					t.Errorf("%s %s from %s: %d %s; want 403 naming --state-control", r.method, r.path, tc.remote, rec.Code, rec.Body)
				}
			}
		})
	}
}
