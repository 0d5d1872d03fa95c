package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestLogisticHand checks σ on values worked by hand: σ(0) = ½, σ(ln 3) = 1/(1+⅓) = ¾, σ(−ln 3) = ¼;
// far out it saturates to exactly 1 and 0 (no overflow to NaN), and NaN stays NaN.
func TestLogisticHand(t *testing.T) {
	x := []float64{0, math.Log(3), -math.Log(3), 1000, -1000}
	y := make([]float64, len(x))
	Logistic(x, y)
	if err := approx.Close(y, []float64{0.5, 0.75, 0.25, 1, 0}, 1e-15, 0); err != nil {
		t.Fatal(err)
	}
	y32 := make([]float32, 3)
	Logistic([]float32{-200, 200, float32(math.NaN())}, y32)
	if y32[0] != 0 || y32[1] != 1 || !math.IsNaN(float64(y32[2])) {
		t.Fatalf("Logistic(−200, 200, NaN) = %v, want 0 1 NaN", y32)
	}
	// σ′ at 0 is ¼, at ln 3 is ¾·¼ = 3/16.
	dx := make([]float64, 2)
	LogisticBackward([]float64{0.5, 0.75}, []float64{1, 2}, dx)
	if err := approx.Close(dx, []float64{0.25, 0.375}, 0, 0); err != nil {
		t.Fatal(err)
	}
}

// TestLogisticGradient checks LogisticBackward against central differences of L = Σ r·σ(x) in float64,
// within tight.
func TestLogisticGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	_, x := randVals(r, 17)
	_, d := randVals(r, 17)
	for i := range x {
		x[i] *= 6
	}
	loss := func() float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = 1 / (1 + math.Exp(-v))
		}
		return dot64(d, y)
	}
	y, dx := make([]float64, len(x)), make([]float64, len(x))
	Logistic(x, y)
	LogisticBackward(y, d, dx)
	checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), tight)
}
