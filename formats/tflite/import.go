package tflite

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MaxFileSize bounds the size of a .tflite file that ReadFile accepts (1 GiB).
const MaxFileSize = 1 << 30

// ReadFile reads and parses a .tflite file.
func ReadFile(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("tflite: %s: %d bytes, more than the %d a model may have", path, st.Size(), MaxFileSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Graph converts the model's main subgraph into the project's graph representation. Every tensor
// becomes a value (constants carry their data, decoded from little-endian bytes) and every operator a
// node; operators the runtime does not implement are refused by name, with the list of the model's
// operators.
func (m *Model) Graph() (*graph.Graph, error) {
	sg := &m.Subgraphs[0]
	g := &graph.Graph{Name: sg.Name}
	for i := range sg.Tensors {
		v, err := m.value(&sg.Tensors[i])
		if err != nil {
			return nil, fmt.Errorf("tflite: tensor %d (%s): %w", i, sg.Tensors[i].Name, err)
		}
		g.AddValue(v)
	}
	for _, id := range sg.Inputs {
		if g.Values[id].Const() {
			return nil, fmt.Errorf("tflite: input tensor %d (%s) is a constant", id, g.Values[id].Name)
		}
		if len(g.Values[id].Shape) == 0 {
			return nil, fmt.Errorf("tflite: input tensor %d (%s) has no batch dimension", id, g.Values[id].Name)
		}
	}
	// TFLite leaves some shapes unknown (rank 0), such as the detection post-process outputs: they are
	// inferred from the ops once the graph is built.
	produced := map[int]bool{}
	for _, op := range sg.Operators {
		for _, id := range op.Outputs {
			produced[id] = true
		}
	}
	for id := range produced {
		if v := g.Values[id]; len(v.Shape) == 0 && !v.Const() {
			v.Shape = nil
		}
	}
	g.Inputs = append([]int(nil), sg.Inputs...)
	g.Outputs = append([]int(nil), sg.Outputs...)
	for i := range sg.Operators {
		op := &sg.Operators[i]
		code := m.OperatorCodes[op.Opcode]
		gop, err := m.convert(sg, op, code)
		if err != nil {
			return nil, fmt.Errorf("tflite: operator %d (%s): %w", i, code, err)
		}
		name := code.String()
		if len(op.Outputs) > 0 {
			name = sg.Tensors[op.Outputs[0]].Name
		}
		g.AddNode(name, gop, append([]int(nil), op.Inputs...), append([]int(nil), op.Outputs...))
	}
	if err := g.InferShapes(); err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	return g, nil
}

// OpNames lists the distinct operators of the main subgraph, sorted.
func (m *Model) OpNames() []string {
	seen := map[string]bool{}
	for _, op := range m.Subgraphs[0].Operators {
		seen[m.OperatorCodes[op.Opcode].String()] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func dtype(t TensorType) (tensor.DType, bool) {
	switch t {
	case Float32:
		return tensor.Float32, true
	case Uint8:
		return tensor.Uint8, true
	case Int8:
		return tensor.Int8, true
	case Int32:
		return tensor.Int32, true
	case Int64:
		return tensor.Int64, true
	}
	return 0, false
}

func (m *Model) value(t *Tensor) (*graph.Value, error) {
	dt, ok := dtype(t.Type)
	if !ok {
		return nil, fmt.Errorf("element type %v is not supported", t.Type)
	}
	v := &graph.Value{Name: t.Name, DType: dt, Shape: tensor.Shape(append([]int(nil), t.Shape...))}
	if q := t.Quant; q != nil && len(q.Scale) > 0 {
		tq := &tensor.Quant{Scale: q.Scale, ZeroPoint: make([]int32, len(q.ZeroPoint)), Axis: q.Axis}
		for i, z := range q.ZeroPoint {
			if z < math.MinInt32 || z > math.MaxInt32 {
				return nil, fmt.Errorf("zero point %d out of range", z)
			}
			tq.ZeroPoint[i] = int32(z)
		}
		v.Quant = tq
	}
	data := m.TensorData(t)
	if data == nil {
		return v, nil
	}
	if v.Shape == nil {
		v.Shape = tensor.Shape{} // a constant scalar (ARG_MAX's axis): its shape is known, rank 0
	}
	c, err := tensor.FromBytes(dt, v.Shape, data)
	if err != nil {
		return nil, err
	}
	c.Quant = v.Quant
	v.Data = c
	return v, nil
}

func act(a Activation) (graph.Act, error) {
	switch a {
	case ActNone:
		return graph.ActNone, nil
	case ActRelu:
		return graph.ActReLU, nil
	case ActRelu6:
		return graph.ActReLU6, nil
	case ActReluN1To1:
		return graph.ActReLUN1To1, nil
	}
	return 0, fmt.Errorf("fused activation %v is not supported", a)
}

// pads returns TFLite's padding of a window over the input tensor x.
func pads(x *Tensor, p Padding, kh, kw, sh, sw, dh, dw int) (ref.Pads, error) {
	if len(x.Shape) != 4 {
		return ref.Pads{}, fmt.Errorf("input shape %v is not NHWC", x.Shape)
	}
	if sh < 1 || sw < 1 || dh < 1 || dw < 1 || kh < 1 || kw < 1 {
		return ref.Pads{}, fmt.Errorf("window %d×%d, stride %d×%d, dilation %d×%d: each must be at least 1", kh, kw, sh, sw, dh, dw)
	}
	if p == Valid {
		return ref.Pads{}, nil
	}
	pd, _, _ := ref.SamePads(x.Shape[1], x.Shape[2], kh, kw, sh, sw, dh, dw)
	return pd, nil
}

func (m *Model) convert(sg *Subgraph, op *Operator, code OperatorCode) (graph.Op, error) {
	in := func(i int) *Tensor {
		if i >= len(op.Inputs) || op.Inputs[i] < 0 {
			return nil
		}
		return &sg.Tensors[op.Inputs[i]]
	}
	if len(op.Inputs) == 0 || in(0) == nil || len(op.Outputs) == 0 {
		return nil, fmt.Errorf("has no input or no output")
	}
	switch code.Builtin {
	case Conv2D:
		o, ok := op.Options.(*Conv2DOptions)
		w := in(1)
		if !ok || w == nil || len(w.Shape) != 4 {
			return nil, fmt.Errorf("needs Conv2D options and OHWI weights")
		}
		a, err := act(o.Activation)
		if err != nil {
			return nil, err
		}
		pd, err := pads(in(0), o.Padding, w.Shape[1], w.Shape[2], o.StrideH, o.StrideW, o.DilationH, o.DilationW)
		if err != nil {
			return nil, err
		}
		return &graph.Conv2D{StrideH: o.StrideH, StrideW: o.StrideW, DilationH: o.DilationH, DilationW: o.DilationW, Pads: pd, Act: a}, nil
	case DepthwiseConv2D:
		o, ok := op.Options.(*DepthwiseConv2DOptions)
		w, x := in(1), in(0)
		if !ok || w == nil || len(w.Shape) != 4 || len(x.Shape) != 4 || x.Shape[3] == 0 {
			return nil, fmt.Errorf("needs DepthwiseConv2D options, NHWC input and [1,KH,KW,C·M] weights")
		}
		a, err := act(o.Activation)
		if err != nil {
			return nil, err
		}
		pd, err := pads(x, o.Padding, w.Shape[1], w.Shape[2], o.StrideH, o.StrideW, o.DilationH, o.DilationW)
		if err != nil {
			return nil, err
		}
		return &graph.DepthwiseConv2D{StrideH: o.StrideH, StrideW: o.StrideW, DilationH: o.DilationH, DilationW: o.DilationW,
			Pads: pd, Multiplier: w.Shape[3] / x.Shape[3], Act: a}, nil
	case AveragePool2D:
		o, ok := op.Options.(*Pool2DOptions)
		if !ok {
			return nil, fmt.Errorf("needs Pool2D options")
		}
		a, err := act(o.Activation)
		if err != nil {
			return nil, err
		}
		pd, err := pads(in(0), o.Padding, o.FilterH, o.FilterW, o.StrideH, o.StrideW, 1, 1)
		if err != nil {
			return nil, err
		}
		return &graph.AvgPool2D{KH: o.FilterH, KW: o.FilterW, StrideH: o.StrideH, StrideW: o.StrideW, Pads: pd, Act: a}, nil
	case Reshape, Squeeze:
		x, y := in(0), &sg.Tensors[op.Outputs[0]]
		if len(x.Shape) == 0 || len(y.Shape) == 0 || x.Shape[0] != y.Shape[0] {
			return nil, fmt.Errorf("reshapes %v to %v: the batch dimension must stay first and unchanged", x.Shape, y.Shape)
		}
		return &graph.Reshape{Shape: append([]int(nil), y.Shape[1:]...)}, nil
	case Softmax:
		o, ok := op.Options.(*SoftmaxOptions)
		if !ok {
			return nil, fmt.Errorf("needs Softmax options")
		}
		return &graph.Softmax{Beta: o.Beta}, nil
	case Concatenation:
		o, ok := op.Options.(*ConcatenationOptions)
		if !ok {
			return nil, fmt.Errorf("needs Concatenation options")
		}
		a, err := act(o.Activation)
		if err != nil {
			return nil, err
		}
		return &graph.Concatenation{Axis: o.Axis, Act: a}, nil
	case Logistic:
		return &graph.Logistic{}, nil
	case HardSwish:
		return &graph.HardSwish{}, nil
	case Add, Mul:
		return binaryOp(code.Builtin, op, in(0), in(1), &sg.Tensors[op.Outputs[0]])
	case Mean:
		return m.meanOp(op, in(0), in(1), &sg.Tensors[op.Outputs[0]])
	case Quantize, Dequantize:
		return quantizeOp(code.Builtin, in(0), &sg.Tensors[op.Outputs[0]])
	case Pad:
		return m.padOp(in(0), in(1))
	case Relu:
		return &graph.Activation{Act: graph.ActReLU}, nil
	case Relu6:
		return &graph.Activation{Act: graph.ActReLU6}, nil
	case ResizeBilinear:
		return m.resizeBilinear(op, in(1))
	case ArgMax:
		return m.argMax(op, in(1), &sg.Tensors[op.Outputs[0]])
	case Custom:
		if code.Custom != "TFLite_Detection_PostProcess" {
			break
		}
		o, err := ParsePostProcessOptions(op.CustomOptions)
		if err != nil {
			return nil, err
		}
		return &graph.DetectionPostProcess{Options: o}, nil
	case FullyConnected:
		o, ok := op.Options.(*FullyConnectedOptions)
		if !ok {
			return nil, fmt.Errorf("needs FullyConnected options")
		}
		a, err := act(o.Activation)
		if err != nil {
			return nil, err
		}
		return &graph.FullyConnected{Act: a}, nil
	}
	return nil, fmt.Errorf("operator %s is not supported (the model uses %s)", code, strings.Join(m.OpNames(), ", "))
}
