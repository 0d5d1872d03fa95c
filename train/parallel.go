package train

import "sync"

// workers runs the iterations of a loop on up to n goroutines (the caller's included), in contiguous
// ranges. Every kernel of this package computes each output value the same way whatever the split, so
// results do not depend on the number of workers. pureGo makes matmul use the plain-Go product.
type workers struct {
	n      int
	pureGo bool
}

// run calls f on disjoint ranges [lo, hi) that cover [0, count), concurrently, and waits for all.
func (w *workers) run(count int, f func(lo, hi int)) {
	parts := min(max(w.n, 1), count)
	if parts <= 1 {
		if count > 0 {
			f(0, count)
		}
		return
	}
	var wg sync.WaitGroup
	for t := 1; t < parts; t++ {
		lo, hi := count*t/parts, count*(t+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	f(0, count/parts)
	wg.Wait()
}
