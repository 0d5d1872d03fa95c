package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// refGradients computes the training-mode loss gradient of every constant of g (a chain of the ops
// MobileNet uses) with the reference kernels only: forward with ref.Conv2D, ref.DepthwiseConv2D,
// ref.BatchNormTrainForward, ref.Clamp, ref.GlobalAvgPool; backward with their *Backward twins, each
// checked against finite differences in package ref.
func refGradients(t *testing.T, g *graph.Graph, x []float32, n int, labels []int) map[string][]float32 {
	t.Helper()
	acts := map[int][]float32{g.Inputs[0]: x}
	shape := func(id int) [4]int {
		s := g.Values[id].Shape
		if len(s) == 2 {
			return [4]int{n, 1, 1, s[1]}
		}
		return [4]int{n, s[1], s[2], s[3]}
	}
	size := func(id int) int { s := shape(id); return s[0] * s[1] * s[2] * s[3] }
	stats := map[*graph.Node][2][]float32{}
	var logits int
	for _, nd := range g.Nodes {
		in, out := nd.Inputs[0], nd.Outputs[0]
		y := make([]float32, size(out))
		c := func(i int) []float32 { return g.Values[nd.Inputs[i]].Data.F32 }
		switch op := nd.Op.(type) {
		case *graph.Conv2D:
			var b []float32
			if len(nd.Inputs) > 2 {
				b = c(2)
			}
			ws := g.Values[nd.Inputs[1]].Shape
			p := ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: 1, DilationW: 1, Pads: op.Pads, Groups: 1}
			ref.Conv2D(acts[in], shape(in), c(1), ws[1], ws[2], b, p, y, shape(out))
		case *graph.DepthwiseConv2D:
			p := ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: 1, DilationW: 1, Pads: op.Pads}
			ref.DepthwiseConv2D(acts[in], shape(in), c(1), 3, 3, 1, nil, p, y, shape(out))
		case *graph.BatchNorm:
			ch := shape(in)[3]
			m, v := make([]float32, ch), make([]float32, ch)
			ref.BatchNormTrainForward(acts[in], ch, c(1), c(2), op.Epsilon, y, m, v)
			stats[nd] = [2][]float32{m, v}
		case *graph.Activation:
			copy(y, acts[in])
			ref.Clamp(y, 0, 6)
		case *graph.GlobalAvgPool:
			ref.GlobalAvgPool(acts[in], shape(in), y)
		case *graph.Reshape:
			copy(y, acts[in])
		case *graph.Softmax:
			logits = in
			continue
		default:
			t.Fatalf("refGradients: op %s", nd.Op.Type())
		}
		acts[out] = y
	}
	k := g.Values[logits].Shape[1]
	grads := map[int][]float32{logits: make([]float32, n*k)}
	ref.SoftmaxCrossEntropy(acts[logits], k, labels, 0, grads[logits])
	params := map[string][]float32{}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		nd := g.Nodes[i]
		in, out := nd.Inputs[0], nd.Outputs[0]
		dy := grads[out]
		if dy == nil {
			continue
		}
		dx := make([]float32, size(in))
		c := func(i int) []float32 { return g.Values[nd.Inputs[i]].Data.F32 }
		pg := func(i int) []float32 {
			d := make([]float32, len(c(i)))
			params[g.Values[nd.Inputs[i]].Name] = d
			return d
		}
		switch op := nd.Op.(type) {
		case *graph.Conv2D:
			ws := g.Values[nd.Inputs[1]].Shape
			p := ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: 1, DilationW: 1, Pads: op.Pads, Groups: 1}
			ref.Conv2DBackwardFilter(acts[in], shape(in), dy, shape(out), ws[1], ws[2], p, pg(1))
			if len(nd.Inputs) > 2 {
				ref.BiasBackward(dy, ws[0], pg(2))
			}
			ref.Conv2DBackwardInput(dy, shape(out), c(1), ws[1], ws[2], p, dx, shape(in))
		case *graph.DepthwiseConv2D:
			p := ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: 1, DilationW: 1, Pads: op.Pads}
			ref.DepthwiseBackwardFilter(acts[in], shape(in), dy, shape(out), 3, 3, 1, p, pg(1))
			ref.DepthwiseBackwardInput(dy, shape(out), c(1), 3, 3, 1, p, dx, shape(in))
		case *graph.BatchNorm:
			s := stats[nd]
			ref.BatchNormTrainBackward(acts[in], shape(in)[3], c(1), s[0], s[1], op.Epsilon, dy, dx, pg(1), pg(2))
		case *graph.Activation:
			ref.ClampBackward(acts[in], 0, 6, dy, dx)
		case *graph.GlobalAvgPool:
			ref.GlobalAvgPoolBackward(dy, dx, shape(in))
		case *graph.Reshape:
			copy(dx, dy)
		}
		grads[in] = dx
	}
	return params
}

// TestTapeMatchesReference checks every parameter gradient of a whole MobileNet (α 0.25, 16×16, batch
// norm in training mode, batch 32) against the composition of the reference backward kernels, within
// 2e-4 of each tensor's largest gradient. The tape uses the plain-Go matrix product here: the SIMD one
// fuses its multiply-adds, and those rounding differences (checked by TestMatmul) grow through the 27
// batch norms on the way back to 0.1 % or so. With much smaller batches the last layers, 1×1 pixel
// each, normalise over a handful of values and float32 rounding grows faster still.
func TestTapeMatchesReference(t *testing.T) {
	g := tinyNet(t, 1, 5, 3)
	const batch = 32
	tp, err := newTape(g, tapeOptions{batch: batch, threads: 2, pureGo: true, bnMomentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(rand.New(rand.NewPCG(7, 7)), batch*16*16)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = i % 5
	}
	want := refGradients(t, g, x, batch, labels)
	tp.forward(x, batch, true)
	tp.loss(labels, 0, true)
	tp.backward()
	checked := 0
	for _, p := range tp.params {
		w, ok := want[p.Value.Name]
		if !ok {
			t.Fatalf("no reference gradient for %s", p.Value.Name)
		}
		scale := 0.0
		for _, v := range w {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range w {
			if d := math.Abs(float64(p.Grad[i] - w[i])); d > 2e-4*scale+1e-7 {
				t.Fatalf("%s[%d]: tape %g, reference %g (largest %g)", p.Value.Name, i, p.Grad[i], w[i], scale)
			}
		}
		checked++
	}
	if checked != len(want) {
		t.Fatalf("checked %d parameters of %d", checked, len(want))
	}
}
