package ref

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormTrainGradients checks training-mode batch norm: its forward against a float64 twin, and
// dx, dγ, dβ against central differences of that twin (the batch statistics depend on x).
func TestBatchNormTrainGradients(t *testing.T) {
	for _, shape := range []struct{ rows, c int }{{6, 3}, {2, 1}, {9, 4}} {
		r := rand.New(rand.NewPCG(uint64(shape.rows), uint64(shape.c)))
		x32, x := randVals(r, shape.rows*shape.c)
		g32, g := randVals(r, shape.c)
		b32, b := randVals(r, shape.c)
		d32, d := randVals(r, shape.rows*shape.c)
		const eps = 1e-3
		loss := func() float64 { return dot64(d, bnTrain64(x, shape.c, g, b, eps)) }

		y := make([]float32, len(x32))
		mean, variance := make([]float32, shape.c), make([]float32, shape.c)
		BatchNormTrainForward(x32, shape.c, g32, b32, eps, y, mean, variance)
		checkGrad(t, "forward", y, bnTrain64(x, shape.c, g, b, eps), 1e-5)

		dx, dg, db := make([]float32, len(x32)), make([]float32, shape.c), make([]float32, shape.c)
		BatchNormTrainBackward(x32, shape.c, g32, mean, variance, eps, d32, dx, dg, db)
		checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), 1e-4)
		checkGrad(t, "dgamma", dg, numGrad(g, 1e-5, loss), 1e-4)
		checkGrad(t, "dbeta", db, numGrad(b, 1e-5, loss), 1e-4)
	}
}

// TestBatchNormInferenceGradients checks inference-mode batch norm (fixed statistics).
func TestBatchNormInferenceGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const rows, c, eps = 5, 3, 1e-3
	x32, x := randVals(r, rows*c)
	g32, g := randVals(r, c)
	_, b := randVals(r, c)
	mean := []float32{0.1, -0.2, 0.3}
	variance := []float32{0.5, 2, 1}
	d32, d := randVals(r, rows*c)
	loss := func() float64 {
		var s float64
		for i := range x {
			k := i % c
			s += d[i] * (g[k]*(x[i]-float64(mean[k]))/math.Sqrt(float64(variance[k])+eps) + b[k])
		}
		return s
	}
	dx, dg, db := make([]float32, len(x)), make([]float32, c), make([]float32, c)
	BatchNormBackward(x32, c, g32, mean, variance, eps, d32, dx, dg, db)
	checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), 1e-4)
	checkGrad(t, "dgamma", dg, numGrad(g, 1e-5, loss), 1e-4)
	checkGrad(t, "dbeta", db, numGrad(b, 1e-5, loss), 1e-4)
}

// TestBatchNormUpdateMoving checks the running-statistics update on hand-worked numbers: with decay
// 0.9, a moving mean of 1 and batch mean 3 give 1.2; a moving variance of 1 and biased batch variance 2
// over 5 rows (unbiased 2.5) give 0.9 + 0.25 = 1.15.
func TestBatchNormUpdateMoving(t *testing.T) {
	mm, mv := []float32{1}, []float32{1}
	BatchNormUpdateMoving(mm, mv, []float32{3}, []float32{2}, 5, 0.9)
	if math.Abs(float64(mm[0])-1.2) > 1e-6 || math.Abs(float64(mv[0])-1.15) > 1e-6 {
		t.Fatalf("moving mean %g, variance %g; want 1.2, 1.15", mm[0], mv[0])
	}
}
