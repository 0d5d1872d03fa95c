package ref

import (
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// agreeTol bounds how far a kernel's float32 result may be from its float64 result on the same data, as
// both the absolute and the relative part of approx.Close: float32 keeps 24 bits (ε = 6·10⁻⁸) and the
// longest sums below have a few dozen terms of size up to 1, so their float32 rounding stays well under
// 10⁻⁶ (3·10⁻⁷ suffices on this data); the absolute part covers results near zero.
const agreeTol = 1e-5

// agreeCase runs a group of kernels at one precision on data drawn from r and returns all their outputs
// widened to float64. at32 and at64 are the same generic function instantiated at float32 and float64.
type agreeCase struct {
	name       string
	at32, at64 func(r *rand.Rand) []float64
}

// TestFloat32AgreesWithFloat64 runs every generic kernel at float32 and at float64 on the same random
// data (values in [−1, 1) that float32 holds exactly), over geometries with odd sizes, stride 2,
// asymmetric padding, dilation, groups and a depth multiplier, and checks the results agree within
// agreeTol.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	cases := []agreeCase{
		{"Conv2D", convAgree[float32], convAgree[float64]},
		{"DepthwiseConv2D", depthwiseAgree[float32], depthwiseAgree[float64]},
		{"Pointwise", pointwiseAgree[float32], pointwiseAgree[float64]},
		{"AvgPool2D", poolAgree[float32], poolAgree[float64]},
		{"BatchNorm", batchNormAgree[float32], batchNormAgree[float64]},
		{"activations", activationAgree[float32], activationAgree[float64]},
		{"Softmax", softmaxAgree[float32], softmaxAgree[float64]},
		{"losses", lossAgree[float32], lossAgree[float64]},
		{"elementwise", elementwiseAgree[float32], elementwiseAgree[float64]},
		{"Concat", concatAgree[float32], concatAgree[float64]},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.at32(rand.New(rand.NewPCG(uint64(i), 3)))
			want := c.at64(rand.New(rand.NewPCG(uint64(i), 3)))
			if err := approx.Close(got, want, agreeTol, agreeTol); err != nil {
				t.Fatalf("float32 against float64: %v", err)
			}
		})
	}
}

// vals returns n values uniform in [−1, 1), the same at either T (they are float32 numbers).
func vals[T Float](r *rand.Rand, n int) []T {
	_, d := randVals(r, n)
	return cast[T](d)
}

// widen appends every slice of outs, widened to float64, into one.
func widen[T Float](outs ...[]T) []float64 {
	var all []float64
	for _, o := range outs {
		all = append(all, to64(o)...)
	}
	return all
}

// agreeGeometry is a 3×3 window at stride 2 and dilation 2 over an odd 7×6 input, padded asymmetrically
// (top 1, left 0, bottom 2, right 1).
func agreeGeometry(groups int) ConvParams {
	return ConvParams{StrideH: 2, StrideW: 2, DilationH: 2, DilationW: 2, Pads: Pads{Top: 1, Left: 0, Bottom: 2, Right: 1}, Groups: groups}
}

// outShape returns the NHWC output shape of a kh×kw window with p over is, with cout channels.
func outShape(is [4]int, kh, kw int, p ConvParams, cout int) [4]int {
	oh, err1 := OutSize(is[1], kh, p.StrideH, p.DilationH, p.Pads.Top, p.Pads.Bottom)
	ow, err2 := OutSize(is[2], kw, p.StrideW, p.DilationW, p.Pads.Left, p.Pads.Right)
	if err1 != nil || err2 != nil {
		panic("test geometry does not fit")
	}
	return [4]int{is[0], oh, ow, cout}
}

func convAgree[T Float](r *rand.Rand) []float64 {
	p := agreeGeometry(3)
	is := [4]int{2, 7, 6, 6}
	os := outShape(is, 3, 3, p, 9)
	x, w, b := vals[T](r, volume(is[:])), vals[T](r, 9*3*3*2), vals[T](r, 9)
	y := make([]T, volume(os[:]))
	Conv2D(x, is, w, 3, 3, b, p, y, os)
	dy := vals[T](r, volume(os[:]))
	dx, dw := make([]T, len(x)), make([]T, len(w))
	Conv2DBackwardInput(dy, os, w, 3, 3, p, dx, is)
	Conv2DBackwardFilter(x, is, dy, os, 3, 3, p, dw)
	return widen(y, dx, dw)
}

func depthwiseAgree[T Float](r *rand.Rand) []float64 {
	p := agreeGeometry(0)
	const m = 2
	is := [4]int{2, 7, 6, 3}
	os := outShape(is, 3, 3, p, 3*m)
	x, w, b := vals[T](r, volume(is[:])), vals[T](r, 3*3*3*m), vals[T](r, 3*m)
	y := make([]T, volume(os[:]))
	DepthwiseConv2D(x, is, w, 3, 3, m, b, p, y, os)
	dy := vals[T](r, volume(os[:]))
	dx, dw := make([]T, len(x)), make([]T, len(w))
	DepthwiseBackwardInput(dy, os, w, 3, 3, m, p, dx, is)
	DepthwiseBackwardFilter(x, is, dy, os, 3, 3, m, p, dw)
	return widen(y, dx, dw)
}

func pointwiseAgree[T Float](r *rand.Rand) []float64 {
	const rows, cin, cout = 13, 7, 5
	x, w, b := vals[T](r, rows*cin), vals[T](r, cout*cin), vals[T](r, cout)
	y, fc := make([]T, rows*cout), make([]T, rows*cout)
	Pointwise(x, rows, cin, w, cout, b, y)
	FullyConnected(x, rows, cin, w, cout, nil, fc)
	dy := vals[T](r, rows*cout)
	dx, dw, db := make([]T, len(x)), make([]T, len(w)), make([]T, cout)
	PointwiseBackwardInput(dy, rows, cout, w, cin, dx)
	PointwiseBackwardFilter(x, rows, cin, dy, cout, dw)
	BiasBackward(dy, cout, db)
	return widen(y, fc, dx, dw, db)
}

func poolAgree[T Float](r *rand.Rand) []float64 {
	is := [4]int{2, 7, 6, 3}
	pads := Pads{Top: 1, Left: 0, Bottom: 2, Right: 1}
	os := outShape(is, 3, 2, ConvParams{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, Pads: pads}, 3)
	x := vals[T](r, volume(is[:]))
	y, g := make([]T, volume(os[:])), make([]T, 2*3)
	AvgPool2D(x, is, 3, 2, 2, 2, pads, y, os)
	GlobalAvgPool(x, is, g)
	dy, dg := vals[T](r, volume(os[:])), vals[T](r, 2*3)
	dx, dgx := make([]T, len(x)), make([]T, len(x))
	AvgPool2DBackward(dy, os, 3, 2, 2, 2, pads, dx, is)
	GlobalAvgPoolBackward(dg, dgx, is)
	return widen(y, g, dx, dgx)
}

func batchNormAgree[T Float](r *rand.Rand) []float64 {
	const rows, c = 15, 5
	x, gamma, beta, mean := vals[T](r, rows*c), vals[T](r, c), vals[T](r, c), vals[T](r, c)
	variance := vals[T](r, c)
	for i, v := range variance {
		variance[i] = v + 1.5
	}
	inf := append([]T(nil), x...)
	BatchNorm(inf, c, gamma, beta, mean, variance, 1e-3)
	y, bm, bv := make([]T, len(x)), make([]T, c), make([]T, c)
	BatchNormTrainForward(x, c, gamma, beta, 1e-3, y, bm, bv)
	dy := vals[T](r, len(x))
	dx, dg, db := make([]T, len(x)), make([]T, c), make([]T, c)
	BatchNormTrainBackward(x, c, gamma, bm, bv, 1e-3, dy, dx, dg, db)
	idx, idg, idb := make([]T, len(x)), make([]T, c), make([]T, c)
	BatchNormBackward(x, c, gamma, mean, variance, 1e-3, dy, idx, idg, idb)
	mm, mv := append([]T(nil), mean...), append([]T(nil), variance...)
	BatchNormUpdateMoving(mm, mv, bm, bv, rows, 0.9)
	return widen(inf, y, bm, bv, dx, dg, db, idx, idg, idb, mm, mv)
}

func activationAgree[T Float](r *rand.Rand) []float64 {
	x := vals[T](r, 41)
	for i := range x {
		x[i] *= 9 // reach past ReLU6's upper bound
	}
	clamped, relu, relu6 := append([]T(nil), x...), append([]T(nil), x...), append([]T(nil), x...)
	Clamp(clamped, -2, 3.5)
	ReLU(relu)
	ReLU6(relu6)
	dy, dx := vals[T](r, len(x)), make([]T, len(x))
	ClampBackward(x, -2, 3.5, dy, dx)
	y, dl := make([]T, len(x)), make([]T, len(x))
	Logistic(x, y)
	LogisticBackward(y, dy, dl)
	return widen(clamped, relu, relu6, dx, y, dl)
}

func softmaxAgree[T Float](r *rand.Rand) []float64 {
	const rows, depth = 5, 7
	x := vals[T](r, rows*depth)
	y := make([]T, len(x))
	Softmax(x, depth, 0.7, y)
	dy, dx := vals[T](r, len(x)), make([]T, len(x))
	SoftmaxBackward(y, dy, depth, 0.7, dx)
	labels := []int{3, 0, -1, 6, 2}
	weight := vals[T](r, rows)
	dMean, dRows := make([]T, len(x)), make([]T, len(x))
	mean := SoftmaxCrossEntropy(x, depth, labels, 0.125, dMean)
	sum := SoftmaxCrossEntropyRows(x, depth, labels, 0.125, weight, 0.5, dRows)
	return append(widen(y, dx, dMean, dRows), mean, sum)
}

func lossAgree[T Float](r *rand.Rand) []float64 {
	const n = 23
	z, target, weight := vals[T](r, n), vals[T](r, n), vals[T](r, n)
	for i := range z {
		z[i] *= 4
		target[i] = (target[i] + 1) / 2 // probabilities for the sigmoid loss
	}
	weight[3] = 0
	dSig, dHuber, dL2 := make([]T, n), make([]T, n), make([]T, n)
	sig := SigmoidCrossEntropy(z, target, weight, 0.5, dSig)
	huber := SmoothL1(z, target, weight, 1, 0.5, dHuber)
	l2 := L2(z, target, nil, 0.25, dL2)
	return append(widen(dSig, dHuber, dL2), sig, huber, l2)
}

func elementwiseAgree[T Float](r *rand.Rand) []float64 {
	as, bs := []int{3, 1, 5}, []int{4, 1}
	os := []int{3, 4, 5}
	a, b := vals[T](r, 15), vals[T](r, 4)
	sum, prod := make([]T, 60), make([]T, 60)
	Add(a, as, b, bs, sum, os)
	Mul(a, as, b, bs, prod, os)
	dOut := vals[T](r, 60)
	red := make([]T, 15)
	SumToShape(dOut, os, red, as)
	dA, dB := make([]T, 15), make([]T, 4)
	MulBackward(dOut, os, a, as, b, bs, dA, dB)
	return widen(sum, prod, red, dA, dB)
}

func concatAgree[T Float](r *rand.Rand) []float64 {
	shapes := [][]int{{2, 3, 5}, {2, 1, 5}, {2, 4, 5}}
	ins := [][]T{vals[T](r, 30), vals[T](r, 10), vals[T](r, 40)}
	out := make([]T, 80)
	Concat(ins, shapes, 1, out)
	dIns := [][]T{make([]T, 30), nil, make([]T, 40)}
	ConcatBackward(vals[T](r, 80), shapes, 1, dIns)
	return widen(out, dIns[0], dIns[2])
}
