package graph

import (
	"runtime"
	"sync"
)

// workers is the process-wide pool of goroutines that run the parts of a layer: started once, sized to
// the machine's cores, shared by every Program. A caller runs part 0 itself and waits for the others,
// so programs running at the same time share the pool without deadlock, and no goroutine is started
// per op or per inference.
var workers struct {
	once sync.Once
	jobs chan job
	n    int
}

// job is one part of a layer for a worker to run.
type job struct {
	fn   func(part int)
	part int
	done *sync.WaitGroup
}

func startWorkers() {
	workers.n = runtime.GOMAXPROCS(0)
	workers.jobs = make(chan job, 4*workers.n)
	for i := 0; i < workers.n; i++ {
		go func() {
			for j := range workers.jobs {
				j.fn(j.part)
				j.done.Done()
			}
		}()
	}
}

// parallel runs fn(0), …, fn(parts−1), part 0 on the calling goroutine and the others on the pool, and
// returns when all are done. wg belongs to the caller (one per kernel, so that nothing is allocated
// per call).
func parallel(wg *sync.WaitGroup, parts int, fn func(part int)) {
	if parts <= 1 {
		if parts == 1 {
			fn(0)
		}
		return
	}
	workers.once.Do(startWorkers)
	wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		workers.jobs <- job{fn: fn, part: p, done: wg}
	}
	fn(0)
	wg.Wait()
}

// split divides n units of work of the given cost each into at most threads parts of at least
// minCost·… work: layers too small to repay the hand-off stay serial.
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
