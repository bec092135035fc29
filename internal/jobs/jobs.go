// Package jobs is orgstack's durable job queue. Asynchronous AWS behaviour
// (an account being created, an account closing, a service creating its
// service-linked role, a deletion task) is a job written into the store in
// the same transaction as the request that causes it; a worker runs it
// once it is due, and a restart resumes whatever was pending.
//
// A job's handler runs inside the store transaction that also deletes the
// job, so its effects and its completion commit together: a job is done
// exactly once, or not at all and then retried.
package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

const prefix = "job/"

// Job is one queued unit of work.
type Job struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	RunAt    time.Time       `json:"runAt"`
	Created  time.Time       `json:"created"`
	Attempts int             `json:"attempts,omitempty"`
	LastErr  string          `json:"lastError,omitempty"`
}

// appendNew appends the JSON encoding of a new job (no attempts, no error)
// to b: the bytes json.Marshal gives, without its reflection and its second
// pass over the payload, which is valid, compact JSON from json.Marshal.
// The id and kind are ASCII without characters JSON escapes; anything else
// goes through json.Marshal.
func (j *Job) appendNew(b []byte) []byte {
	if j.Attempts != 0 || j.LastErr != "" || len(j.Payload) == 0 || !plainJSON(j.ID) || !plainJSON(j.Kind) {
		out, err := json.Marshal(j)
		if err != nil {
			panic(err) // a Job always encodes
		}
		return append(b, out...)
	}
	b = append(b, `{"id":"`...)
	b = append(b, j.ID...)
	b = append(b, `","kind":"`...)
	b = append(b, j.Kind...)
	b = append(b, `","payload":`...)
	b = append(b, j.Payload...)
	b = append(b, `,"runAt":"`...)
	b = j.RunAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","created":"`...)
	b = j.Created.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

// plainJSON reports whether s is encoded in JSON as itself between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// Decode unmarshals the job's payload into v.
func (j *Job) Decode(v any) error { return json.Unmarshal(j.Payload, v) }

// Handler does a job's work inside tx. now is the queue clock's time when
// the transaction started. Returning an error rolls back everything the
// handler wrote; the job is then retried with back-off. Handlers must be
// idempotent with respect to anything outside tx (they may run again).
type Handler func(ctx context.Context, tx store.Tx, now time.Time, job *Job) error

// Queue runs jobs. Create it with New, register handlers with Handle
// before Start, and stop it by cancelling the context given to Start.
type Queue struct {
	store    store.Store
	clock    orgstack.Clock
	log      *slog.Logger
	handlers map[string]Handler
	small    map[string]bool
	wake     chan struct{}
	poll     time.Duration
	busy     func() bool
	maxYield time.Duration

	mu      sync.Mutex
	running bool
	done    chan struct{}
}

// New returns a queue over st.
func New(st store.Store, clock orgstack.Clock, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.Default()
	}
	return &Queue{store: st, clock: clock, log: log, handlers: map[string]Handler{}, small: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Handle registers the handler for a job kind. It must be called before
// Start.
func (q *Queue) Handle(kind string, h Handler) { q.handlers[kind] = h }

// HandleSmall registers the handler for a kind of job whose work is small
// and bounded (a few records, whatever the organization's size). Due jobs
// of such kinds that are next to each other in the queue run together, up
// to maxGroup at a time, in one transaction: one commit (one fsync) for the
// group instead of one per job. If the group's transaction fails, its jobs
// run again one at a time, so one job's error rolls back no other.
func (q *Queue) HandleSmall(kind string, h Handler) {
	q.handlers[kind] = h
	q.small[kind] = true
}

// maxGroup is the most small jobs run in one transaction.
const maxGroup = 64

func key(runAt time.Time, id string) string {
	return fmt.Sprintf("%s%020d/%s", prefix, runAt.UnixNano(), id)
}

// SetPoll makes the worker look for due jobs at least every d, for a store
// shared with other processes whose queued jobs never wake this one. It
// must be called before Start.
func (q *Queue) SetPoll(d time.Duration) { q.poll = d }

// SetBusy makes the worker defer to requests: before each round of due
// jobs, while busy reports true it waits, until busy reports false or
// maxYield has passed. Under a steady stream of requests the jobs then
// run in rounds at most maxYield apart (plus the rounds' own time), never
// starved, and a job superseded meanwhile (a service disabled again, say)
// costs almost nothing. It must be called before Start.
func (q *Queue) SetBusy(busy func() bool, maxYield time.Duration) {
	q.busy = busy
	q.maxYield = maxYield
}

// yield waits while the requests SetBusy watches are in flight, at most
// maxYield. It returns early when ctx ends.
func (q *Queue) yield(ctx context.Context) {
	if q.busy == nil || q.maxYield <= 0 || !q.busy() {
		return
	}
	deadline := time.Now().Add(q.maxYield)
	tick := time.NewTicker(yieldPoll)
	defer tick.Stop()
	for q.busy() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// yieldPoll is how often yield looks whether the requests are done.
const yieldPoll = 500 * time.Microsecond

// Enqueue writes a job into tx, due at runAt. The worker is woken when tx
// commits. It returns the job's id.
func (q *Queue) Enqueue(tx store.Tx, kind string, payload any, now, runAt time.Time) (string, error) {
	if _, ok := q.handlers[kind]; !ok {
		return "", fmt.Errorf("jobs: no handler for kind %q", kind)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	j := Job{ID: orgstack.NewUUID(), Kind: kind, Payload: raw, RunAt: runAt.UTC(), Created: now.UTC()}
	if err := tx.Put(key(j.RunAt, j.ID), j.appendNew(make([]byte, 0, len(raw)+192))); err != nil {
		return "", err
	}
	tx.OnCommit(q.Wake)
	return j.ID, nil
}

// Wake makes the worker look for due jobs now (for example after the
// clock moved).
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Start runs the worker until ctx is cancelled. It returns immediately.
func (q *Queue) Start(ctx context.Context) {
	q.mu.Lock()
	if q.running {
		q.mu.Unlock()
		return
	}
	q.running = true
	q.done = make(chan struct{})
	q.mu.Unlock()
	go q.loop(ctx)
}

// Wait blocks until the worker started by Start has stopped.
func (q *Queue) Wait() {
	q.mu.Lock()
	done := q.done
	q.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (q *Queue) loop(ctx context.Context) {
	defer func() {
		q.mu.Lock()
		q.running = false
		close(q.done)
		q.mu.Unlock()
	}()
	for {
		next, err := q.runDue(ctx)
		if err != nil && ctx.Err() == nil {
			q.log.Error("job queue", "error", err)
			next = q.clock.Now().Add(time.Second)
		}
		var timer *time.Timer
		var fire <-chan time.Time
		d := q.poll
		if !next.IsZero() {
			d = next.Sub(q.clock.Now())
			if d < time.Millisecond {
				d = time.Millisecond
			}
			if q.poll > 0 && d > q.poll {
				d = q.poll
			}
		}
		if d > 0 {
			timer = time.NewTimer(d)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// runDue runs every job that is due and returns when the next one is.
func (q *Queue) runDue(ctx context.Context) (next time.Time, err error) {
	for ctx.Err() == nil {
		q.yield(ctx)
		now := q.clock.Now()
		var due []dueJob
		next = time.Time{}
		err := q.store.View(ctx, func(tx store.Tx) error {
			return tx.Scan(prefix, "", func(k string, v []byte) (bool, error) {
				at, ok := runAtOf(k)
				if !ok {
					return true, nil
				}
				if at.After(now) {
					next = at
					return false, nil
				}
				due = append(due, dueJob{key: k, small: q.small[kindOf(v)]})
				return len(due) < 64, nil
			})
		})
		if err != nil {
			return time.Time{}, err
		}
		if len(due) == 0 {
			return next, nil
		}
		for len(due) > 0 {
			if ctx.Err() != nil {
				return time.Time{}, ctx.Err()
			}
			n := 0
			for n < len(due) && n < maxGroup && due[n].small {
				n++
			}
			if n < 2 || q.runGroup(ctx, due[:n]) != nil {
				n = max(n, 1)
				for _, d := range due[:n] {
					if ctx.Err() != nil {
						return time.Time{}, ctx.Err()
					}
					q.runOne(ctx, d.key)
				}
			}
			due = due[n:]
		}
	}
	return time.Time{}, ctx.Err()
}

// kindOf returns the kind of the job stored as v: read off the front of
// the encoding appendNew and json.Marshal give, without decoding the rest.
// A record it cannot read has kind "" (and fails in runOne, where that is
// reported).
func kindOf(v []byte) string {
	const field = `","kind":"`
	if i := bytes.Index(v, []byte(field)); i >= 0 && bytes.HasPrefix(v, []byte(`{"id":"`)) {
		rest := v[i+len(field):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 && bytes.IndexByte(rest[:j], '\\') < 0 {
			return string(rest[:j])
		}
	}
	var head struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(v, &head)
	return head.Kind
}

// dueJob is a due job's key, and whether its kind is small (HandleSmall).
type dueJob struct {
	key   string
	small bool
}

// runGroup runs small jobs in one transaction, in queue order; a job
// another process already ran is skipped. On error nothing of the group is
// committed and the caller runs the jobs one at a time.
func (q *Queue) runGroup(ctx context.Context, group []dueJob) error {
	return q.store.Update(ctx, func(tx store.Tx) error {
		now := q.clock.Now()
		for _, d := range group {
			var job Job
			if err := store.GetJSON(tx, d.key, &job); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			h := q.handlers[job.Kind]
			if h == nil || !q.small[job.Kind] {
				return fmt.Errorf("job %s is not small", job.ID)
			}
			if err := h(ctx, tx, now, &job); err != nil {
				return err
			}
			if err := tx.Delete(d.key); err != nil {
				return err
			}
		}
		return nil
	})
}

func runAtOf(k string) (time.Time, bool) {
	rest := strings.TrimPrefix(k, prefix)
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(rest[:i], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n).UTC(), true
}

var errGone = errors.New("job already done")

func (q *Queue) runOne(ctx context.Context, k string) {
	var job Job
	err := q.store.Update(ctx, func(tx store.Tx) error {
		if err := store.GetJSON(tx, k, &job); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errGone
			}
			return err
		}
		h := q.handlers[job.Kind]
		if h == nil {
			return fmt.Errorf("no handler for job kind %q", job.Kind)
		}
		if err := h(ctx, tx, q.clock.Now(), &job); err != nil {
			return err
		}
		return tx.Delete(k)
	})
	if err == nil || errors.Is(err, errGone) || ctx.Err() != nil {
		return
	}
	q.log.Warn("job failed; will retry", "kind", job.Kind, "id", job.ID, "attempt", job.Attempts+1, "error", err)
	q.reschedule(ctx, k, err)
}

func (q *Queue) reschedule(ctx context.Context, k string, cause error) {
	_ = q.store.Update(ctx, func(tx store.Tx) error {
		var job Job
		if err := store.GetJSON(tx, k, &job); err != nil {
			return err
		}
		job.Attempts++
		job.LastErr = cause.Error()
		backoff := time.Duration(1<<min(job.Attempts, 6)) * 100 * time.Millisecond
		job.RunAt = q.clock.Now().Add(backoff)
		if err := tx.Delete(k); err != nil {
			return err
		}
		return store.PutJSON(tx, key(job.RunAt, job.ID), &job)
	})
}

// Pending returns the number of queued jobs and the creation time of the
// oldest one (zero when there are none).
func (q *Queue) Pending(ctx context.Context) (n int, oldest time.Time, err error) {
	err = q.store.View(ctx, func(tx store.Tx) error {
		return tx.Scan(prefix, "", func(_ string, v []byte) (bool, error) {
			n++
			var j Job
			if json.Unmarshal(v, &j) == nil && (oldest.IsZero() || j.Created.Before(oldest)) {
				oldest = j.Created
			}
			return true, nil
		})
	})
	return n, oldest, err
}

// Settle waits until no job is due (jobs scheduled in the future may
// remain), or ctx ends. Tests and the admin API use it to make
// asynchronous effects observable deterministically.
func (q *Queue) Settle(ctx context.Context) error {
	for {
		now := q.clock.Now()
		due := false
		err := q.store.View(ctx, func(tx store.Tx) error {
			return tx.Scan(prefix, "", func(k string, _ []byte) (bool, error) {
				if at, ok := runAtOf(k); ok && !at.After(now) {
					due = true
				}
				return false, nil
			})
		})
		if err != nil {
			return err
		}
		if !due {
			return nil
		}
		q.Wake()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}
