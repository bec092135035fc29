package server

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 3, func() time.Time { return now })
	take := func(key string, want ...bool) {
		t.Helper()
		for i, w := range want {
			if got := l.allow(key); got != w {
				t.Fatalf("%s request %d at %s: allowed %v, want %v", key, i+1, now.Format(time.StampMilli), got, w)
			}
		}
	}
	take("a", true, true, true, false, false) // the burst, then nothing
	take("b", true, true, true, false)        // b has its own bucket
	now = now.Add(500 * time.Millisecond)     // one token back at 2/s
	take("a", true, false)
	now = now.Add(10 * time.Second) // refilled, but never beyond the burst
	take("a", true, true, true, false)

	// Buckets that filled up again are forgotten, which changes nothing.
	now = now.Add(2 * time.Minute)
	l.allow("c")
	if _, ok := l.buckets["b"]; ok {
		t.Fatal("a full, idle bucket was kept")
	}
	take("b", true, true, true, false)

	if newLimiter(0, 20, nil) != nil {
		t.Fatal("rate 0 must mean no limiter")
	}
}
