package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHardSwishEqualsGo: HardSwish at every level gives the Go loop's bits on lengths around the
// 16-value blocks (tails, empty), with NaN, ±Inf, ±0 and the kinks ±3 among the values, in place too,
// and writes nothing past y.
func TestHardSwishEqualsGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), 3, -3, 6, -6, 1e-30, -1e30}
	forEachLevel(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1000, 4099} {
			x := make([]float32, n)
			for i := range x {
				x[i] = (rng.Float32() - 0.5) * 16
				if rng.IntN(8) == 0 {
					x[i] = special[rng.IntN(len(special))]
				}
			}
			want := make([]float32, n)
			for i, v := range x {
				r := min(max(v+3, 0), 6)
				want[i] = v * r / 6
			}
			got, buf := guarded(n)
			HardSwish(got, x)
			checkGuards(t, buf)
			inPlace := append([]float32(nil), x...)
			HardSwish(inPlace, inPlace)
			for i := range want {
				for _, g := range []float32{got[i], inPlace[i]} {
					if w := want[i]; math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("n %d: h-swish(%v) = %v, want %v", n, x[i], g, w)
					}
				}
			}
		}
	})
}

func BenchmarkHardSwish(b *testing.B) {
	x, y := make([]float32, 56*56*72), make([]float32, 56*56*72)
	for i := range x {
		x[i] = float32(i%13) - 6
	}
	b.Run("fast", func(b *testing.B) {
		for range b.N {
			HardSwish(y, x)
		}
	})
	b.Run("go", func(b *testing.B) {
		for range b.N {
			hardSwishGeneric(y, x)
		}
	})
}
