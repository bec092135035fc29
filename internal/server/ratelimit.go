package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/orgstack/orgstack"
)

// limiter is a token bucket per calling account: each account may make
// rate requests per second on average and burst at once, whatever the
// others do. It is safe for concurrent use.
type limiter struct {
	rate  float64 // tokens added per second
	burst float64 // bucket size
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// newLimiter returns a limiter, or nil when rate is not positive (no
// limit). A burst below 1 is 1.
func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	if now == nil {
		now = time.Now
	}
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket and reports whether there was one.
func (l *limiter) allow(key string) bool {
	t := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(t)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: t}
		l.buckets[key] = b
	} else if d := t.Sub(b.at); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.at = t
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets, at most once a minute, the buckets that have filled up
// again: a new bucket starts full, so forgetting them changes nothing but
// the memory held for callers gone quiet.
func (l *limiter) sweep(t time.Time) {
	if t.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = t
	for k, b := range l.buckets {
		if b.tokens+t.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// throttle answers the service's throttling error when the caller of c has
// made more requests than --rate-limit and --rate-burst allow, and nil
// otherwise (or when there is no limit).
func (s *Server) throttle(c *call) *orgstack.Error {
	if s.limiter == nil || s.limiter.allow(c.getCaller().AccountID) {
		return nil
	}
	return throttlingError(c.svc)
}

// throttlingError is svc's answer to a caller over its request rate, from
// its model: Organizations' TooManyRequestsException, the query services'
// Throttling, a modeled ThrottlingException with its status (Audit Manager
// 429, Systems Manager 400), else AWS's common ThrottlingException (400).
func throttlingError(svc *Service) *orgstack.Error {
	const msg = "Rate exceeded"
	if svc == nil {
		return orgstack.NewError("ThrottlingException", http.StatusBadRequest, msg)
	}
	m := svc.Model
	if m.Exception("TooManyRequestsException") != nil {
		return orgstack.NewError("TooManyRequestsException", http.StatusBadRequest,
			"You have sent too many requests in too short a period of time. Try again later.")
	}
	if m.Protocol == "query" {
		return orgstack.NewError("Throttling", http.StatusBadRequest, msg)
	}
	status := http.StatusBadRequest
	if ex := m.Exception("ThrottlingException"); ex != nil && ex.Error != nil && ex.Error.Status != 0 {
		status = ex.Error.Status
	}
	return orgstack.NewError("ThrottlingException", status, msg)
}
