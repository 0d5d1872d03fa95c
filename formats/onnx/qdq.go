package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file exports 8-bit graphs (uint8 per tensor, int8 per channel) in ONNX's QDQ form: the model
// takes a float32 NHWC input, quantizes it with the input's parameters, and every op reads
// DequantizeLinear outputs (of activations, of int8/uint8 weight initializers with a per-channel axis
// where the graph has per-channel scales, of int32 biases), computes in float, applies a fused
// activation as Relu or Clip, and is followed by QuantizeLinear to its output's parameters and a
// DequantizeLinear for its readers. ONNX Runtime fuses these patterns into its int8 kernels
// (QLinearConv, QLinearAveragePool, …). Outputs are float32: the dequantized 8-bit codes, so quantizing
// them back with the output's parameters gives the codes exactly.

// qdqTable lists, for each graph op type an 8-bit graph may hold, exported or the reason the QDQ export
// refuses it. Ops the float export writes and whose float form is exact for QDQ are exported.
var qdqTable = map[string]string{
	"Conv2D":          exported,
	"DepthwiseConv2D": exported,
	"FullyConnected":  exported,
	"AvgPool2D":       exported,
	"Reshape":         exported,
	"Softmax":         exported,
	"Add":             exported,
}

// QDQRefusal returns "" when the 8-bit (QDQ) export writes the graph op type opType, else the reason it
// refuses it.
func QDQRefusal(opType string) string {
	if r, ok := qdqTable[opType]; ok {
		return r
	}
	if r, ok := exportTable[opType]; ok && r != exported {
		return r
	}
	return "not written yet for 8-bit graphs (the QDQ export covers Conv2D, DepthwiseConv2D, " +
		"FullyConnected, AvgPool2D, Reshape, Softmax and Add)"
}

// Quantized reports whether g holds 8-bit values, which Export writes in QDQ form.
func Quantized(g *graph.Graph) bool {
	for _, v := range g.Values {
		if v != nil && (v.DType.Quantized() || v.Quant != nil) {
			return true
		}
	}
	return false
}

// qinfo is what the QDQ export keeps of an 8-bit value of the original graph.
type qinfo struct {
	dt    tensor.DType
	quant *tensor.Quant
}

// exportQDQ encodes the GraphProto of an 8-bit graph.
func exportQDQ(g *graph.Graph) (msg, error) {
	if err := checkQDQ(g); err != nil {
		return nil, err
	}
	// A float view of g: every value float32, constants holding their codes as float32 (exact for 8-bit
	// and for int32 biases below 2^24 in magnitude), so the float export's layout rewrites apply.
	fg := &graph.Graph{Name: g.Name, Inputs: g.Inputs, Outputs: g.Outputs, Nodes: g.Nodes}
	q := map[int]qinfo{}
	for id, v := range g.Values {
		c := *v
		c.DType = tensor.Float32
		c.Quant = nil
		if v.DType != tensor.Float32 {
			q[id] = qinfo{dt: v.DType, quant: v.Quant}
		}
		if v.Const() && v.DType != tensor.Float32 {
			f := make([]float32, v.Data.Len())
			for i := range f {
				f[i] = float32(code(v.Data, i))
			}
			if v.DType == tensor.Int32 {
				for i, x := range v.Data.I32 {
					if x > 1<<24 || x < -(1<<24) {
						return nil, fmt.Errorf("onnx: constant %q: int32 value %d at %d is not exact in the export's float32 staging", v.Name, x, i)
					}
				}
			}
			c.Data = &tensor.Tensor{DType: tensor.Float32, Shape: v.Shape.Clone(), F32: f}
		}
		fg.Values = append(fg.Values, &c)
	}
	e := &exporter{g: fg, names: map[int]string{}, used: map[string]bool{}, named: map[int]bool{},
		nodeID: map[string]bool{}, slots: map[int]*slot{}, consts: map[string]string{}, qdq: q}
	var inputs []msg
	for _, id := range g.Inputs {
		v := fg.Values[id]
		name := e.name(id)
		inputs = append(inputs, valueInfo(name, v.Shape[1:]))
		e.cur = "input"
		s := &slot{name: name}
		if len(v.Shape) == 4 {
			t := e.fresh(name + "/nchw")
			e.emit("to_nchw", "Transpose", []string{name}, []string{t}, intsAttr("perm", 0, 3, 1, 2))
			s = &slot{name: t, nchw: true}
		}
		e.slots[id] = s
		if err := e.requantize(id, s); err != nil {
			return nil, fmt.Errorf("onnx: input %q: %w", v.Name, err)
		}
	}
	for _, id := range g.Outputs {
		e.name(id)
	}
	for i, n := range fg.Nodes {
		e.cur = n.Name
		if e.cur == "" {
			e.cur = "node" + strconv.Itoa(i)
		}
		if err := e.node(n); err != nil {
			return nil, fmt.Errorf("onnx: node %d %s (%s): %w", i, n.Name, n.Op.Type(), err)
		}
		for _, id := range n.Outputs {
			if err := e.requantize(id, e.slots[id]); err != nil {
				return nil, fmt.Errorf("onnx: node %d %s (%s): %w", i, n.Name, n.Op.Type(), err)
			}
		}
	}
	return e.graphBody(g, inputs)
}

// checkQDQ verifies that g is an 8-bit graph the QDQ export writes: every op in qdqTable, every
// activation 8-bit with per-tensor parameters, weights 8-bit and biases int32 with parameters.
func checkQDQ(g *graph.Graph) error {
	if len(g.Inputs) == 0 || len(g.Outputs) == 0 {
		return fmt.Errorf("onnx: graph %q has %d inputs and %d outputs; it needs at least one of each",
			g.Name, len(g.Inputs), len(g.Outputs))
	}
	val := func(what string, id int) (*graph.Value, error) {
		if id < 0 || id >= len(g.Values) || g.Values[id] == nil {
			return nil, fmt.Errorf("onnx: %s refers to value %d, out of range (%d values)", what, id, len(g.Values))
		}
		v := g.Values[id]
		q := v.Quant
		switch {
		case v.DType != tensor.Uint8 && v.DType != tensor.Int8 && v.DType != tensor.Int32:
			return nil, fmt.Errorf("onnx: %s: value %q is %v; an 8-bit graph's export needs uint8, int8 or int32 (biases) throughout", what, v.Name, v.DType)
		case q == nil || len(q.Scale) == 0 || len(q.Scale) != len(q.ZeroPoint):
			return nil, fmt.Errorf("onnx: %s: value %q has no quantization parameters", what, v.Name)
		case !v.Const() && len(q.Scale) != 1:
			return nil, fmt.Errorf("onnx: %s: activation %q has per-channel parameters; QuantizeLinear of activations is per tensor here", what, v.Name)
		case v.Const() && v.Data.Len() != v.Shape.Size():
			return nil, fmt.Errorf("onnx: %s: constant %q holds %d values for shape %v", what, v.Name, v.Data.Len(), v.Shape)
		case len(q.Scale) > 1 && (q.Axis < 0 || q.Axis >= len(v.Shape) || v.Shape[q.Axis] != len(q.Scale)):
			return nil, fmt.Errorf("onnx: %s: constant %q has %d scales on axis %d of shape %v", what, v.Name, len(q.Scale), q.Axis, v.Shape)
		}
		for i, s := range q.Scale {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return nil, fmt.Errorf("onnx: %s: value %q has scale %v at %d; ONNX needs positive finite scales", what, v.Name, s, i)
			}
		}
		return v, nil
	}
	for i, n := range g.Nodes { // the op refusals first: they say the most
		if n != nil && n.Op != nil {
			if r := QDQRefusal(n.Op.Type()); r != exported {
				return fmt.Errorf("onnx: node %d %s: op %s has no 8-bit ONNX form: %s", i, n.Name, n.Op.Type(), r)
			}
		}
	}
	for _, id := range append(append([]int(nil), g.Inputs...), g.Outputs...) {
		v, err := val("graph input/output", id)
		if err != nil {
			return err
		}
		if v.Const() || len(v.Shape) == 0 || v.DType == tensor.Int32 {
			return fmt.Errorf("onnx: graph input/output %q must be an 8-bit activation with a batch dimension", v.Name)
		}
	}
	for i, n := range g.Nodes {
		if n == nil || n.Op == nil {
			return fmt.Errorf("onnx: node %d has no op", i)
		}
		what := fmt.Sprintf("node %d %s", i, n.Name)
		if r := QDQRefusal(n.Op.Type()); r != exported {
			return fmt.Errorf("onnx: %s: op %s has no 8-bit ONNX form: %s", what, n.Op.Type(), r)
		}
		in := make([]*graph.Value, len(n.Inputs))
		for k, id := range n.Inputs {
			if id == -1 {
				continue
			}
			if _, ok := n.Op.(*graph.Reshape); ok && k > 0 {
				continue // the shape operand: the export writes the op's own shape
			}
			v, err := val(what, id)
			if err != nil {
				return err
			}
			in[k] = v
			if k > 0 && takesConstants(n.Op) && !v.Const() {
				return fmt.Errorf("onnx: %s (%s): input %d (%q) must be a constant", what, n.Op.Type(), k, v.Name)
			}
			if (k == 2) != (v.DType == tensor.Int32) {
				return fmt.Errorf("onnx: %s (%s): input %d (%q) is %v", what, n.Op.Type(), k, v.Name, v.DType)
			}
		}
		if len(n.Inputs) == 0 || n.Inputs[0] < 0 || in[0].Const() {
			return fmt.Errorf("onnx: %s (%s): its first input must be an activation", what, n.Op.Type())
		}
		for _, id := range n.Outputs {
			if _, err := val(what, id); err != nil {
				return err
			}
		}
		shapes, err := n.Op.Shapes(in)
		if err != nil {
			return fmt.Errorf("onnx: %s (%s): %w", what, n.Op.Type(), err)
		}
		if len(shapes) != len(n.Outputs) {
			return fmt.Errorf("onnx: %s (%s) names %d outputs, the op makes %d", what, n.Op.Type(), len(n.Outputs), len(shapes))
		}
	}
	return nil
}

// requantize follows the float tensor that s names with QuantizeLinear to value id's parameters and
// DequantizeLinear, and points s at the dequantized tensor, which the value's readers take.
func (e *exporter) requantize(id int, s *slot) error {
	info, ok := e.qdq[id]
	if !ok || s == nil {
		return fmt.Errorf("value %d has no 8-bit parameters", id)
	}
	scale, zp := e.qparams(info.dt, info.quant, "")
	codes := e.fresh(s.name + "/q")
	e.emit("quantize", "QuantizeLinear", []string{s.name, scale, zp}, []string{codes})
	deq := e.fresh(s.name + "/dq")
	e.emit("dequantize", "DequantizeLinear", []string{codes, scale, zp}, []string{deq})
	s.name = deq
	return nil
}

// qparams returns the names of the scale (float32) and zero point (of type dt) initializers of q:
// scalars for per-tensor parameters, 1-D for per-channel ones. prefix names per-channel tensors.
func (e *exporter) qparams(dt tensor.DType, q *tensor.Quant, prefix string) (scale, zp string) {
	if len(q.Scale) == 1 {
		key := fmt.Sprintf("qparams/%v/%x/%d", dt, math.Float32bits(q.Scale[0]), q.ZeroPoint[0])
		if name, ok := e.consts[key]; ok {
			return name, e.consts[key+"/zp"]
		}
		scale = e.fresh("scale/" + strconv.FormatFloat(float64(q.Scale[0]), 'g', -1, 32))
		zp = e.fresh("zero_point/" + dt.String() + "/" + strconv.Itoa(int(q.ZeroPoint[0])))
		e.consts[key], e.consts[key+"/zp"] = scale, zp
		e.inits = append(e.inits, floatTensor(scale, nil, q.Scale), codeTensor(zp, dt, nil, toFloats(q.ZeroPoint)))
		return scale, zp
	}
	scale = e.fresh(prefix + "/scale")
	zp = e.fresh(prefix + "/zero_point")
	n := []int64{int64(len(q.Scale))}
	e.inits = append(e.inits, floatTensor(scale, n, q.Scale), codeTensor(zp, dt, n, toFloats(q.ZeroPoint)))
	return scale, zp
}

// qdqInitializer writes constant id, rewritten into the layout kind as data() holds it (codes as
// float32), as an initializer of its own type followed by DequantizeLinear, and returns the name of the
// dequantized tensor. A per-channel axis moves to 0 in the OIHW layout of convolution weights.
func (e *exporter) qdqInitializer(id int, info qinfo, kind string, dims []int, data func() []float32) string {
	key := strconv.Itoa(id) + "/" + kind
	if name, ok := e.consts[key]; ok {
		return name
	}
	base := e.name(id)
	if e.named[id] {
		base = e.fresh(base + "/" + kind)
	}
	e.named[id] = true
	codes := e.fresh(base + "/codes")
	e.inits = append(e.inits, codeTensor(codes, info.dt, int64s(dims), data()))
	scale, zp := e.qparams(info.dt, info.quant, base)
	var attrs []attribute
	if len(info.quant.Scale) > 1 {
		axis := info.quant.Axis
		if kind == "oihw" {
			axis = 0
		}
		attrs = append(attrs, intAttr("axis", int64(axis)))
	}
	saved := e.cur
	e.cur = base
	e.emit("dequantize", "DequantizeLinear", []string{codes, scale, zp}, []string{base}, attrs...)
	e.cur = saved
	e.consts[key] = base
	return base
}

// codeTensor encodes a TensorProto of type dt (uint8, int8 or int32) holding the integers in data.
func codeTensor(name string, dt tensor.DType, dims []int64, data []float32) msg {
	switch dt {
	case tensor.Uint8, tensor.Int8:
		raw := make([]byte, len(data))
		for i, v := range data {
			raw[i] = byte(int32(v))
		}
		t := int64(dataTypeUint8)
		if dt == tensor.Int8 {
			t = dataTypeInt8
		}
		return rawTensor(name, t, dims, raw)
	default:
		raw := make([]byte, 4*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint32(raw[4*i:], uint32(int32(v)))
		}
		return rawTensor(name, dataTypeInt32, dims, raw)
	}
}

func toFloats(xs []int32) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

// TensorProto.DataType values of the QDQ export.
const (
	dataTypeUint8 = 2
	dataTypeInt8  = 3
	dataTypeInt32 = 6
)

// code returns element i of an 8-bit or int32 tensor as the integer it stores.
func code(t *tensor.Tensor, i int) int32 {
	switch t.DType {
	case tensor.Uint8:
		return int32(t.U8[i])
	case tensor.Int8:
		return int32(t.I8[i])
	case tensor.Int32:
		return t.I32[i]
	}
	return 0
}
