package tflite

import (
	"fmt"
	"math"
)

// Field ids of the schema tables this reader uses (tensorflow/lite/schema/schema.fbs).
// A union takes two ids: its type byte, then its value.
const (
	modelVersion       = 0
	modelOperatorCodes = 1
	modelSubgraphs     = 2
	modelDescription   = 3
	modelBuffers       = 4
	modelMetadata      = 6

	codeDeprecatedBuiltin = 0
	codeCustom            = 1
	codeVersion           = 2
	codeBuiltin           = 3

	subgraphTensors   = 0
	subgraphInputs    = 1
	subgraphOutputs   = 2
	subgraphOperators = 3
	subgraphName      = 4

	tensorShape        = 0
	tensorType         = 1
	tensorBuffer       = 2
	tensorName         = 3
	tensorQuantization = 4
	tensorIsVariable   = 5
	tensorSparsity     = 6

	quantScale       = 2
	quantZeroPoint   = 3
	quantDetailsType = 4
	quantDimension   = 6

	opOpcodeIndex         = 0
	opInputs              = 1
	opOutputs             = 2
	opBuiltinOptionsType  = 3
	opBuiltinOptions      = 4
	opCustomOptions       = 5
	opCustomOptionsFormat = 6
	opLargeCustomOffset   = 9
	opLargeCustomSize     = 10

	bufferData   = 0
	bufferOffset = 1
	bufferSize   = 2

	metadataName   = 0
	metadataBuffer = 1
)

// schemaVersion is the only TFLite schema version Parse accepts.
const schemaVersion = 3

// fileIdentifier is the flatbuffer file identifier of TFLite models, at bytes 4..7.
const fileIdentifier = "TFL3"

// maxElements bounds a tensor's element count so that it fits an int32.
const maxElements = 1<<31 - 1

// Parse reads a .tflite file held in memory and validates it: every flatbuffer offset,
// vector and string lies inside b; counts are bounded by the file size before anything is
// allocated; shapes, buffer sizes, quantization parameters, tensor and opcode indices and
// operator options are checked; and each subgraph's operators are in dataflow order. Buffer
// data and custom options alias b, which must not be modified while the model is in use.
func Parse(b []byte) (*Model, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("tflite: file too short (%d bytes)", len(b))
	}
	if string(b[4:8]) != fileIdentifier {
		return nil, fmt.Errorf("tflite: missing %s file identifier (bytes 4..7 are %q)", fileIdentifier, b[4:8])
	}
	d := newDecoder(b)
	mt, err := d.table(int64(d.rawU32(0)))
	if err != nil {
		return nil, fmt.Errorf("tflite: root table: %v", err)
	}
	m := &Model{raw: b}
	version, err := mt.u32(modelVersion, 0, "version")
	if err != nil {
		return nil, fmt.Errorf("tflite: model: %v", err)
	}
	if version != schemaVersion {
		return nil, fmt.Errorf("tflite: schema version %d, want %d", version, schemaVersion)
	}
	m.Version = version
	if m.Description, err = mt.str(modelDescription, "description"); err != nil {
		return nil, fmt.Errorf("tflite: model: %v", err)
	}
	if err := m.parseOperatorCodes(mt); err != nil {
		return nil, err
	}
	if err := m.parseBuffers(d, mt); err != nil {
		return nil, err
	}
	if err := m.parseMetadata(mt); err != nil {
		return nil, err
	}
	if err := m.parseSubgraphs(d, mt); err != nil {
		return nil, err
	}
	for si := range m.Subgraphs {
		if err := m.checkDataflow(si); err != nil {
			return nil, err
		}
	}
	if d.end < d.size {
		m.Extra = b[d.end:len(b):len(b)]
	}
	return m, nil
}

func (m *Model) parseOperatorCodes(mt table) error {
	v, err := mt.tables(modelOperatorCodes, "operator_codes")
	if err != nil {
		return fmt.Errorf("tflite: model: %v", err)
	}
	m.OperatorCodes = make([]OperatorCode, v.n)
	for i := range m.OperatorCodes {
		c, err := parseOperatorCode(v, i)
		if err != nil {
			return fmt.Errorf("tflite: operator code %d: %v", i, err)
		}
		m.OperatorCodes[i] = c
	}
	return nil
}

func parseOperatorCode(v vector, i int) (OperatorCode, error) {
	t, err := v.table(i)
	if err != nil {
		return OperatorCode{}, err
	}
	deprecated, err := t.i8(codeDeprecatedBuiltin, 0, "deprecated_builtin_code")
	if err != nil {
		return OperatorCode{}, err
	}
	custom, err := t.str(codeCustom, "custom_code")
	if err != nil {
		return OperatorCode{}, err
	}
	version, err := t.i32(codeVersion, 1, "version")
	if err != nil {
		return OperatorCode{}, err
	}
	builtin, err := t.i32(codeBuiltin, 0, "builtin_code")
	if err != nil {
		return OperatorCode{}, err
	}
	code := BuiltinOp(max(int32(deprecated), builtin))
	if code < 0 {
		return OperatorCode{}, fmt.Errorf("builtin code %d negative", code)
	}
	if code == Custom && custom == "" {
		return OperatorCode{}, fmt.Errorf("CUSTOM operator without a custom_code name")
	}
	return OperatorCode{Builtin: code, Custom: custom, Version: version}, nil
}

func (m *Model) parseBuffers(d *decoder, mt table) error {
	v, err := mt.tables(modelBuffers, "buffers")
	if err != nil {
		return fmt.Errorf("tflite: model: %v", err)
	}
	m.Buffers = make([][]byte, max(v.n, 1))
	for i := 0; i < v.n; i++ {
		data, err := parseBuffer(d, v, i)
		if err != nil {
			return fmt.Errorf("tflite: buffer %d: %v", i, err)
		}
		m.Buffers[i] = data
	}
	if n := len(m.Buffers[0]); n != 0 {
		return fmt.Errorf("tflite: buffer 0 (the empty sentinel) holds %d bytes", n)
	}
	return nil
}

func parseBuffer(d *decoder, v vector, i int) ([]byte, error) {
	t, err := v.table(i)
	if err != nil {
		return nil, err
	}
	data, err := t.bytes(bufferData, "data")
	if err != nil {
		return nil, err
	}
	off, err := t.u64(bufferOffset, 0, "offset")
	if err != nil {
		return nil, err
	}
	size, err := t.u64(bufferSize, 0, "size")
	if err != nil {
		return nil, err
	}
	// The schema stores data of models over 2 GB outside the flatbuffer; offset ≤ 1 means none.
	if off <= 1 {
		return data, nil
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("both inline data (%d bytes) and external data at %d", len(data), off)
	}
	return d.outside(off, size, "buffer")
}

func (m *Model) parseMetadata(mt table) error {
	v, err := mt.tables(modelMetadata, "metadata")
	if err != nil {
		return fmt.Errorf("tflite: model: %v", err)
	}
	m.Metadata = make([]Metadata, v.n)
	for i := range m.Metadata {
		t, err := v.table(i)
		if err != nil {
			return fmt.Errorf("tflite: metadata %d: %v", i, err)
		}
		name, err := t.str(metadataName, "name")
		if err != nil {
			return fmt.Errorf("tflite: metadata %d: %v", i, err)
		}
		buf, err := t.u32(metadataBuffer, 0, "buffer")
		if err != nil {
			return fmt.Errorf("tflite: metadata %d: %v", i, err)
		}
		if int64(buf) >= int64(len(m.Buffers)) {
			return fmt.Errorf("tflite: metadata %d (%q): buffer %d out of range (%d buffers)", i, name, buf, len(m.Buffers))
		}
		m.Metadata[i] = Metadata{Name: name, Buffer: int(buf)}
	}
	return nil
}

func (m *Model) parseSubgraphs(d *decoder, mt table) error {
	v, err := mt.tables(modelSubgraphs, "subgraphs")
	if err != nil {
		return fmt.Errorf("tflite: model: %v", err)
	}
	if v.n == 0 {
		return fmt.Errorf("tflite: model has no subgraphs (subgraph 0 is the main graph)")
	}
	m.Subgraphs = make([]Subgraph, v.n)
	for si := range m.Subgraphs {
		t, err := v.table(si)
		if err != nil {
			return fmt.Errorf("tflite: subgraph %d: %v", si, err)
		}
		if err := m.parseSubgraph(d, si, t); err != nil {
			return err
		}
	}
	return nil
}

func (m *Model) parseSubgraph(d *decoder, si int, st table) error {
	sg := &m.Subgraphs[si]
	var err error
	if sg.Name, err = st.str(subgraphName, "name"); err != nil {
		return fmt.Errorf("tflite: subgraph %d: %v", si, err)
	}
	tv, err := st.tables(subgraphTensors, "tensors")
	if err != nil {
		return fmt.Errorf("tflite: subgraph %d: %v", si, err)
	}
	sg.Tensors = make([]Tensor, tv.n)
	for i := range sg.Tensors {
		t, err := tv.table(i)
		if err == nil {
			err = m.parseTensor(t, &sg.Tensors[i])
		}
		if err != nil {
			return fmt.Errorf("tflite: subgraph %d tensor %d: %v", si, i, err)
		}
	}
	for _, io := range []struct {
		id   int
		name string
		dst  *[]int
	}{{subgraphInputs, "input", &sg.Inputs}, {subgraphOutputs, "output", &sg.Outputs}} {
		idx, err := st.ints(io.id, io.name+"s")
		if err != nil {
			return fmt.Errorf("tflite: subgraph %d: %v", si, err)
		}
		for k, ti := range idx {
			if ti < 0 || ti >= len(sg.Tensors) {
				return fmt.Errorf("tflite: subgraph %d: %s %d is tensor %d, out of range (%d tensors)", si, io.name, k, ti, len(sg.Tensors))
			}
		}
		*io.dst = idx
	}
	ov, err := st.tables(subgraphOperators, "operators")
	if err != nil {
		return fmt.Errorf("tflite: subgraph %d: %v", si, err)
	}
	sg.Operators = make([]Operator, ov.n)
	for i := range sg.Operators {
		if err := m.parseOperator(d, si, sg, ov, i); err != nil {
			return err
		}
	}
	return nil
}

func (m *Model) parseTensor(t table, out *Tensor) error {
	shape, err := t.ints(tensorShape, "shape")
	if err != nil {
		return err
	}
	if len(shape) > maxRank {
		return fmt.Errorf("rank %d exceeds %d", len(shape), maxRank)
	}
	elements := int64(1)
	for k, dim := range shape {
		if dim < 0 {
			return fmt.Errorf("shape %v: dim %d is %d", shape, k, dim)
		}
		// elements ≤ maxElements and dim < 2^31 here, so the product fits an int64.
		elements *= int64(dim)
		if elements > maxElements {
			return fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
	}
	typ, err := t.i8(tensorType, 0, "type")
	if err != nil {
		return err
	}
	tt := TensorType(typ)
	if !tt.known() {
		return fmt.Errorf("type %d unknown", typ)
	}
	buf, err := t.u32(tensorBuffer, 0, "buffer")
	if err != nil {
		return err
	}
	if int64(buf) >= int64(len(m.Buffers)) {
		return fmt.Errorf("buffer %d out of range (%d buffers)", buf, len(m.Buffers))
	}
	name, err := t.str(tensorName, "name")
	if err != nil {
		return err
	}
	variable, err := t.boolean(tensorIsVariable, "is_variable")
	if err != nil {
		return err
	}
	sparsity, err := t.ref(tensorSparsity, "sparsity")
	if err != nil {
		return fmt.Errorf("%q: %v", name, err)
	}
	if sparsity >= 0 {
		return fmt.Errorf("%q: sparse tensors are not supported", name)
	}
	*out = Tensor{Name: name, Shape: shape, Type: tt, Buffer: int(buf), Variable: variable}
	if data := m.Buffers[buf]; len(data) != 0 && tt.Size() != 0 {
		if want := elements * int64(tt.Size()); int64(len(data)) != want {
			return fmt.Errorf("%q: buffer %d holds %d bytes, want %d (%d %s elements)", name, buf, len(data), want, elements, tt)
		}
	}
	if out.Quant, err = parseQuantization(t, out); err != nil {
		return fmt.Errorf("%q: quantization: %v", name, err)
	}
	return nil
}

// parseQuantization reads a tensor's quantization parameters; nil when it has no scale.
func parseQuantization(t table, tensor *Tensor) (*Quantization, error) {
	qt, ok, err := t.sub(tensorQuantization, "quantization")
	if err != nil || !ok {
		return nil, err
	}
	details, err := qt.u8(quantDetailsType, 0, "details_type")
	if err != nil {
		return nil, err
	}
	if details != 0 {
		return nil, fmt.Errorf("custom quantization details (type %d) are not supported", details)
	}
	scale, err := qt.float32s(quantScale, "scale")
	if err != nil || len(scale) == 0 {
		return nil, err
	}
	zp, err := qt.int64s(quantZeroPoint, "zero_point")
	if err != nil {
		return nil, err
	}
	axis, err := qt.i32(quantDimension, 0, "quantized_dimension")
	if err != nil {
		return nil, err
	}
	rank := len(tensor.Shape)
	if axis < 0 || (rank > 0 && int(axis) >= rank && !(rank == 1 && len(scale) == tensor.Shape[0])) {
		return nil, fmt.Errorf("quantized_dimension %d out of range for rank %d", axis, rank)
	}
	if rank <= 1 {
		// Older converters copied the depthwise weights' quantized_dimension (3) onto the
		// rank-1 per-channel bias (the TFLite Micro person detector has such tensors); the
		// bias has one axis, so that is the quantized one. A scalar has no axis at all.
		axis = 0
	}
	switch {
	case len(scale) > 1 && (rank == 0 || tensor.Shape[axis] != len(scale)):
		return nil, fmt.Errorf("%d scales for shape %v on axis %d", len(scale), tensor.Shape, axis)
	case len(zp) != 0 && len(zp) != len(scale):
		return nil, fmt.Errorf("%d zero points for %d scales", len(zp), len(scale))
	}
	if len(zp) == 0 {
		zp = make([]int64, len(scale))
	}
	lo, hi, integer := int64(math.MinInt64), int64(math.MaxInt64), false
	switch tensor.Type {
	case Uint8:
		lo, hi, integer = 0, 255, true
	case Int8:
		lo, hi, integer = -128, 127, true
	}
	for c, s := range scale {
		f := float64(s)
		if math.IsNaN(f) || math.IsInf(f, 0) || (integer && f <= 0) {
			return nil, fmt.Errorf("scale %d is %v", c, s)
		}
		if zp[c] < lo || zp[c] > hi {
			return nil, fmt.Errorf("zero point %d is %d, outside %s range", c, zp[c], tensor.Type)
		}
	}
	return &Quantization{Scale: scale, ZeroPoint: zp, Axis: int(axis)}, nil
}

// parseOperator decodes operator i of subgraph si.
func (m *Model) parseOperator(d *decoder, si int, sg *Subgraph, v vector, i int) error {
	where := func() string { return fmt.Sprintf("tflite: subgraph %d operator %d", si, i) }
	t, err := v.table(i)
	if err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	op := &sg.Operators[i]
	opcode, err := t.u32(opOpcodeIndex, 0, "opcode_index")
	if err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if int64(opcode) >= int64(len(m.OperatorCodes)) {
		return fmt.Errorf("%s: opcode_index %d out of range (%d operator codes)", where(), opcode, len(m.OperatorCodes))
	}
	op.Opcode = int(opcode)
	code := m.OperatorCodes[opcode]
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s (%s): %s", where(), code, fmt.Sprintf(format, args...))
	}
	if op.Inputs, err = t.ints(opInputs, "inputs"); err != nil {
		return fail("%v", err)
	}
	if op.Outputs, err = t.ints(opOutputs, "outputs"); err != nil {
		return fail("%v", err)
	}
	n := len(sg.Tensors)
	for k, ti := range op.Inputs {
		if ti < -1 || ti >= n {
			return fail("input %d is tensor %d, out of range (%d tensors)", k, ti, n)
		}
	}
	for k, ti := range op.Outputs {
		if ti < 0 || ti >= n {
			return fail("output %d is tensor %d, out of range (%d tensors)", k, ti, n)
		}
	}
	if _, ok := optionKinds[code.Builtin]; ok {
		typ, err := t.u8(opBuiltinOptionsType, 0, "builtin_options_type")
		if err != nil {
			return fail("%v", err)
		}
		ot, present, err := t.sub(opBuiltinOptions, "builtin_options")
		if err != nil {
			return fail("%v", err)
		}
		if op.Options, err = decodeOptions(code.Builtin, typ, ot, present); err != nil {
			return fail("%v", err)
		}
	}
	if op.CustomOptions, err = parseCustomOptions(d, t); err != nil {
		return fail("%v", err)
	}
	return nil
}

func parseCustomOptions(d *decoder, t table) ([]byte, error) {
	custom, err := t.bytes(opCustomOptions, "custom_options")
	if err != nil {
		return nil, err
	}
	off, err := t.u64(opLargeCustomOffset, 0, "large_custom_options_offset")
	if err != nil {
		return nil, err
	}
	size, err := t.u64(opLargeCustomSize, 0, "large_custom_options_size")
	if err != nil {
		return nil, err
	}
	if off > 1 {
		if len(custom) != 0 {
			return nil, fmt.Errorf("both inline custom options (%d bytes) and external ones at %d", len(custom), off)
		}
		if custom, err = d.outside(off, size, "large custom options"); err != nil {
			return nil, err
		}
	}
	if len(custom) == 0 {
		return nil, nil
	}
	format, err := t.u8(opCustomOptionsFormat, 0, "custom_options_format")
	if err != nil {
		return nil, err
	}
	if format != 0 {
		return nil, fmt.Errorf("custom_options_format %d unknown (want 0, FlexBuffers)", format)
	}
	return custom, nil
}
