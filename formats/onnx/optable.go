package onnx

import "fmt"

// exported marks, in exportTable, an op that Export writes.
const exported = ""

// exportTable is the ONNX column of the op table (graph.ColONNXExport): for each graph op type
// (graph.Op.Type), exported, or the reason Export refuses it. 8-bit graphs export in QDQ form for the
// ops qdqTable (qdq.go) lists: Conv2D, DepthwiseConv2D, FullyConnected, AvgPool2D, Reshape, Softmax, Add. Export consults it before anything else,
// so a refusal is described here only; optable_test.go exports a graph of every op the table accepts.
var exportTable = map[string]string{
	"Conv2D":          exported,
	"DepthwiseConv2D": exported,
	"BatchNorm":       exported,
	"Activation":      exported,
	"AvgPool2D":       exported,
	"GlobalAvgPool":   exported,
	"FullyConnected":  exported,
	"Reshape":         exported,
	"Softmax":         exported,
	"Concatenation": "not written yet: the export covers classifiers, and only the SSD detector " +
		"concatenates (ONNX Concat needs its axis mapped to the layout the exporter chose)",
	"Logistic": "not written yet: the export covers classifiers, and only the SSD detector uses it",
	"DetectionPostProcess": "no ONNX operator computes TFLite's detection post-process (box decoding, " +
		"then NMS per class), and the export covers classifiers",
	"Add": exported,
	"Mul": exported,
	"Mean": "not written yet: ONNX ReduceMean must name its axes in the layout the exporter chose; " +
		"the export writes GlobalAvgPool for a builder's pooling",
	"Quantize": "not written yet: 8-bit graphs export in QDQ form (qdq.go, QuantizeLinear after every op), " +
		"but a standalone Quantize op (re-quantization between parameters) is not mapped",
	"Dequantize": "not written yet: 8-bit graphs export in QDQ form (qdq.go), but a standalone Dequantize op " +
		"(an 8-bit graph with a float tail) is not mapped",
	"Pad": "not written yet: ONNX Pad must order its pads by the layout the exporter chose; no classifier " +
		"the export covers pads explicitly",
	"ResizeBilinear": "not written yet: ONNX Resize (linear, coordinate_transformation_mode align_corners, " +
		"half_pixel or asymmetric) would need its scales in the layout the exporter chose; the export covers classifiers",
	"ArgMax": "not written yet: ONNX ArgMax (keepdims 0, select_last_index 0) must name the axis in the layout " +
		"the exporter chose; the export covers classifiers",
	"HardSwish":   exported,
	"HardSigmoid": exported,
}

// ExportRefusal returns "" when Export writes the graph op type opType (as graph.Op.Type names it), else
// the reason it refuses it. known is false for an op type the table does not list, which Export
// refuses too.
func ExportRefusal(opType string) (refusal string, known bool) {
	refusal, known = exportTable[opType]
	return refusal, known
}

// exportable returns an error giving the reason when Export refuses the graph op type opType.
func exportable(opType string) error {
	switch refusal, known := ExportRefusal(opType); {
	case !known:
		return fmt.Errorf("op %s has no ONNX form: the op table does not list it", opType)
	case refusal != exported:
		return fmt.Errorf("op %s has no ONNX form: %s", opType, refusal)
	}
	return nil
}
