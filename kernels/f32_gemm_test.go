package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGEMM is the float64 reference: rows [r0, r1) of clamp(bias + in·Wᵀ).
func refGEMM(w, bias, in []float32, n, k, r int) []sum {
	s := make([]sum, n)
	for o := range s {
		if bias != nil {
			s[o].add(float64(bias[o]))
		}
		for i := 0; i < k; i++ {
			s[o].add(float64(in[r*k+i]) * float64(w[o*k+i]))
		}
	}
	return s
}

func TestGEMM(t *testing.T) {
	shapes := []struct{ rows, n, k int }{
		{1, 1, 1}, {3, 3, 27}, {20, 7, 3}, {17, 15, 15}, {14, 16, 16}, {15, 17, 33},
		{29, 31, 63}, {13, 32, 32}, {2, 33, 65}, {19, 48, 8}, {30, 63, 100},
		{12, 64, 17}, {7, 65, 5}, {16, 100, 31}, {5, 129, 4}, {3, 1000, 64},
		{28, 40, 9}, {45, 33, 12}, {20, 16, 5}, // several full row tiles in one call
	}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, sh := range shapes {
			for ci, cr := range clampRanges {
				w := randFloats(rng, sh.n*sh.k)
				bias := randFloats(rng, sh.n)
				if ci == 1 {
					bias = nil
				}
				in := randFloats(rng, sh.rows*sh.k)
				g := PackGEMM(w, bias, sh.n, sh.k)
				// Split the rows in two ranges, as the runtime's threads would.
				cut := rng.IntN(sh.rows + 1)
				out, buf := guarded(sh.rows * sh.n)
				g.Run(out, in, 0, cut, cr.lo, cr.hi)
				g.Run(out, in, cut, sh.rows, cr.lo, cr.hi)
				checkGuards(t, buf)
				for r := 0; r < sh.rows; r++ {
					for o, s := range refGEMM(w, bias, in, sh.n, sh.k, r) {
						want, tol := s.want(cr.lo, cr.hi)
						if got := float64(out[r*sh.n+o]); !(math.Abs(got-want) <= tol) {
							t.Fatalf("rows=%d n=%d k=%d clamp=%v: out[%d][%d] = %v, want %v",
								sh.rows, sh.n, sh.k, cr, r, o, got, want)
						}
					}
				}
			}
		}
	})
}

// TestGEMMRowRange checks that Run touches only the rows it is given.
func TestGEMMRowRange(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		const rows, n, k = 40, 37, 21
		g := PackGEMM(randFloats(rng, n*k), randFloats(rng, n), n, k)
		in := randFloats(rng, rows*k)
		for _, rr := range [][2]int{{0, 0}, {5, 6}, {3, 20}, {17, 40}} {
			out, buf := guarded(rows * n)
			for i := range out {
				out[i] = 42
			}
			g.Run(out, in, rr[0], rr[1], -1, 1)
			checkGuards(t, buf)
			for i, v := range out {
				if r := i / n; (r < rr[0] || r >= rr[1]) && v != 42 {
					t.Fatalf("rows %v: out[%d] (row %d) written", rr, i, r)
				}
			}
		}
	})
}

func TestGEMMPanics(t *testing.T) {
	g := PackGEMM(make([]float32, 6), nil, 2, 3)
	cases := []struct {
		name string
		f    func()
	}{
		{"short in", func() { g.Run(make([]float32, 4), make([]float32, 5), 0, 2, 0, 1) }},
		{"short out", func() { g.Run(make([]float32, 3), make([]float32, 6), 0, 2, 0, 1) }},
		{"bad range", func() { g.Run(make([]float32, 4), make([]float32, 6), 2, 1, 0, 1) }},
		{"bad pack", func() { PackGEMM(make([]float32, 5), nil, 2, 3) }},
		{"bad bias", func() { PackGEMM(make([]float32, 6), make([]float32, 3), 2, 3) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			c.f()
		})
	}
}

// pointwiseShapes are the 1×1 convolutions of MobileNet V1 1.0/224 (and its
// classifier), with how many times each occurs.
var pointwiseShapes = []struct{ rows, k, n, count int }{
	{112 * 112, 32, 64, 1},
	{56 * 56, 64, 128, 1},
	{56 * 56, 128, 128, 1},
	{28 * 28, 128, 256, 1},
	{28 * 28, 256, 256, 1},
	{14 * 14, 256, 512, 1},
	{14 * 14, 512, 512, 5},
	{7 * 7, 512, 1024, 1},
	{7 * 7, 1024, 1024, 1},
	{1, 1024, 1000, 1},
}

func BenchmarkGEMM(b *testing.B) {
	for _, l := range availableLevels() {
		for _, sh := range pointwiseShapes {
			b.Run(fmt.Sprintf("%v/%dx%dx%d", l, sh.rows, sh.k, sh.n), func(b *testing.B) {
				prev, err := SetLevel(l)
				if err != nil {
					b.Fatal(err)
				}
				defer SetLevel(prev)
				rng := rand.New(rand.NewPCG(5, 6))
				g := PackGEMM(randFloats(rng, sh.n*sh.k), randFloats(rng, sh.n), sh.n, sh.k)
				in := randFloats(rng, sh.rows*sh.k)
				out := make([]float32, sh.rows*sh.n)
				for b.Loop() {
					g.Run(out, in, 0, sh.rows, 0, 6)
				}
				flops := 2 * float64(sh.rows) * float64(sh.k) * float64(sh.n)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
