package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// gradGeoms are convolution geometries with odd sizes, stride 2 on odd and even inputs, and the
// asymmetric padding of TensorFlow's SAME.
func gradGeoms() []ConvGeom {
	var gs []ConvGeom
	for _, c := range []struct{ h, w, c, k, s int }{{7, 5, 3, 3, 1}, {8, 8, 17, 3, 2}, {9, 6, 5, 3, 2}, {5, 5, 16, 5, 1}, {6, 7, 1, 1, 1}} {
		pads, oh, ow := ref.SamePads(c.h, c.w, c.k, c.k, c.s, c.s, 1, 1)
		gs = append(gs, ConvGeom{H: c.h, W: c.w, Cin: c.c, OH: oh, OW: ow, Cout: c.c, KH: c.k, KW: c.k, SH: c.s, SW: c.s,
			DH: 1, DW: 1, PadTop: pads.Top, PadLeft: pads.Left})
	}
	return gs
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func refParams(g ConvGeom) ref.ConvParams {
	pads, _, _ := ref.SamePads(g.H, g.W, g.KH, g.KW, g.SH, g.SW, 1, 1)
	return ref.ConvParams{StrideH: g.SH, StrideW: g.SW, DilationH: 1, DilationW: 1, Pads: pads, Groups: 1}
}

// TestDWBackwardEqualsReference compares the depthwise gradient kernels with their reference twins,
// with guard values around the outputs to catch stray writes, on images split into ranges.
func TestDWBackwardEqualsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, guard = 3, 7
	for _, g := range gradGeoms() {
		t.Run(fmt.Sprintf("%dx%dx%d_k%d_s%d", g.H, g.W, g.Cin, g.KH, g.SH), func(t *testing.T) {
			is, os := [4]int{n, g.H, g.W, g.Cin}, [4]int{n, g.OH, g.OW, g.Cout}
			x, w, dy := randSlice(r, n*g.H*g.W*g.Cin), randSlice(r, g.KH*g.KW*g.Cin), randSlice(r, n*g.OH*g.OW*g.Cout)
			wantDx, wantDw := make([]float32, len(x)), make([]float32, len(w))
			p := refParams(g)
			ref.DepthwiseBackwardInput(dy, os, w, g.KH, g.KW, 1, p, wantDx, is)
			ref.DepthwiseBackwardFilter(x, is, dy, os, g.KH, g.KW, 1, p, wantDw)
			dx := make([]float32, len(x)+guard)
			dw := make([]float32, len(w)+guard)
			for i := range dx {
				dx[i] = 99
			}
			for i := range dw {
				dw[i] = 99
			}
			DWBackwardInput(dx, dy, w, &g, 0, 1)
			DWBackwardInput(dx, dy, w, &g, 1, n)
			DWBackwardFilter(dw, x, dy, &g, n, 0, g.Cin/2)
			DWBackwardFilter(dw, x, dy, &g, n, g.Cin/2, g.Cin)
			approx.Require(t, "input gradient", dx[:len(x)], wantDx, 1e-5, 1e-5)
			approx.Require(t, "filter gradient", dw[:len(w)], wantDw, 1e-4, 1e-5)
			approx.Require(t, "guard of dx", dx[len(x):], []float32{99, 99, 99, 99, 99, 99, 99}, 0, 0)
			approx.Require(t, "guard of dw", dw[len(w):], []float32{99, 99, 99, 99, 99, 99, 99}, 0, 0)
		})
	}
}

// TestIm2ColGradientsEqualReference checks the matrix-product formulation of a convolution's
// gradients (cols = Im2Col(x): dW = dYᵀ·cols, dX = Col2Im(dY·W)) against the reference twins.
func TestIm2ColGradientsEqualReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 2
	for _, g := range gradGeoms() {
		g.Cout = 4
		t.Run(fmt.Sprintf("%dx%dx%d_k%d_s%d", g.H, g.W, g.Cin, g.KH, g.SH), func(t *testing.T) {
			is, os := [4]int{n, g.H, g.W, g.Cin}, [4]int{n, g.OH, g.OW, g.Cout}
			k := g.KH * g.KW * g.Cin
			rows := n * g.OH * g.OW
			x, w, dy := randSlice(r, n*g.H*g.W*g.Cin), randSlice(r, g.Cout*k), randSlice(r, rows*g.Cout)
			wantDx, wantDw := make([]float32, len(x)), make([]float32, len(w))
			p := refParams(g)
			ref.Conv2DBackwardInput(dy, os, w, g.KH, g.KW, p, wantDx, is)
			ref.Conv2DBackwardFilter(x, is, dy, os, g.KH, g.KW, p, wantDw)
			cols := make([]float32, rows*k)
			Im2Col(cols, x, &g, 0, n)
			dw := make([]float32, len(w))
			for o := 0; o < g.Cout; o++ {
				for j := 0; j < k; j++ {
					var s float32
					for q := 0; q < rows; q++ {
						s += dy[q*g.Cout+o] * cols[q*k+j]
					}
					dw[o*k+j] = s
				}
			}
			dcols := make([]float32, rows*k)
			for q := 0; q < rows; q++ {
				for j := 0; j < k; j++ {
					var s float32
					for o := 0; o < g.Cout; o++ {
						s += dy[q*g.Cout+o] * w[o*k+j]
					}
					dcols[q*k+j] = s
				}
			}
			dx := make([]float32, len(x))
			Col2Im(dx, dcols, &g, 0, n)
			approx.Require(t, "input gradient", dx, wantDx, 1e-4, 1e-5)
			approx.Require(t, "filter gradient", dw, wantDw, 1e-4, 1e-5)
		})
	}
}

// TestTransposeBlocks: a transpose split into row ranges at block boundaries equals the plain one.
func TestTransposeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][2]int{{1, 1}, {63, 9}, {64, 8}, {130, 17}, {200, 1}} {
		rows, cols := s[0], s[1]
		src := randSlice(r, rows*cols)
		want := make([]float32, rows*cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				want[j*rows+i] = src[i*cols+j]
			}
		}
		got := make([]float32, rows*cols)
		mid := min(TransposeBlock, rows)
		Transpose(got, src, rows, cols, 0, mid)
		Transpose(got, src, rows, cols, mid, rows)
		approx.Require(t, fmt.Sprintf("%d×%d", rows, cols), got, want, 0, 0)
	}
}
