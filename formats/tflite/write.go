package tflite

import (
	"bytes"
	"fmt"
	"io"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// WriteOptions are what Encode writes beside the graph.
type WriteOptions struct {
	// Description is the model's free-text description (schema Model.description).
	Description string
	// Labels, when set, are written as the labels file of the model's output (TFLite metadata: an
	// associated file of type TENSOR_AXIS_LABELS, packed in the zip archive after the flatbuffer).
	Labels []string
	// Normalization, when set, is the input's normalization written in the model's metadata: an input
	// pixel p is fed as (p − Mean)/Std, per channel (one value for all channels, or one per channel).
	Normalization *Normalization
}

// Normalization is the mean and standard deviation of an image input (TFLite metadata
// NormalizationOptions).
type Normalization struct {
	Mean, Std []float32
}

// bufferAlign is the alignment of every buffer's data in the file.
const bufferAlign = 16

// WriteFile encodes g (see Encode) and writes it to path atomically: a failed write leaves an existing
// file as it was.
func WriteFile(path string, g *graph.Graph, opt WriteOptions) error {
	b, err := Encode(g, opt)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Encode writes g as a .tflite file (schema version 3, identifier "TFL3") and returns its bytes.
//
// g is folded first (graph.Fold: batch norms into their convolutions, activations into the op before
// them). Every op becomes one TFLite operator (see the export column of the op table, ExportRefusal);
// an op with no TFLite form, explicit padding that is neither SAME nor VALID, or a value TFLite cannot
// hold is refused with a one-line error naming it. Each value a node or the graph's inputs and outputs
// use becomes a tensor (unused values are left out), constants carry their data in their own buffer,
// 16-byte aligned, and 8-bit values carry their quantization (per channel along Quant.Axis; a rank-1
// tensor's axis is 0). With opt.Labels or opt.Normalization set, the model carries TFLite metadata.
func Encode(g *graph.Graph, opt WriteOptions) ([]byte, error) {
	if g == nil {
		return nil, fmt.Errorf("tflite: write: no graph")
	}
	if err := exportCheckGraph(g); err != nil {
		return nil, err
	}
	e := &exportEncoder{g: expandForTFLite(graph.Fold(g)), codeIndex: map[OperatorCode]int{}}
	if err := e.plan(); err != nil {
		return nil, err
	}
	plan, err := buildMetadata(g, opt)
	if err != nil {
		return nil, err
	}
	out := e.build(opt.Description, plan.meta)
	// Check the file with this package's reader: what Encode writes, Parse accepts.
	if _, err := Parse(out); err != nil {
		return nil, fmt.Errorf("tflite: write: the encoded model does not read back: %v", err)
	}
	zip, err := zipFiles(plan.files, int64(len(out)))
	if err != nil {
		return nil, fmt.Errorf("tflite: write: associated files: %v", err)
	}
	return append(out, zip...), nil
}

// exportCheckGraph checks the value ids of g before it is folded.
func exportCheckGraph(g *graph.Graph) error {
	n := len(g.Values)
	if len(g.Inputs) == 0 || len(g.Outputs) == 0 {
		return fmt.Errorf("tflite: write: the graph has %d inputs and %d outputs, want at least one of each", len(g.Inputs), len(g.Outputs))
	}
	for _, ids := range [][]int{g.Inputs, g.Outputs} {
		for _, id := range ids {
			if id < 0 || id >= n || g.Values[id] == nil {
				return fmt.Errorf("tflite: write: graph input or output %d is not a value (%d values)", id, n)
			}
		}
	}
	for _, nd := range g.Nodes {
		if nd == nil || nd.Op == nil {
			return fmt.Errorf("tflite: write: the graph has an empty node")
		}
		for _, id := range nd.Inputs {
			if id < -1 || id >= n || (id >= 0 && g.Values[id] == nil) {
				return fmt.Errorf("tflite: write: node %s (%s): input %d is not a value", nd.Name, nd.Op.Type(), id)
			}
		}
		for _, id := range nd.Outputs {
			if id < 0 || id >= n || g.Values[id] == nil {
				return fmt.Errorf("tflite: write: node %s (%s): output %d is not a value", nd.Name, nd.Op.Type(), id)
			}
		}
		// The op's own checks of its inputs (constant weights and batch norm statistics, ranks),
		// which graph.Fold relies on.
		in := make([]*graph.Value, len(nd.Inputs))
		for i, id := range nd.Inputs {
			if id >= 0 {
				in[i] = g.Values[id]
			}
		}
		if _, err := nd.Op.Shapes(in); err != nil {
			return fmt.Errorf("tflite: write: node %s (%s): %v", nd.Name, nd.Op.Type(), err)
		}
	}
	return nil
}

// exportEncoder holds a graph being written.
type exportEncoder struct {
	g *graph.Graph
	// tensorOf maps a value id to its tensor index, −1 for values the file leaves out. Constants the
	// writer adds (exportSpec.consts) are appended to g, which is Encode's folded copy.
	tensorOf []int
	// values lists the value id of each tensor.
	values    []int
	codes     []OperatorCode
	codeIndex map[OperatorCode]int
	ops       []exportOperator
}

// exportOperator is one operator to write.
type exportOperator struct {
	opcode          int
	inputs, outputs []int32
	optType         uint8
	opts            func(*flatbuffers.Builder) flatbuffers.UOffsetT
	custom          []byte
}

// plan maps values to tensors and nodes to operators, refusing what TFLite cannot hold.
func (e *exportEncoder) plan() error {
	g := e.g
	used := make([]bool, len(g.Values))
	for _, id := range g.Inputs {
		used[id] = true
	}
	for _, id := range g.Outputs {
		used[id] = true
	}
	for _, n := range g.Nodes {
		for _, id := range n.Inputs {
			if id >= 0 {
				used[id] = true
			}
		}
		for _, id := range n.Outputs {
			used[id] = true
		}
	}
	e.tensorOf = make([]int, len(g.Values))
	for id, u := range used {
		e.tensorOf[id] = -1
		if u {
			if err := exportCheckValue(g.Values[id]); err != nil {
				return fmt.Errorf("tflite: write: value %d (%s): %v", id, g.Values[id].Name, err)
			}
			e.tensorOf[id] = len(e.values)
			e.values = append(e.values, id)
		}
	}
	for _, id := range g.Inputs {
		if g.Values[id].Const() {
			return fmt.Errorf("tflite: write: graph input %s is a constant", g.Values[id].Name)
		}
	}
	for _, n := range g.Nodes {
		for _, id := range n.Outputs {
			if g.Values[id].Const() {
				return fmt.Errorf("tflite: write: node %s (%s): output %s is a constant", n.Name, n.Op.Type(), g.Values[id].Name)
			}
		}
		spec, err := e.opSpec(n)
		if err != nil {
			return fmt.Errorf("tflite: write: node %s (%s): %v", n.Name, n.Op.Type(), err)
		}
		op := exportOperator{opcode: e.code(spec.code), optType: spec.optType, opts: spec.opts, custom: spec.custom}
		for _, id := range n.Inputs {
			op.inputs = append(op.inputs, e.tensor(id))
		}
		for k, c := range spec.consts {
			t, err := tensor.New(tensor.Int32, c.shape)
			if err != nil {
				return fmt.Errorf("tflite: write: node %s (%s): %v", n.Name, n.Op.Type(), err)
			}
			copy(t.I32, c.data)
			id := g.AddConst(fmt.Sprintf("%s/input%d", n.Name, len(n.Inputs)+k), t)
			e.tensorOf = append(e.tensorOf, len(e.values))
			e.values = append(e.values, id)
			op.inputs = append(op.inputs, e.tensor(id))
		}
		for _, id := range n.Outputs {
			op.outputs = append(op.outputs, e.tensor(id))
		}
		e.ops = append(e.ops, op)
	}
	return nil
}

// tensor returns the tensor index of value id (−1 for an absent input).
func (e *exportEncoder) tensor(id int) int32 {
	if id < 0 {
		return -1
	}
	return int32(e.tensorOf[id])
}

// code returns the index of an operator code, adding it on first use.
func (e *exportEncoder) code(c OperatorCode) int {
	if i, ok := e.codeIndex[c]; ok {
		return i
	}
	e.codes = append(e.codes, c)
	e.codeIndex[c] = len(e.codes) - 1
	return len(e.codes) - 1
}

// exportType returns the TFLite element type of dt.
func exportType(dt tensor.DType) (TensorType, bool) {
	switch dt {
	case tensor.Float32:
		return Float32, true
	case tensor.Uint8:
		return Uint8, true
	case tensor.Int8:
		return Int8, true
	case tensor.Int32:
		return Int32, true
	case tensor.Int64:
		return Int64, true
	}
	return 0, false
}

// exportQuant returns the quantization of v (its own, or its constant data's).
func exportQuant(v *graph.Value) *tensor.Quant {
	if v.Quant != nil {
		return v.Quant
	}
	if v.Data != nil {
		return v.Data.Quant
	}
	return nil
}

// exportCheckValue checks that v can be a TFLite tensor.
func exportCheckValue(v *graph.Value) error {
	if _, ok := exportType(v.DType); !ok {
		return fmt.Errorf("element type %v has no TFLite tensor type here (float32, uint8, int8, int32)", v.DType)
	}
	if len(v.Shape) > maxRank {
		return fmt.Errorf("rank %d exceeds %d", len(v.Shape), maxRank)
	}
	for _, d := range v.Shape {
		if d < 0 || d > math.MaxInt32 {
			return fmt.Errorf("shape %v has a dimension outside [0, 2³¹)", v.Shape)
		}
	}
	if v.Data != nil {
		if v.Data.DType != v.DType || !v.Data.Shape.Equal(v.Shape) {
			return fmt.Errorf("constant data %v %v does not match the value's %v %v", v.Data.DType, v.Data.Shape, v.DType, v.Shape)
		}
		if v.Data.Len() != v.Shape.Size() {
			return fmt.Errorf("constant holds %d elements for shape %v", v.Data.Len(), v.Shape)
		}
	}
	q := exportQuant(v)
	if q == nil || len(q.Scale) == 0 {
		if v.DType.Quantized() {
			return fmt.Errorf("%v value without quantization parameters (TFLite's 8-bit kernels need a scale and zero point)", v.DType)
		}
		return nil
	}
	if len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
		return fmt.Errorf("%d zero points for %d scales", len(q.ZeroPoint), len(q.Scale))
	}
	if len(q.Scale) > 1 {
		axis := q.Axis
		if len(v.Shape) == 1 {
			axis = 0
		}
		if axis < 0 || axis >= len(v.Shape) || v.Shape[axis] != len(q.Scale) {
			return fmt.Errorf("%d per-channel scales on axis %d of shape %v", len(q.Scale), q.Axis, v.Shape)
		}
	}
	lo, hi := int32(math.MinInt32), int32(math.MaxInt32)
	switch v.DType {
	case tensor.Uint8:
		lo, hi = 0, 255
	case tensor.Int8:
		lo, hi = -128, 127
	}
	for c, s := range q.Scale {
		f := float64(s)
		if math.IsNaN(f) || math.IsInf(f, 0) || (v.DType.Quantized() && f <= 0) {
			return fmt.Errorf("scale %d is %v", c, s)
		}
		if zp := q.ZP(c); zp < lo || zp > hi {
			return fmt.Errorf("zero point %d is %d, outside the %v range", c, zp, v.DType)
		}
	}
	return nil
}

// build lays the model out with the flatbuffers Builder. meta, when not nil, is the TFLITE_METADATA
// buffer.
func (e *exportEncoder) build(description string, meta []byte) []byte {
	size := 1024
	for _, id := range e.values {
		if d := e.g.Values[id].Data; d != nil {
			size += d.Len()*d.DType.Size() + bufferAlign + 64
		}
	}
	size += len(meta) + 64*len(e.values)
	b := flatbuffers.NewBuilder(size)

	// Buffers: 0 is the empty sentinel; each constant tensor has its own; the metadata has the last.
	bufferIndex := make([]uint32, len(e.values))
	var bufs []flatbuffers.UOffsetT
	addBuffer := func(data []byte) uint32 {
		var vec flatbuffers.UOffsetT
		if len(data) > 0 {
			b.Prep(bufferAlign, len(data))
			vec = b.CreateByteVector(data)
		}
		b.StartObject(1)
		if len(data) > 0 {
			b.PrependUOffsetTSlot(bufferData, vec, 0)
		}
		bufs = append(bufs, b.EndObject())
		return uint32(len(bufs) - 1)
	}
	addBuffer(nil)
	for t, id := range e.values {
		if d := e.g.Values[id].Data; d != nil && d.Len() > 0 {
			bufferIndex[t] = addBuffer(d.Bytes())
		}
	}
	metaBuffer := uint32(0)
	if meta != nil {
		metaBuffer = addBuffer(meta)
	}

	tensors := make([]flatbuffers.UOffsetT, len(e.values))
	for t, id := range e.values {
		tensors[t] = e.exportTensor(b, e.g.Values[id], bufferIndex[t])
	}
	ops := make([]flatbuffers.UOffsetT, len(e.ops))
	for i := range e.ops {
		ops[i] = exportOperatorTable(b, &e.ops[i])
	}
	tensorsVec := b.CreateVectorOfTables(tensors)
	inputsVec := exportInt32s(b, e.ids(e.g.Inputs))
	outputsVec := exportInt32s(b, e.ids(e.g.Outputs))
	opsVec := b.CreateVectorOfTables(ops)
	name := b.CreateString(e.g.Name)
	b.StartObject(5)
	b.PrependUOffsetTSlot(subgraphTensors, tensorsVec, 0)
	b.PrependUOffsetTSlot(subgraphInputs, inputsVec, 0)
	b.PrependUOffsetTSlot(subgraphOutputs, outputsVec, 0)
	b.PrependUOffsetTSlot(subgraphOperators, opsVec, 0)
	b.PrependUOffsetTSlot(subgraphName, name, 0)
	subgraph := b.EndObject()

	codes := make([]flatbuffers.UOffsetT, len(e.codes))
	for i, c := range e.codes {
		var custom flatbuffers.UOffsetT
		if c.Builtin == Custom {
			custom = b.CreateString(c.Custom)
		}
		b.StartObject(4)
		b.PrependInt8Slot(codeDeprecatedBuiltin, int8(min(c.Builtin, 127)), 0)
		if c.Builtin == Custom {
			b.PrependUOffsetTSlot(codeCustom, custom, 0)
		}
		b.PrependInt32Slot(codeVersion, max(c.Version, 1), 1)
		b.PrependInt32Slot(codeBuiltin, int32(c.Builtin), 0)
		codes[i] = b.EndObject()
	}
	var metaVec flatbuffers.UOffsetT
	if meta != nil {
		mname := b.CreateString(metadataEntryName)
		b.StartObject(2)
		b.PrependUOffsetTSlot(metadataName, mname, 0)
		b.PrependUint32Slot(metadataBuffer, metaBuffer, 0)
		entry := b.EndObject()
		metaVec = b.CreateVectorOfTables([]flatbuffers.UOffsetT{entry})
	}
	codesVec := b.CreateVectorOfTables(codes)
	subgraphsVec := b.CreateVectorOfTables([]flatbuffers.UOffsetT{subgraph})
	desc := b.CreateString(description)
	buffersVec := b.CreateVectorOfTables(bufs)
	b.StartObject(7)
	b.PrependUint32Slot(modelVersion, schemaVersion, 0)
	b.PrependUOffsetTSlot(modelOperatorCodes, codesVec, 0)
	b.PrependUOffsetTSlot(modelSubgraphs, subgraphsVec, 0)
	b.PrependUOffsetTSlot(modelDescription, desc, 0)
	b.PrependUOffsetTSlot(modelBuffers, buffersVec, 0)
	if meta != nil {
		b.PrependUOffsetTSlot(modelMetadata, metaVec, 0)
	}
	model := b.EndObject()
	b.FinishWithFileIdentifier(model, []byte(fileIdentifier))
	return bytes.Clone(b.FinishedBytes())
}

// metadataEntryName is the name of the metadata entry that holds a ModelMetadata flatbuffer.
const metadataEntryName = "TFLITE_METADATA"

// ids maps value ids to tensor indices.
func (e *exportEncoder) ids(vs []int) []int32 {
	out := make([]int32, len(vs))
	for i, id := range vs {
		out[i] = e.tensor(id)
	}
	return out
}

func exportInt32s(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func (e *exportEncoder) exportTensor(b *flatbuffers.Builder, v *graph.Value, buffer uint32) flatbuffers.UOffsetT {
	var shape flatbuffers.UOffsetT
	if v.Shape != nil {
		dims := make([]int32, len(v.Shape))
		for i, d := range v.Shape {
			dims[i] = int32(d)
		}
		shape = exportInt32s(b, dims)
	}
	name := b.CreateString(v.Name)
	var quant flatbuffers.UOffsetT
	if q := exportQuant(v); q != nil && len(q.Scale) > 0 {
		b.StartVector(4, len(q.Scale), 4)
		for i := len(q.Scale) - 1; i >= 0; i-- {
			b.PrependFloat32(q.Scale[i])
		}
		scale := b.EndVector(len(q.Scale))
		b.StartVector(8, len(q.Scale), 8)
		for i := len(q.Scale) - 1; i >= 0; i-- {
			b.PrependInt64(int64(q.ZP(i)))
		}
		zp := b.EndVector(len(q.Scale))
		axis := q.Axis
		if len(q.Scale) == 1 || len(v.Shape) <= 1 {
			axis = 0
		}
		b.StartObject(7)
		b.PrependUOffsetTSlot(quantScale, scale, 0)
		b.PrependUOffsetTSlot(quantZeroPoint, zp, 0)
		b.PrependInt32Slot(quantDimension, int32(axis), 0)
		quant = b.EndObject()
	}
	typ, _ := exportType(v.DType)
	b.StartObject(5)
	if v.Shape != nil {
		b.PrependUOffsetTSlot(tensorShape, shape, 0)
	}
	b.PrependInt8Slot(tensorType, int8(typ), 0)
	b.PrependUint32Slot(tensorBuffer, buffer, 0)
	b.PrependUOffsetTSlot(tensorName, name, 0)
	if quant != 0 {
		b.PrependUOffsetTSlot(tensorQuantization, quant, 0)
	}
	return b.EndObject()
}

func exportOperatorTable(b *flatbuffers.Builder, op *exportOperator) flatbuffers.UOffsetT {
	inputs := exportInt32s(b, op.inputs)
	outputs := exportInt32s(b, op.outputs)
	var opts, custom flatbuffers.UOffsetT
	if op.opts != nil {
		opts = op.opts(b)
	}
	if len(op.custom) > 0 {
		custom = b.CreateByteVector(op.custom)
	}
	b.StartObject(7)
	b.PrependUint32Slot(opOpcodeIndex, uint32(op.opcode), 0)
	b.PrependUOffsetTSlot(opInputs, inputs, 0)
	b.PrependUOffsetTSlot(opOutputs, outputs, 0)
	if op.opts != nil {
		b.PrependByteSlot(opBuiltinOptionsType, op.optType, 0)
		b.PrependUOffsetTSlot(opBuiltinOptions, opts, 0)
	}
	if len(op.custom) > 0 {
		b.PrependUOffsetTSlot(opCustomOptions, custom, 0)
		b.PrependByteSlot(opCustomOptionsFormat, 0, 0) // FLEXBUFFERS
	}
	return b.EndObject()
}
