package quantize

import (
	"context"
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// InputScale is the scale of the 8-bit input: one step of a pixel byte in the float input
// (p − 127.5)/127.5.
const InputScale = float32(1 / 127.5)

// ProbabilityScale is TFLite's fixed output scale of SOFTMAX and LOGISTIC.
const ProbabilityScale = float32(1.0 / 256)

// Model calibrates g on images and returns its 8-bit form (Calibrate, then Quantize).
func Model(ctx context.Context, g *graph.Graph, images [][]uint8, opt Options) (*graph.Graph, *Calibration, error) {
	cal, err := Calibrate(ctx, g, images, opt)
	if err != nil {
		return nil, nil, err
	}
	q, err := Quantize(cal, opt)
	if err != nil {
		return nil, nil, err
	}
	return q, cal, nil
}

// codes returns the scheme's activation type and its code range.
func (s Scheme) codes() (tensor.DType, float64, float64) {
	if s == Uint8 {
		return tensor.Uint8, 0, 255
	}
	return tensor.Int8, -128, 127
}

// Params returns the scheme's quantization of the real interval r (FACTS §9): r is widened to contain
// 0, scale = (max − min)/(qmax − qmin), zero point = round(qmin − min/scale) clamped to the codes.
// An interval narrower than 1e-6 (an activation that is always 0) is widened to 1e-6 so that its scale
// stays positive.
func (s Scheme) Params(r Range) (scale float32, zp int32) {
	_, qmin, qmax := s.codes()
	lo, hi := math.Min(r.Min, 0), math.Max(r.Max, 0)
	if hi-lo < 1e-6 {
		hi = lo + 1e-6
	}
	sc := (hi - lo) / (qmax - qmin)
	z := math.Round(qmin - lo/sc)
	z = math.Max(qmin, math.Min(qmax, z))
	return float32(sc), int32(z)
}

// inputParams returns the parameters of the 8-bit image input (see the package documentation).
func (s Scheme) inputParams() *tensor.Quant {
	if s == Uint8 {
		return tensor.PerTensor(InputScale, 128)
	}
	return tensor.PerTensor(InputScale, 0)
}

// probabilityParams returns TFLite's fixed output parameters of SOFTMAX and LOGISTIC.
func (s Scheme) probabilityParams() *tensor.Quant {
	if s == Uint8 {
		return tensor.PerTensor(ProbabilityScale, 0)
	}
	return tensor.PerTensor(ProbabilityScale, -128)
}

// Quantize builds the 8-bit graph of a calibrated network with the options' scheme (opt.Range and
// opt.Threads were used by Calibrate). The result runs on this project's runtime; it is compiled once
// here, so that a graph the runtime refuses is an error now. It fails, naming the node, for an op that
// has no 8-bit form (a batch norm or activation that could not be folded, Add, Mul, ...).
func Quantize(cal *Calibration, opt Options) (*graph.Graph, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	f := cal.Folded
	params, err := activationParams(cal, opt.Scheme)
	if err != nil {
		return nil, err
	}
	b := &builder{f: f, q: &graph.Graph{Name: f.Name}, ids: make([]int, len(f.Values)), params: params, opt: opt}
	for i := range b.ids {
		b.ids[i] = -1
	}
	dt, _, _ := opt.Scheme.codes()
	in := f.Values[f.Inputs[0]]
	b.ids[f.Inputs[0]] = b.q.AddInput(in.Name, dt, in.Shape, params[f.Inputs[0]])
	for _, n := range f.Nodes {
		if err := b.node(n); err != nil {
			return nil, fmt.Errorf("quantize: node %s (%s): %w", n.Name, n.Op.Type(), err)
		}
	}
	for _, id := range f.Outputs {
		if b.ids[id] < 0 {
			return nil, fmt.Errorf("quantize: output %q is not computed", f.Values[id].Name)
		}
		b.q.Outputs = append(b.q.Outputs, b.ids[id])
	}
	if _, err := graph.Compile(b.q, graph.Options{Batch: 1, Threads: 1}); err != nil {
		return nil, fmt.Errorf("quantize: the 8-bit graph does not compile: %w", err)
	}
	return b.q, nil
}

// activationParams gives every 8-bit activation of the folded graph its parameters. Values that must
// share parameters are grouped: the input and output of a Reshape or a pool (which keep their input's
// parameters), every input and the output of a Concatenation (TFLite's converter gives them the union
// of their ranges). A group takes the fixed parameters of a member that has them (the image input,
// the output of a Softmax or Logistic), otherwise the parameters of the union of its members' ranges.
func activationParams(cal *Calibration, s Scheme) (map[int]*tensor.Quant, error) {
	f := cal.Folded
	parent := make([]int, len(f.Values))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	fixed := map[int]*tensor.Quant{f.Inputs[0]: s.inputParams()}
	for _, n := range f.Nodes {
		switch n.Op.(type) {
		case *graph.Reshape, *graph.AvgPool2D, *graph.GlobalAvgPool:
			if len(n.Inputs) > 0 && n.Inputs[0] >= 0 && len(n.Outputs) == 1 {
				union(n.Inputs[0], n.Outputs[0])
			}
		case *graph.Concatenation:
			for _, id := range n.Inputs {
				if id >= 0 && len(n.Outputs) == 1 {
					union(id, n.Outputs[0])
				}
			}
		case *graph.Softmax, *graph.Logistic:
			if len(n.Outputs) == 1 {
				fixed[n.Outputs[0]] = s.probabilityParams()
			}
		}
	}
	groupFixed := map[int]*tensor.Quant{}
	for id, q := range fixed {
		r := find(id)
		if old, ok := groupFixed[r]; ok && (old.S(0) != q.S(0) || old.ZP(0) != q.ZP(0)) {
			return nil, fmt.Errorf("quantize: %q must pass its parameters through to a value whose parameters are fixed otherwise", f.Values[id].Name)
		}
		groupFixed[r] = q
	}
	groupRange := map[int]Range{}
	for id, rg := range cal.Ranges {
		r := find(id)
		if old, ok := groupRange[r]; ok {
			rg = Range{math.Min(old.Min, rg.Min), math.Max(old.Max, rg.Max)}
		}
		groupRange[r] = rg
	}
	params := map[int]*tensor.Quant{}
	for id := range cal.Ranges {
		r := find(id)
		if q, ok := groupFixed[r]; ok {
			params[id] = q
			continue
		}
		sc, zp := s.Params(groupRange[r])
		params[id] = tensor.PerTensor(sc, zp)
	}
	return params, nil
}

// builder writes the 8-bit graph q node by node from the folded float graph f.
type builder struct {
	f, q   *graph.Graph
	ids    []int // value of f → value of q (−1: not yet)
	params map[int]*tensor.Quant
	opt    Options
}

// activation returns the value of q for activation id of f, which must already be computed.
func (b *builder) activation(id int) (int, error) {
	if id < 0 {
		return -1, nil
	}
	if b.ids[id] < 0 {
		v := b.f.Values[id]
		if v.Const() {
			return 0, fmt.Errorf("input %q is a constant; the 8-bit form takes activations here", v.Name)
		}
		return 0, fmt.Errorf("input %q is not computed before", v.Name)
	}
	return b.ids[id], nil
}

// outputs declares the 8-bit outputs of node n in q.
func (b *builder) outputs(n *graph.Node) ([]int, error) {
	dt, _, _ := b.opt.Scheme.codes()
	outs := make([]int, len(n.Outputs))
	for i, id := range n.Outputs {
		v := b.f.Values[id]
		q := b.params[id]
		if q == nil {
			return nil, fmt.Errorf("output %q was not calibrated", v.Name)
		}
		outs[i] = b.q.AddValue(&graph.Value{Name: v.Name, DType: dt, Shape: v.Shape.Clone(), Quant: q})
		b.ids[id] = outs[i]
	}
	return outs, nil
}

func (b *builder) node(n *graph.Node) error {
	var op graph.Op
	var ins []int
	switch o := n.Op.(type) {
	case *graph.Conv2D:
		if o.Groups > 1 {
			return fmt.Errorf("a grouped convolution has no 8-bit form")
		}
		c := *o
		op = &c
		w, bias, err := b.weights(n, 0, !b.opt.PerTensor && b.opt.Scheme == Int8)
		if err != nil {
			return err
		}
		ins = []int{-2, w, bias}
	case *graph.DepthwiseConv2D:
		c := *o
		op = &c
		w, bias, err := b.weights(n, 3, !b.opt.PerTensor && b.opt.Scheme == Int8)
		if err != nil {
			return err
		}
		ins = []int{-2, w, bias}
	case *graph.FullyConnected:
		c := *o
		op = &c
		w, bias, err := b.weights(n, 0, false)
		if err != nil {
			return err
		}
		ins = []int{-2, w, bias}
	case *graph.GlobalAvgPool:
		x := b.f.Values[n.Inputs[0]].Shape
		if len(x) != 4 {
			return fmt.Errorf("input shape %v is not NHWC", x)
		}
		op = &graph.AvgPool2D{KH: x[1], KW: x[2], StrideH: 1, StrideW: 1}
		ins = []int{-2}
	case *graph.AvgPool2D:
		c := *o
		op = &c
		ins = []int{-2}
	case *graph.Reshape:
		c := *o
		c.Shape = append([]int(nil), o.Shape...)
		op = &c
		ins = []int{-2}
	case *graph.Softmax:
		c := *o
		op = &c
		ins = []int{-2}
	case *graph.Logistic:
		op = &graph.Logistic{}
		ins = []int{-2}
	case *graph.Concatenation:
		if o.Act != graph.ActNone {
			return fmt.Errorf("an 8-bit concatenation cannot apply activation %v", o.Act)
		}
		c := *o
		op = &c
		ins = make([]int, len(n.Inputs))
		for i := range ins {
			ins[i] = -2
		}
	case *graph.DetectionPostProcess:
		return b.postProcess(n, o)
	default:
		reason := graph.Refusal(n.Op, graph.ColQuantized)
		if reason == "" {
			reason = "no 8-bit form"
		}
		return fmt.Errorf("op %s cannot be quantized: %s", n.Op.Type(), reason)
	}
	// −2 marks the activation inputs, taken in order from n.Inputs.
	for i, id := range ins {
		if id != -2 {
			continue
		}
		if i >= len(n.Inputs) {
			return fmt.Errorf("takes %d inputs, has %d", len(ins), len(n.Inputs))
		}
		a, err := b.activation(n.Inputs[i])
		if err != nil {
			return err
		}
		ins[i] = a
	}
	outs, err := b.outputs(n)
	if err != nil {
		return err
	}
	b.q.AddNode(n.Name, op, ins, outs)
	return nil
}

// postProcess keeps the detection post-process: its box encodings, scores and anchors are 8-bit (as in
// the official COCO SSD file), its outputs stay float.
func (b *builder) postProcess(n *graph.Node, o *graph.DetectionPostProcess) error {
	if len(n.Inputs) != 3 {
		return fmt.Errorf("takes 3 inputs, has %d", len(n.Inputs))
	}
	enc, err := b.activation(n.Inputs[0])
	if err != nil {
		return err
	}
	scores, err := b.activation(n.Inputs[1])
	if err != nil {
		return err
	}
	av := b.f.Values[n.Inputs[2]]
	if !av.Const() {
		return fmt.Errorf("the anchors %q are not a constant", av.Name)
	}
	if av.DType != tensor.Float32 {
		return fmt.Errorf("the anchors %q are %v, want float32", av.Name, av.DType)
	}
	var at *tensor.Tensor
	if b.opt.Scheme == Uint8 {
		// TFLite's kernel reads the anchors in the type of the box encodings: with uint8 encodings it
		// dequantizes them with the anchors' own parameters (float anchors would read as zeros, and
		// every box as 0), so they are quantized too, per tensor, as in the official COCO SSD file.
		at, err = asymmetricUint8(av.Shape, av.Data.F32)
	} else {
		// int8: the post-process takes float inputs through DEQUANTIZE, as TensorFlow's converter
		// writes a fully quantized detector (TFLite's kernel reads int8 encodings only in recent
		// versions; the interpreter in ../shared/oracle refuses them).
		at = av.Data
		enc, scores = b.dequantize(enc), b.dequantize(scores)
	}
	if err != nil {
		return err
	}
	anchors := b.q.AddConst(av.Name, at)
	outs := make([]int, len(n.Outputs))
	for i, id := range n.Outputs {
		v := b.f.Values[id]
		outs[i] = b.q.AddValue(&graph.Value{Name: v.Name, DType: v.DType, Shape: v.Shape.Clone()})
		b.ids[id] = outs[i]
	}
	c := *o
	b.q.AddNode(n.Name, &c, []int{enc, scores, anchors}, outs)
	return nil
}

// dequantize adds a Dequantize of the 8-bit value id of the quantized graph and returns its float output.
func (b *builder) dequantize(id int) int {
	v := b.q.Values[id]
	out := b.q.AddValue(&graph.Value{Name: v.Name + "/dequantized", DType: tensor.Float32, Shape: v.Shape.Clone()})
	b.q.AddNode(v.Name+"/dequantize", &graph.Dequantize{}, []int{id}, []int{out})
	return out
}

// weights quantizes the weights (input 1) and bias (input 2, zeros when absent) of a convolution or
// fully connected node n: int8 symmetric, per channel along axis when perChannel, else per tensor;
// uint8 asymmetric per tensor. The bias is int32 with scale s_x·s_w[c] and zero point 0.
func (b *builder) weights(n *graph.Node, axis int, perChannel bool) (int, int, error) {
	if len(n.Inputs) < 2 || n.Inputs[0] < 0 || n.Inputs[1] < 0 {
		return 0, 0, fmt.Errorf("weights missing")
	}
	wv := b.f.Values[n.Inputs[1]]
	if !wv.Const() || wv.DType != tensor.Float32 {
		return 0, 0, fmt.Errorf("weights %q are not a float32 constant", wv.Name)
	}
	xq := b.params[n.Inputs[0]]
	if xq == nil {
		return 0, 0, fmt.Errorf("input %q was not calibrated", b.f.Values[n.Inputs[0]].Name)
	}
	if axis >= len(wv.Shape) {
		return 0, 0, fmt.Errorf("weights %q have shape %v, no axis %d", wv.Name, wv.Shape, axis)
	}
	channels := wv.Shape[axis]
	w := wv.Data.F32
	for i, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return 0, 0, fmt.Errorf("weight %d of %q is %v", i, wv.Name, v)
		}
	}
	var wt *tensor.Tensor
	var err error
	switch {
	case b.opt.Scheme == Uint8:
		wt, err = asymmetricUint8(wv.Shape, w)
	case perChannel:
		wt, err = symmetricInt8(wv.Shape, w, axis)
	default:
		wt, err = symmetricInt8(wv.Shape, w, -1)
	}
	if err != nil {
		return 0, 0, err
	}
	bias := make([]float32, channels)
	if len(n.Inputs) > 2 && n.Inputs[2] >= 0 {
		bv := b.f.Values[n.Inputs[2]]
		if !bv.Const() || bv.DType != tensor.Float32 || len(bv.Data.F32) != channels {
			return 0, 0, fmt.Errorf("bias %q is not a float32 constant of %d values", bv.Name, channels)
		}
		copy(bias, bv.Data.F32)
	}
	bq := &tensor.Quant{Scale: make([]float32, channels), ZeroPoint: make([]int32, channels)}
	bt, err := tensor.New(tensor.Int32, tensor.Shape{channels})
	if err != nil {
		return 0, 0, err
	}
	sx := xq.S(0)
	for c := range bias {
		s := sx * wt.Quant.S(min(c, len(wt.Quant.Scale)-1))
		bq.Scale[c] = s
		v := math.Round(float64(bias[c]) / float64(s))
		if math.IsNaN(v) {
			return 0, 0, fmt.Errorf("bias %d of node %s is not finite", c, n.Name)
		}
		bt.I32[c] = int32(math.Max(math.MinInt32, math.Min(math.MaxInt32, v)))
	}
	if len(wt.Quant.Scale) == 1 {
		bq.Scale = bq.Scale[:1]
		bq.ZeroPoint = bq.ZeroPoint[:1]
	}
	bt.Quant = bq
	wid := b.q.AddConst(wv.Name, wt)
	bid := b.q.AddConst(n.Name+"/bias", bt)
	return wid, bid, nil
}

// symmetricInt8 quantizes w to int8 codes in [−127, 127] with zero point 0: one scale max|w|/127 per
// slice along axis, or one for the whole tensor when axis < 0. A slice of zeros gets scale 1.
func symmetricInt8(shape tensor.Shape, w []float32, axis int) (*tensor.Tensor, error) {
	t, err := tensor.New(tensor.Int8, shape)
	if err != nil {
		return nil, err
	}
	channels, inner := 1, len(w)
	if axis >= 0 {
		channels = shape[axis]
		inner = shape[axis+1:].Size()
	}
	maxAbs := make([]float64, channels)
	channel := func(i int) int { return (i / inner) % channels }
	for i, v := range w {
		c := channel(i)
		maxAbs[c] = math.Max(maxAbs[c], math.Abs(float64(v)))
	}
	q := &tensor.Quant{Scale: make([]float32, channels), ZeroPoint: make([]int32, channels)}
	if axis >= 0 {
		q.Axis = axis
	}
	for c, m := range maxAbs {
		q.Scale[c] = 1
		if m > 0 {
			q.Scale[c] = float32(m / 127)
		}
	}
	for i, v := range w {
		s := float64(q.Scale[channel(i)])
		t.I8[i] = int8(math.Max(-127, math.Min(127, math.Round(float64(v)/s))))
	}
	t.Quant = q
	return t, nil
}

// asymmetricUint8 quantizes w to uint8 codes with one scale and zero point for the tensor, over its
// range widened to contain 0.
func asymmetricUint8(shape tensor.Shape, w []float32) (*tensor.Tensor, error) {
	t, err := tensor.New(tensor.Uint8, shape)
	if err != nil {
		return nil, err
	}
	r := Range{math.Inf(1), math.Inf(-1)}
	for _, v := range w {
		r.Min, r.Max = math.Min(r.Min, float64(v)), math.Max(r.Max, float64(v))
	}
	s, zp := Uint8.Params(r)
	for i, v := range w {
		t.U8[i] = uint8(math.Max(0, math.Min(255, math.Round(float64(v)/float64(s))+float64(zp))))
	}
	t.Quant = tensor.PerTensor(s, zp)
	return t, nil
}
