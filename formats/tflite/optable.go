package tflite

import "slices"

// This file holds the TFLite columns of the op table (graph.ColTFLiteImport and graph.ColTFLiteExport):
// for every graph op type, the TFLite operators that Model.Graph imports as it, or why none does, and
// why it cannot be written to a .tflite file. optable_test.go holds the import column to the importer:
// every operator listed converts into its op type, and every operator the importer accepts is listed.

// exportRefusal is the TFLite export column of every op.
const exportRefusal = "there is no .tflite writer yet; it comes with the quantization issue"

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
	"DetectionPostProcess": {from: []OperatorCode{{Builtin: Custom, Custom: "TFLite_Detection_PostProcess"}}},
	"BatchNorm": {refusal: "TFLite files hold no batch norm: the converter folds it into the " +
		"convolution's weights and bias"},
	"Activation": {refusal: "TFLite files fuse activations into the op before them, which imports " +
		"them as its Act; standalone RELU and RELU6 operators come with the V2 issue"},
	"GlobalAvgPool": {refusal: "TFLite has no global pooling operator: the hosted models pool with " +
		"AVERAGE_POOL_2D over the whole image, which imports as AvgPool2D; MEAN is not imported"},
	"Add": {refusal: "ADD import comes with the V2/V3 issue"},
	"Mul": {refusal: "MUL import comes with the V2/V3 issue"},
}

// ImportedFrom returns the TFLite operators that Model.Graph imports as the graph op type opType (as
// graph.Op.Type names it), or, when none does, the reason. known is false for an op type the table
// does not list.
func ImportedFrom(opType string) (from []OperatorCode, refusal string, known bool) {
	e, known := importTable[opType]
	return slices.Clone(e.from), e.refusal, known
}

// ExportRefusal returns why the graph op type opType cannot be written to a .tflite file. known is
// false for an op type the table does not list.
func ExportRefusal(opType string) (refusal string, known bool) {
	if _, known := importTable[opType]; !known {
		return "", false
	}
	return exportRefusal, true
}
