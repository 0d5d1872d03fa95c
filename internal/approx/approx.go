// Package approx is the one numeric comparison of the project's tests. It checks lengths first and
// treats NaN as a failure: the comparisons are written as !(d <= tol), so that a NaN difference (or a
// NaN tolerance) fails where a bare d > tol would let it through.
package approx

import (
	"fmt"
	"math"
)

// Float is the element type the helpers compare.
type Float interface{ ~float32 | ~float64 }

// MaxAbsDiff returns the largest |got[i] − want[i]| and its index, or an error when the lengths differ or
// either slice is empty. A NaN in either slice makes the difference NaN, and MaxAbsDiff returns it (NaN
// is never smaller than the largest difference so far).
func MaxAbsDiff[T Float](got, want []T) (float64, int, error) {
	if len(got) != len(want) {
		return math.NaN(), -1, fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	if len(got) == 0 {
		return math.NaN(), -1, fmt.Errorf("nothing to compare (both empty)")
	}
	worst, at := 0.0, 0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= worst) { // a NaN is kept: nothing after it is "smaller"
			worst, at = d, i
			if math.IsNaN(d) {
				return d, i, nil
			}
		}
	}
	return worst, at, nil
}

// Close returns nil when got and want have the same non-zero length and every element differs by at most
// atol + rtol·|want[i]|; otherwise an error naming the first worst element. NaN anywhere fails.
func Close[T Float](got, want []T, atol, rtol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	if len(got) == 0 {
		return fmt.Errorf("nothing to compare (both empty)")
	}
	worst, at := 0.0, -1
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		excess := math.Abs(g-w) - (atol + rtol*math.Abs(w))
		if !(excess <= 0) && (at < 0 || !(excess <= worst)) {
			worst, at = excess, i
			if math.IsNaN(excess) {
				break
			}
		}
	}
	if at >= 0 {
		return fmt.Errorf("element %d: got %g, want %g (atol %g, rtol %g)", at, float64(got[at]), float64(want[at]), atol, rtol)
	}
	return nil
}

// Within returns nil when the scalar d is at most tol, an error otherwise (NaN included).
func Within(what string, d, tol float64) error {
	if !(d <= tol) {
		return fmt.Errorf("%s = %g, want at most %g", what, d, tol)
	}
	return nil
}

// Integer is the element type of quantized codes.
type Integer interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~int64 | ~int
}

// Codes returns nil when got and want have the same non-zero length and every got[i] is within tol of
// want[i] (tol 0: exactly equal); otherwise an error naming the first element that is farthest off.
func Codes[G, W Integer](got []G, want []W, tol int64) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	if len(got) == 0 {
		return fmt.Errorf("nothing to compare (both empty)")
	}
	worst, at := tol, -1
	for i := range got {
		d := int64(got[i]) - int64(want[i])
		if d < 0 {
			d = -d
		}
		if d > worst {
			worst, at = d, i
		}
	}
	if at >= 0 {
		return fmt.Errorf("element %d: got %d, want %d (%d apart, tolerance %d)", at, int64(got[at]), int64(want[at]), worst, tol)
	}
	return nil
}

// TB is the part of testing.TB the helpers use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Require fails t unless Close(got, want, atol, rtol) holds.
func Require[T Float](t TB, what string, got, want []T, atol, rtol float64) {
	t.Helper()
	if err := Close(got, want, atol, rtol); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
