package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// DepthwiseConv2D filters each input channel with its own Multiplier kernels. Inputs: x NHWC, weights
// in TFLite's layout [1, KH, KW, Cin·Multiplier] (output channel c·m+j reads input channel c), optional
// bias [Cin·Multiplier].
type DepthwiseConv2D struct {
	StrideH, StrideW     int
	DilationH, DilationW int
	Pads                 ref.Pads
	Multiplier           int // 0 or 1: one output channel per input channel
	Act                  Act
}

// Type implements Op.
func (d *DepthwiseConv2D) Type() string { return "DepthwiseConv2D" }

func (d *DepthwiseConv2D) mult() int { return max(d.Multiplier, 1) }

func (d *DepthwiseConv2D) params() ref.ConvParams {
	return ref.ConvParams{StrideH: d.StrideH, StrideW: d.StrideW, DilationH: max(d.DilationH, 1),
		DilationW: max(d.DilationW, 1), Pads: d.Pads}
}

// Shapes implements Op.
func (d *DepthwiseConv2D) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 2, 3); err != nil {
		return nil, err
	}
	x, w := in[0], in[1]
	if err := rank4("input", x); err != nil {
		return nil, err
	}
	if err := rank4("weights", w); err != nil {
		return nil, err
	}
	if err := constant("weights", w); err != nil {
		return nil, err
	}
	n, h, wd, cin := x.Shape.NHWC()
	one, kh, kw, cout := w.Shape.NHWC()
	if one != 1 || cout != cin*d.mult() {
		return nil, fmt.Errorf("weights %v do not fit input %v with depth multiplier %d", w.Shape, x.Shape, d.mult())
	}
	if len(in) == 3 && in[2] != nil && !in[2].Shape.Equal(tensor.Shape{cout}) {
		return nil, fmt.Errorf("bias shape %v does not match %d output channels", in[2].Shape, cout)
	}
	return windowShape(n, h, wd, cout, kh, kw, d.params())
}

// Describe implements Op.
func (d *DepthwiseConv2D) Describe(in, out []*Value) Info {
	weights := int64(in[1].Shape.Size())
	o := out[0].Shape
	info := Info{Type: TypeDepthwise, Stride: d.StrideH, Params: weights, Trainable: weights,
		MultAdds: weights * int64(o[1]) * int64(o[2])}
	if len(in) == 3 && in[2] != nil {
		info.Trainable += int64(in[2].Shape.Size())
	}
	return info
}

// Compile implements Op.
func (d *DepthwiseConv2D) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQDepthwise[uint8](d, in, out, opt) },
		func() (Kernel, error) { return compileQDepthwise[int8](d, in, out, opt) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	if k := fastDepthwise(d, in, out, opt); k != nil {
		return k, nil
	}
	w := in[1].Data.F32
	bias := floatBias(in)
	kh, kw, m := in[1].Shape[1], in[1].Shape[2], d.mult()
	p := d.params()
	lo, hi := d.Act.Range()
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.DepthwiseConv2D(x[0].F32, is, w, kh, kw, m, bias, p, y[0].F32, os)
		if d.Act != ActNone {
			ref.Clamp(y[0].F32, lo, hi)
		}
		return nil
	}), nil
}

// ParamKinds implements Differentiable: the filters and the bias are trained.
func (d *DepthwiseConv2D) ParamKinds(in []*Value) []ParamKind {
	return []ParamKind{NotParam, ParamDepthwise, ParamBias}[:len(in)]
}

// CompileTrain implements Differentiable. Forward: the inference kernel (packed 3×3), repacked before
// each pass; backward: the depthwise gradient kernels, the filter's split by channels and the input's
// by images. Other shapes, float64 and Options.Reference run the generic reference kernels.
func (d *DepthwiseConv2D) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	if !in[0].DType.Float() {
		return nil, errNotFloat(in[0])
	}
	var fwd repacker
	if !useReference(in[0].DType, &tc.Options) {
		fwd = fastDepthwise(d, in, out, &tc.Options)
	}
	if fwd == nil {
		return newRefConvTrain(in, out, d.params(), d.Act, d.mult(), in[0].DType)
	}
	_, kh, kw, c := in[1].Shape.NHWC()
	is, os := in[0].Shape, out[0].Shape
	g := kernels.ConvGeom{H: is[1], W: is[2], Cin: c, OH: os[1], OW: os[2], Cout: c, KH: kh, KW: kw,
		SH: d.StrideH, SW: d.StrideW, DH: 1, DW: 1, PadTop: d.Pads.Top, PadLeft: d.Pads.Left}
	return &dwTrain{fwd: fwd, geom: g, batch: is[0], act: d.Act, threads: tc.threads()}, nil
}

// dwTrain is the float32 training kernel of a depthwise convolution with depth multiplier 1.
type dwTrain struct {
	fwd     repacker
	geom    kernels.ConvGeom
	batch   int
	act     Act
	threads int
	sums    []float64
}

func (k *dwTrain) Forward(in, out []*tensor.Tensor) error {
	k.fwd.repack()
	return k.fwd.Run(in, out)
}

func (k *dwTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	g := &k.geom
	c := g.Cout
	dy := dOut[0].F32
	maskAct(dy, out[0].F32, k.act, k.threads)
	if db := optional[float32](dIn, 2); db != nil {
		if k.sums == nil {
			k.sums = make([]float64, c)
		}
		biasGrad(db, dy, c, k.sums, k.threads)
	}
	x := in[0].F32
	if dw := optional[float32](dIn, 1); dw != nil {
		parallelRange(k.threads, c, 8, func(c0, c1 int) { kernels.DWBackwardFilter(dw, x, dy, g, k.batch, c0, c1) })
	}
	if dx := optional[float32](dIn, 0); dx != nil {
		parallelRange(k.threads, k.batch, 1, func(b0, b1 int) { kernels.DWBackwardInput(dx, dy, in[1].F32, g, b0, b1) })
	}
	return nil
}
