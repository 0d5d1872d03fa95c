package tflite

import "strconv"

// BuiltinOp is a TFLite BuiltinOperator code (schema enum BuiltinOperator).
type BuiltinOp int32

// Builtin operator codes used by MobileNet-family models and their heads.
// The values are TFLite's; String names every code up to RIGHT_SHIFT (161).
const (
	Add             BuiltinOp = 0
	AveragePool2D   BuiltinOp = 1
	Concatenation   BuiltinOp = 2
	Conv2D          BuiltinOp = 3
	DepthwiseConv2D BuiltinOp = 4
	Dequantize      BuiltinOp = 6
	FullyConnected  BuiltinOp = 9
	L2Pool2D        BuiltinOp = 12
	Logistic        BuiltinOp = 14
	MaxPool2D       BuiltinOp = 17
	Mul             BuiltinOp = 18
	Relu            BuiltinOp = 19
	Relu6           BuiltinOp = 21
	Reshape         BuiltinOp = 22
	ResizeBilinear  BuiltinOp = 23
	Softmax         BuiltinOp = 25
	Tanh            BuiltinOp = 28
	Custom          BuiltinOp = 32
	Pad             BuiltinOp = 34
	Mean            BuiltinOp = 40
	Sub             BuiltinOp = 41
	Squeeze         BuiltinOp = 43
	ArgMax          BuiltinOp = 56
	Sum             BuiltinOp = 74
	ReduceProd      BuiltinOp = 81
	ReduceMax       BuiltinOp = 82
	ReduceMin       BuiltinOp = 89
	ReduceAny       BuiltinOp = 91
	Quantize        BuiltinOp = 114
	HardSwish       BuiltinOp = 117
)

// builtinNames holds TFLite's name of each BuiltinOperator value, indexed by code.
var builtinNames = [...]string{
	"ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
	"DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
	"HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
	"LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
	"RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN",
	"SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
	"SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
	"UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE",
	"MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
	"STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
	"LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
	"MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG",
	"PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT",
	"SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
	"EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM",
	"SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
	"FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR",
	"ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
	"FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
	"FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
	"MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL",
	"REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE",
	"RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE",
	"MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
	"NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
	"SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
	"BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL",
	"COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
	"REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
	"BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL",
	"GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX",
	"UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST",
	"BITWISE_XOR", "RIGHT_SHIFT",
}

// String returns TFLite's name of the operator ("CONV_2D"), or "BUILTIN_<n>" for a code it does not name.
func (op BuiltinOp) String() string {
	if op >= 0 && int(op) < len(builtinNames) {
		return builtinNames[op]
	}
	return "BUILTIN_" + strconv.Itoa(int(op))
}

// TensorType is a TFLite tensor element type (schema enum TensorType).
type TensorType int8

// Tensor element types. The values are TFLite's.
const (
	Float32 TensorType = 0
	Float16 TensorType = 1
	Int32   TensorType = 2
	Uint8   TensorType = 3
	Int64   TensorType = 4
	Bool    TensorType = 6
	Int16   TensorType = 7
	Int8    TensorType = 9
	Float64 TensorType = 10
	Uint64  TensorType = 12
	Uint32  TensorType = 15
	Uint16  TensorType = 16
)

// typeInfo names every TensorType value of the schema and gives its element size in bytes;
// size 0 marks types without a fixed per-element size (string, resource, variant, packed int4).
var typeInfo = [...]struct {
	name string
	size int
}{
	{"float32", 4}, {"float16", 2}, {"int32", 4}, {"uint8", 1}, {"int64", 8},
	{"string", 0}, {"bool", 1}, {"int16", 2}, {"complex64", 8}, {"int8", 1},
	{"float64", 8}, {"complex128", 16}, {"uint64", 8}, {"resource", 0}, {"variant", 0},
	{"uint32", 4}, {"uint16", 2}, {"int4", 0},
}

// known reports whether t is a value of the schema's TensorType enum.
func (t TensorType) known() bool { return t >= 0 && int(t) < len(typeInfo) }

// String returns the lower-case type name ("float32", "uint8"), or "type<n>" for an unknown value.
func (t TensorType) String() string {
	if t.known() {
		return typeInfo[t].name
	}
	return "type" + strconv.Itoa(int(t))
}

// Size returns the bytes per element, or 0 when the type has no fixed element size or is unknown.
func (t TensorType) Size() int {
	if t.known() {
		return typeInfo[t].size
	}
	return 0
}

// Padding is a TFLite padding scheme (schema enum Padding).
type Padding int8

// Padding schemes.
const (
	Same  Padding = 0
	Valid Padding = 1
)

// String returns "SAME", "VALID" or "PADDING_<n>".
func (p Padding) String() string {
	switch p {
	case Same:
		return "SAME"
	case Valid:
		return "VALID"
	}
	return "PADDING_" + strconv.Itoa(int(p))
}

// Activation is a fused activation function (schema enum ActivationFunctionType).
type Activation int8

// Fused activation functions.
const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

var activationNames = [...]string{"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"}

// String returns TFLite's name of the activation ("RELU6"), or "ACTIVATION_<n>".
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return "ACTIVATION_" + strconv.Itoa(int(a))
}
