package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/gradcheck"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// opSample is a small graph of one op: the activations it reads (shapes at batch 1) and its constant
// inputs, drawn at random. The table test runs every column of the op on it.
type opSample struct {
	op     Op
	inputs []tensor.Shape // activation inputs, in the op's input order before the constants
	consts []tensor.Shape // constant inputs (nil entry: absent)
}

var opSamples = map[string]opSample{
	"Conv2D":          {&Conv2D{StrideH: 2, StrideW: 2, Pads: Pads{Bottom: 1, Right: 1}}, []tensor.Shape{{1, 5, 5, 3}}, []tensor.Shape{{4, 3, 3, 3}, {4}}},
	"DepthwiseConv2D": {&DepthwiseConv2D{StrideH: 1, StrideW: 1, Pads: Pads{Top: 1, Bottom: 1, Left: 1, Right: 1}}, []tensor.Shape{{1, 4, 4, 3}}, []tensor.Shape{{1, 3, 3, 3}, {3}}},
	"BatchNorm":       {&BatchNorm{Epsilon: 1e-3}, []tensor.Shape{{1, 3, 3, 4}}, []tensor.Shape{{4}, {4}, {4}, {4}}},
	"Activation":      {&Activation{Act: ActReLU6}, []tensor.Shape{{1, 3, 3, 2}}, nil},
	"AvgPool2D":       {&AvgPool2D{KH: 2, KW: 2, StrideH: 1, StrideW: 1, Pads: Pads{Bottom: 1, Right: 1}}, []tensor.Shape{{1, 4, 4, 2}}, nil},
	"GlobalAvgPool":   {&GlobalAvgPool{}, []tensor.Shape{{1, 3, 3, 4}}, nil},
	"FullyConnected":  {&FullyConnected{}, []tensor.Shape{{1, 2, 2, 3}}, []tensor.Shape{{5, 12}, {5}}},
	"Reshape":         {&Reshape{Shape: []int{2, 6}}, []tensor.Shape{{1, 3, 4}}, nil},
	"Softmax":         {&Softmax{Beta: 1}, []tensor.Shape{{1, 6}}, nil},
	"Concatenation":   {&Concatenation{Axis: 3}, []tensor.Shape{{1, 2, 2, 3}, {1, 2, 2, 2}}, nil},
	"Logistic":        {&Logistic{}, []tensor.Shape{{1, 7}}, nil},
	"DetectionPostProcess": {&DetectionPostProcess{Options: detect.Options{MaxDetections: 2, MaxClassesPerDetection: 1,
		NumClasses: 2, IoUThreshold: 0.5, YScale: 10, XScale: 10, HScale: 5, WScale: 5}},
		[]tensor.Shape{{1, 3, 4}, {1, 3, 3}}, []tensor.Shape{{3, 4}}},
	"Add":         {&Add{}, []tensor.Shape{{1, 2, 2, 3}, {1, 1, 1, 3}}, nil},
	"Mul":         {&Mul{Act: ActReLU}, []tensor.Shape{{1, 2, 2, 3}, {1, 2, 2, 3}}, nil},
	"HardSwish":   {&HardSwish{}, []tensor.Shape{{1, 3, 3, 4}}, nil},
	"HardSigmoid": {&HardSigmoid{}, []tensor.Shape{{1, 3, 3, 4}}, nil},

	// MobileNet V2's 8-bit files.
	"Mean":       {&Mean{Axes: []int{1, -2}, KeepDims: true}, []tensor.Shape{{1, 3, 2, 4}}, nil},
	"Quantize":   {&Quantize{}, []tensor.Shape{{1, 2, 3}}, nil},
	"Dequantize": {&Dequantize{}, []tensor.Shape{{1, 2, 3}}, nil},
	"Pad":        {&Pad{Before: []int{0, 1, 0, 2}, After: []int{0, 0, 2, 1}}, []tensor.Shape{{1, 2, 3, 2}}, nil},

	// Segmentation (DeepLab).
	"ResizeBilinear": {&ResizeBilinear{Height: 5, Width: 3, HalfPixelCenters: true}, []tensor.Shape{{1, 3, 4, 2}}, nil},
	"ArgMax":         {&ArgMax{Axis: -1}, []tensor.Shape{{1, 2, 3, 5}}, nil},
}

// build returns the sample as a float32 graph, with positive values where an op needs them (batch norm's
// variance, anchors' sizes).
func (s opSample) build(t *testing.T) *Graph {
	n := gradcheck.NewNet(t, 3)
	var in []int
	for i, sh := range s.inputs {
		in = append(in, n.Input(fmt.Sprintf("x%d", i), sh...))
	}
	for i, sh := range s.consts {
		id := n.Random(fmt.Sprintf("c%d", i), 0.5, sh...)
		if _, ok := s.op.(*BatchNorm); ok && i >= 2 || s.op.Type() == "DetectionPostProcess" {
			for j, v := range n.G.Values[id].Data.F32 {
				n.G.Values[id].Data.F32[j] = float32(math.Abs(float64(v)) + 0.5)
			}
		}
		in = append(in, id)
	}
	outs, err := n.G.Add(s.op.Type(), s.op, in...)
	if err != nil {
		t.Fatal(err)
	}
	n.G.Outputs = outs
	if s.op.Type() == "ArgMax" {
		n.G.Values[outs[0]].DType = tensor.Int64
	}
	switch s.op.(type) {
	case *Quantize: // float32 in, 8-bit out
		n.G.Values[outs[0]].DType, n.G.Values[outs[0]].Quant = tensor.Uint8, tensor.PerTensor(1.0/16, 128)
	case *Dequantize: // 8-bit in, float out
		n.G.Values[in[0]].DType, n.G.Values[in[0]].Quant = tensor.Uint8, tensor.PerTensor(1.0/16, 128)
	}
	if s.op.Type() == "DetectionPostProcess" {
		for _, id := range outs {
			n.G.Values[id].DType = tensor.Float32
		}
	}
	return n.G
}

// quantize returns an 8-bit (uint8) copy of a sample graph: every float value gets scale 1/16 and zero
// point 128, except probabilities (scale 1/256, zero point 0, as TFLite requires), biases (int32 at
// the product of the input's and the weights' scales) and the post-process's float outputs.
func quantize(g *Graph) *Graph {
	q := &Graph{Name: g.Name, Nodes: g.Nodes, Inputs: g.Inputs, Outputs: g.Outputs}
	prob := map[int]bool{}
	float := map[int]bool{}
	bias := map[int]bool{}
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *Softmax, *Logistic:
			prob[n.Outputs[0]] = true
		case *ArgMax:
			float[n.Outputs[0]] = true // int64 indices stay as they are
		case *Dequantize:
			float[n.Outputs[0]] = true
		case *DetectionPostProcess:
			for _, o := range n.Outputs {
				float[o] = true
			}
		case *Conv2D, *DepthwiseConv2D, *FullyConnected:
			if len(n.Inputs) > 2 {
				bias[n.Inputs[2]] = true
			}
		}
	}
	const scale = 1.0 / 16
	for i, v := range g.Values {
		c := *v
		q.Values = append(q.Values, &c)
		if float[i] {
			continue
		}
		c.DType, c.Quant = tensor.Uint8, tensor.PerTensor(scale, 128)
		if prob[i] {
			c.Quant = tensor.PerTensor(1.0/256, 0)
		}
		if v.Data == nil {
			continue
		}
		if bias[i] {
			c.DType, c.Quant = tensor.Int32, tensor.PerTensor(scale*scale, 0)
			c.Data = &tensor.Tensor{Shape: v.Shape, DType: tensor.Int32, Quant: c.Quant, I32: make([]int32, len(v.Data.F32))}
			for j, x := range v.Data.F32 {
				c.Data.I32[j] = int32(math.Round(float64(x) / (scale * scale)))
			}
			continue
		}
		c.Data = &tensor.Tensor{Shape: v.Shape, DType: tensor.Uint8, Quant: c.Quant, U8: make([]uint8, len(v.Data.F32))}
		for j, x := range v.Data.F32 {
			c.Data.U8[j] = uint8(min(max(math.Round(float64(x)/scale)+128, 0), 255))
		}
	}
	return q
}

// runSample compiles g and runs it on seeded inputs of its input types, returning the outputs as reals.
func runSample(g *Graph, opt Options) ([][]float64, error) {
	p, err := Compile(g, opt)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	var ins []*tensor.Tensor
	for _, v := range p.Inputs() {
		x, err := tensor.New(v.DType, v.Shape)
		if err != nil {
			return nil, err
		}
		x.Quant = v.Quant
		for i := 0; i < x.Len(); i++ {
			f := r.Float64()*2 - 0.5
			switch v.DType {
			case tensor.Float32:
				x.F32[i] = float32(f)
			case tensor.Float64:
				x.F64[i] = float64(float32(f))
			case tensor.Uint8:
				x.U8[i] = uint8(128 + 16*f)
			}
		}
		ins = append(ins, x)
	}
	outs, err := p.Run(ins...)
	if err != nil {
		return nil, err
	}
	var res [][]float64
	for _, o := range outs {
		res = append(res, o.Floats())
	}
	return res, nil
}

// TestOpTableGraphColumns walks every op of OpTypes and every column of the graph layer: each is
// implemented — and then shown to work on a sample graph of the op — or refused with a reason, and a
// refused column fails with that reason. The float32 kernels are compared with the float64 reference,
// and the backward pass is checked against central differences, so that deleting an op's backward (or
// breaking it) fails here.
func TestOpTableGraphColumns(t *testing.T) {
	var table strings.Builder
	for _, op := range OpTypes() {
		name := op.Type()
		s, ok := opSamples[name]
		if !ok {
			t.Errorf("%s: no sample graph: add one to opSamples", name)
			continue
		}
		g := s.build(t)
		cell := func(c Column, err error) {
			reason := Refusal(op, c)
			switch {
			case reason != "" && err == nil:
				t.Errorf("%s / %s: refused (%q) but it works: drop the refusal", name, c, reason)
			case reason != "" && !strings.Contains(err.Error(), reason):
				t.Errorf("%s / %s: refused, but the error %q does not give the reason %q", name, c, err, reason)
			case reason == "" && err != nil:
				t.Errorf("%s / %s: neither implemented nor refused: %v", name, c, err)
			}
			status := "ok"
			if reason != "" {
				status = "refused: " + reason
			}
			fmt.Fprintf(&table, "%-22s %-18s %s\n", name, c, status)
		}
		node := g.Nodes[0]
		var in, out []*Value
		for _, id := range node.Inputs {
			in = append(in, g.Values[id])
		}
		for _, id := range node.Outputs {
			out = append(out, g.Values[id])
		}
		shapes, err := s.op.Shapes(in)
		if err == nil && len(shapes) != len(out) {
			err = fmt.Errorf("%d shapes for %d outputs", len(shapes), len(out))
		}
		cell(ColShape, err)
		info := s.op.Describe(in, out)
		if info.Type == "" || info.MultAdds < 0 || info.Params < 0 {
			err = fmt.Errorf("cost %+v", info)
		}
		cell(ColCost, err)

		want, refErr := runSample(ToFloat64(g), Options{})
		cell(ColReference, refErr)
		got, err := runSample(g, Options{Threads: 2})
		if err == nil && refErr == nil {
			err = closeAll(got, want, 1e-5)
		}
		cell(ColFast, err)
		_, err = runSample(quantize(g), Options{})
		cell(ColQuantized, err)
		cell(ColBackward, backwardWorks(t, g))
	}
	t.Logf("the graph layer's columns of the op table:\n%s", table.String())
}

// closeAll compares every output within atol.
func closeAll(got, want [][]float64, atol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	for i := range got {
		if err := approx.Close(got[i], want[i], atol, 1e-5); err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
	}
	return nil
}

// backwardWorks checks the sample's gradients in float64 with an L2 loss on every float output.
func backwardWorks(t *testing.T, g *Graph) error {
	c := &gradcheck.Case{G: g, Batch: 2}
	for _, id := range g.Outputs {
		c.Losses = append(c.Losses, Loss{Value: id, Kind: L2})
	}
	if _, err := CompileTrain(g, TrainOptions{Losses: c.Losses}); err != nil {
		return err
	}
	c.RandomTargets(t, rand.New(rand.NewPCG(4, 4)))
	worst, where := gradcheck.Check(t, c, nil)
	if err := approx.Within("worst relative error of the gradients", worst, gradcheck.Tol); err != nil {
		return fmt.Errorf("%v at %s", err, where)
	}
	return nil
}
