package q8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// BenchmarkStem times the first layers of the narrow int8 models, one
// thread: the person detector's (96×96×1 to 48×48×8) and MobileNet V1
// 0.25/224's (224×224×3 to 112×112×8), folded (fold.go) and not.
func BenchmarkStem(b *testing.B) {
	for _, s := range []struct{ cin, in, out, n int }{{1, 96, 48, 8}, {3, 224, 112, 8}} {
		for _, fold := range []bool{false, true} {
			b.Run(fmt.Sprintf("cin%d_%d_fold=%v", s.cin, s.in, fold), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				k := 9 * s.cin
				rq := qmath.NewRequant(0.02, []float32{0.01, 0.02, 0.01, 0.03, 0.01, 0.01, 0.02, 0.01}, 0.05, -128, -128, 127, qmath.XNNPACK)
				c := PackConvI8(randInt8Weights(rng, s.n*k), make([]int32, s.n), s.n, 3, 3, s.cin, -3, rq, qmath.XNNPACK)
				if !fold {
					c.gf, c.fold = nil, 0
				}
				in, out := int8s(randCodes(rng, s.in*s.in*s.cin)), make([]int8, s.out*s.out*s.n)
				b.SetBytes(int64(s.out * s.out * s.n * k)) // mult-adds
				for b.Loop() {
					c.RunI8(out, in, s.in, s.in, 2, 2, 0, 0, s.out, s.out, 0, s.out)
				}
			})
		}
	}
}
