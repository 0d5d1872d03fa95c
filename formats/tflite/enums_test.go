package tflite

import "testing"

func TestEnumNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		// FACTS §3 values, TFLite's names.
		{Add.String(), "ADD"},
		{AveragePool2D.String(), "AVERAGE_POOL_2D"},
		{Concatenation.String(), "CONCATENATION"},
		{Conv2D.String(), "CONV_2D"},
		{DepthwiseConv2D.String(), "DEPTHWISE_CONV_2D"},
		{Dequantize.String(), "DEQUANTIZE"},
		{FullyConnected.String(), "FULLY_CONNECTED"},
		{Logistic.String(), "LOGISTIC"},
		{MaxPool2D.String(), "MAX_POOL_2D"},
		{Relu.String(), "RELU"},
		{Relu6.String(), "RELU6"},
		{Reshape.String(), "RESHAPE"},
		{ResizeBilinear.String(), "RESIZE_BILINEAR"},
		{Softmax.String(), "SOFTMAX"},
		{Custom.String(), "CUSTOM"},
		{Pad.String(), "PAD"},
		{Mean.String(), "MEAN"},
		{Squeeze.String(), "SQUEEZE"},
		{Quantize.String(), "QUANTIZE"},
		{HardSwish.String(), "HARD_SWISH"},
		{BuiltinOp(161).String(), "RIGHT_SHIFT"},
		{BuiltinOp(162).String(), "BUILTIN_162"},
		{BuiltinOp(-1).String(), "BUILTIN_-1"},
		{OperatorCode{Builtin: Custom, Custom: "TFLite_Detection_PostProcess"}.String(), `CUSTOM "TFLite_Detection_PostProcess"`},
		{OperatorCode{Builtin: Conv2D, Custom: "ignored"}.String(), "CONV_2D"},
		{Float32.String(), "float32"},
		{Float16.String(), "float16"},
		{Int32.String(), "int32"},
		{Uint8.String(), "uint8"},
		{Int64.String(), "int64"},
		{Bool.String(), "bool"},
		{Int16.String(), "int16"},
		{Int8.String(), "int8"},
		{TensorType(5).String(), "string"},
		{TensorType(18).String(), "type18"},
		{Same.String(), "SAME"},
		{Valid.String(), "VALID"},
		{Padding(2).String(), "PADDING_2"},
		{ActNone.String(), "NONE"},
		{ActRelu.String(), "RELU"},
		{ActReluN1To1.String(), "RELU_N1_TO_1"},
		{ActRelu6.String(), "RELU6"},
		{ActTanh.String(), "TANH"},
		{Activation(6).String(), "ACTIVATION_6"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestTensorTypeSize(t *testing.T) {
	tests := []struct {
		typ  TensorType
		size int
	}{
		{Float32, 4}, {Float16, 2}, {Int32, 4}, {Uint8, 1}, {Int64, 8}, {TensorType(5), 0}, {Bool, 1},
		{Int16, 2}, {Int8, 1}, {Float64, 8}, {Uint64, 8}, {Uint32, 4}, {Uint16, 2}, {TensorType(17), 0},
		{TensorType(-1), 0}, {TensorType(100), 0},
	}
	for _, tc := range tests {
		if got := tc.typ.Size(); got != tc.size {
			t.Errorf("%v.Size() = %d, want %d", tc.typ, got, tc.size)
		}
	}
}
