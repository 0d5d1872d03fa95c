package graph

// Column is one capability of an op. Every op either implements each column or refuses it with a
// reason (Refuser); the op-table test walks every op of OpTypes and every column, so that a forgotten
// place is a failing test rather than a user's panic. The file formats keep their own columns (import
// and export) in their packages, keyed by Op.Type.
type Column string

// The columns of the op table.
const (
	ColShape        Column = "shape"             // Op.Shapes
	ColCost         Column = "cost"              // Op.Describe
	ColReference    Column = "float64 reference" // Compile of a float64 graph (generic reference kernels)
	ColFast         Column = "fast float32"      // Compile of a float32 graph without Options.Reference
	ColQuantized    Column = "8-bit"             // Compile of a uint8/int8 graph
	ColBackward     Column = "backward"          // Differentiable
	ColTFLiteImport Column = "tflite import"     // formats/tflite
	ColTFLiteExport Column = "tflite export"     // formats/tflite
	ColONNXExport   Column = "onnx export"       // formats/onnx
)

// Columns lists every column, in the table's order.
var Columns = []Column{ColShape, ColCost, ColReference, ColFast, ColQuantized, ColBackward, ColTFLiteImport, ColTFLiteExport, ColONNXExport}

// Refuser is implemented by an op that lacks some capabilities of the graph layer: Refuses returns the
// reason for each column it refuses (ColReference, ColFast, ColQuantized or ColBackward). Compile and
// CompileTrain return the reason as their error.
type Refuser interface {
	Refuses() map[Column]string
}

// OpTypes returns a zero value of every op type of the package: the rows of the op table.
func OpTypes() []Op {
	return []Op{
		&Conv2D{}, &DepthwiseConv2D{}, &BatchNorm{}, &Activation{}, &AvgPool2D{}, &GlobalAvgPool{},
		&FullyConnected{}, &Reshape{}, &Softmax{}, &Concatenation{}, &Logistic{}, &DetectionPostProcess{},
		&Add{}, &Mul{}, &Mean{}, &Quantize{}, &Dequantize{}, &Pad{},
		&ResizeBilinear{}, &ArgMax{},
		&HardSwish{}, &HardSigmoid{},
	}
}

// Refusal returns the reason op refuses column c, or "" when it does not.
func Refusal(op Op, c Column) string {
	if r, ok := op.(Refuser); ok {
		return r.Refuses()[c]
	}
	return ""
}
