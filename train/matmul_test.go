package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveMatmul is C = A·Bᵀ in float64, the specification of matmul.
// It also returns Σ|a·b| per element, the scale of float32 rounding errors.
func naiveMatmul(a, b []float32, m, n, k int) ([]float64, []float64) {
	c, mag := make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				v := float64(a[i*k+p]) * float64(b[j*k+p])
				s += v
				sa += math.Abs(v)
			}
			c[i*n+j], mag[i*n+j] = s, sa
		}
	}
	return c, mag
}

// TestMatmul checks both products against float64 on the shapes training produces: tall and thin
// (pointwise forward and input gradient), short with a long inner dimension (filter gradient, longer
// than a block), odd sizes that exercise every tile edge, and empty ones, within 2e-6 of Σ|a·b| (float32
// rounding grows like √k; a wrong term would be of order |a·b|). The plain-Go product must also give
// the same bits whatever the number of workers.
func TestMatmul(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {7, 5, 3}, {33, 17, 9}, {300, 16, 32}, {16, 24, 700}, {5, 3, 0}, {0, 4, 4}, {64, 10, 513}}
	for si, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		r := rand.New(rand.NewPCG(uint64(si), 9))
		a, b := randInput(r, m*k), randInput(r, n*k)
		want, mag := naiveMatmul(a, b, m, n, k)
		var first []float32
		for _, threads := range []int{1, 2, 3} {
			for name, f := range map[string]func(c, a, b []float32, m, n, k int, w *workers){"go": matmulGo, "simd": matmulSIMD, "matmul": matmul} {
				c := make([]float32, m*n)
				for i := range c {
					c[i] = float32(math.NaN()) // every element must be written
				}
				f(c, a, b, m, n, k, &workers{n: threads})
				for i := range want {
					if d := math.Abs(float64(c[i]) - want[i]); !(d <= 2e-6*mag[i]) {
						t.Fatalf("%s %v, %d workers: c[%d] = %g, want %g", name, s, threads, i, c[i], want[i])
					}
				}
				if name != "go" {
					continue
				}
				if first == nil {
					first = c
				}
				for i := range c {
					if c[i] != first[i] {
						t.Fatalf("go %v: %d workers give c[%d] = %g, 1 worker %g", s, threads, i, c[i], first[i])
					}
				}
			}
		}
	}
}

// TestTranspose checks transpose on a matrix larger than its blocks.
func TestTranspose(t *testing.T) {
	const rows, cols = 70, 45
	src := randInput(rand.New(rand.NewPCG(1, 2)), rows*cols)
	dst := make([]float32, rows*cols)
	transpose(dst, src, rows, cols, &workers{n: 2})
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if dst[c*rows+r] != src[r*cols+c] {
				t.Fatalf("dst[%d][%d] = %g, want %g", c, r, dst[c*rows+r], src[r*cols+c])
			}
		}
	}
}
