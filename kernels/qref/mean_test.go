package qref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestMeanArithmetics checks each of TFLite's MEAN arithmetics on worked cases.
func TestMeanArithmetics(t *testing.T) {
	spatial := []bool{false, true, true, false}
	shape := []int{1, 2, 2, 1}

	// int8, axes {1, 2}, keep_dims, sx = sy: MBQM is the identity, then Σ(q − zx)/4 rounds half away
	// from zero: codes −1, −2, −2, −2 with zx = 0 sum to −7, −7/4 = −1.75 → −2.
	p := NewMeanParams(0.5, 0, 0.5, 0, 4, true, true, qmath.XNNPACK)
	out := []int8{0}
	Mean(&p, []int8{-1, -2, -2, -2}, shape, spatial, out)
	if p.Arith != MeanInt8Spatial || out[0] != -2 {
		t.Errorf("int8 spatial: arith %d, got %d, want -2", p.Arith, out[0])
	}
	Mean(&p, []int8{-1, -1, -2, -2}, shape, spatial, out)
	if out[0] != -2 {
		t.Errorf("int8 spatial −1.5: got %d, want −2 (half away from zero)", out[0])
	}

	// uint8, axes {1, 2}, keep_dims: bias = zy − round(zx·sx/sy) = 10 − round(2.5) = 7 by default
	// (optimized_ops), 10 − trunc(2.5) = 8 by the reference kernel; mean of 4 codes 10 → 10·1/4·4/... :
	// with sx = sy = 0.5, M = 1/4, Σq = 40 → 10, + bias.
	for _, tc := range []struct {
		r    qmath.Rounding
		want uint8
	}{{qmath.XNNPACK, 17}, {qmath.Reference, 18}} {
		p := NewMeanParams(0.5, 5, 1, 10, 4, true, false, tc.r)
		u := []uint8{0}
		Mean(&p, []uint8{20, 20, 20, 20}, shape, spatial, u)
		// Σq·sx/(n·sy) = 80·0.5/4 = 10; bias 10 − round(2.5) = 7 (XNNPACK) or 10 − 2 = 8 (Reference).
		if p.Arith != MeanUint8Spatial || u[0] != tc.want {
			t.Errorf("uint8 spatial %v: arith %d, got %d, want %d", tc.r, p.Arith, u[0], tc.want)
		}
	}

	// Other axes, same quantization: Σq/n truncating toward zero: −7/4 → −1.
	p = NewMeanParams(0.5, 3, 0.5, 3, 4, false, true, qmath.XNNPACK)
	Mean(&p, []int8{-1, -2, -2, -2}, shape, spatial, out)
	if p.Arith != MeanSameQuant || out[0] != -1 {
		t.Errorf("same quantization: arith %d, got %d, want -1", p.Arith, out[0])
	}

	// Other axes, new quantization: round((Σq/n)·(sx/sy) − zx·sx/sy) + zy = round(1.75·2 − 2) + 1 = 3
	// (1.5 rounds away from zero to 2).
	p = NewMeanParams(1, 1, 0.5, 1, 4, false, true, qmath.XNNPACK)
	Mean(&p, []int8{1, 2, 2, 2}, shape, spatial, out)
	if p.Arith != MeanRescale || out[0] != 3 {
		t.Errorf("rescale: arith %d, got %d, want 3", p.Arith, out[0])
	}
}

// TestMeanAgainstReals: every arithmetic stays within one code of the real mean, requantized.
func TestMeanAgainstReals(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	shape := []int{2, 3, 5, 4}
	for _, red := range [][]bool{{false, true, true, false}, {false, false, true, true}, {false, true, false, false}} {
		for trial := 0; trial < 50; trial++ {
			sx, sy := float32(0.01+r.Float64()), float32(0.01+r.Float64())
			zx, zy := int32(r.IntN(256)-128), int32(r.IntN(256)-128)
			if trial%5 == 0 {
				sy, zy = sx, zx
			}
			in := make([]int8, 120)
			for i := range in {
				in[i] = int8(r.IntN(256) - 128)
			}
			n, nout := 1, 1
			for ax, d := range shape {
				if red[ax] {
					n *= d
				} else {
					nout *= d
				}
			}
			sums := make([]int32, nout)
			SumAxes(in, shape, red, sums)
			want := make([]float64, nout)
			for i, s := range sums {
				real := float64(sx) * (float64(s)/float64(n) - float64(zx))
				want[i] = min(max(math.Round(real/float64(sy))+float64(zy), -128), 127)
			}
			for _, rd := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
				p := NewMeanParams(sx, zx, sy, zy, n, red[1] && red[2] && !red[3], true, rd)
				out := make([]int8, nout)
				Mean(&p, in, shape, red, out)
				got := make([]float64, nout)
				for i, q := range out {
					got[i] = float64(q)
				}
				if err := approx.Close(got, want, 1, 0); err != nil {
					t.Fatalf("axes %v scales %g %g zps %d %d (arith %d): %v", red, sx, sy, zx, zy, p.Arith, err)
				}
			}
		}
	}
}

// TestCheckMean refuses counts and scales no MEAN can use.
func TestCheckMean(t *testing.T) {
	for _, c := range []struct {
		sx, sy float32
		n      int
	}{{1, 1, 0}, {1, 1, MaxMeanCount + 1}, {0, 1, 4}, {1, float32(math.Inf(1)), 4}, {1e30, 1e-10, 4}, {float32(math.NaN()), 1, 4}} {
		if CheckMean(c.sx, c.sy, c.n) == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestSumAxesGlobal: the global-pooling loop of SumAxes equals the general odometer, reached by
// listing the same axes as a rank-5 shape with a unit axis.
func TestSumAxesGlobal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	in := make([]uint8, 2*3*5*7)
	for i := range in {
		in[i] = uint8(r.IntN(256))
	}
	got, want := make([]int32, 14), make([]int32, 14)
	SumAxes(in, []int{2, 3, 5, 7}, []bool{false, true, true, false}, got)
	SumAxes(in, []int{2, 3, 5, 1, 7}, []bool{false, true, true, true, false}, want)
	if err := approx.Codes(got, want, 0); err != nil {
		t.Error(err)
	}
}
