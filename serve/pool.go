package serve

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Job states: a job waits in the queue, then a worker runs it, unless its request gave up first.
const (
	jobQueued int32 = iota
	jobRunning
	jobAbandoned
)

var (
	// errPoolFull: every worker busy and every queue slot taken.
	errPoolFull = errors.New("serve: server busy: every worker and queue slot is taken, retry later")
	// errPoolClosed: the server is draining and takes no new work.
	errPoolClosed = errors.New("serve: server is shutting down")
)

// job is one inference waiting for, or run by, a worker.
type job struct {
	run      func()
	state    atomic.Int32
	done     chan struct{}
	enqueued time.Time
}

// ticket is an admission slot: held from admission until the job ends, or released unused.
type ticket struct {
	p    *pool
	used bool
}

// pool runs inferences on a fixed number of workers, with a bounded number of admitted requests.
// Admission never waits: when the slots are gone, admit fails at once.
type pool struct {
	slots   chan struct{} // one token per admitted request: capacity workers + queue
	jobs    chan *job     // same capacity as slots, so a send by an admitted request never blocks
	workers int
	queued  atomic.Int64 // admitted and not yet running
	running atomic.Int64
	avgRun  atomic.Int64 // moving average of run times, nanoseconds
	mu      sync.Mutex   // guards closed against sends on jobs
	closed  bool
	wg      sync.WaitGroup
	onQueue func(n int64)         // called with the new queue length
	onRun   func(n int64)         // called with the new number of running jobs
	onStart func(d time.Duration) // called with a job's time in the queue when a worker takes it
}

// newPool starts workers goroutines with queue waiting slots.
func newPool(workers, queue int) *pool {
	p := &pool{
		slots:   make(chan struct{}, workers+queue),
		jobs:    make(chan *job, workers+queue),
		workers: workers,
		onQueue: func(int64) {},
		onRun:   func(int64) {},
		onStart: func(time.Duration) {},
	}
	p.wg.Add(workers)
	for range workers {
		go p.work()
	}
	return p
}

// admit takes an admission slot without waiting; it fails with errPoolFull or errPoolClosed.
func (p *pool) admit() (*ticket, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, errPoolClosed
	}
	select {
	case p.slots <- struct{}{}:
		p.onQueue(p.queued.Add(1))
		return &ticket{p: p}, nil
	default:
		return nil, errPoolFull
	}
}

// release gives back a ticket that was not used to run a job.
func (t *ticket) release() {
	if t.used {
		return
	}
	t.used = true
	t.p.onQueue(t.p.queued.Add(-1))
	<-t.p.slots
}

// run queues fn on the ticket's slot and waits until a worker has run it or ctx is done. When ctx ends
// first it returns errQueueTimeout if fn had not started (it never will), or errRunTimeout if it was
// running (the worker finishes it; the caller must not use what fn writes).
func (t *ticket) run(ctx context.Context, fn func()) error {
	p := t.p
	j := &job{run: fn, done: make(chan struct{}), enqueued: time.Now()}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		t.release()
		return errPoolClosed
	}
	t.used = true
	p.jobs <- j
	p.mu.Unlock()
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
	}
	if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
		return errQueueTimeout
	}
	select {
	case <-j.done:
		return nil
	default:
		return errRunTimeout
	}
}

// work runs jobs until the pool is closed and its queue empty.
func (p *pool) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		p.onQueue(p.queued.Add(-1))
		if j.state.CompareAndSwap(jobQueued, jobRunning) {
			p.onStart(time.Since(j.enqueued))
			p.onRun(p.running.Add(1))
			start := time.Now()
			j.run()
			p.record(time.Since(start))
			p.onRun(p.running.Add(-1))
			close(j.done)
		}
		<-p.slots
	}
}

// record folds a run time into the moving average (weight 1/8).
func (p *pool) record(d time.Duration) {
	for {
		old := p.avgRun.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/8
		}
		if p.avgRun.CompareAndSwap(old, next) {
			return
		}
	}
}

// retryAfter estimates, in whole seconds (at least 1), how long until a worker could take a new job:
// the queued and running jobs shared among the workers, at the average run time.
func (p *pool) retryAfter() int {
	ahead := p.queued.Load() + p.running.Load()
	secs := time.Duration(p.avgRun.Load()) * time.Duration(ahead) / time.Duration(p.workers)
	return max(1, int((secs+time.Second-1)/time.Second))
}

// close stops admissions, lets the workers finish every queued job and waits for them.
func (p *pool) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}
