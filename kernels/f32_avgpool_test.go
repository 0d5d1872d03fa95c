package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestGlobalAvgPool(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		for _, sh := range [][2]int{{1, 1}, {1, 5}, {49, 1024}, {9, 17}, {196, 3}, {3, 127}, {2, 128}, {5, 129}, {4, 200}, {7, 8}, {1, 0}} {
			pixels, c := sh[0], sh[1]
			in := randFloats(rng, pixels*c)
			out, buf := guarded(c)
			GlobalAvgPool(out, in, pixels, c)
			checkGuards(t, buf)
			for ch := 0; ch < c; ch++ {
				var s sum
				for p := 0; p < pixels; p++ {
					s.add(float64(in[p*c+ch]))
				}
				want, tol := s.s/float64(pixels), tolerance*s.mag/float64(pixels)+1e-30
				if got := float64(out[ch]); !(math.Abs(got-want) <= tol) {
					t.Fatalf("%d×%d: out[%d] = %v, want %v", pixels, c, ch, got, want)
				}
			}
		}
		// Hand-worked: the mean of 1, 2, 3, 6 is 3; of -1, 1, 0, 4 is 1.
		out := make([]float32, 2)
		GlobalAvgPool(out, []float32{1, -1, 2, 1, 3, 0, 6, 4}, 4, 2)
		if out[0] != 3 || out[1] != 1 {
			t.Fatalf("got %v, want [3 1]", out)
		}
	})
}

func BenchmarkGlobalAvgPool(b *testing.B) {
	for _, l := range availableLevels() {
		b.Run(fmt.Sprintf("%v/7x7x1024", l), func(b *testing.B) {
			prev, err := SetLevel(l)
			if err != nil {
				b.Fatal(err)
			}
			defer SetLevel(prev)
			in := randFloats(rand.New(rand.NewPCG(21, 22)), 49*1024)
			out := make([]float32, 1024)
			for b.Loop() {
				GlobalAvgPool(out, in, 49, 1024)
			}
			b.ReportMetric(4*float64(len(in))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
