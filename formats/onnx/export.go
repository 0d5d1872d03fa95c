package onnx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Producer is the producer_name written into exported models.
const Producer = "mobilenet-go"

// Export writes g as an ONNX model (IR version 8, opset 13). g may be in training or inference form: it
// is folded first (graph.Fold), so batch norms and activations that follow a convolution become part
// of it. The model's inputs and outputs are named like g's, in g's shapes with the batch dimension
// replaced by the symbolic dimension "N", so one model serves every batch size. Float32 graphs of the
// ops ExportRefusal accepts are exported as float; 8-bit graphs (Quantized) in QDQ form with a float32
// input and output, for the ops QDQRefusal accepts (qdq.go); anything else is an error and nothing is
// written.
func Export(w io.Writer, g *graph.Graph) error {
	if g == nil {
		return errors.New("onnx: nil graph")
	}
	var body msg
	var err error
	if Quantized(g) {
		body, err = exportQDQ(g) // 8-bit graphs: QDQ form (qdq.go), not folded
	} else if err = check(g); err == nil {
		body, err = encodeGraph(graph.Fold(g))
	}
	if err != nil {
		return err
	}
	var m msg
	m.varint(modelIRVersion, IRVersion)
	m.str(modelProducerName, Producer)
	m.str(modelDocString, "exported from the graph "+strconv.Quote(g.Name))
	var opset msg
	opset.str(opsetDomain, "")
	opset.varint(opsetVersion, Opset)
	m.bytes(modelOpsetImport, opset)
	m = protowire.AppendTag(m, modelGraph, protowire.BytesType)
	m = protowire.AppendVarint(m, uint64(len(body)))
	if _, err := w.Write(m); err != nil {
		return fmt.Errorf("onnx: writing the model header: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("onnx: writing the graph: %w", err)
	}
	return nil
}

// exporter turns one folded graph into the fields of a GraphProto.
type exporter struct {
	g      *graph.Graph
	names  map[int]string    // unique ONNX name of each value used: its graph-layout (NHWC) tensor
	used   map[string]bool   // tensor names taken
	named  map[int]bool      // constants whose own name an initializer has taken
	nodeID map[string]bool   // node names taken
	slots  map[int]*slot     // values available as ONNX tensors
	consts map[string]string // initializers made, keyed by what they hold
	nodes  []msg             // encoded NodeProtos, in execution order
	inits  []msg             // encoded TensorProtos of the initializers
	cur    string            // name of the graph node being exported, the prefix of its ONNX nodes
	qdq    map[int]qinfo     // 8-bit export (qdq.go): the original type and parameters of 8-bit values
}

// slot is a value of the graph as ONNX sees it.
type slot struct {
	name  string // the tensor holding the value
	nchw  bool   // the tensor holds the value transposed to NCHW
	other string // the tensor holding it in the other layout, once made
}

func encodeGraph(g *graph.Graph) (msg, error) {
	e := &exporter{g: g, names: map[int]string{}, used: map[string]bool{}, named: map[int]bool{},
		nodeID: map[string]bool{}, slots: map[int]*slot{}, consts: map[string]string{}}
	var inputs []msg
	for _, id := range g.Inputs {
		v := g.Values[id]
		e.slots[id] = &slot{name: e.name(id)}
		inputs = append(inputs, valueInfo(e.name(id), v.Shape[1:]))
	}
	for _, id := range g.Outputs {
		e.name(id)
	}
	for i, n := range g.Nodes {
		e.cur = n.Name
		if e.cur == "" {
			e.cur = "node" + strconv.Itoa(i)
		}
		if err := e.node(n); err != nil {
			return nil, fmt.Errorf("onnx: node %d %s (%s): %w", i, n.Name, n.Op.Type(), err)
		}
	}
	return e.graphBody(g, inputs)
}

// graphBody converts g's outputs back to NHWC and assembles the GraphProto: the nodes, the name, the
// initializers, the inputs and the outputs.
func (e *exporter) graphBody(g *graph.Graph, inputs []msg) (msg, error) {
	var outputs []msg
	for _, id := range g.Outputs {
		if _, ok := e.slots[id]; !ok && !g.Values[id].Const() {
			return nil, fmt.Errorf("onnx: output %q is never computed", g.Values[id].Name)
		}
		e.cur = "output"
		name, err := e.nhwc(id)
		if err != nil {
			return nil, fmt.Errorf("onnx: output %q: %w", g.Values[id].Name, err)
		}
		outputs = append(outputs, valueInfo(name, g.Values[id].Shape[1:]))
	}
	var body msg
	for _, n := range e.nodes {
		body.bytes(graphNode, n)
	}
	body.str(graphName, g.Name)
	for _, t := range e.inits {
		body.bytes(graphInitializer, t)
	}
	for _, vi := range inputs {
		body.bytes(graphInput, vi)
	}
	for _, vi := range outputs {
		body.bytes(graphOutput, vi)
	}
	return body, nil
}

// check verifies, before the graph is folded, that every value it refers to exists and is float32,
// that its inputs are activations with a batch dimension, that the op table exports every node's op, and
// that every node's inputs fit its op, with constant weights, biases and batch norm parameters.
func check(g *graph.Graph) error {
	if len(g.Inputs) == 0 || len(g.Outputs) == 0 {
		return fmt.Errorf("onnx: graph %q has %d inputs and %d outputs; it needs at least one of each",
			g.Name, len(g.Inputs), len(g.Outputs))
	}
	ok := func(what string, id int) error {
		if id < 0 || id >= len(g.Values) || g.Values[id] == nil {
			return fmt.Errorf("onnx: %s refers to value %d, out of range (%d values)", what, id, len(g.Values))
		}
		v := g.Values[id]
		if v.DType != tensor.Float32 {
			return fmt.Errorf("onnx: %s: value %q is %v; only float32 graphs can be exported", what, v.Name, v.DType)
		}
		if v.Const() && (v.Data.DType != tensor.Float32 || len(v.Data.F32) != v.Shape.Size()) {
			return fmt.Errorf("onnx: %s: constant %q holds %d float32 values for shape %v", what, v.Name, len(v.Data.F32), v.Shape)
		}
		return nil
	}
	for _, id := range g.Inputs {
		if err := ok("graph input", id); err != nil {
			return err
		}
		if v := g.Values[id]; v.Const() || len(v.Shape) == 0 {
			return fmt.Errorf("onnx: graph input %q must be an activation with a batch dimension", v.Name)
		}
	}
	for _, id := range g.Outputs {
		if err := ok("graph output", id); err != nil {
			return err
		}
		if len(g.Values[id].Shape) == 0 {
			return fmt.Errorf("onnx: graph output %q has no batch dimension", g.Values[id].Name)
		}
	}
	for i, n := range g.Nodes {
		if n == nil || n.Op == nil {
			return fmt.Errorf("onnx: node %d has no op", i)
		}
		what := fmt.Sprintf("node %d %s", i, n.Name)
		if err := exportable(n.Op.Type()); err != nil {
			return fmt.Errorf("onnx: %s: %w", what, err)
		}
		in := make([]*graph.Value, len(n.Inputs))
		for k, id := range n.Inputs {
			if id == -1 {
				continue
			}
			if err := ok(what, id); err != nil {
				return err
			}
			in[k] = g.Values[id]
			if k > 0 && takesConstants(n.Op) && !in[k].Const() {
				return fmt.Errorf("onnx: %s (%s): input %d (%q) must be a constant", what, n.Op.Type(), k, in[k].Name)
			}
		}
		for _, id := range n.Outputs {
			if err := ok(what, id); err != nil {
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

// name returns the ONNX name of value id, choosing it on first use: the value's own name, made unique.
func (e *exporter) name(id int) string {
	if name, ok := e.names[id]; ok {
		return name
	}
	name := e.g.Values[id].Name
	if name == "" {
		name = "value" + strconv.Itoa(id)
	}
	name = e.fresh(name)
	e.names[id] = name
	return name
}

// takesConstants reports whether every input of op after the first is a parameter, which the export
// writes as an initializer.
func takesConstants(op graph.Op) bool {
	switch op.(type) {
	case *graph.Conv2D, *graph.DepthwiseConv2D, *graph.BatchNorm, *graph.FullyConnected:
		return true
	}
	return false
}

// fresh returns base, or base with a numeric suffix, whichever is not yet a tensor name, and takes it.
func (e *exporter) fresh(base string) string {
	name := base
	for i := 2; e.used[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	e.used[name] = true
	return name
}

// emit appends an ONNX node; suffix tells apart the ONNX nodes that one graph node becomes.
func (e *exporter) emit(suffix, opType string, inputs, outputs []string, attrs ...attribute) {
	name := e.cur
	if suffix != "" {
		name += "/" + suffix
	}
	for i := 2; e.nodeID[name]; i++ {
		name = e.cur + "/" + suffix + "_" + strconv.Itoa(i)
	}
	e.nodeID[name] = true
	var n msg
	for _, s := range inputs {
		n.str(nodeInput, s)
	}
	for _, s := range outputs {
		n.str(nodeOutput, s)
	}
	n.str(nodeName, name)
	n.str(nodeOpType, opType)
	for _, a := range attrs {
		n.bytes(nodeAttribute, a)
	}
	e.nodes = append(e.nodes, n)
}

// value returns the slot of an input value: a computed activation, or a constant, which becomes an
// initializer in its own layout on first use.
func (e *exporter) value(id int) (*slot, error) {
	if s, ok := e.slots[id]; ok {
		return s, nil
	}
	v := e.g.Values[id]
	if !v.Const() {
		return nil, fmt.Errorf("value %q is read before it is computed", v.Name)
	}
	name := e.initializer(id, "raw", v.Shape, func() []float32 { return v.Data.F32 })
	s := &slot{name: name}
	e.slots[id] = s
	return s, nil
}

// produce records that value id is computed into a tensor of the given layout and returns its name: the
// value's own name for the graph's layout, a derived one for NCHW.
func (e *exporter) produce(id int, nchw bool) (string, error) {
	if _, ok := e.slots[id]; ok || e.g.Values[id].Const() {
		return "", fmt.Errorf("value %q is produced twice", e.g.Values[id].Name)
	}
	name := e.name(id)
	if nchw {
		name = e.fresh(name + "/nchw")
	}
	e.slots[id] = &slot{name: name, nchw: nchw}
	return name, nil
}

// nchw returns the tensor holding rank-4 value id in NCHW order, transposing it once if needed.
func (e *exporter) nchw(id int) (string, error) {
	s, err := e.value(id)
	if err != nil {
		return "", err
	}
	if v := e.g.Values[id]; len(v.Shape) != 4 {
		return "", fmt.Errorf("value %q has shape %v; a spatial op needs rank 4 (NHWC)", v.Name, v.Shape)
	}
	if s.nchw {
		return s.name, nil
	}
	if s.other == "" {
		s.other = e.fresh(e.name(id) + "/nchw")
		e.emit("to_nchw", "Transpose", []string{s.name}, []string{s.other}, intsAttr("perm", 0, 3, 1, 2))
	}
	return s.other, nil
}

// nhwc returns the tensor holding value id in the graph's layout, transposing it back once if needed;
// that tensor carries the value's own name.
func (e *exporter) nhwc(id int) (string, error) {
	s, err := e.value(id)
	if err != nil {
		return "", err
	}
	if !s.nchw {
		return s.name, nil
	}
	if s.other == "" {
		s.other = e.name(id)
		e.emit("to_nhwc", "Transpose", []string{s.name}, []string{s.other}, intsAttr("perm", 0, 2, 3, 1))
	}
	return s.other, nil
}

// flat returns a tensor whose elements, image by image, are in the graph's (NHWC) order. An NCHW
// tensor already is when its spatial size or its channel count is 1, so no transpose is needed.
func (e *exporter) flat(id int) (string, error) {
	s, err := e.value(id)
	if err != nil {
		return "", err
	}
	if sh := e.g.Values[id].Shape; s.nchw && (sh[1]*sh[2] == 1 || sh[3] == 1) {
		return s.name, nil
	}
	return e.nhwc(id)
}

// initializer adds a float32 initializer holding data() with the given dims for constant id, rewritten
// into a layout named by kind ("raw" for its own), once per id and kind, and returns its name: the
// constant's own name for its first form, a derived one for any other.
func (e *exporter) initializer(id int, kind string, dims []int, data func() []float32) string {
	if info, ok := e.qdq[id]; ok {
		return e.qdqInitializer(id, info, kind, dims, data)
	}
	key := strconv.Itoa(id) + "/" + kind
	if name, ok := e.consts[key]; ok {
		return name
	}
	name := e.name(id)
	if e.named[id] {
		name = e.fresh(name + "/" + kind)
	}
	e.named[id] = true
	e.consts[key] = name
	e.inits = append(e.inits, floatTensor(name, int64s(dims), data()))
	return name
}

// scalar returns the name of a rank-0 float32 initializer holding v.
func (e *exporter) scalar(v float32) string {
	key := "scalar/" + strconv.FormatUint(uint64(math.Float32bits(v)), 16)
	if name, ok := e.consts[key]; ok {
		return name
	}
	name := e.fresh("const/" + strconv.FormatFloat(float64(v), 'g', -1, 32))
	e.consts[key] = name
	e.inits = append(e.inits, floatTensor(name, nil, []float32{v}))
	return name
}

// shape returns the name of a 1-D int64 initializer holding dims.
func (e *exporter) shape(dims []int64) string {
	key := fmt.Sprint("shape/", dims)
	if name, ok := e.consts[key]; ok {
		return name
	}
	name := e.fresh(e.cur + "/shape")
	e.consts[key] = name
	e.inits = append(e.inits, int64Tensor(name, []int64{int64(len(dims))}, dims))
	return name
}

func int64s(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
