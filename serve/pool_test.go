package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// busyPool returns a pool of one worker and a queue of two whose worker is held by a running job
// until the returned function is called.
func busyPool(t *testing.T) (*pool, func()) {
	t.Helper()
	p := newPool(1, 2)
	hold := make(chan struct{})
	tk, err := p.admit()
	if err != nil {
		t.Fatal(err)
	}
	go tk.run(context.Background(), func() { <-hold })
	waitFor(t, func() bool { return p.running.Load() == 1 })
	return p, func() { close(hold) }
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
	}
}

func TestPoolAdmission(t *testing.T) {
	p, free := busyPool(t)
	a, errA := p.admit()
	b, errB := p.admit()
	if errA != nil || errB != nil {
		t.Fatalf("queue slots refused: %v, %v", errA, errB)
	}
	if n := p.queued.Load(); n != 2 {
		t.Errorf("queued %d, want 2", n)
	}
	start := time.Now()
	if _, err := p.admit(); !errors.Is(err, errPoolFull) {
		t.Fatalf("fourth admission: %v, want errPoolFull", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusal took %v: it must not wait", d)
	}
	a.release()
	a.release() // a second release is a no-op
	c, err := p.admit()
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	free()
	var ran atomic.Int32
	for _, tk := range []*ticket{b, c} {
		if err := tk.run(context.Background(), func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if ran.Load() != 2 {
		t.Errorf("%d jobs ran, want 2", ran.Load())
	}
	p.close()
	if _, err := p.admit(); !errors.Is(err, errPoolClosed) {
		t.Errorf("after close: %v, want errPoolClosed", err)
	}
	if p.queued.Load() != 0 || p.running.Load() != 0 || len(p.slots) != 0 {
		t.Errorf("after close: queued %d running %d slots %d", p.queued.Load(), p.running.Load(), len(p.slots))
	}
}

func TestPoolTimeouts(t *testing.T) {
	p, free := busyPool(t)
	// A queued job whose request gives up never runs, and its slot comes back once a worker skips it.
	tk, _ := p.admit()
	var ran atomic.Bool
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tk.run(ctx, func() { ran.Store(true) }); !errors.Is(err, errQueueTimeout) {
		t.Fatalf("queued past the deadline: %v, want errQueueTimeout", err)
	}
	free()
	waitFor(t, func() bool { return len(p.slots) == 0 })
	if ran.Load() {
		t.Error("an abandoned job ran")
	}
	// A running job past the deadline: the caller is told at once, the worker finishes it.
	tk, _ = p.admit()
	hold, finished := make(chan struct{}), make(chan struct{})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if err := tk.run(ctx2, func() { <-hold; close(finished) }); !errors.Is(err, errRunTimeout) {
		t.Fatalf("running past the deadline: %v, want errRunTimeout", err)
	}
	if len(p.slots) != 1 {
		t.Errorf("the running job's slot was given back early")
	}
	close(hold)
	p.close()
	select {
	case <-finished:
	default:
		t.Error("close returned before the running job ended")
	}
}

func TestRetryAfter(t *testing.T) {
	cases := []struct {
		workers         int
		queued, running int64
		avg             time.Duration
		want            int
	}{
		{1, 0, 0, 0, 1},
		{1, 2, 1, 2 * time.Second, 6},
		{2, 3, 2, 300 * time.Millisecond, 1}, // 0.75 s rounds up to 1
		{2, 30, 2, 300 * time.Millisecond, 5},
	}
	for _, c := range cases {
		p := &pool{workers: c.workers}
		p.queued.Store(c.queued)
		p.running.Store(c.running)
		p.avgRun.Store(int64(c.avg))
		if got := p.retryAfter(); got != c.want {
			t.Errorf("%+v: %d, want %d", c, got, c.want)
		}
	}
}
