package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
	"github.com/orgstack/orgstack/internal/store/memory"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// A job's effects commit with its completion; its payload arrives intact.
func TestJobRunsOnceWithItsPayload(t *testing.T) {
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	q := New(st, clock, quiet())
	var runs atomic.Int32
	q.Handle("write", func(_ context.Context, tx store.Tx, _ time.Time, j *Job) error {
		runs.Add(1)
		var p struct{ Key string }
		if err := j.Decode(&p); err != nil {
			return err
		}
		return tx.Put(p.Key, []byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); q.Wait() }()
	q.Start(ctx)
	now := clock.Now()
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, err := q.Enqueue(tx, "write", struct{ Key string }{"out"}, now, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job", func() bool {
		var ok bool
		_ = st.View(ctx, func(tx store.Tx) error { ok, _ = store.Exists(tx, "out"); return nil })
		return ok
	})
	if err := q.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := q.Pending(ctx); n != 0 {
		t.Fatalf("%d jobs left", n)
	}
	if runs.Load() != 1 {
		t.Fatalf("ran %d times", runs.Load())
	}
}

// A failing job rolls back its writes and is retried until it succeeds.
func TestFailedJobRollsBackAndRetries(t *testing.T) {
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	q := New(st, clock, quiet())
	var attempts atomic.Int32
	q.Handle("flaky", func(_ context.Context, tx store.Tx, _ time.Time, _ *Job) error {
		n := attempts.Add(1)
		if err := tx.Put("attempt", []byte{byte(n)}); err != nil {
			return err
		}
		if n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); q.Wait() }()
	q.Start(ctx)
	now := clock.Now()
	_ = st.Update(ctx, func(tx store.Tx) error {
		_, err := q.Enqueue(tx, "flaky", nil, now, now)
		return err
	})
	waitFor(t, "three attempts", func() bool { return attempts.Load() >= 3 })
	waitFor(t, "the queue to drain", func() bool { n, _, _ := q.Pending(ctx); return n == 0 })
	var got []byte
	_ = st.View(ctx, func(tx store.Tx) error { got, _ = tx.Get("attempt"); return nil })
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("committed attempt %v; only the successful attempt may commit", got)
	}
}

// A job due in the future waits for the clock; moving the clock runs it.
func TestFutureJobRunsWhenTheClockArrives(t *testing.T) {
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	q := New(st, clock, quiet())
	var ran atomic.Bool
	q.Handle("later", func(context.Context, store.Tx, time.Time, *Job) error { ran.Store(true); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); q.Wait() }()
	q.Start(ctx)
	now := clock.Now()
	_ = st.Update(ctx, func(tx store.Tx) error {
		_, err := q.Enqueue(tx, "later", nil, now, now.Add(time.Hour))
		return err
	})
	if err := q.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Fatal("a job due in an hour ran at once")
	}
	clock.Advance(2 * time.Hour)
	q.Wake()
	waitFor(t, "the job after the clock moved", ran.Load)
}

// Jobs written before a restart run when a new queue starts on the store.
func TestPendingJobsResumeAfterRestart(t *testing.T) {
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	first := New(st, clock, quiet())
	first.Handle("k", func(context.Context, store.Tx, time.Time, *Job) error { return nil })
	now := clock.Now()
	_ = st.Update(context.Background(), func(tx store.Tx) error {
		_, err := first.Enqueue(tx, "k", nil, now, now)
		return err
	})
	// first never started: the process "died". A new queue picks the job up.
	second := New(st, clock, quiet())
	var ran atomic.Bool
	second.Handle("k", func(context.Context, store.Tx, time.Time, *Job) error { ran.Store(true); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); second.Wait() }()
	second.Start(ctx)
	waitFor(t, "the resumed job", ran.Load)
}

func TestEnqueueUnknownKind(t *testing.T) {
	st := memory.New()
	q := New(st, &orgstack.OffsetClock{}, quiet())
	err := st.Update(context.Background(), func(tx store.Tx) error {
		_, err := q.Enqueue(tx, "nobody-handles-this", nil, time.Now(), time.Now())
		return err
	})
	if err == nil {
		t.Fatal("enqueued a job no handler can run")
	}
}

// Two queues over one store (two processes sharing PostgreSQL): a job
// the first queues while its own worker is gone is run by the second,
// which is never woken by the first's commit and finds it by polling.
func TestPollingFindsJobsOtherProcessesQueued(t *testing.T) {
	st := memory.New()
	clock := &orgstack.OffsetClock{}
	var runs atomic.Int32
	handler := func(_ context.Context, tx store.Tx, _ time.Time, _ *Job) error {
		runs.Add(1)
		return tx.Put("out", []byte("done"))
	}
	gone := New(st, clock, quiet())
	gone.Handle("write", handler)
	other := New(st, clock, quiet())
	other.Handle("write", handler)
	other.SetPoll(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); other.Wait() }()
	other.Start(ctx)
	// Let the other worker go idle before the job is queued.
	time.Sleep(50 * time.Millisecond)
	now := clock.Now()
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, err := gone.Enqueue(tx, "write", nil, now, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other process to run the job", func() bool { return runs.Load() == 1 })
	if n, _, err := other.Pending(ctx); err != nil || n != 0 {
		t.Fatalf("Pending = %d, %v; want the job done", n, err)
	}
}

// countingStore counts write transactions.
type countingStore struct {
	store.Store
	updates atomic.Int32
}

func (c *countingStore) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	c.updates.Add(1)
	return c.Store.Update(ctx, fn)
}

// Small jobs due together run in one transaction, in queue order; one
// that fails rolls back none of the others' effects, which commit once.
func TestSmallJobsShareATransaction(t *testing.T) {
	for _, failing := range []bool{false, true} {
		st := &countingStore{Store: memory.New()}
		clock := &orgstack.OffsetClock{}
		q := New(st, clock, quiet())
		var failures atomic.Int32
		q.HandleSmall("append", func(_ context.Context, tx store.Tx, _ time.Time, j *Job) error {
			var p struct{ N int }
			if err := j.Decode(&p); err != nil {
				return err
			}
			// Job 5 fails in the group and again alone.
			if failing && p.N == 5 && failures.Add(1) <= 2 {
				_ = tx.Put("log/poison", nil)
				return errors.New("first attempt fails")
			}
			v, err := tx.Get("log")
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return tx.Put("log", append(v, byte('a'+p.N)))
		})
		ctx, cancel := context.WithCancel(context.Background())
		now := clock.Now()
		if err := st.Update(ctx, func(tx store.Tx) error {
			for i := range 10 {
				if _, err := q.Enqueue(tx, "append", struct{ N int }{i}, now, now.Add(time.Duration(i))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		before := st.updates.Load()
		q.Start(ctx)
		waitFor(t, "the jobs", func() bool { n, _, _ := q.Pending(ctx); return n == 0 })
		cancel()
		q.Wait()
		var log []byte
		var poison bool
		_ = st.View(context.Background(), func(tx store.Tx) error {
			log, _ = tx.Get("log")
			poison, _ = store.Exists(tx, "log/poison")
			return nil
		})
		if failing {
			// The group rolls back and its jobs run one at a time: job 5
			// fails again and waits for its retry, the others neither
			// wait for it nor run twice.
			if string(log) != "abcdeghijf" || poison {
				t.Fatalf("log %q (poison %v): want job 5 last, every job once, the failed attempts rolled back", log, poison)
			}
			continue
		}
		if string(log) != "abcdefghij" {
			t.Fatalf("log %q, want every job once in queue order", log)
		}
		if n := st.updates.Load() - before; n != 1 {
			t.Fatalf("ten small jobs took %d transactions, want 1", n)
		}
	}
}

// While requests are in flight a due job waits for a pause in them; with
// no pause it runs anyway once its longest wait has passed.
func TestJobsDeferToRequests(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxYield time.Duration
		pause    bool // the requests stop after the job was seen waiting
	}{
		{"runs in the pause", time.Hour, true},
		{"runs when the wait is over", 20 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memory.New()
			clock := &orgstack.OffsetClock{}
			q := New(st, clock, quiet())
			var busy, asked atomic.Bool
			busy.Store(true)
			q.SetBusy(func() bool { asked.Store(true); return busy.Load() }, tc.maxYield)
			var ran atomic.Bool
			q.Handle("mark", func(context.Context, store.Tx, time.Time, *Job) error { ran.Store(true); return nil })
			now := clock.Now()
			if err := st.Update(context.Background(), func(tx store.Tx) error {
				_, err := q.Enqueue(tx, "mark", nil, now, now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer func() { cancel(); q.Wait() }()
			q.Start(ctx)
			if tc.pause {
				waitFor(t, "the worker to look at the requests", asked.Load)
				time.Sleep(20 * time.Millisecond)
				if ran.Load() {
					t.Fatal("the job ran while requests were in flight")
				}
				busy.Store(false)
			}
			waitFor(t, "the job", ran.Load)
		})
	}
}

// A new job is stored as exactly what json.Marshal makes of it, for plain
// and awkward ids, kinds and times alike.
func TestNewJobEncoding(t *testing.T) {
	at := time.Date(2026, 11, 24, 1, 2, 3, 400500600, time.UTC)
	for _, j := range []Job{
		{ID: "0b7c7c2e-6b1e-4c55-9d3a-1f3f1e2d9a10", Kind: "organizations.trusted-event.small", Payload: json.RawMessage(`{"kind":"x","at":"2026-11-24T01:02:03Z","n":[1,2]}`), RunAt: at, Created: at.Add(-time.Second)},
		{ID: "id", Kind: "k", Payload: json.RawMessage(`null`), RunAt: at.Truncate(time.Second), Created: at.Truncate(time.Hour)},
		{ID: "a<b>&\"c\\", Kind: "kind\u00e9\n", Payload: json.RawMessage(`"s"`), RunAt: at, Created: at},
		{ID: "retry", Kind: "k", Payload: json.RawMessage(`{}`), RunAt: at, Created: at, Attempts: 2, LastErr: "boom"},
	} {
		want, err := json.Marshal(&j)
		if err != nil {
			t.Fatal(err)
		}
		if got := j.appendNew([]byte("prefix")); string(got) != "prefix"+string(want) {
			t.Errorf("appendNew = %s\nwant        prefix%s", got, want)
		}
	}
}

// kindOf reads a stored job's kind as decoding it would.
func TestKindOf(t *testing.T) {
	at := time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC)
	for _, j := range []Job{
		{ID: "1", Kind: "organizations.trusted-event.small", Payload: json.RawMessage(`{"kind":"not this"}`), RunAt: at, Created: at},
		{ID: "2", Kind: `odd"kind\`, Payload: json.RawMessage(`{}`), RunAt: at, Created: at},
		{ID: "3", Kind: "retried", Payload: json.RawMessage(`{}`), RunAt: at, Created: at, Attempts: 1, LastErr: `"kind":"x"`},
	} {
		if got := kindOf(j.appendNew(nil)); got != j.Kind {
			t.Errorf("kindOf = %q, want %q", got, j.Kind)
		}
	}
	if got := kindOf([]byte(`not json`)); got != "" {
		t.Errorf("kindOf(garbage) = %q", got)
	}
}
