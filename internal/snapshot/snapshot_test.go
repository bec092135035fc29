package snapshot

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

func fill(t *testing.T, recs []store.Record) store.Store {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Replace(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	return st
}

var sample = []store.Record{
	{Key: "account/111111111111", Value: []byte(`{"id":"111111111111","name":"<Dev> & \"ops\""}`)},
	{Key: "binary", Value: []byte{0, 1, 2, 0xff}},
	{Key: "empty", Value: []byte{}},
	{Key: "json/spaced", Value: []byte(`{ "a": 1 }`)},
	{Key: "json/number", Value: []byte(`42`)},
	{Key: "bad\xffkey", Value: []byte(`"x"`)},
	{Key: "unicode/é", Value: []byte(`"ü"`)},
}

func export(t *testing.T, st store.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := Export(t.Context(), st, &buf, Header{OrgstackVersion: "1.2.3", Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Store: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(sample) {
		t.Fatalf("Export wrote %d records, want %d", n, len(sample))
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	snap := export(t, fill(t, sample))
	lines := strings.Split(strings.TrimSuffix(string(snap), "\n"), "\n")
	if len(lines) != len(sample)+2 {
		t.Fatalf("%d lines, want header, %d records, trailer:\n%s", len(lines), len(sample), snap)
	}
	if !strings.HasPrefix(lines[0], `{"format":"orgstack-snapshot","formatVersion":1,"stateVersion":1,"orgstackVersion":"1.2.3","created":"2025-01-02T03:04:05Z","store":"memory"}`) {
		t.Errorf("header = %s", lines[0])
	}
	// Compact JSON values are written as JSON, to be read by people and jq.
	if lines[1] != `{"k":"account/111111111111","v":{"id":"111111111111","name":"<Dev> & \"ops\""}}` {
		t.Errorf("first record = %s", lines[1])
	}
	if !strings.HasPrefix(lines[len(lines)-1], `{"end":true,"records":7,"sha256":"`) {
		t.Errorf("trailer = %s", lines[len(lines)-1])
	}
	for _, in := range [][]byte{snap, gzipped(t, snap)} {
		h, recs, err := Read(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if h.OrgstackVersion != "1.2.3" || h.Store != "memory" || h.StateVersion != StateVersion {
			t.Errorf("header = %+v", h)
		}
		want, _ := store.SortRecords(sample)
		if len(recs) != len(want) {
			t.Fatalf("Read %d records, want %d", len(recs), len(want))
		}
		for i := range want {
			if recs[i].Key != want[i].Key || !bytes.Equal(recs[i].Value, want[i].Value) {
				t.Errorf("record %d = %q %q, want %q %q", i, recs[i].Key, recs[i].Value, want[i].Key, want[i].Value)
			}
		}
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRefused(t *testing.T) {
	snap := string(export(t, fill(t, sample)))
	lines := strings.SplitAfter(snap, "\n")
	cases := []struct {
		name, in string
		want     error
		msg      string
	}{
		{"empty", "", ErrCorrupt, "empty"},
		{"not a snapshot", "hello\n", ErrCorrupt, "not an orgstack snapshot"},
		{"newer format", strings.Replace(snap, `"formatVersion":1`, `"formatVersion":2`, 1), ErrIncompatible, "snapshot format version 2 is not supported: this orgstack reads format version 1, and the snapshot was written by orgstack 1.2.3"},
		{"other state version", strings.Replace(snap, `"stateVersion":1`, `"stateVersion":7`, 1), ErrIncompatible, "snapshot state version 7 is not supported: this orgstack reads state version 1"},
		{"no trailer", strings.Join(lines[:len(lines)-2], ""), ErrCorrupt, "truncated: it ends after 7 records without its trailer"},
		{"cut mid-line", snap[:len(lines[0])+20], ErrCorrupt, "truncated: line 2 is incomplete"},
		{"changed value", strings.Replace(snap, `"name":"<Dev>`, `"name":"<Prd>`, 1), ErrCorrupt, "checksum mismatch"},
		{"dropped record", strings.Replace(snap, lines[2], "", 1), ErrCorrupt, "the trailer counts 7 records but the snapshot holds 6"},
		{"data after trailer", snap + "{}\n", ErrCorrupt, "data after the trailer"},
		{"record without value", strings.Replace(snap, lines[1], `{"k":"x"}`+"\n", 1), ErrCorrupt, `line 2: a record needs one of "v" and "b"`},
		{"truncated gzip", string(gzipped(t, []byte(snap))[:60]), ErrCorrupt, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, recs, err := Read(strings.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Read = %d records, %v; want %v", len(recs), err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Read: %v; want a message containing %q", err, tc.msg)
			}
		})
	}
}
