package tflite

// exportTable is the TFLite export column of the op table: for each graph op type, the operator Encode
// writes it as, or why it refuses it. Exactly one of as and refusal is set. write_ops.go's opSpec is the
// writer itself; TestExportColumnMatchesWriter holds the two together.
var exportTable = map[string]struct{ as, refusal string }{
	"Conv2D":          {as: "CONV_2D (SAME or VALID padding; int8 weights per channel on axis 0)"},
	"DepthwiseConv2D": {as: "DEPTHWISE_CONV_2D with depth_multiplier (int8 weights per channel on axis 3)"},
	"AvgPool2D":       {as: "AVERAGE_POOL_2D"},
	"GlobalAvgPool":   {as: "AVERAGE_POOL_2D over the whole input (VALID, stride 1), as the hosted MobileNets pool"},
	"FullyConnected":  {as: "FULLY_CONNECTED"},
	"Reshape":         {as: "RESHAPE with new_shape = the output shape"},
	"Softmax":         {as: "SOFTMAX"},
	"Concatenation":   {as: "CONCATENATION"},
	"Logistic":        {as: "LOGISTIC"},
	"Activation": {as: "RELU, RELU6 or RELU_N1_TO_1 when standalone (Encode folds one that follows a " +
		"float convolution into its fused activation)"},
	"BatchNorm": {refusal: "TFLite files hold no batch norm: Encode folds one that follows a float " +
		"convolution into its weights and bias (graph.Fold) and refuses any other"},
	"DetectionPostProcess": {as: "CUSTOM TFLite_Detection_PostProcess with its FlexBuffer options"},
	"Add":                  {as: "ADD"},
	"Mul":                  {as: "MUL"},
	"Mean":                 {as: "MEAN (the axes as an int32 constant input)"},
	"Quantize":             {as: "QUANTIZE"},
	"Dequantize":           {as: "DEQUANTIZE"},
	"ResizeBilinear":       {as: "RESIZE_BILINEAR (the size as an int32 constant input)"},
	"ArgMax":               {as: "ARG_MAX (the axis as an int32 constant input)"},
	"HardSwish":            {as: "HARD_SWISH"},
	"Pad":                  {as: "PAD (the paddings as an int32 constant input)"},
	"HardSigmoid":          {as: "ADD of 3 with a fused RELU6, then MUL by 1/6, as TensorFlow's converters write h-sigmoid (TFLite has no HARD_SIGMOID)"},
}

// notWrittenYet is the export refusal of an op type the import table lists but the export table does
// not: an op added since the writer.
const notWrittenYet = "Encode has no case for this op yet"

// ExportedAs returns the TFLite operator Encode writes the graph op type opType as, or "" when it
// refuses it (ExportRefusal says why).
func ExportedAs(opType string) string { return exportTable[opType].as }
