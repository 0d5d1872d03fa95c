package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// oneOp builds a graph applying op to an input of shape in with the given constants, followed (for an
// NHWC output) by a global average pool, and a reshape, so that the tape has logits; it returns the
// graph and a tape that computes the input's gradient.
func oneOp(t *testing.T, in tensor.Shape, op graph.Op, consts ...*tensor.Tensor) (*graph.Graph, *tape) {
	t.Helper()
	g := &graph.Graph{}
	x := g.AddInput("x", tensor.Float32, in, nil)
	ids := []int{x}
	for i, c := range consts {
		ids = append(ids, g.AddConst(string(rune('a'+i)), c))
	}
	y, err := g.Add1("op", op, ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Values[y].Shape) == 4 {
		if y, err = g.Add1("pool", &graph.GlobalAvgPool{}, y); err != nil {
			t.Fatal(err)
		}
	}
	s := g.Values[y].Shape
	out, err := g.Add1("squeeze", &graph.Reshape{Shape: []int{s[len(s)-1]}}, y)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{out}
	tp, err := newTape(g, tapeOptions{batch: 3, threads: 2, bnMomentum: 0.9, inputGrad: true})
	if err != nil {
		t.Fatal(err)
	}
	return g, tp
}

func randTensor(r *rand.Rand, shape tensor.Shape) *tensor.Tensor {
	t, _ := tensor.New(tensor.Float32, shape)
	for i := range t.F32 {
		t.F32[i] = float32(r.Float64()*2 - 1)
	}
	return t
}

func near(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// runStep runs the op's step forward on x, then backward from dy; it returns y, dx.
func runStep(tp *tape, x, dy []float32, n int) ([]float32, []float32) {
	tp.n = n
	copy(tp.input.act, x)
	s := tp.steps[0]
	s.forward(tp, true)
	y := tp.slots[tp.nodes[0].Outputs[0]]
	copy(y.grad, dy)
	s.backward(tp)
	return y.act[:len(dy)], tp.input.grad[:len(x)]
}

// TestConvStep checks the matmul convolution against the reference kernels: 3×3 stride 2 (im2col) and
// 1×1 (rows as columns), with a bias.
func TestConvStep(t *testing.T) {
	cases := []struct {
		h, w, cin, cout, k, stride int
	}{{7, 6, 3, 5, 3, 2}, {5, 5, 4, 6, 1, 1}, {6, 6, 2, 3, 3, 1}}
	for i, c := range cases {
		r := rand.New(rand.NewPCG(uint64(i), 5))
		pads, oh, ow := ref.SamePads(c.h, c.w, c.k, c.k, c.stride, c.stride, 1, 1)
		w, b := randTensor(r, tensor.Shape{c.cout, c.k, c.k, c.cin}), randTensor(r, tensor.Shape{c.cout})
		op := &graph.Conv2D{StrideH: c.stride, StrideW: c.stride, Pads: pads}
		_, tp := oneOp(t, tensor.Shape{1, c.h, c.w, c.cin}, op, w, b)
		const n = 2
		x := randTensor(r, tensor.Shape{n, c.h, c.w, c.cin}).F32
		dy := randTensor(r, tensor.Shape{n, oh, ow, c.cout}).F32
		y, dx := runStep(tp, x, dy, n)
		is, os := [4]int{n, c.h, c.w, c.cin}, [4]int{n, oh, ow, c.cout}
		p := ref.ConvParams{StrideH: c.stride, StrideW: c.stride, DilationH: 1, DilationW: 1, Pads: pads, Groups: 1}
		wantY := make([]float32, len(dy))
		ref.Conv2D(x, is, w.F32, c.k, c.k, b.F32, p, wantY, os)
		near(t, "y", y, wantY, 1e-5)
		wantDx := make([]float32, len(x))
		ref.Conv2DBackwardInput(dy, os, w.F32, c.k, c.k, p, wantDx, is)
		near(t, "dx", dx, wantDx, 1e-5)
		wantDw := make([]float32, len(w.F32))
		ref.Conv2DBackwardFilter(x, is, dy, os, c.k, c.k, p, wantDw)
		near(t, "dw", tp.params[0].Grad, wantDw, 1e-5)
		wantDb := make([]float32, c.cout)
		ref.BiasBackward(dy, c.cout, wantDb)
		near(t, "db", tp.params[1].Grad, wantDb, 1e-5)
	}
}

// TestDepthwiseStep checks the depthwise kernels against the reference ones.
func TestDepthwiseStep(t *testing.T) {
	for i, stride := range []int{1, 2} {
		r := rand.New(rand.NewPCG(uint64(i), 6))
		const h, w, c, n = 7, 6, 5, 3
		pads, oh, ow := ref.SamePads(h, w, 3, 3, stride, stride, 1, 1)
		wt := randTensor(r, tensor.Shape{1, 3, 3, c})
		_, tp := oneOp(t, tensor.Shape{1, h, w, c}, &graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads}, wt)
		x := randTensor(r, tensor.Shape{n, h, w, c}).F32
		dy := randTensor(r, tensor.Shape{n, oh, ow, c}).F32
		y, dx := runStep(tp, x, dy, n)
		is, os := [4]int{n, h, w, c}, [4]int{n, oh, ow, c}
		p := ref.ConvParams{StrideH: stride, StrideW: stride, DilationH: 1, DilationW: 1, Pads: pads}
		wantY := make([]float32, len(dy))
		ref.DepthwiseConv2D(x, is, wt.F32, 3, 3, 1, nil, p, wantY, os)
		near(t, "y", y, wantY, 1e-5)
		wantDx := make([]float32, len(x))
		ref.DepthwiseBackwardInput(dy, os, wt.F32, 3, 3, 1, p, wantDx, is)
		near(t, "dx", dx, wantDx, 1e-5)
		wantDw := make([]float32, len(wt.F32))
		ref.DepthwiseBackwardFilter(x, is, dy, os, 3, 3, 1, p, wantDw)
		near(t, "dw", tp.params[0].Grad, wantDw, 1e-5)
	}
}

// TestBatchNormStep checks training-mode batch norm against the reference kernels, moving statistics
// included.
func TestBatchNormStep(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	const h, w, c, n = 3, 4, 5, 2
	gamma, beta := randTensor(r, tensor.Shape{c}), randTensor(r, tensor.Shape{c})
	mean, variance := randTensor(r, tensor.Shape{c}), randTensor(r, tensor.Shape{c})
	for i := range variance.F32 {
		variance.F32[i] += 1.5
	}
	mm, mv := append([]float32(nil), mean.F32...), append([]float32(nil), variance.F32...)
	_, tp := oneOp(t, tensor.Shape{1, h, w, c}, &graph.BatchNorm{Epsilon: 1e-3}, gamma, beta, mean, variance)
	x := randTensor(r, tensor.Shape{n, h, w, c}).F32
	dy := randTensor(r, tensor.Shape{n, h, w, c}).F32
	y, dx := runStep(tp, x, dy, n)
	wantY := make([]float32, len(x))
	bm, bv := make([]float32, c), make([]float32, c)
	ref.BatchNormTrainForward(x, c, gamma.F32, beta.F32, 1e-3, wantY, bm, bv)
	near(t, "y", y, wantY, 1e-5)
	wantDx, dg, db := make([]float32, len(x)), make([]float32, c), make([]float32, c)
	ref.BatchNormTrainBackward(x, c, gamma.F32, bm, bv, 1e-3, dy, wantDx, dg, db)
	near(t, "dx", dx, wantDx, 1e-4)
	near(t, "dgamma", tp.params[0].Grad, dg, 1e-5)
	near(t, "dbeta", tp.params[1].Grad, db, 1e-5)
	ref.BatchNormUpdateMoving(mm, mv, bm, bv, n*h*w, 0.9)
	near(t, "moving mean", mean.F32, mm, 1e-6)
	near(t, "moving variance", variance.F32, mv, 1e-6)
}

// TestFallbackSteps checks the ops MobileNet does not use, computed with the reference kernels or
// simple loops, against the reference backward kernels: a grouped convolution with bias, a depthwise
// convolution with multiplier 2, average pooling with padding, a fully connected layer and a ReLU
// applied on its own.
func TestFallbackSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	const n = 2
	is := [4]int{n, 5, 4, 4}
	x := randTensor(r, tensor.Shape{n, 5, 4, 4}).F32

	pads, oh, ow := ref.SamePads(5, 4, 3, 3, 1, 1, 1, 1)
	gw, gb := randTensor(r, tensor.Shape{6, 3, 3, 2}), randTensor(r, tensor.Shape{6})
	gp := ref.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Pads: pads, Groups: 2}
	_, tp := oneOp(t, tensor.Shape{1, 5, 4, 4}, &graph.Conv2D{StrideH: 1, StrideW: 1, Pads: pads, Groups: 2}, gw, gb)
	os := [4]int{n, oh, ow, 6}
	dy := randTensor(r, tensor.Shape{n, oh, ow, 6}).F32
	y, dx := runStep(tp, x, dy, n)
	want := make([]float32, len(dy))
	ref.Conv2D(x, is, gw.F32, 3, 3, gb.F32, gp, want, os)
	near(t, "grouped y", y, want, 1e-5)
	wantDx := make([]float32, len(x))
	ref.Conv2DBackwardInput(dy, os, gw.F32, 3, 3, gp, wantDx, is)
	near(t, "grouped dx", dx, wantDx, 1e-5)
	wantDw := make([]float32, len(gw.F32))
	ref.Conv2DBackwardFilter(x, is, dy, os, 3, 3, gp, wantDw)
	near(t, "grouped dw", tp.params[0].Grad, wantDw, 1e-5)

	pads, oh, ow = ref.SamePads(5, 4, 3, 3, 2, 2, 1, 1)
	dw := randTensor(r, tensor.Shape{1, 3, 3, 8})
	dp := ref.ConvParams{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, Pads: pads}
	_, tp = oneOp(t, tensor.Shape{1, 5, 4, 4}, &graph.DepthwiseConv2D{StrideH: 2, StrideW: 2, Pads: pads, Multiplier: 2}, dw)
	os = [4]int{n, oh, ow, 8}
	dy = randTensor(r, tensor.Shape{n, oh, ow, 8}).F32
	y, dx = runStep(tp, x, dy, n)
	want = make([]float32, len(dy))
	ref.DepthwiseConv2D(x, is, dw.F32, 3, 3, 2, nil, dp, want, os)
	near(t, "multiplier 2 y", y, want, 1e-5)
	ref.DepthwiseBackwardInput(dy, os, dw.F32, 3, 3, 2, dp, wantDx, is)
	near(t, "multiplier 2 dx", dx, wantDx, 1e-5)
	wantDw = make([]float32, len(dw.F32))
	ref.DepthwiseBackwardFilter(x, is, dy, os, 3, 3, 2, dp, wantDw)
	near(t, "multiplier 2 dw", tp.params[0].Grad, wantDw, 1e-5)

	pads, oh, ow = ref.SamePads(5, 4, 2, 2, 2, 2, 1, 1)
	_, tp = oneOp(t, tensor.Shape{1, 5, 4, 4}, &graph.AvgPool2D{KH: 2, KW: 2, StrideH: 2, StrideW: 2, Pads: pads})
	os = [4]int{n, oh, ow, 4}
	dy = randTensor(r, tensor.Shape{n, oh, ow, 4}).F32
	y, dx = runStep(tp, x, dy, n)
	want = make([]float32, len(dy))
	ref.AvgPool2D(x, is, 2, 2, 2, 2, pads, want, os)
	near(t, "avgpool y", y, want, 1e-6)
	ref.AvgPool2DBackward(dy, os, 2, 2, 2, 2, pads, wantDx, is)
	near(t, "avgpool dx", dx, wantDx, 1e-6)

	fw, fb := randTensor(r, tensor.Shape{3, 80}), randTensor(r, tensor.Shape{3})
	_, tp = oneOp(t, tensor.Shape{1, 5, 4, 4}, &graph.FullyConnected{}, fw, fb)
	dy = randTensor(r, tensor.Shape{n, 3}).F32
	y, dx = runStep(tp, x, dy, n)
	want = make([]float32, len(dy))
	ref.FullyConnected(x, n, 80, fw.F32, 3, fb.F32, want)
	near(t, "fc y", y, want, 1e-5)
	ref.PointwiseBackwardInput(dy, n, 3, fw.F32, 80, wantDx)
	near(t, "fc dx", dx, wantDx, 1e-5)
	wantDw = make([]float32, len(fw.F32))
	ref.PointwiseBackwardFilter(x, n, 80, dy, 3, wantDw)
	near(t, "fc dw", tp.params[0].Grad, wantDw, 1e-5)
	wantDb := make([]float32, 3)
	ref.BiasBackward(dy, 3, wantDb)
	near(t, "fc db", tp.params[1].Grad, wantDb, 1e-5)

	_, tp = oneOp(t, tensor.Shape{1, 5, 4, 4}, &graph.Activation{Act: graph.ActReLU})
	dy = randTensor(r, tensor.Shape{n, 5, 4, 4}).F32
	y, dx = runStep(tp, x, dy, n)
	want = append([]float32(nil), x...)
	ref.ReLU(want)
	near(t, "relu y", y, want, 0)
	ref.ClampBackward(x, 0, float32(math.Inf(1)), dy, wantDx)
	near(t, "relu dx", dx, wantDx, 0)
}
