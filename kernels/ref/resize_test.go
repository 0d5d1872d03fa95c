package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestResizeBilinearByHand works TFLite's float formula on a 2×2 image in the three modes.
func TestResizeBilinearByHand(t *testing.T) {
	in := []float64{0, 4, 8, 12} // 1×2×2×1: top row 0 4, bottom row 8 12
	is := [4]int{1, 2, 2, 1}
	cases := []struct {
		oh, ow      int
		align, half bool
		want        []float64
		why         string
	}{
		{3, 3, true, false, []float64{0, 2, 4, 4, 6, 8, 8, 10, 12}, "align corners: samples 0, 0.5, 1 on each axis"},
		{4, 4, false, false, []float64{0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12},
			"legacy: samples 0, 0.5, 1, 1.5 (the last clamped to the edge)"},
		{4, 4, false, true, []float64{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12},
			"half pixel: samples −0.25, 0.25, 0.75, 1.25, clamped to the edges"},
		{1, 1, true, false, []float64{0}, "one output pixel with align corners samples the corner"},
	}
	for _, c := range cases {
		got := make([]float64, c.oh*c.ow)
		ResizeBilinear(in, is, got, [4]int{1, c.oh, c.ow, 1}, c.align, c.half)
		if err := approx.Close(got, c.want, 1e-12, 0); err != nil {
			t.Errorf("%s: %v (got %v)", c.why, err, got)
		}
	}
}

// TestResizeBilinearBackwardIsTranspose checks ⟨R·x, y⟩ = ⟨x, Rᵀ·y⟩ in float64 on random shapes and
// modes: the backward pass is the exact transpose of the forward map.
func TestResizeBilinearBackwardIsTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for trial := 0; trial < 40; trial++ {
		n, h, w, c := 1+r.IntN(2), 1+r.IntN(5), 1+r.IntN(5), 1+r.IntN(3)
		oh, ow := 1+r.IntN(8), 1+r.IntN(8)
		align, half := trial%3 == 1, trial%3 == 2
		is, os := [4]int{n, h, w, c}, [4]int{n, oh, ow, c}
		x := make([]float64, n*h*w*c)
		y := make([]float64, n*oh*ow*c)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		for i := range y {
			y[i] = r.NormFloat64()
		}
		rx := make([]float64, len(y))
		ResizeBilinear(x, is, rx, os, align, half)
		rty := make([]float64, len(x))
		ResizeBilinearBackward(y, os, rty, is, align, half)
		var a, b float64
		for i := range y {
			a += rx[i] * y[i]
		}
		for i := range x {
			b += x[i] * rty[i]
		}
		if err := approx.Within("⟨Rx,y⟩ − ⟨x,Rᵀy⟩", math.Abs(a-b), 1e-9*(1+math.Abs(a))); err != nil {
			t.Fatalf("trial %d (%v→%v align %v half %v): %v", trial, is, os, align, half, err)
		}
	}
}

// TestResizeBilinearFloat32MatchesFloat64: the two precisions run the same formula.
func TestResizeBilinearFloat32MatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	is, os := [4]int{2, 7, 5, 3}, [4]int{2, 13, 4, 3}
	x32 := make([]float32, 2*7*5*3)
	x64 := make([]float64, len(x32))
	for i := range x32 {
		x32[i] = float32(r.NormFloat64())
		x64[i] = float64(x32[i])
	}
	for mode := 0; mode < 3; mode++ {
		y32 := make([]float32, 2*13*4*3)
		y64 := make([]float64, len(y32))
		ResizeBilinear(x32, is, y32, os, mode == 1, mode == 2)
		ResizeBilinear(x64, is, y64, os, mode == 1, mode == 2)
		got := make([]float64, len(y32))
		for i, v := range y32 {
			got[i] = float64(v)
		}
		if err := approx.Close(got, y64, 1e-5, 1e-5); err != nil {
			t.Errorf("mode %d: %v", mode, err)
		}
	}
}
