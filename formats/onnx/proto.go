package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the onnx.proto messages that Export writes.
const (
	modelIRVersion    protowire.Number = 1 // ModelProto.ir_version, int64
	modelProducerName protowire.Number = 2 // ModelProto.producer_name, string
	modelDocString    protowire.Number = 6 // ModelProto.doc_string, string
	modelGraph        protowire.Number = 7 // ModelProto.graph, GraphProto
	modelOpsetImport  protowire.Number = 8 // ModelProto.opset_import, repeated OperatorSetIdProto

	opsetDomain  protowire.Number = 1 // OperatorSetIdProto.domain, string
	opsetVersion protowire.Number = 2 // OperatorSetIdProto.version, int64

	graphNode        protowire.Number = 1  // GraphProto.node, repeated NodeProto
	graphName        protowire.Number = 2  // GraphProto.name, string
	graphInitializer protowire.Number = 5  // GraphProto.initializer, repeated TensorProto
	graphInput       protowire.Number = 11 // GraphProto.input, repeated ValueInfoProto
	graphOutput      protowire.Number = 12 // GraphProto.output, repeated ValueInfoProto

	nodeInput     protowire.Number = 1 // NodeProto.input, repeated string
	nodeOutput    protowire.Number = 2 // NodeProto.output, repeated string
	nodeName      protowire.Number = 3 // NodeProto.name, string
	nodeOpType    protowire.Number = 4 // NodeProto.op_type, string
	nodeAttribute protowire.Number = 5 // NodeProto.attribute, repeated AttributeProto

	attrName protowire.Number = 1  // AttributeProto.name, string
	attrF    protowire.Number = 2  // AttributeProto.f, float
	attrI    protowire.Number = 3  // AttributeProto.i, int64
	attrInts protowire.Number = 8  // AttributeProto.ints, repeated int64
	attrType protowire.Number = 20 // AttributeProto.type, AttributeType

	tensorDims     protowire.Number = 1 // TensorProto.dims, repeated int64
	tensorDataType protowire.Number = 2 // TensorProto.data_type, int32
	tensorName     protowire.Number = 8 // TensorProto.name, string
	tensorRawData  protowire.Number = 9 // TensorProto.raw_data, bytes (little-endian)

	valueInfoName protowire.Number = 1 // ValueInfoProto.name, string
	valueInfoType protowire.Number = 2 // ValueInfoProto.type, TypeProto

	typeTensorType protowire.Number = 1 // TypeProto.tensor_type, TypeProto.Tensor
	typeElemType   protowire.Number = 1 // TypeProto.Tensor.elem_type, int32
	typeShape      protowire.Number = 2 // TypeProto.Tensor.shape, TensorShapeProto
	shapeDim       protowire.Number = 1 // TensorShapeProto.dim, repeated Dimension
	dimValue       protowire.Number = 1 // TensorShapeProto.Dimension.dim_value, int64
	dimParam       protowire.Number = 2 // TensorShapeProto.Dimension.dim_param, string
)

// Enumeration values of onnx.proto.
const (
	attrTypeFloat = 1 // AttributeProto.AttributeType FLOAT
	attrTypeInt   = 2 // AttributeProto.AttributeType INT
	attrTypeInts  = 7 // AttributeProto.AttributeType INTS
	dataTypeFloat = 1 // TensorProto.DataType FLOAT
	dataTypeInt64 = 7 // TensorProto.DataType INT64
)

// The versions Export declares.
const (
	// IRVersion is the ONNX IR version of exported models.
	IRVersion = 8
	// Opset is the version of the default ("ai.onnx") operator set exported models import.
	Opset = 13
)

// msg is a protobuf message being encoded: fields are appended in the order written.
type msg []byte

func (m *msg) varint(n protowire.Number, v int64) {
	*m = protowire.AppendTag(*m, n, protowire.VarintType)
	*m = protowire.AppendVarint(*m, uint64(v))
}

func (m *msg) bytes(n protowire.Number, b []byte) {
	*m = protowire.AppendTag(*m, n, protowire.BytesType)
	*m = protowire.AppendBytes(*m, b)
}

func (m *msg) str(n protowire.Number, s string) {
	*m = protowire.AppendTag(*m, n, protowire.BytesType)
	*m = protowire.AppendString(*m, s)
}

func (m *msg) float(n protowire.Number, f float32) {
	*m = protowire.AppendTag(*m, n, protowire.Fixed32Type)
	*m = protowire.AppendFixed32(*m, math.Float32bits(f))
}

// ints appends a repeated int64 field unpacked, as proto2 declares it.
func (m *msg) ints(n protowire.Number, vs []int64) {
	for _, v := range vs {
		m.varint(n, v)
	}
}

// attribute is an encoded AttributeProto.
type attribute = msg

func intAttr(name string, v int64) attribute {
	var a attribute
	a.str(attrName, name)
	a.varint(attrType, attrTypeInt)
	a.varint(attrI, v)
	return a
}

func intsAttr(name string, vs ...int64) attribute {
	var a attribute
	a.str(attrName, name)
	a.varint(attrType, attrTypeInts)
	a.ints(attrInts, vs)
	return a
}

func floatAttr(name string, v float32) attribute {
	var a attribute
	a.str(attrName, name)
	a.varint(attrType, attrTypeFloat)
	a.float(attrF, v)
	return a
}

// floatTensor encodes a named float32 TensorProto with its data in raw_data.
func floatTensor(name string, dims []int64, data []float32) msg {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return rawTensor(name, dataTypeFloat, dims, raw)
}

// int64Tensor encodes a named int64 TensorProto with its data in raw_data.
func int64Tensor(name string, dims []int64, data []int64) msg {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return rawTensor(name, dataTypeInt64, dims, raw)
}

func rawTensor(name string, dataType int64, dims []int64, raw []byte) msg {
	var t msg
	t.ints(tensorDims, dims)
	t.varint(tensorDataType, dataType)
	t.str(tensorName, name)
	t.bytes(tensorRawData, raw)
	return t
}

// valueInfo encodes a ValueInfoProto for a float32 tensor whose first dimension is the symbolic batch
// "N" and whose other dimensions are dims.
func valueInfo(name string, dims []int) msg {
	var shape msg
	var batch msg
	batch.str(dimParam, "N")
	shape.bytes(shapeDim, batch)
	for _, d := range dims {
		var dm msg
		dm.varint(dimValue, int64(d))
		shape.bytes(shapeDim, dm)
	}
	var tt msg
	tt.varint(typeElemType, dataTypeFloat)
	tt.bytes(typeShape, shape)
	var typ msg
	typ.bytes(typeTensorType, tt)
	var vi msg
	vi.str(valueInfoName, name)
	vi.bytes(valueInfoType, typ)
	return vi
}
