package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tolerance is the float32 kernels' allowed error against the float64
// reference, relative to the sum of the magnitudes of the terms (the bias and
// every product), so that cancellation cannot make a correct sum fail.
const tolerance = 1e-5

// guard is how many poisoned floats surround every output slice.
const guard = 19

// availableLevels returns every level this CPU and build can run.
func availableLevels() []Level {
	var ls []Level
	for l := Generic; l <= AVX512; l++ {
		if l <= supported {
			ls = append(ls, l)
		}
	}
	return ls
}

// forEachLevel runs f as a subtest once per available level, forced with
// SetLevel.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range availableLevels() {
		t.Run(l.String(), func(t *testing.T) {
			prev, err := SetLevel(l)
			if err != nil {
				t.Fatal(err)
			}
			defer SetLevel(prev)
			f(t)
		})
	}
}

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

// guarded returns a slice of n floats inside a buffer poisoned with NaN on
// both sides.
func guarded(n int) (inner, buf []float32) {
	buf = make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	return buf[guard : guard+n : guard+n], buf
}

// checkGuards fails if any float around the inner slice was written.
func checkGuards(t *testing.T, buf []float32) {
	t.Helper()
	n := len(buf) - 2*guard
	for i := 0; i < guard; i++ {
		if !math.IsNaN(float64(buf[i])) || !math.IsNaN(float64(buf[guard+n+i])) {
			t.Fatalf("guard value overwritten: before[%d]=%v after[%d]=%v", i, buf[i], i, buf[guard+n+i])
		}
	}
}

// sum accumulates a float64 reference value with the magnitude of its terms.
type sum struct{ s, mag float64 }

func (a *sum) add(x float64) { a.s += x; a.mag += math.Abs(x) }

// want returns the clamped reference value and its error bound.
func (a sum) want(lo, hi float32) (float64, float64) {
	return math.Min(math.Max(a.s, float64(lo)), float64(hi)), tolerance*a.mag + 1e-30
}

// clampRanges are the activation ranges every kernel is tried with.
var clampRanges = []struct{ lo, hi float32 }{
	{float32(math.Inf(-1)), float32(math.Inf(1))},
	{0, 6},
	{-0.25, 0.5},
}
