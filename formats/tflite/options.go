package tflite

import (
	"fmt"
	"math"
)

// Conv2DOptions are the options of CONV_2D.
type Conv2DOptions struct {
	Padding              Padding
	StrideW, StrideH     int
	Activation           Activation
	DilationW, DilationH int // default 1
}

// DepthwiseConv2DOptions are the options of DEPTHWISE_CONV_2D. DepthMultiplier is redundant
// (output channels / input channels) and newer converters may leave it 0.
type DepthwiseConv2DOptions struct {
	Padding                           Padding
	StrideW, StrideH, DepthMultiplier int
	Activation                        Activation
	DilationW, DilationH              int // default 1
}

// Pool2DOptions are the options of AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D.
type Pool2DOptions struct {
	Padding                            Padding
	StrideW, StrideH, FilterW, FilterH int
	Activation                         Activation
}

// SoftmaxOptions are the options of SOFTMAX.
type SoftmaxOptions struct{ Beta float32 }

// ReshapeOptions are the options of RESHAPE. NewShape is nil when the file gives none (the
// shape then comes from the operator's second input); it may hold one -1.
type ReshapeOptions struct{ NewShape []int }

// SqueezeOptions are the options of SQUEEZE; nil SqueezeDims means every dimension of size 1.
type SqueezeOptions struct{ SqueezeDims []int }

// ConcatenationOptions are the options of CONCATENATION; Axis may be negative (from the end).
type ConcatenationOptions struct {
	Axis       int
	Activation Activation
}

// FullyConnectedOptions are the options of FULLY_CONNECTED. Parse refuses the shuffled
// weights format, so the weights are always the plain [out, in] layout.
type FullyConnectedOptions struct {
	Activation  Activation
	KeepNumDims bool
}

// AddOptions are the options of ADD.
type AddOptions struct{ Activation Activation }

// MulOptions are the options of MUL.
type MulOptions struct{ Activation Activation }

// ResizeBilinearOptions are the options of RESIZE_BILINEAR.
type ResizeBilinearOptions struct{ AlignCorners, HalfPixelCenters bool }

// ArgMaxOptions are the options of ARG_MAX: the element type of the indices (INT64 or INT32).
type ArgMaxOptions struct{ OutputType TensorType }

// ReducerOptions are the options of MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN and REDUCE_ANY.
type ReducerOptions struct{ KeepDims bool }

// BuiltinOptions union type ids (schema union BuiltinOptions, 1-based).
const (
	unionConv2D          = 1
	unionDepthwiseConv2D = 2
	unionPool2D          = 5
	unionFullyConnected  = 8
	unionSoftmax         = 9
	unionConcatenation   = 10
	unionAdd             = 11
	unionMul             = 21
	unionResizeBilinear  = 15
	unionReshape         = 17
	unionReducer         = 27
	unionSqueeze         = 30
	unionArgMax          = 40
)

// optionKind says how an operator's options are decoded.
type optionKind struct {
	union    uint8
	name     string
	required bool // the schema defaults are invalid (zero strides), so the table must be present
	decode   func(table) (any, error)
}

var (
	conv2DKind = optionKind{unionConv2D, "Conv2DOptions", true, decodeConv2D}
	dwKind     = optionKind{unionDepthwiseConv2D, "DepthwiseConv2DOptions", true, decodeDepthwise}
	poolKind   = optionKind{unionPool2D, "Pool2DOptions", true, decodePool2D}
	reduceKind = optionKind{unionReducer, "ReducerOptions", false, decodeReducer}
)

// optionKinds maps each operator with an options struct here to its union member.
var optionKinds = map[BuiltinOp]optionKind{
	Conv2D:          conv2DKind,
	DepthwiseConv2D: dwKind,
	AveragePool2D:   poolKind,
	MaxPool2D:       poolKind,
	L2Pool2D:        poolKind,
	FullyConnected:  {unionFullyConnected, "FullyConnectedOptions", false, decodeFullyConnected},
	Softmax:         {unionSoftmax, "SoftmaxOptions", false, decodeSoftmax},
	Concatenation:   {unionConcatenation, "ConcatenationOptions", false, decodeConcatenation},
	Add:             {unionAdd, "AddOptions", false, decodeAdd},
	Mul:             {unionMul, "MulOptions", false, decodeMul},
	ResizeBilinear:  {unionResizeBilinear, "ResizeBilinearOptions", false, decodeResizeBilinear},
	Reshape:         {unionReshape, "ReshapeOptions", false, decodeReshape},
	Squeeze:         {unionSqueeze, "SqueezeOptions", false, decodeSqueeze},
	ArgMax:          {unionArgMax, "ArgMaxOptions", false, decodeArgMax},
	Mean:            reduceKind,
	Sum:             reduceKind,
	ReduceProd:      reduceKind,
	ReduceMax:       reduceKind,
	ReduceMin:       reduceKind,
	ReduceAny:       reduceKind,
}

// unionName names a BuiltinOptions union type id for error messages.
func unionName(u uint8) string {
	for _, k := range optionKinds {
		if k.union == u {
			return k.name
		}
	}
	return fmt.Sprintf("options type %d", u)
}

// decodeOptions decodes the builtin options of an operator with code op, whose union type
// byte is typ and whose options table is t (present says whether the file holds one).
func decodeOptions(op BuiltinOp, typ uint8, t table, present bool) (any, error) {
	k, ok := optionKinds[op]
	if !ok {
		return nil, nil
	}
	if typ != 0 && typ != k.union {
		return nil, fmt.Errorf("options are %s, want %s", unionName(typ), k.name)
	}
	if typ == 0 || !present {
		if k.required {
			return nil, fmt.Errorf("missing %s", k.name)
		}
		t = table{}
	}
	v, err := k.decode(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", k.name, err)
	}
	return v, nil
}

// fieldReader reads scalar fields of one options table and keeps the first error.
type fieldReader struct {
	t   table
	err error
}

func (r *fieldReader) i32(id int, def int32, name string) int {
	if r.err != nil {
		return 0
	}
	v, err := r.t.i32(id, def, name)
	r.err = err
	return int(v)
}

// positive reads an int field that must be at least 1.
func (r *fieldReader) positive(id int, def int32, name string) int {
	v := r.i32(id, def, name)
	if r.err == nil && v < 1 {
		r.err = fmt.Errorf("%s %d, want >= 1", name, v)
	}
	return v
}

func (r *fieldReader) padding(id int) Padding {
	if r.err != nil {
		return 0
	}
	v, err := r.t.i8(id, 0, "padding")
	if err == nil && v != int8(Same) && v != int8(Valid) {
		err = fmt.Errorf("padding %d unknown", v)
	}
	r.err = err
	return Padding(v)
}

func (r *fieldReader) activation(id int) Activation {
	if r.err != nil {
		return 0
	}
	v, err := r.t.i8(id, 0, "fused_activation_function")
	if err == nil && (v < 0 || int(v) >= len(activationNames)) {
		err = fmt.Errorf("fused_activation_function %d unknown", v)
	}
	r.err = err
	return Activation(v)
}

func (r *fieldReader) byte(id int, name string) uint8 {
	if r.err != nil {
		return 0
	}
	v, err := r.t.u8(id, 0, name)
	r.err = err
	return v
}

func (r *fieldReader) boolean(id int, name string) bool { return r.byte(id, name) != 0 }

// maxRank bounds tensor ranks and the lengths of shape-like option vectors.
const maxRank = 8

func (r *fieldReader) dims(id int, name string) []int {
	if r.err != nil {
		return nil
	}
	v, err := r.t.ints(id, name)
	if err == nil && len(v) > maxRank {
		err = fmt.Errorf("%s has %d entries, more than %d", name, len(v), maxRank)
	}
	r.err = err
	return v
}

func decodeConv2D(t table) (any, error) {
	r := fieldReader{t: t}
	o := &Conv2DOptions{
		Padding:    r.padding(0),
		StrideW:    r.positive(1, 0, "stride_w"),
		StrideH:    r.positive(2, 0, "stride_h"),
		Activation: r.activation(3),
		DilationW:  r.positive(4, 1, "dilation_w_factor"),
		DilationH:  r.positive(5, 1, "dilation_h_factor"),
	}
	return o, r.err
}

func decodeDepthwise(t table) (any, error) {
	r := fieldReader{t: t}
	o := &DepthwiseConv2DOptions{
		Padding:         r.padding(0),
		StrideW:         r.positive(1, 0, "stride_w"),
		StrideH:         r.positive(2, 0, "stride_h"),
		DepthMultiplier: r.i32(3, 0, "depth_multiplier"),
		Activation:      r.activation(4),
		DilationW:       r.positive(5, 1, "dilation_w_factor"),
		DilationH:       r.positive(6, 1, "dilation_h_factor"),
	}
	if r.err == nil && o.DepthMultiplier < 0 {
		r.err = fmt.Errorf("depth_multiplier %d negative", o.DepthMultiplier)
	}
	return o, r.err
}

func decodePool2D(t table) (any, error) {
	r := fieldReader{t: t}
	o := &Pool2DOptions{
		Padding:    r.padding(0),
		StrideW:    r.positive(1, 0, "stride_w"),
		StrideH:    r.positive(2, 0, "stride_h"),
		FilterW:    r.positive(3, 0, "filter_width"),
		FilterH:    r.positive(4, 0, "filter_height"),
		Activation: r.activation(5),
	}
	return o, r.err
}

func decodeFullyConnected(t table) (any, error) {
	r := fieldReader{t: t}
	o := &FullyConnectedOptions{Activation: r.activation(0)}
	format := r.byte(1, "weights_format")
	o.KeepNumDims = r.boolean(2, "keep_num_dims")
	if r.err == nil && format != 0 {
		r.err = fmt.Errorf("weights_format %d (shuffled) not supported", format)
	}
	return o, r.err
}

func decodeSoftmax(t table) (any, error) {
	beta, err := t.f32(0, 0, "beta")
	if err == nil && (math.IsNaN(float64(beta)) || math.IsInf(float64(beta), 0)) {
		err = fmt.Errorf("beta %v not finite", beta)
	}
	return &SoftmaxOptions{Beta: beta}, err
}

func decodeConcatenation(t table) (any, error) {
	r := fieldReader{t: t}
	o := &ConcatenationOptions{Axis: r.i32(0, 0, "axis"), Activation: r.activation(1)}
	return o, r.err
}

func decodeAdd(t table) (any, error) {
	r := fieldReader{t: t}
	o := &AddOptions{Activation: r.activation(0)}
	return o, r.err
}

func decodeMul(t table) (any, error) {
	r := fieldReader{t: t}
	o := &MulOptions{Activation: r.activation(0)}
	return o, r.err
}

func decodeResizeBilinear(t table) (any, error) {
	r := fieldReader{t: t}
	o := &ResizeBilinearOptions{AlignCorners: r.boolean(2, "align_corners"), HalfPixelCenters: r.boolean(3, "half_pixel_centers")}
	return o, r.err
}

func decodeReshape(t table) (any, error) {
	r := fieldReader{t: t}
	o := &ReshapeOptions{NewShape: r.dims(0, "new_shape")}
	return o, r.err
}

func decodeSqueeze(t table) (any, error) {
	r := fieldReader{t: t}
	o := &SqueezeOptions{SqueezeDims: r.dims(0, "squeeze_dims")}
	return o, r.err
}

func decodeReducer(t table) (any, error) {
	r := fieldReader{t: t}
	o := &ReducerOptions{KeepDims: r.boolean(0, "keep_dims")}
	return o, r.err
}

// decodeArgMax reads output_type, whose schema default is FLOAT32 (0): TFLite then refuses the
// operator, and so does the importer.
func decodeArgMax(t table) (any, error) {
	v, err := t.i8(0, int8(Float32), "output_type")
	return &ArgMaxOptions{OutputType: TensorType(v)}, err
}
