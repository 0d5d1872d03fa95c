package ref

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestClampBackward checks ReLU6's gradient against central differences at points away from the kinks,
// and the convention at the kinks themselves.
func TestClampBackward(t *testing.T) {
	x := []float64{-2, -0.5, 0.25, 3, 5.5, 6.5, 9}
	d := []float64{1, 2, 3, 4, 5, 6, 7}
	loss := func() float64 {
		var s float64
		for i, v := range x {
			s += d[i] * math.Min(math.Max(v, 0), 6)
		}
		return s
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	dx := make([]float32, len(x))
	ClampBackward(x32, 0, 6, []float32{1, 2, 3, 4, 5, 6, 7}, dx)
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), 1e-9)

	ClampBackward([]float32{0, 6}, 0, 6, []float32{1, 1}, dx[:2])
	if dx[0] != 0 || dx[1] != 0 {
		t.Fatalf("gradient at the kinks = %v, want 0 0", dx[:2])
	}
}

// TestPoolGradients checks average pooling (with padding taps not counted) and global average pooling.
func TestPoolGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	is := [4]int{2, 5, 4, 3}
	pads, oh, ow := SamePads(5, 4, 3, 3, 2, 2, 1, 1)
	os := [4]int{2, oh, ow, 3}
	_, x := randVals(r, 2*5*4*3)
	d32, d := randVals(r, 2*oh*ow*3)
	loss := func() float64 { return dot64(d, avgPool64(x, is, 3, 3, 2, 2, pads, os)) }
	dx := make([]float32, len(x))
	AvgPool2DBackward(d32, os, 3, 3, 2, 2, pads, dx, is)
	checkGrad(t, "avgpool dx", dx, numGrad(x, 1e-3, loss), 1e-5)

	g32, g := randVals(r, 2*3)
	gloss := func() float64 {
		return dot64(g, avgPool64(x, is, 5, 4, 1, 1, Pads{}, [4]int{2, 1, 1, 3}))
	}
	GlobalAvgPoolBackward(g32, dx, is)
	checkGrad(t, "global dx", dx, numGrad(x, 1e-3, gloss), 1e-5)
}

// TestSoftmaxCrossEntropy checks the loss on a hand-worked case and its gradient against central
// differences, with and without label smoothing.
func TestSoftmaxCrossEntropy(t *testing.T) {
	// Two equal logits: p = ½ each, loss = log 2; with smoothing 0.2 the target is (0.9, 0.1), which
	// changes nothing since both log p are log ½.
	if got := SoftmaxCrossEntropy([]float32{3, 3}, 2, []int{0}, 0.2, nil); math.Abs(got-math.Ln2) > 1e-12 {
		t.Fatalf("loss of equal logits = %g, want log 2", got)
	}
	// Logits (0, ln 3): p = (¼, ¾); label 1 gives −log ¾.
	if got := SoftmaxCrossEntropy([]float32{0, float32(math.Log(3))}, 2, []int{1}, 0, nil); math.Abs(got+math.Log(0.75)) > 1e-7 {
		t.Fatalf("loss = %g, want %g", got, -math.Log(0.75))
	}
	for _, s := range []float32{0, 0.1} {
		r := rand.New(rand.NewPCG(11, uint64(s*10)))
		const rows, k = 3, 4
		z32, z := randVals(r, rows*k)
		labels := []int{2, 0, 3}
		loss := func() float64 {
			var total float64
			for i := 0; i < rows; i++ {
				var sum float64
				for j := 0; j < k; j++ {
					sum += math.Exp(z[i*k+j])
				}
				for j := 0; j < k; j++ {
					q := float64(s) / k
					if j == labels[i] {
						q += 1 - float64(s)
					}
					total -= q * (z[i*k+j] - math.Log(sum))
				}
			}
			return total / rows
		}
		dz := make([]float32, rows*k)
		got := SoftmaxCrossEntropy(z32, k, labels, s, dz)
		if math.Abs(got-loss()) > 1e-9 {
			t.Fatalf("smoothing %g: loss %g, want %g", s, got, loss())
		}
		checkGrad(t, "dlogits", dz, numGrad(z, 1e-5, loss), 1e-5)
	}
}
