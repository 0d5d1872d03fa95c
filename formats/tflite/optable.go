package tflite

import "slices"

// This file holds the TFLite columns of the op table (graph.ColTFLiteImport and graph.ColTFLiteExport):
// for every graph op type, the TFLite operators that Model.Graph imports as it, or why none does, and
// whether Encode writes it to a .tflite file (write_optable.go). optable_test.go holds the import column to the importer:
// every operator listed converts into its op type, and every operator the importer accepts is listed.

// importTable maps each graph op type (graph.Op.Type) to the TFLite operators that Model.Graph imports
// as it, or to the reason no TFLite operator does. Exactly one of from and refusal is set.
var importTable = map[string]struct {
	from    []OperatorCode
	refusal string
}{
	"Conv2D":               {from: []OperatorCode{{Builtin: Conv2D}}},
	"DepthwiseConv2D":      {from: []OperatorCode{{Builtin: DepthwiseConv2D}}},
	"AvgPool2D":            {from: []OperatorCode{{Builtin: AveragePool2D}}},
	"FullyConnected":       {from: []OperatorCode{{Builtin: FullyConnected}}},
	"Reshape":              {from: []OperatorCode{{Builtin: Reshape}, {Builtin: Squeeze}}},
	"Softmax":              {from: []OperatorCode{{Builtin: Softmax}}},
	"Concatenation":        {from: []OperatorCode{{Builtin: Concatenation}}},
	"Logistic":             {from: []OperatorCode{{Builtin: Logistic}}},
	"ResizeBilinear":       {from: []OperatorCode{{Builtin: ResizeBilinear}}},
	"ArgMax":               {from: []OperatorCode{{Builtin: ArgMax}}},
	"DetectionPostProcess": {from: []OperatorCode{{Builtin: Custom, Custom: "TFLite_Detection_PostProcess"}}},
	"BatchNorm": {refusal: "TFLite files hold no batch norm: the converter folds it into the " +
		"convolution's weights and bias"},
	"Activation": {from: []OperatorCode{{Builtin: Relu}, {Builtin: Relu6}}},
	"GlobalAvgPool": {refusal: "TFLite has no global pooling operator: the hosted models pool with " +
		"AVERAGE_POOL_2D over the whole image, which imports as AvgPool2D, and TF2 files with MEAN, which imports as Mean"},
	"Add":         {from: []OperatorCode{{Builtin: Add}}},
	"Mul":         {from: []OperatorCode{{Builtin: Mul}}},
	"Mean":        {from: []OperatorCode{{Builtin: Mean}}},
	"Quantize":    {from: []OperatorCode{{Builtin: Quantize}}},
	"Dequantize":  {from: []OperatorCode{{Builtin: Dequantize}}},
	"Pad":         {from: []OperatorCode{{Builtin: Pad}}},
	"HardSwish":   {from: []OperatorCode{{Builtin: HardSwish}}},
	"HardSigmoid": {refusal: "TFLite has no HARD_SIGMOID operator: converters write h-sigmoid as ADD, RELU6 and MUL"},
}

// ImportedFrom returns the TFLite operators that Model.Graph imports as the graph op type opType (as
// graph.Op.Type names it), or, when none does, the reason. known is false for an op type the table
// does not list.
func ImportedFrom(opType string) (from []OperatorCode, refusal string, known bool) {
	e, known := importTable[opType]
	return slices.Clone(e.from), e.refusal, known
}

// ExportRefusal returns why the graph op type opType cannot be written to a .tflite file, or "" when
// Encode writes it (ExportedAs says as what; the export table is in write_optable.go). known is false
// for an op type neither table lists.
func ExportRefusal(opType string) (refusal string, known bool) {
	if e, ok := exportTable[opType]; ok {
		return e.refusal, true
	}
	if _, known := importTable[opType]; !known {
		return "", false
	}
	return notWrittenYet, true
}
