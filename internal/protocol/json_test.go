package protocol_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orgstack/orgstack/internal/protocol"
	"github.com/orgstack/orgstack/internal/wire"
)

func TestAppendEpoch(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Unix(1700000000, 0), "1700000000"},
		{time.UnixMilli(1700000000123), "1700000000.123"},
		{time.UnixMilli(1700000000100), "1700000000.1"},
		{time.Unix(1700000000, 999999), "1700000000"}, // below a millisecond
		{time.Unix(0, 0), "0"},
		{time.UnixMilli(-1500), "-1.5"},
		{time.UnixMilli(-500), "-0.5"},
		{time.UnixMilli(-86400000), "-86400"},
	} {
		if got := string(protocol.AppendEpoch(nil, tc.at)); got != tc.want {
			t.Errorf("AppendEpoch(%v) = %s, want %s", tc.at, got, tc.want)
		}
		// What a client parses back is the same instant, to the millisecond.
		var f float64
		if err := json.Unmarshal([]byte(tc.want), &f); err != nil || !protocol.EpochTime(f).Equal(tc.at.Truncate(time.Millisecond)) {
			t.Errorf("%s reads back as %v", tc.want, protocol.EpochTime(f))
		}
	}
}

func TestFromJSONIntegerRange(t *testing.T) {
	long := &wire.Shape{Name: "Long", Kind: wire.Long}
	integer := &wire.Shape{Name: "Integer", Kind: wire.Integer}
	for _, tc := range []struct {
		s   *wire.Shape
		in  string
		out int64
		ok  bool
	}{
		{long, "9223372036854775807", 9223372036854775807, true},
		{long, "-9223372036854775808", -9223372036854775808, true},
		{long, "1e3", 1000, true},
		{long, "9223372036854775808", 0, false},
		{long, "9223372036854775808.0", 0, false},
		{long, "1e19", 0, false},
		{long, "-1e19", 0, false},
		{long, "1.5", 0, false},
		{integer, "2147483647", 2147483647, true},
		{integer, "2147483648", 0, false},
	} {
		got, err := protocol.FromJSON(tc.s, json.Number(tc.in))
		if tc.ok && (err != nil || got != tc.out) {
			t.Errorf("%s %s: %v, %v; want %d", tc.s.Kind, tc.in, got, err, tc.out)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s %s: accepted as %v", tc.s.Kind, tc.in, got)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "\x00\x01\x1f\x7f", "\t\r\n", "<script>&amp;</script>",
		"\u2028\u2029", "é日本🙂", "\ufffd", "\xff\xfe", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := protocol.AppendJSONString([]byte("prefix"), s)
		if !bytes.HasPrefix(out, []byte("prefix")) {
			t.Fatalf("prefix lost: %q", out)
		}
		out = out[len("prefix"):]
		if !json.Valid(out) {
			t.Fatalf("invalid JSON for %q: %s", s, out)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // each invalid byte is U+FFFD
		}
		if back != want {
			t.Fatalf("%q encodes as %s, which reads back as %q", s, out, back)
		}
		// As AWS writes it: <, > and & are not escaped.
		for _, c := range "<>&" {
			if strings.ContainsRune(s, c) && !bytes.ContainsRune(out, c) {
				t.Fatalf("%q was escaped in %s", c, out)
			}
		}
	})
}
