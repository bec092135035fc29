package app

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkSnapshot exports and imports, over HTTP, the state of an
// organization of 1,000 member accounts (each with its IAM role) on the durable
// embedded store: GET /_orgstack/state and PUT /_orgstack/state, the
// snapshot read and checked, the store replaced atomically and fsynced.
func BenchmarkSnapshot(b *testing.B) {
	s := startBench(b, false, 1001)
	s.organization(b, 1000)
	export := func() []byte {
		resp, err := s.client.Get(s.endpoint + "/_orgstack/state")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("export: %d %v", resp.StatusCode, err)
		}
		return body
	}
	snap := export()
	b.Logf("1,000 accounts: a snapshot of %d bytes, %d lines", len(snap), bytes.Count(snap, []byte("\n")))
	b.Run("Export", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		for b.Loop() {
			export()
		}
	})
	b.Run("Import", func(b *testing.B) {
		b.SetBytes(int64(len(snap)))
		for b.Loop() {
			req, err := http.NewRequest(http.MethodPut, s.endpoint+"/_orgstack/state", bytes.NewReader(snap))
			if err != nil {
				b.Fatal(err)
			}
			resp, err := s.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("import: %d", resp.StatusCode)
			}
		}
	})
	// The records (the lines between header and trailer) are the same.
	records := func(s []byte) []byte {
		s = bytes.TrimSuffix(s, []byte("\n"))
		return s[bytes.IndexByte(s, '\n'):bytes.LastIndexByte(s, '\n')]
	}
	if got := export(); !bytes.Equal(records(got), records(snap)) {
		b.Fatal("after the imports the state differs from the snapshot")
	}
}
