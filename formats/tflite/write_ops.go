package tflite

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/formats/flexbuf"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file maps each graph op to its TFLite operator: one case per op in opSpec. The export column of
// the op table (optable.go) says the same in words.

// exportSpec is what one node becomes: an operator code and its options.
type exportSpec struct {
	code    OperatorCode
	optType uint8
	opts    func(*flatbuffers.Builder) flatbuffers.UOffsetT
	custom  []byte
	// consts are int32 constants appended to the node's inputs: the second input TFLite requires of
	// some operators (RESIZE_BILINEAR's size, MEAN's axes, ARG_MAX's axis) when the node lacks it.
	consts []constInput
}

// constInput is an int32 constant the writer adds as an operator input.
type constInput struct {
	shape tensor.Shape
	data  []int32
}

// vector1 is a rank-1 constInput.
func vector1(v ...int32) constInput { return constInput{tensor.Shape{len(v)}, v} }

// exportPostProcessName is the custom code of the SSD post-process operator.
const exportPostProcessName = "TFLite_Detection_PostProcess"

// Codes and BuiltinOptions union ids written here beyond those the reader names.
const (
	exportUnionMul      = 21
	exportUnionPad      = 22
	exportUnionReducer  = 27
	exportUnionArgMax   = 40
	exportCodeArgMax    = BuiltinOp(56)
	exportCodeReluN1To1 = BuiltinOp(20)
)

// opSpec returns the operator node n is written as, or why it cannot be.
func (e *exportEncoder) opSpec(n *graph.Node) (exportSpec, error) {
	in := func(i int) *graph.Value { return e.g.Input(n, i) }
	x := in(0)
	if x == nil || len(n.Outputs) == 0 {
		return exportSpec{}, fmt.Errorf("has no input 0 or no output")
	}
	int8In := x.DType == tensor.Int8
	switch op := n.Op.(type) {
	case *graph.Conv2D:
		if op.Groups > 1 {
			return exportSpec{}, fmt.Errorf("grouped convolution (%d groups) has no TFLite form", op.Groups)
		}
		pad, dh, dw, a, err := exportWindow(x, in(1), "OHWI", op.Pads, op.StrideH, op.StrideW, op.DilationH, op.DilationW, op.Act)
		if err != nil {
			return exportSpec{}, err
		}
		v := exportVersion(int8In, 3, 1)
		return exportSpec{code: OperatorCode{Builtin: Conv2D, Version: v}, optType: unionConv2D,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(6)
				b.PrependInt8Slot(0, int8(pad), 0)
				b.PrependInt32Slot(1, int32(op.StrideW), 0)
				b.PrependInt32Slot(2, int32(op.StrideH), 0)
				b.PrependInt8Slot(3, int8(a), 0)
				b.PrependInt32Slot(4, int32(dw), 1)
				b.PrependInt32Slot(5, int32(dh), 1)
				return b.EndObject()
			}}, nil
	case *graph.DepthwiseConv2D:
		pad, dh, dw, a, err := exportWindow(x, in(1), "[1,KH,KW,C·M]", op.Pads, op.StrideH, op.StrideW, op.DilationH, op.DilationW, op.Act)
		if err != nil {
			return exportSpec{}, err
		}
		v := exportVersion(int8In, 3, 1)
		if v == 1 && (dh > 1 || dw > 1) {
			v = 2
		}
		mult := max(op.Multiplier, 1)
		return exportSpec{code: OperatorCode{Builtin: DepthwiseConv2D, Version: v}, optType: unionDepthwiseConv2D,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(7)
				b.PrependInt8Slot(0, int8(pad), 0)
				b.PrependInt32Slot(1, int32(op.StrideW), 0)
				b.PrependInt32Slot(2, int32(op.StrideH), 0)
				b.PrependInt32Slot(3, int32(mult), 0)
				b.PrependInt8Slot(4, int8(a), 0)
				b.PrependInt32Slot(5, int32(dw), 1)
				b.PrependInt32Slot(6, int32(dh), 1)
				return b.EndObject()
			}}, nil
	case *graph.AvgPool2D:
		pad, err := exportPadding(x, op.Pads, op.KH, op.KW, op.StrideH, op.StrideW, 1, 1)
		if err != nil {
			return exportSpec{}, err
		}
		return exportPool(op.KH, op.KW, op.StrideH, op.StrideW, pad, op.Act, int8In)
	case *graph.GlobalAvgPool:
		// AVERAGE_POOL_2D over the whole image, as the hosted MobileNets pool.
		if len(x.Shape) != 4 || x.Shape[1] < 1 || x.Shape[2] < 1 {
			return exportSpec{}, fmt.Errorf("input shape %v is not NHWC", x.Shape)
		}
		return exportPool(x.Shape[1], x.Shape[2], 1, 1, Valid, graph.ActNone, int8In)
	case *graph.FullyConnected:
		a, err := exportAct(op.Act)
		if err != nil {
			return exportSpec{}, err
		}
		return exportSpec{code: OperatorCode{Builtin: FullyConnected, Version: exportVersion(int8In, 4, 1)}, optType: unionFullyConnected,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(3)
				b.PrependInt8Slot(0, int8(a), 0)
				return b.EndObject()
			}}, nil
	case *graph.Reshape:
		y := e.g.Values[n.Outputs[0]]
		dims := make([]int32, len(y.Shape))
		for i, d := range y.Shape {
			dims[i] = int32(d)
		}
		return exportSpec{code: OperatorCode{Builtin: Reshape, Version: 1}, optType: unionReshape,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				vec := exportInt32s(b, dims)
				b.StartObject(1)
				b.PrependUOffsetTSlot(0, vec, 0)
				return b.EndObject()
			}}, nil
	case *graph.Softmax:
		beta := op.Beta
		if beta == 0 {
			beta = 1 // the graph's Softmax reads β = 0 as 1
		}
		return exportSpec{code: OperatorCode{Builtin: Softmax, Version: exportVersion(int8In, 2, 1)}, optType: unionSoftmax,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(1)
				b.PrependFloat32Slot(0, beta, 0)
				return b.EndObject()
			}}, nil
	case *graph.Concatenation:
		a, err := exportAct(op.Act)
		if err != nil {
			return exportSpec{}, err
		}
		return exportSpec{code: OperatorCode{Builtin: Concatenation, Version: exportVersion(int8In, 2, 1)}, optType: unionConcatenation,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(2)
				b.PrependInt32Slot(0, int32(op.Axis), 0)
				b.PrependInt8Slot(1, int8(a), 0)
				return b.EndObject()
			}}, nil
	case *graph.Logistic:
		return exportSpec{code: OperatorCode{Builtin: Logistic, Version: exportVersion(int8In, 2, 1)}}, nil
	case *graph.Activation:
		code, ok := map[graph.Act]BuiltinOp{graph.ActReLU: Relu, graph.ActReLU6: Relu6, graph.ActReLUN1To1: exportCodeReluN1To1}[op.Act]
		if !ok {
			return exportSpec{}, fmt.Errorf("activation %v has no TFLite operator", op.Act)
		}
		return exportSpec{code: OperatorCode{Builtin: code, Version: exportVersion(int8In, 2, 1)}}, nil
	case *graph.Add:
		return exportBinary(Add, unionAdd, op.Act, int8In)
	case *graph.Mul:
		return exportBinary(Mul, exportUnionMul, op.Act, int8In)
	case *graph.HardSwish:
		return exportSpec{code: OperatorCode{Builtin: HardSwish, Version: 1}}, nil
	case *graph.Quantize:
		v := int32(1)
		if x.DType.Quantized() {
			v = 2 // requantization from 8-bit codes
		}
		return exportSpec{code: OperatorCode{Builtin: Quantize, Version: v}}, nil
	case *graph.Dequantize:
		return exportSpec{code: OperatorCode{Builtin: Dequantize, Version: exportVersion(int8In, 2, 1)}}, nil
	case *graph.ResizeBilinear:
		v := exportVersion(int8In, 2, 1)
		if op.HalfPixelCenters {
			v = 3
		}
		out := exportSpec{code: OperatorCode{Builtin: ResizeBilinear, Version: v}, optType: unionResizeBilinear,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(4)
				b.PrependBoolSlot(2, op.AlignCorners, false)
				b.PrependBoolSlot(3, op.HalfPixelCenters, false)
				return b.EndObject()
			}}
		if len(n.Inputs) < 2 {
			out.consts = []constInput{vector1(int32(op.Height), int32(op.Width))}
		}
		return out, nil
	case *graph.Mean:
		out := exportSpec{code: OperatorCode{Builtin: Mean, Version: exportVersion(int8In, 2, 1)}, optType: exportUnionReducer,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(1)
				b.PrependBoolSlot(0, op.KeepDims, false)
				return b.EndObject()
			}}
		if len(n.Inputs) < 2 {
			axes := make([]int32, len(op.Axes))
			for i, a := range op.Axes {
				axes[i] = int32(a)
			}
			out.consts = []constInput{vector1(axes...)}
		}
		return out, nil
	case *graph.ArgMax:
		ot, ok := exportType(e.g.Values[n.Outputs[0]].DType)
		if !ok || (ot != Int64 && ot != Int32) {
			return exportSpec{}, fmt.Errorf("output type %v: ARG_MAX gives int64 or int32", e.g.Values[n.Outputs[0]].DType)
		}
		out := exportSpec{code: OperatorCode{Builtin: exportCodeArgMax, Version: exportVersion(int8In, 2, 1)}, optType: exportUnionArgMax,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(1)
				b.PrependInt8Slot(0, int8(ot), 0)
				return b.EndObject()
			}}
		if len(n.Inputs) < 2 {
			out.consts = []constInput{vector1(int32(op.Axis))}
		}
		return out, nil
	case *graph.Pad:
		out := exportSpec{code: OperatorCode{Builtin: Pad, Version: exportVersion(int8In, 2, 1)}, optType: exportUnionPad,
			opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
				b.StartObject(0)
				return b.EndObject()
			}}
		if len(n.Inputs) < 2 {
			if len(op.Before) != len(op.After) {
				return exportSpec{}, fmt.Errorf("%d paddings before, %d after", len(op.Before), len(op.After))
			}
			c := constInput{shape: tensor.Shape{len(op.Before), 2}}
			for i := range op.Before {
				c.data = append(c.data, int32(op.Before[i]), int32(op.After[i]))
			}
			out.consts = []constInput{c}
		}
		return out, nil
	case *graph.DetectionPostProcess:
		custom, err := PostProcessOptionsBytes(op.Options)
		if err != nil {
			return exportSpec{}, err
		}
		return exportSpec{code: OperatorCode{Builtin: Custom, Custom: exportPostProcessName, Version: 1}, custom: custom}, nil
	}
	if r, known := ExportRefusal(n.Op.Type()); known && r != "" {
		return exportSpec{}, fmt.Errorf("%s", r)
	}
	return exportSpec{}, fmt.Errorf("op %s has no TFLite form in this writer", n.Op.Type())
}

// exportVersion returns the operator version: int8 kernels came with a later version of each operator.
func exportVersion(int8In bool, int8Version, other int32) int32 {
	if int8In {
		return int8Version
	}
	return other
}

func exportPool(kh, kw, sh, sw int, pad Padding, act graph.Act, int8In bool) (exportSpec, error) {
	a, err := exportAct(act)
	if err != nil {
		return exportSpec{}, err
	}
	return exportSpec{code: OperatorCode{Builtin: AveragePool2D, Version: exportVersion(int8In, 2, 1)}, optType: unionPool2D,
		opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(6)
			b.PrependInt8Slot(0, int8(pad), 0)
			b.PrependInt32Slot(1, int32(sw), 0)
			b.PrependInt32Slot(2, int32(sh), 0)
			b.PrependInt32Slot(3, int32(kw), 0)
			b.PrependInt32Slot(4, int32(kh), 0)
			b.PrependInt8Slot(5, int8(a), 0)
			return b.EndObject()
		}}, nil
}

// exportBinary writes ADD or MUL, whose options (AddOptions, MulOptions) hold the fused activation in field 0.
func exportBinary(code BuiltinOp, union uint8, act graph.Act, int8In bool) (exportSpec, error) {
	a, err := exportAct(act)
	if err != nil {
		return exportSpec{}, err
	}
	return exportSpec{code: OperatorCode{Builtin: code, Version: exportVersion(int8In, 2, 1)}, optType: union,
		opts: func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
			b.StartObject(1)
			b.PrependInt8Slot(0, int8(a), 0)
			return b.EndObject()
		}}, nil
}

// exportAct returns the TFLite fused activation of a.
func exportAct(a graph.Act) (Activation, error) {
	switch a {
	case graph.ActNone:
		return ActNone, nil
	case graph.ActReLU:
		return ActRelu, nil
	case graph.ActReLU6:
		return ActRelu6, nil
	case graph.ActReLUN1To1:
		return ActReluN1To1, nil
	}
	return 0, fmt.Errorf("fused activation %v has no TFLite form", a)
}

// exportWindow returns the TFLite padding, dilations (at least 1) and fused activation of a
// convolution over x whose rank-4 weights w (layout named by layout) have the window in axes 1 and 2.
func exportWindow(x, w *graph.Value, layout string, pads graph.Pads, sh, sw, dilH, dilW int, act graph.Act) (Padding, int, int, Activation, error) {
	if w == nil || len(w.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("needs %s weights", layout)
	}
	dh, dw := max(dilH, 1), max(dilW, 1)
	pad, err := exportPadding(x, pads, w.Shape[1], w.Shape[2], sh, sw, dh, dw)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	a, err := exportAct(act)
	return pad, dh, dw, a, err
}

// exportPadding returns the TFLite padding scheme that gives pads on input x, or an error when neither does.
func exportPadding(x *graph.Value, pads graph.Pads, kh, kw, sh, sw, dh, dw int) (Padding, error) {
	if len(x.Shape) != 4 {
		return 0, fmt.Errorf("input shape %v is not NHWC", x.Shape)
	}
	if sh < 1 || sw < 1 || kh < 1 || kw < 1 || sh > 1<<30 || sw > 1<<30 || kh > 1<<30 || kw > 1<<30 || dh > 1<<30 || dw > 1<<30 {
		return 0, fmt.Errorf("window %d×%d, stride %d×%d: each must be in [1, 2³⁰]", kh, kw, sh, sw)
	}
	if pads == (graph.Pads{}) {
		return Valid, nil
	}
	if same, _, _ := ref.SamePads(x.Shape[1], x.Shape[2], kh, kw, sh, sw, dh, dw); pads == same {
		return Same, nil
	}
	return 0, fmt.Errorf("padding %+v is neither SAME nor VALID, and TFLite has no explicit padding on the op (a PAD operator is not written)", pads)
}

// PostProcessOptionsBytes writes the options of TFLite_Detection_PostProcess as the FlexBuffer map
// ParsePostProcessOptions reads (every key, defaults included). The options are validated first.
func PostProcessOptionsBytes(o detect.Options) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var m flexbuf.MapBuilder
	m.Int("max_detections", int64(o.MaxDetections))
	m.Int("max_classes_per_detection", int64(o.MaxClassesPerDetection))
	m.Int("detections_per_class", int64(o.DetectionsPerClass))
	m.Int("num_classes", int64(o.NumClasses))
	m.Bool("use_regular_nms", o.UseRegularNMS)
	m.Float("nms_score_threshold", float64(o.ScoreThreshold))
	m.Float("nms_iou_threshold", float64(o.IoUThreshold))
	m.Float("y_scale", float64(o.YScale))
	m.Float("x_scale", float64(o.XScale))
	m.Float("h_scale", float64(o.HScale))
	m.Float("w_scale", float64(o.WScale))
	return m.Bytes()
}
