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

// The gradient tests run every backward kernel at float32, against tolerances set by float32 rounding,
// and at float64, against tight.

// TestConv2DGradients checks both convolution gradients against central differences of a float64
// convolution, through the loss L = Σ r·conv(x, w) with random r.
func TestConv2DGradients(t *testing.T) {
	for i, c := range convCases {
		t.Run(c.name+"/float32", func(t *testing.T) { convGradients[float32](t, i, c, 1e-4, 1e-5) })
		t.Run(c.name+"/float64", func(t *testing.T) { convGradients[float64](t, i, c, tight, tight) })
	}
}

// convGradients checks Conv2DBackwardInput and Conv2DBackwardFilter at T within tol, and Conv2D against
// the float64 twin within fwdTol.
func convGradients[T Float](t *testing.T, seed int, c convCase, tol, fwdTol float64) {
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	p, is, os := c.geometry()
	_, x := randVals(r, is[0]*is[1]*is[2]*is[3])
	_, w := randVals(r, c.cout*c.kh*c.kw*c.cin/c.grp)
	_, d := randVals(r, os[0]*os[1]*os[2]*os[3])
	loss := func() float64 { return dot64(d, conv64(x, is, w, c.kh, c.kw, p, os)) }

	dx := make([]T, len(x))
	Conv2DBackwardInput(cast[T](d), os, cast[T](w), c.kh, c.kw, p, dx, is)
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), tol)

	dw := make([]T, len(w))
	Conv2DBackwardFilter(cast[T](x), is, cast[T](d), os, c.kh, c.kw, p, dw)
	checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), tol)

	// The forward kernel itself agrees with the float64 twin.
	y := make([]T, len(d))
	Conv2D(cast[T](x), is, cast[T](w), c.kh, c.kw, nil, p, y, os)
	checkGrad(t, "forward", y, conv64(x, is, w, c.kh, c.kw, p, os), fwdTol)
}

// TestPointwiseGradients checks the 1×1 (GEMM) gradients and the bias gradient.
func TestPointwiseGradients(t *testing.T) {
	t.Run("float32", func(t *testing.T) { pointwiseGradients[float32](t, 1e-4) })
	t.Run("float64", func(t *testing.T) { pointwiseGradients[float64](t, tight) })
}

func pointwiseGradients[T Float](t *testing.T, tol float64) {
	r := rand.New(rand.NewPCG(7, 7))
	rows, cin, cout := 6, 5, 3
	_, x := randVals(r, rows*cin)
	_, w := randVals(r, cout*cin)
	_, b := randVals(r, cout)
	_, d := randVals(r, rows*cout)
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
	dx := make([]T, rows*cin)
	PointwiseBackwardInput(cast[T](d), rows, cout, cast[T](w), cin, dx)
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), tol)
	dw := make([]T, cout*cin)
	PointwiseBackwardFilter(cast[T](x), rows, cin, cast[T](d), cout, dw)
	checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), tol)
	db := make([]T, cout)
	BiasBackward(cast[T](d), cout, db)
	checkGrad(t, "db", db, numGrad(b, 1e-3, loss), tol)
}

type depthwiseCase struct {
	name          string
	n, h, w, c, m int
	stride, dil   int
}

// TestDepthwiseGradients checks the depthwise gradients, multipliers 1 and 2.
func TestDepthwiseGradients(t *testing.T) {
	cases := []depthwiseCase{
		{"s1", 2, 5, 5, 3, 1, 1, 1},
		{"s2 even", 1, 6, 4, 2, 1, 2, 1},
		{"s2 odd m2", 1, 5, 7, 2, 2, 2, 1},
		{"dilation 2", 1, 6, 6, 2, 1, 1, 2},
	}
	for i, c := range cases {
		t.Run(c.name+"/float32", func(t *testing.T) { depthwiseGradients[float32](t, i, c, 1e-4, 1e-5) })
		t.Run(c.name+"/float64", func(t *testing.T) { depthwiseGradients[float64](t, i, c, tight, tight) })
	}
}

func depthwiseGradients[T Float](t *testing.T, seed int, c depthwiseCase, tol, fwdTol float64) {
	r := rand.New(rand.NewPCG(uint64(seed), 2))
	pads, oh, ow := SamePads(c.h, c.w, 3, 3, c.stride, c.stride, c.dil, c.dil)
	p := ConvParams{StrideH: c.stride, StrideW: c.stride, DilationH: c.dil, DilationW: c.dil, Pads: pads}
	is, os := [4]int{c.n, c.h, c.w, c.c}, [4]int{c.n, oh, ow, c.c * c.m}
	_, x := randVals(r, c.n*c.h*c.w*c.c)
	_, w := randVals(r, 9*c.c*c.m)
	_, d := randVals(r, c.n*oh*ow*c.c*c.m)
	loss := func() float64 { return dot64(d, dw64(x, is, w, 3, 3, c.m, p, os)) }

	dx := make([]T, len(x))
	DepthwiseBackwardInput(cast[T](d), os, cast[T](w), 3, 3, c.m, p, dx, is)
	checkGrad(t, "dx", dx, numGrad(x, 1e-3, loss), tol)
	dw := make([]T, len(w))
	DepthwiseBackwardFilter(cast[T](x), is, cast[T](d), os, 3, 3, c.m, p, dw)
	checkGrad(t, "dw", dw, numGrad(w, 1e-3, loss), tol)

	y := make([]T, len(d))
	DepthwiseConv2D(cast[T](x), is, cast[T](w), 3, 3, c.m, nil, p, y, os)
	checkGrad(t, "forward", y, dw64(x, is, w, 3, 3, c.m, p, os), fwdTol)
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
