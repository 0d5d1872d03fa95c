package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestClampBackward checks ReLU6's gradient against central differences at points away from the kinks,
// and the convention at the kinks themselves.
func TestClampBackward(t *testing.T) {
	t.Run("float32", func(t *testing.T) { clampBackward[float32](t) })
	t.Run("float64", func(t *testing.T) { clampBackward[float64](t) })
}

func clampBackward[T Float](t *testing.T) {
	x := []float64{-2, -0.5, 0.25, 3, 5.5, 6.5, 9}
	d := []float64{1, 2, 3, 4, 5, 6, 7}
	loss := func() float64 {
		var s float64
		for i, v := range x {
			s += d[i] * math.Min(math.Max(v, 0), 6)
		}
		return s
	}
	dx := make([]T, len(x))
	ClampBackward(cast[T](x), 0, 6, cast[T](d), dx)
	// The loss is piecewise linear and no x lies within h of a kink: the differences are exact but for
	// rounding.
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), 1e-9)

	ClampBackward([]T{0, 6}, 0, 6, []T{1, 1}, dx[:2])
	if err := approx.Close(dx[:2], []T{0, 0}, 0, 0); err != nil {
		t.Fatalf("gradient at the kinks: %v", err)
	}
}

// TestPoolGradients checks average pooling (with padding taps not counted) and global average pooling.
func TestPoolGradients(t *testing.T) {
	t.Run("float32", func(t *testing.T) { poolGradients[float32](t, 1e-5) })
	t.Run("float64", func(t *testing.T) { poolGradients[float64](t, tight) })
}

func poolGradients[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(9, 9))
	is := [4]int{2, 5, 4, 3}
	pads, oh, ow := SamePads(5, 4, 3, 3, 2, 2, 1, 1)
	os := [4]int{2, oh, ow, 3}
	_, x := randVals(r, 2*5*4*3)
	_, d := randVals(r, 2*oh*ow*3)
	loss := func() float64 { return dot64(d, avgPool64(x, is, 3, 3, 2, 2, pads, os)) }
	dx := make([]T, len(x))
	AvgPool2DBackward(cast[T](d), os, 3, 3, 2, 2, pads, dx, is)
	checkGrad(t, "avgpool dx", dx, numGrad(x, 1e-3, loss), tol)

	_, g := randVals(r, 2*3)
	gloss := func() float64 {
		return dot64(g, avgPool64(x, is, 5, 4, 1, 1, Pads{}, [4]int{2, 1, 1, 3}))
	}
	GlobalAvgPoolBackward(cast[T](g), dx, is)
	checkGrad(t, "global dx", dx, numGrad(x, 1e-3, gloss), tol)
}

// TestSoftmaxCrossEntropy checks the mean loss on hand-worked cases and its gradient against central
// differences, with and without label smoothing.
func TestSoftmaxCrossEntropy(t *testing.T) {
	// Two equal logits: p = ½ each, loss = log 2; with smoothing 0.2 the target is (0.9, 0.1), which
	// changes nothing since both log p are log ½.
	got := SoftmaxCrossEntropy([]float32{3, 3}, 2, []int{0}, 0.2, nil)
	if err := approx.Within("|loss − log 2| of equal logits", math.Abs(got-math.Ln2), 1e-12); err != nil {
		t.Fatal(err)
	}
	// Logits (0, ln 3): p = (¼, ¾); label 1 gives −log ¾. ln 3 is rounded to float32 (error 1e-8).
	got = SoftmaxCrossEntropy([]float32{0, float32(math.Log(3))}, 2, []int{1}, 0, nil)
	if err := approx.Within("|loss + log ¾|", math.Abs(got+math.Log(0.75)), 1e-7); err != nil {
		t.Fatal(err)
	}
	// The same at float64, where ln 3 is exact to rounding.
	got = SoftmaxCrossEntropy([]float64{0, math.Log(3)}, 2, []int{1}, 0, nil)
	if err := approx.Within("|loss + log ¾| at float64", math.Abs(got+math.Log(0.75)), 1e-15); err != nil {
		t.Fatal(err)
	}
	// A negative label ignores its row, which still counts in the mean: rows (0, ln 3) with label 1 and
	// (NaN, 5) ignored give ln(4/3)/2, gradient ((¼, −¼)/2, (0, 0)).
	dz := make([]float64, 4)
	got = SoftmaxCrossEntropy([]float64{0, math.Log(3), math.NaN(), 5}, 2, []int{1, -1}, 0, dz)
	if err := approx.Within("|loss − ln(4/3)/2| with a row ignored", math.Abs(got-math.Log(4.0/3)/2), 1e-15); err != nil {
		t.Fatal(err)
	}
	if err := approx.Close(dz, []float64{0.125, -0.125, 0, 0}, 1e-16, 0); err != nil {
		t.Fatalf("gradient with a row ignored: %v", err)
	}
	for _, s := range []float64{0, 0.1} {
		t.Run(fmt.Sprintf("s=%g/float32", s), func(t *testing.T) { softmaxXentGradients[float32](t, s, 1e-5) })
		t.Run(fmt.Sprintf("s=%g/float64", s), func(t *testing.T) { softmaxXentGradients[float64](t, s, tight) })
	}
}

func softmaxXentGradients[T Float](t *testing.T, s, tol float64) {
	r := rand.New(rand.NewPCG(11, uint64(s*10)))
	const rows, k = 3, 4
	_, z := randVals(r, rows*k)
	labels := []int{2, 0, 3}
	loss := func() float64 {
		var total float64
		for i := 0; i < rows; i++ {
			var sum float64
			for j := 0; j < k; j++ {
				sum += math.Exp(z[i*k+j])
			}
			for j := 0; j < k; j++ {
				q := s / k
				if j == labels[i] {
					q += 1 - s
				}
				total -= q * (z[i*k+j] - math.Log(sum))
			}
		}
		return total / rows
	}
	dz := make([]T, rows*k)
	got := SoftmaxCrossEntropy(cast[T](z), k, labels, T(s), dz)
	// The loss is computed in float64 from the same logits at either T; only the smoothing s is rounded
	// to T (0.1 as float32 is off by 1.5e-9).
	if err := approx.Within("|loss − twin|", math.Abs(got-loss()), 1e-8); err != nil {
		t.Fatal(err)
	}
	checkGrad(t, "dlogits", dz, numGrad(z, 1e-5, loss), tol)
}
