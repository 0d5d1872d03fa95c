package ref

import (
	"math/rand/v2"
	"testing"
)

type convCase struct {
	name               string
	n, h, w, cin, cout int
	kh, kw             int
	stride, dil, grp   int
	same               bool
}

var convCases = []convCase{
	{"3x3 s1 same", 2, 5, 4, 3, 4, 3, 3, 1, 1, 1, true},
	{"3x3 s2 same even", 1, 6, 6, 2, 3, 3, 3, 2, 1, 1, true},
	{"3x3 s2 same odd", 2, 7, 5, 2, 2, 3, 3, 2, 1, 1, true},
	{"1x1 pointwise", 2, 3, 3, 5, 4, 1, 1, 1, 1, 1, false},
	{"3x3 dilation 2", 1, 7, 7, 2, 2, 3, 3, 1, 2, 1, true},
	{"groups 2", 1, 4, 5, 4, 6, 3, 3, 1, 1, 2, true},
	{"2x3 valid s2", 1, 6, 7, 3, 2, 2, 3, 2, 1, 1, false},
}

func (c convCase) geometry() (ConvParams, [4]int, [4]int) {
	p := ConvParams{StrideH: c.stride, StrideW: c.stride, DilationH: c.dil, DilationW: c.dil, Groups: c.grp}
	oh, ow := Valid(c.h, c.kh, c.stride, c.dil), Valid(c.w, c.kw, c.stride, c.dil)
	if c.same {
		p.Pads, oh, ow = SamePads(c.h, c.w, c.kh, c.kw, c.stride, c.stride, c.dil, c.dil)
	}
	return p, [4]int{c.n, c.h, c.w, c.cin}, [4]int{c.n, oh, ow, c.cout}
}

// TestConv2DGradients checks both convolution gradients against central differences of a float64
// convolution, through the loss L = Σ r·conv(x, w) with random r.
func TestConv2DGradients(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			p, is, os := c.geometry()
			x32, x := randVals(r, is[0]*is[1]*is[2]*is[3])
			w32, w := randVals(r, c.cout*c.kh*c.kw*c.cin/c.grp)
			d32, d := randVals(r, os[0]*os[1]*os[2]*os[3])
			loss := func() float64 { return dot64(d, conv64(x, is, w, c.kh, c.kw, p, os)) }

			dx := make([]float32, len(x32))
			Conv2DBackwardInput(d32, os, w32, c.kh, c.kw, p, dx, is)
			checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), 1e-4)

			dw := make([]float32, len(w32))
			Conv2DBackwardFilter(x32, is, d32, os, c.kh, c.kw, p, dw)
			checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), 1e-4)

			// The forward kernel itself agrees with the float64 twin.
			y := make([]float32, len(d32))
			Conv2D(x32, is, w32, c.kh, c.kw, nil, p, y, os)
			checkGrad(t, "forward", y, conv64(x, is, w, c.kh, c.kw, p, os), 1e-5)
		})
	}
}

// TestPointwiseGradients checks the 1×1 (GEMM) gradients and the bias gradient.
func TestPointwiseGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	rows, cin, cout := 6, 5, 3
	x32, x := randVals(r, rows*cin)
	w32, w := randVals(r, cout*cin)
	_, b := randVals(r, cout)
	d32, d := randVals(r, rows*cout)
	loss := func() float64 {
		var s float64
		for i := 0; i < rows; i++ {
			for o := 0; o < cout; o++ {
				v := b[o]
				for k := 0; k < cin; k++ {
					v += x[i*cin+k] * w[o*cin+k]
				}
				s += d[i*cout+o] * v
			}
		}
		return s
	}
	dx := make([]float32, rows*cin)
	PointwiseBackwardInput(d32, rows, cout, w32, cin, dx)
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), 1e-4)
	dw := make([]float32, cout*cin)
	PointwiseBackwardFilter(x32, rows, cin, d32, cout, dw)
	checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), 1e-4)
	db := make([]float32, cout)
	BiasBackward(d32, cout, db)
	checkGrad(t, "db", db, numGrad(b, 1e-3, loss), 1e-4)
}

// TestDepthwiseGradients checks the depthwise gradients, multipliers 1 and 2.
func TestDepthwiseGradients(t *testing.T) {
	cases := []struct {
		name          string
		n, h, w, c, m int
		stride, dil   int
	}{
		{"s1", 2, 5, 5, 3, 1, 1, 1},
		{"s2 even", 1, 6, 4, 2, 1, 2, 1},
		{"s2 odd m2", 1, 5, 7, 2, 2, 2, 1},
		{"dilation 2", 1, 6, 6, 2, 1, 1, 2},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 2))
			pads, oh, ow := SamePads(c.h, c.w, 3, 3, c.stride, c.stride, c.dil, c.dil)
			p := ConvParams{StrideH: c.stride, StrideW: c.stride, DilationH: c.dil, DilationW: c.dil, Pads: pads}
			is, os := [4]int{c.n, c.h, c.w, c.c}, [4]int{c.n, oh, ow, c.c * c.m}
			x32, x := randVals(r, c.n*c.h*c.w*c.c)
			w32, w := randVals(r, 9*c.c*c.m)
			d32, d := randVals(r, c.n*oh*ow*c.c*c.m)
			loss := func() float64 { return dot64(d, dw64(x, is, w, 3, 3, c.m, p, os)) }

			dx := make([]float32, len(x32))
			DepthwiseBackwardInput(d32, os, w32, 3, 3, c.m, p, dx, is)
			checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), 1e-4)
			dw := make([]float32, len(w32))
			DepthwiseBackwardFilter(x32, is, d32, os, 3, 3, c.m, p, dw)
			checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), 1e-4)

			y := make([]float32, len(d32))
			DepthwiseConv2D(x32, is, w32, 3, 3, c.m, nil, p, y, os)
			checkGrad(t, "forward", y, dw64(x, is, w, 3, 3, c.m, p, os), 1e-5)
		})
	}
}

// TestConvGradientCheckFails makes sure the gradient check can fail: a filter gradient computed with
// the wrong padding is rejected.
func TestConvGradientCheckFails(t *testing.T) {
	c := convCases[1]
	r := rand.New(rand.NewPCG(3, 3))
	p, is, os := c.geometry()
	x32, x := randVals(r, is[0]*is[1]*is[2]*is[3])
	_, w := randVals(r, c.cout*c.kh*c.kw*c.cin)
	d32, d := randVals(r, os[0]*os[1]*os[2]*os[3])
	loss := func() float64 { return dot64(d, conv64(x, is, w, c.kh, c.kw, p, os)) }
	wrong := p
	wrong.Pads = Pads{1, 1, 1, 1}
	dw := make([]float32, len(w))
	Conv2DBackwardFilter(x32, is, d32, os, c.kh, c.kw, wrong, dw)
	if gradErr("dw", dw, numGrad(w, 1e-3, loss), 1e-4) == nil {
		t.Fatal("a filter gradient with the wrong padding passed the check")
	}
}
