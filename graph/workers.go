package graph

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// workers is the process-wide pool of goroutines that run the parts of a layer: started once, one
// fewer than the cores (the caller runs a part itself), shared by every Program. A caller runs part 0
// and waits for the others, so programs running at the same time share the pool without deadlock, and
// no goroutine is started per op or per inference.
//
// Layers take microseconds, so waking a parked goroutine (tens of microseconds on a busy machine)
// would cost as much as the work: a worker that finishes a job polls for the next one for a few tens of
// microseconds before it parks, and the caller polls for its parts to finish, yielding the processor
// now and then so that it never starves a worker.
var workers struct {
	once sync.Once
	jobs chan job
}

// job is one part of a layer for a worker to run.
type job struct {
	fn      func(part int)
	part    int
	pending *partGroup
}

// partGroup tracks the parts of one parallel call: how many are still running, and the first panic one of
// them met (re-raised on the caller's goroutine, where the program turns it into an error).
type partGroup struct {
	n        atomic.Int32
	panicked atomic.Pointer[any]
}

// run runs part p of fn, recording a panic instead of letting it kill a worker (and the process).
func (ps *partGroup) run(fn func(int), p int) {
	defer func() {
		if r := recover(); r != nil {
			saved := new(any) // allocated only when a part panics
			*saved = r
			ps.panicked.CompareAndSwap(nil, saved)
		}
		ps.n.Add(-1)
	}()
	fn(p)
}

// spinPolls is how many times a worker polls for a job before it parks (a few hundred µs: longer than
// the gap between the layers of one inference and between back-to-back inferences).
const spinPolls = 20000

func startWorkers() {
	n := max(runtime.GOMAXPROCS(0)-1, 1)
	workers.jobs = make(chan job, 64)
	for i := 0; i < n; i++ {
		go work()
	}
}

func work() {
	for {
		var j job
		got := false
		for poll := 0; poll < spinPolls && !got; poll++ {
			select {
			case j = <-workers.jobs:
				got = true
			default:
				if poll%128 == 127 {
					runtime.Gosched()
				}
			}
		}
		if !got {
			j = <-workers.jobs
		}
		j.pending.run(j.fn, j.part)
	}
}

// parallel runs fn(0), …, fn(count−1), part 0 on the calling goroutine and the others on the pool, and
// returns when all are done; a panic in any part is re-raised here, after every part has finished.
// pending belongs to the caller (one per kernel, so that nothing is allocated per call).
func parallel(pending *partGroup, count int, fn func(part int)) {
	if count <= 1 {
		if count == 1 {
			fn(0)
		}
		return
	}
	workers.once.Do(startWorkers)
	pending.panicked.Store(nil)
	pending.n.Store(int32(count))
	for p := 1; p < count; p++ {
		workers.jobs <- job{fn: fn, part: p, pending: pending}
	}
	pending.run(fn, 0)
	// While the other parts run, help with queued jobs (they may be parts of a nested parallel call that
	// no idle worker is left to take), else poll.
	for poll := 0; pending.n.Load() != 0; poll++ {
		select {
		case j := <-workers.jobs:
			j.pending.run(j.fn, j.part)
		default:
			if poll%64 == 63 {
				runtime.Gosched()
			}
		}
	}
	if r := pending.panicked.Load(); r != nil {
		panic(*r)
	}
}

// parallelRange splits [0, count) into at most threads contiguous ranges of at least minUnits units and
// runs f on each on the pool: the loops of the training kernels. Every value a kernel computes is
// computed the same way whatever the split, so results do not depend on the number of threads.
func parallelRange(threads, count, minUnits int, f func(lo, hi int)) {
	n := min(max(threads, 1), count/max(minUnits, 1))
	if n <= 1 {
		if count > 0 {
			f(0, count)
		}
		return
	}
	var ps partGroup
	parallel(&ps, n, func(p int) {
		lo, hi := bounds(count, n, p)
		f(lo, hi)
	})
}

// split divides n units of work of the given cost each into at most threads parts, each worth at
// least minPartCost: layers too small to repay the hand-off stay serial.
func split(n int, unitCost int64, threads int) int {
	const minPartCost = 1 << 17 // mult-adds (or element operations) worth a hand-off to another core
	parts := min(threads, n)
	if unitCost > 0 {
		parts = min(parts, int(int64(n)*unitCost/minPartCost))
	}
	return max(parts, 1)
}

// bounds returns the half-open range of units of part p when n units are split into parts.
func bounds(n, parts, p int) (int, int) {
	return n * p / parts, n * (p + 1) / parts
}
