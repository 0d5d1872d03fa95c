package ref

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestSoftmaxBackwardHand checks a row worked by hand: y = (½, ½), dy = (1, 0) give Σ dy·y = ½ and
// dx = β·(½·(1−½), ½·(0−½)) = (β/4, −β/4).
func TestSoftmaxBackwardHand(t *testing.T) {
	dx := make([]float64, 2)
	SoftmaxBackward([]float64{0.5, 0.5}, []float64{1, 0}, 2, 2, dx)
	if err := approx.Close(dx, []float64{0.5, -0.5}, 0, 0); err != nil {
		t.Fatal(err)
	}
}

// TestSoftmaxBackwardGradient checks SoftmaxBackward against central differences of
// L = Σ r·Softmax(x, depth, β) in float64, within tight.
func TestSoftmaxBackwardGradient(t *testing.T) {
	for _, beta := range []float64{1, 0.7} {
		t.Run(fmt.Sprintf("beta=%g", beta), func(t *testing.T) {
			r := rand.New(rand.NewPCG(8, uint64(beta*10)))
			const rows, depth = 3, 5
			_, x := randVals(r, rows*depth)
			_, d := randVals(r, rows*depth)
			y := make([]float64, len(x))
			loss := func() float64 {
				Softmax(x, depth, beta, y)
				return dot64(d, y)
			}
			Softmax(x, depth, beta, y)
			dx := make([]float64, len(x))
			SoftmaxBackward(y, d, depth, beta, dx)
			checkGrad(t, "dx", dx, numGrad(x, 1e-5, loss), tight)
		})
	}
}
