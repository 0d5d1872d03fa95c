package ref

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// This file holds float64 twins of the forward kernels, written independently of the generic ones, and
// the central-difference machinery the gradient tests use.

// conv64 is Conv2D in float64 (no bias).
func conv64(in []float64, is [4]int, w []float64, kh, kw int, p ConvParams, os [4]int) []float64 {
	out := make([]float64, os[0]*os[1]*os[2]*os[3])
	g := max(p.Groups, 1)
	cinG, coutG := is[3]/g, os[3]/g
	for b := 0; b < is[0]; b++ {
		for oy := 0; oy < os[1]; oy++ {
			for ox := 0; ox < os[2]; ox++ {
				for o := 0; o < os[3]; o++ {
					var s float64
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							y, x := oy*p.StrideH+ky*p.DilationH-p.Pads.Top, ox*p.StrideW+kx*p.DilationW-p.Pads.Left
							if y < 0 || x < 0 || y >= is[1] || x >= is[2] {
								continue
							}
							for i := 0; i < cinG; i++ {
								s += in[((b*is[1]+y)*is[2]+x)*is[3]+o/coutG*cinG+i] * w[((o*kh+ky)*kw+kx)*cinG+i]
							}
						}
					}
					out[((b*os[1]+oy)*os[2]+ox)*os[3]+o] = s
				}
			}
		}
	}
	return out
}

// dw64 is DepthwiseConv2D in float64 (no bias), written as a grouped convolution on a transposed filter.
func dw64(in []float64, is [4]int, w []float64, kh, kw, m int, p ConvParams, os [4]int) []float64 {
	cout := os[3]
	ohwi := make([]float64, len(w))
	for t := 0; t < kh*kw; t++ {
		for o := 0; o < cout; o++ {
			ohwi[o*kh*kw+t] = w[t*cout+o]
		}
	}
	p.Groups = is[3]
	return conv64(in, is, ohwi, kh, kw, p, os)
}

func avgPool64(in []float64, is [4]int, kh, kw, sh, sw int, pads Pads, os [4]int) []float64 {
	out := make([]float64, os[0]*os[1]*os[2]*os[3])
	for b := 0; b < is[0]; b++ {
		for oy := 0; oy < os[1]; oy++ {
			for ox := 0; ox < os[2]; ox++ {
				for c := 0; c < is[3]; c++ {
					var s float64
					n := 0
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							y, x := oy*sh+ky-pads.Top, ox*sw+kx-pads.Left
							if y >= 0 && x >= 0 && y < is[1] && x < is[2] {
								s += in[((b*is[1]+y)*is[2]+x)*is[3]+c]
								n++
							}
						}
					}
					if n > 0 {
						out[((b*os[1]+oy)*os[2]+ox)*os[3]+c] = s / float64(n)
					}
				}
			}
		}
	}
	return out
}

// bnTrain64 is training-mode batch norm in float64.
func bnTrain64(x []float64, c int, gamma, beta []float64, eps float64) []float64 {
	rows := len(x) / c
	y := make([]float64, len(x))
	for k := 0; k < c; k++ {
		var mu, v float64
		for r := 0; r < rows; r++ {
			mu += x[r*c+k]
		}
		mu /= float64(rows)
		for r := 0; r < rows; r++ {
			v += (x[r*c+k] - mu) * (x[r*c+k] - mu)
		}
		v /= float64(rows)
		for r := 0; r < rows; r++ {
			y[r*c+k] = gamma[k]*(x[r*c+k]-mu)/math.Sqrt(v+eps) + beta[k]
		}
	}
	return y
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// numGrad returns the central difference (f(x+h·e_i) − f(x−h·e_i))/2h for every i, restoring x.
func numGrad(x []float64, h float64, f func() float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		v := x[i]
		x[i] = v + h
		fp := f()
		x[i] = v - h
		fm := f()
		x[i] = v
		g[i] = (fp - fm) / (2 * h)
	}
	return g
}

// randVals returns n values uniform in [-1, 1) as float32 and the same values as float64.
func randVals(r *rand.Rand, n int) ([]float32, []float64) {
	f := make([]float32, n)
	d := make([]float64, n)
	for i := range f {
		f[i] = float32(r.Float64()*2 - 1)
		d[i] = float64(f[i])
	}
	return f, d
}

// tight is the tolerance of the central-difference checks at T = float64, used as both the absolute and
// the relative part (|analytic − numeric| ≤ 1e-7·(1 + |numeric|)): the analytic gradient is exact up to
// float64 rounding, and the central differences the tests take are accurate enough that every check
// also passes at 1e-9; 1e-7 leaves a margin.
const tight = 1e-7

// checkGrad fails t unless every analytic gradient value agrees with the numeric one within
// tol·(1 + |numeric|).
func checkGrad[T Float](t *testing.T, what string, analytic []T, numeric []float64, tol float64) {
	t.Helper()
	if err := gradErr(what, analytic, numeric, tol); err != nil {
		t.Fatal(err)
	}
}

// gradErr returns the first disagreement beyond tol·(1 + |numeric|) between analytic and numeric
// gradients (NaN counts as one), or nil.
func gradErr[T Float](what string, analytic []T, numeric []float64, tol float64) error {
	if err := approx.Close(to64(analytic), numeric, tol, tol); err != nil {
		return fmt.Errorf("%s against finite differences: %v", what, err)
	}
	return nil
}

// to64 returns x widened to float64.
func to64[T Float](x []T) []float64 {
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = float64(v)
	}
	return d
}

// cast returns x converted to T.
func cast[T Float](x []float64) []T {
	d := make([]T, len(x))
	for i, v := range x {
		d[i] = T(v)
	}
	return d
}
