// Package tflite reads TensorFlow Lite model files (.tflite, schema version 3).
//
// Parse decodes the flatbuffer with every offset, length and count checked against the
// file before it is used, validates the model (tensor shapes and buffer sizes, quantization
// parameters, tensor and opcode indices, operator options, dataflow order) and returns a
// plain Go description of it. Nothing large is copied: buffer data and custom options alias
// the input bytes. The schema access is written from the schema's field ids; no generated
// code is used.
package tflite

import (
	"fmt"
	"strconv"
)

// Model is a decoded, validated TFLite model.
type Model struct {
	// Version is the schema version (always 3 for a model Parse accepts).
	Version uint32
	// Description is the model's free-text description.
	Description string
	// OperatorCodes lists the operators the model uses; Operator.Opcode indexes it.
	OperatorCodes []OperatorCode
	// Subgraphs holds the model's graphs; index 0 is the main graph.
	Subgraphs []Subgraph
	// Buffers holds the constant data, aliasing the parsed bytes. Buffers[0] is the
	// empty sentinel and always present; a nil or empty entry holds no data.
	Buffers [][]byte
	// Metadata lists the model's named metadata buffers (schema Model.metadata).
	Metadata []Metadata
	// Extra holds the bytes after the last byte the model's tables reference, if any:
	// TFLite metadata tooling appends a zip archive of associated files there.
	Extra []byte

	raw []byte // the whole parsed file, for AssociatedFiles
}

// OperatorCode identifies an operator: a builtin code, or CUSTOM with a name.
type OperatorCode struct {
	// Builtin is max(deprecated_builtin_code, builtin_code), as TFLite resolves it.
	Builtin BuiltinOp
	// Custom is the custom operator's name when Builtin is Custom.
	Custom string
	// Version is the operator version (default 1).
	Version int32
}

// String returns the builtin name, or `CUSTOM "name"` for a custom operator.
func (c OperatorCode) String() string {
	if c.Builtin == Custom {
		return "CUSTOM " + strconv.Quote(c.Custom)
	}
	return c.Builtin.String()
}

// Metadata is a named metadata entry pointing at one of the model's buffers.
type Metadata struct {
	Name   string
	Buffer int // index into Model.Buffers, checked to be in range
}

// Subgraph is one graph of the model.
type Subgraph struct {
	Name    string
	Tensors []Tensor
	// Inputs and Outputs are indices into Tensors.
	Inputs, Outputs []int
	// Operators are in execution order: every operator's inputs are constants,
	// subgraph inputs, variables or outputs of earlier operators.
	Operators []Operator
}

// Tensor describes one tensor of a subgraph.
type Tensor struct {
	Name string
	// Shape is the static shape (NHWC for images); every dim is ≥ 0, the rank ≤ 8, and
	// the element count ≤ 1<<31. A nil Shape is a scalar (or, in rare models, unknown rank).
	Shape []int
	Type  TensorType
	// Buffer indexes Model.Buffers; 0 means no data. When the buffer holds data its
	// length is exactly Elements()·Type.Size() (unchecked for types whose Size is 0).
	Buffer int
	// Quant is the quantization, or nil when the tensor has no scale.
	Quant *Quantization
	// Variable marks a TFLite variable tensor (state that operators read and update).
	Variable bool
}

// Elements returns the number of elements of the tensor's shape (1 for a scalar).
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Quantization holds a tensor's affine quantization: real = Scale·(q − ZeroPoint).
//
// Scale has one entry (per-tensor) or one per index of dimension Axis (per-channel).
// ZeroPoint always has the same length as Scale: a file that stores no zero points
// means zero, and Parse fills them in. For uint8 and int8 tensors every scale is finite
// and > 0 and every zero point lies in the type's range.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	// Axis is the quantized dimension (schema quantized_dimension); it is within the
	// tensor's rank, and meaningful only when len(Scale) > 1.
	Axis int
}

// PerChannel reports whether the quantization has one scale per index of Axis.
func (q *Quantization) PerChannel() bool { return len(q.Scale) > 1 }

// Operator is one node of a subgraph.
type Operator struct {
	// Opcode indexes Model.OperatorCodes.
	Opcode int
	// Inputs are tensor indices; -1 marks an absent optional input.
	Inputs []int
	// Outputs are tensor indices.
	Outputs []int
	// Options holds the decoded builtin options for the operators that have an options
	// struct in this package (a pointer such as *Conv2DOptions; see options.go), with the
	// schema defaults when the file stores none. It is nil for other operators.
	Options any
	// CustomOptions holds a custom operator's options (a FlexBuffer), aliasing the file.
	CustomOptions []byte
}

// Op returns the operator code of operator i of sg. It panics if i or the opcode is out of
// range, which Parse rules out for the model's own subgraphs.
func (m *Model) Op(sg *Subgraph, i int) OperatorCode {
	return m.OperatorCodes[sg.Operators[i].Opcode]
}

// TensorData returns the bytes of t's buffer, or nil when the tensor has no constant data.
func (m *Model) TensorData(t *Tensor) []byte {
	if t.Buffer <= 0 || t.Buffer >= len(m.Buffers) || len(m.Buffers[t.Buffer]) == 0 {
		return nil
	}
	return m.Buffers[t.Buffer]
}

// opName names operator code index i for error messages.
func (m *Model) opName(i int) string {
	if i < 0 || i >= len(m.OperatorCodes) {
		return fmt.Sprintf("opcode %d", i)
	}
	return m.OperatorCodes[i].String()
}
