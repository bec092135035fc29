package orgstack

import (
	"sync"
	"time"
)

// Clock tells the time. Every handler takes one `now` from the clock at the
// start of its transaction, so expiry, timestamps and tests are
// deterministic under a controlled clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// OffsetClock is the wall clock shifted by an adjustable offset. Tests and
// the /_orgstack/clock endpoint move it forward to make expiry observable.
// It is safe for concurrent use.
type OffsetClock struct {
	mu     sync.RWMutex
	offset time.Duration
}

// Now implements Clock.
func (c *OffsetClock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return time.Now().UTC().Add(c.offset)
}

// Advance moves the clock forward by d (d may not be negative).
func (c *OffsetClock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Offset returns how far the clock is ahead of the wall clock.
func (c *OffsetClock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset
}

// SetOffset sets the offset (used when restoring a persisted offset).
func (c *OffsetClock) SetOffset(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}

// FixedClock is a clock that only moves when told to; for unit tests.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a FixedClock at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t.UTC()} }

// Now implements Clock.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
