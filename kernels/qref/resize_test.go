package qref

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestResizeAxesQ11 works XNNPACK's sampling of an axis by hand in its three modes.
func TestResizeAxesQ11(t *testing.T) {
	cases := []struct {
		in, out     int
		align, half bool
		want        []ResizeAxisQ11
		why         string
	}{
		{2, 3, true, false, []ResizeAxisQ11{{0, 1, 0}, {0, 1, 1024}, {1, 1, 0}},
			"align corners: scale (2−1)/(3−1) = 0.5, v = 0, 0.5, 1"},
		{2, 4, false, true, []ResizeAxisQ11{{0, 1, 0}, {0, 1, 512}, {0, 1, 1536}, {1, 1, 0}},
			"half pixel: scale 0.5, v = o·0.5 − 0.25 clamped to [0, 1]: 0, 0.25, 0.75, 1"},
		{3, 2, false, false, []ResizeAxisQ11{{0, 1, 0}, {1, 2, 1024}},
			"legacy: scale 1.5, v = 0, 1.5"},
		{33, 513, true, false, nil, "DeepLab's last resize: checked below"},
		{1, 3, true, false, []ResizeAxisQ11{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}, "one input pixel"},
	}
	for _, c := range cases {
		got := ResizeAxesQ11(c.in, c.out, c.align, c.half)
		if c.want == nil {
			// scale 32/512 = 1/16 exactly: output o samples o/16, weight (o mod 16)·128.
			for o, a := range got {
				i0 := min(o/16, 32)
				want := ResizeAxisQ11{i0, min(i0+1, 32), int32(o%16) * 128}
				if a != want {
					t.Fatalf("%s: output %d: got %+v, want %+v", c.why, o, a, want)
				}
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.why, got, c.want)
		}
	}
}

// TestResizeBilinearRounding works both arithmetics by hand on a 1×1×2 → 1×1×3 resize with align
// corners, whose middle output is exactly halfway between the two inputs.
func TestResizeBilinearRounding(t *testing.T) {
	is, os := [4]int{1, 1, 2, 1}, [4]int{1, 1, 3, 1}
	u8 := []struct {
		in       []uint8
		xnn, ref []uint8
		why      string
	}{
		{[]uint8{0, 3}, []uint8{0, 2, 3}, []uint8{0, 1, 3}, "1.5: XNNPACK rounds half up, the reference truncates"},
		{[]uint8{10, 13}, []uint8{10, 12, 13}, []uint8{10, 11, 13}, "11.5"},
		{[]uint8{255, 254}, []uint8{255, 255, 254}, []uint8{255, 254, 254}, "254.5"},
		{[]uint8{7, 7}, []uint8{7, 7, 7}, []uint8{7, 7, 7}, "flat"},
	}
	for _, c := range u8 {
		got := make([]uint8, 3)
		ResizeBilinearQ11(c.in, is, got, os, true, false)
		if !slices.Equal(got, c.xnn) {
			t.Errorf("uint8 XNNPACK %v: got %v, want %v (%s)", c.in, got, c.xnn, c.why)
		}
		ResizeBilinear(c.in, is, got, os, true, false)
		if !slices.Equal(got, c.ref) {
			t.Errorf("uint8 reference %v: got %v, want %v (%s)", c.in, got, c.ref, c.why)
		}
	}
	i8 := []struct {
		in       []int8
		xnn, ref []int8
		why      string
	}{
		{[]int8{0, 3}, []int8{0, 2, 3}, []int8{0, 2, 3}, "1.5: both round half up here (the reference half away from zero)"},
		{[]int8{0, -3}, []int8{0, -1, -3}, []int8{0, -2, -3}, "−1.5: XNNPACK rounds half up (−1), the reference away from zero (−2)"},
		{[]int8{-128, 127}, []int8{-128, 0, 127}, []int8{-128, -1, 127}, "−0.5"},
	}
	for _, c := range i8 {
		got := make([]int8, 3)
		ResizeBilinearQ11(c.in, is, got, os, true, false)
		if !slices.Equal(got, c.xnn) {
			t.Errorf("int8 XNNPACK %v: got %v, want %v (%s)", c.in, got, c.xnn, c.why)
		}
		ResizeBilinear(c.in, is, got, os, true, false)
		if !slices.Equal(got, c.ref) {
			t.Errorf("int8 reference %v: got %v, want %v (%s)", c.in, got, c.ref, c.why)
		}
	}
}

// TestResizeBilinearQ11Exact checks XNNPACK's kernel against the exact value of its own formula: with
// Q11 weights ax, ay the output is ⌊(Σ q·w + 2²¹)/2²²⌋ with w the products of (2048 − a) and a, the
// nearest code rounding half up. Random shapes, every mode, both types, several channels (so that a
// mix-up of taps or channels shows).
func TestResizeBilinearQ11Exact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 60; trial++ {
		n, h, w, c := 1+r.IntN(2), 1+r.IntN(6), 1+r.IntN(6), 1+r.IntN(3)
		oh, ow := 1+r.IntN(9), 1+r.IntN(9)
		align, half := false, false
		switch trial % 3 {
		case 1:
			align = true
		case 2:
			half = true
		}
		in := make([]int8, n*h*w*c)
		for i := range in {
			in[i] = int8(r.IntN(256) - 128)
		}
		got := make([]int8, n*oh*ow*c)
		ResizeBilinearQ11(in, [4]int{n, h, w, c}, got, [4]int{n, oh, ow, c}, align, half)
		ys, xs := ResizeAxesQ11(h, oh, align, half), ResizeAxesQ11(w, ow, align, half)
		for b := 0; b < n; b++ {
			for oy, ya := range ys {
				for ox, xa := range xs {
					for ch := 0; ch < c; ch++ {
						q := func(y, x int) int64 { return int64(in[((b*h+y)*w+x)*c+ch]) }
						ax, ay := int64(xa.Alpha), int64(ya.Alpha)
						s := q(ya.I0, xa.I0)*(2048-ax)*(2048-ay) + q(ya.I0, xa.I1)*ax*(2048-ay) +
							q(ya.I1, xa.I0)*(2048-ax)*ay + q(ya.I1, xa.I1)*ax*ay
						want := (s + 1<<21) >> 22
						if g := got[((b*oh+oy)*ow+ox)*c+ch]; int64(g) != want {
							t.Fatalf("trial %d %dx%d→%dx%d align %v half %v at (%d,%d,%d,%d): got %d, want %d", trial, h, w, oh, ow, align, half, b, oy, ox, ch, g, want)
						}
					}
				}
			}
		}
	}
}
