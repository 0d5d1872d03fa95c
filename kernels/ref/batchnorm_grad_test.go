package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestBatchNormTrainGradients checks training-mode batch norm: its forward against a float64 twin, and
// dx, dγ, dβ against central differences of that twin (the batch statistics depend on x).
func TestBatchNormTrainGradients(t *testing.T) {
	for _, shape := range []struct{ rows, c int }{{6, 3}, {2, 1}, {9, 4}} {
		t.Run(fmt.Sprintf("%dx%d/float32", shape.rows, shape.c), func(t *testing.T) {
			bnTrainGradients[float32](t, shape.rows, shape.c, 1e-4, 1e-5)
		})
		t.Run(fmt.Sprintf("%dx%d/float64", shape.rows, shape.c), func(t *testing.T) {
			bnTrainGradients[float64](t, shape.rows, shape.c, tight, tight)
		})
	}
}

func bnTrainGradients[T Float](t *testing.T, rows, c int, tol, fwdTol float64) {
	r := rand.New(rand.NewPCG(uint64(rows), uint64(c)))
	_, x := randVals(r, rows*c)
	_, g := randVals(r, c)
	_, b := randVals(r, c)
	_, d := randVals(r, rows*c)
	const eps = 1e-3
	loss := func() float64 { return dot64(d, bnTrain64(x, c, g, b, eps)) }

	y := make([]T, len(x))
	mean, variance := make([]T, c), make([]T, c)
	BatchNormTrainForward(cast[T](x), c, cast[T](g), cast[T](b), eps, y, mean, variance)
	checkGrad(t, "forward", y, bnTrain64(x, c, g, b, eps), fwdTol)

	dx, dg, db := make([]T, len(x)), make([]T, c), make([]T, c)
	BatchNormTrainBackward(cast[T](x), c, cast[T](g), mean, variance, eps, cast[T](d), dx, dg, db)
	checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), tol)
	checkGrad(t, "dgamma", dg, numGrad(g, 1e-5, loss), tol)
	checkGrad(t, "dbeta", db, numGrad(b, 1e-5, loss), tol)
}

// TestBatchNormInferenceGradients checks inference-mode batch norm (fixed statistics).
func TestBatchNormInferenceGradients(t *testing.T) {
	t.Run("float32", func(t *testing.T) { bnInferenceGradients[float32](t, 1e-4) })
	t.Run("float64", func(t *testing.T) { bnInferenceGradients[float64](t, tight) })
}

func bnInferenceGradients[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(5, 5))
	const rows, c, eps = 5, 3, 1e-3
	_, x := randVals(r, rows*c)
	_, g := randVals(r, c)
	_, b := randVals(r, c)
	mean := []float64{0.1, -0.2, 0.3}
	variance := []float64{0.5, 2, 1}
	_, d := randVals(r, rows*c)
	loss := func() float64 {
		var s float64
		for i := range x {
			k := i % c
			s += d[i] * (g[k]*(x[i]-mean[k])/math.Sqrt(variance[k]+eps) + b[k])
		}
		return s
	}
	dx, dg, db := make([]T, len(x)), make([]T, c), make([]T, c)
	BatchNormBackward(cast[T](x), c, cast[T](g), cast[T](mean), cast[T](variance), eps, cast[T](d), dx, dg, db)
	checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), tol)
	checkGrad(t, "dgamma", dg, numGrad(g, 1e-5, loss), tol)
	checkGrad(t, "dbeta", db, numGrad(b, 1e-5, loss), tol)
}

// TestBatchNormUpdateMoving checks the running-statistics update on hand-worked numbers: with decay
// 0.9, a moving mean of 1 and batch mean 3 give 1.2; a moving variance of 1 and biased batch variance 2
// over 5 rows (unbiased 2.5) give 0.9 + 0.25 = 1.15.
func TestBatchNormUpdateMoving(t *testing.T) {
	mm, mv := []float32{1}, []float32{1}
	BatchNormUpdateMoving(mm, mv, []float32{3}, []float32{2}, 5, 0.9)
	if err := approx.Close(append(mm, mv...), []float32{1.2, 1.15}, 1e-6, 0); err != nil {
		t.Fatalf("moving mean, variance: %v", err)
	}
}
