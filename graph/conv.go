package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Conv2D is a 2-D convolution. Inputs: x NHWC, weights OHWI [Cout, KH, KW, Cin/Groups], optional bias
// [Cout]. Padding is explicit and four-sided (see ref.SamePads for TensorFlow's SAME).
type Conv2D struct {
	StrideH, StrideW     int
	DilationH, DilationW int
	Pads                 ref.Pads
	Groups               int // 0 or 1: an ordinary convolution
	Act                  Act
}

// Type implements Op.
func (c *Conv2D) Type() string { return "Conv2D" }

func (c *Conv2D) groups() int { return max(c.Groups, 1) }

func (c *Conv2D) params() ref.ConvParams {
	return ref.ConvParams{StrideH: c.StrideH, StrideW: c.StrideW, DilationH: max(c.DilationH, 1),
		DilationW: max(c.DilationW, 1), Pads: c.Pads, Groups: c.groups()}
}

// Shapes implements Op.
func (c *Conv2D) Shapes(in []*Value) ([]tensor.Shape, error) {
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
	cout, kh, kw, wc := w.Shape.NHWC()
	g := c.groups()
	if cin%g != 0 || cout%g != 0 || wc != cin/g {
		return nil, fmt.Errorf("weights %v do not fit input %v with %d groups", w.Shape, x.Shape, g)
	}
	if len(in) == 3 && in[2] != nil && !in[2].Shape.Equal(tensor.Shape{cout}) {
		return nil, fmt.Errorf("bias shape %v does not match %d output channels", in[2].Shape, cout)
	}
	p := c.params()
	return windowShape(n, h, wd, cout, kh, kw, p)
}

// Describe implements Op. A 1×1 convolution is pointwise, and a 1×1 convolution over a 1×1 input is a
// fully connected layer (the classifier of MobileNet is written that way).
func (c *Conv2D) Describe(in, out []*Value) Info {
	w := in[1].Shape
	o := out[0].Shape
	weights := int64(w.Size())
	info := Info{Type: TypeConv, Stride: c.StrideH, Params: weights, Trainable: weights,
		MultAdds: weights * int64(o[1]) * int64(o[2])}
	if len(in) == 3 && in[2] != nil {
		info.Trainable += int64(in[2].Shape.Size())
	}
	switch {
	case c.groups() > 1 && c.groups() == in[0].Shape[3]:
		info.Type = TypeDepthwise
	case w[1] == 1 && w[2] == 1 && in[0].Shape[1] == 1 && in[0].Shape[2] == 1:
		info.Type = TypeFullyConnected
	case w[1] == 1 && w[2] == 1:
		info.Type = TypePointwise
	}
	return info
}

// Compile implements Op.
func (c *Conv2D) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQConv[uint8](c, in, out, opt) },
		func() (Kernel, error) { return compileQConv[int8](c, in, out, opt) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	if k := fastConv(c, in, out, opt); k != nil {
		return k, nil
	}
	w := in[1].Data.F32
	bias := floatBias(in)
	kh, kw := in[1].Shape[1], in[1].Shape[2]
	p := c.params()
	lo, hi := c.Act.Range()
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.Conv2D(x[0].F32, is, w, kh, kw, bias, p, y[0].F32, os)
		if c.Act != ActNone {
			ref.Clamp(y[0].F32, lo, hi)
		}
		return nil
	}), nil
}

// ParamKinds implements Differentiable: the weights and the bias are trained.
func (c *Conv2D) ParamKinds(in []*Value) []ParamKind {
	return []ParamKind{NotParam, ParamWeights, ParamBias}[:len(in)]
}

// CompileTrain implements Differentiable. Forward: the inference kernel (packed GEMM or packed
// convolution), repacked before each pass; backward: dW = dYᵀ·cols and dX = col2im(dY·W) through the same
// GEMM, cols being im2col of the input (the input itself for a 1×1 convolution). Grouped and dilated
// convolutions, float64 and Options.Reference run the generic reference kernels.
func (c *Conv2D) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	if !in[0].DType.Float() {
		return nil, errNotFloat(in[0])
	}
	if useReference(in[0].DType, &tc.Options) || c.groups() != 1 || max(c.DilationH, 1) != 1 || max(c.DilationW, 1) != 1 {
		return newRefConvTrain(in, out, c.params(), c.Act, 0, in[0].DType)
	}
	fwd := fastConv(c, in, out, &tc.Options)
	cout, kh, kw, cin := in[1].Shape.NHWC()
	is, os := in[0].Shape, out[0].Shape
	g := kernels.ConvGeom{H: is[1], W: is[2], Cin: cin, OH: os[1], OW: os[2], Cout: cout, KH: kh, KW: kw,
		SH: c.StrideH, SW: c.StrideW, DH: 1, DW: 1, PadTop: c.Pads.Top, PadLeft: c.Pads.Left}
	point := kh == 1 && kw == 1 && c.StrideH == 1 && c.StrideW == 1 && c.Pads == (Pads{})
	return &gemmTrain{fwd: fwd, geom: g, point: point, batch: is[0], act: c.Act, threads: tc.threads()}, nil
}

// gemmTrain is the float32 training kernel of a convolution or fully connected layer: its forward pass
// is the inference kernel, its gradients matrix products.
type gemmTrain struct {
	fwd     repacker
	geom    kernels.ConvGeom // a fully connected layer is a 1×1 convolution over 1×1 images
	point   bool             // the input rows are the columns
	batch   int
	act     Act
	threads int

	cols, dyT, colsT, wT, dcols []float32
	sums                        []float64
	gemmW, gemmX                *kernels.GEMM // the packed right-hand sides of the two products
}

func (k *gemmTrain) Forward(in, out []*tensor.Tensor) error {
	k.fwd.repack()
	return k.fwd.Run(in, out)
}

func (k *gemmTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	g := &k.geom
	rows, cout, kk := k.batch*g.OH*g.OW, g.Cout, g.KH*g.KW*g.Cin
	dy := dOut[0].F32[:rows*cout]
	maskAct(dy, out[0].F32, k.act, k.threads)
	if db := optional[float32](dIn, 2); db != nil {
		if k.sums == nil {
			k.sums = make([]float64, cout)
		}
		biasGrad(db, dy, cout, k.sums, k.threads)
	}
	x := in[0].F32
	cols := x
	if !k.point {
		k.cols = grow(k.cols, rows*kk)
		cols = k.cols
		parallelRange(k.threads, k.batch, 1, func(b0, b1 int) { kernels.Im2Col(cols, x, g, b0, b1) })
	}
	if dw := optional[float32](dIn, 1); dw != nil {
		k.dyT, k.colsT = grow(k.dyT, cout*rows), grow(k.colsT, kk*rows)
		transpose(k.dyT, dy, rows, cout, k.threads)
		transpose(k.colsT, cols, rows, kk, k.threads)
		matmul(&k.gemmW, dw, k.dyT, k.colsT, cout, kk, rows, k.threads)
	}
	dx := optional[float32](dIn, 0)
	if dx == nil {
		return nil
	}
	k.wT = grow(k.wT, kk*cout)
	transpose(k.wT, in[1].F32, cout, kk, k.threads)
	if k.point {
		matmul(&k.gemmX, dx[:rows*kk], dy, k.wT, rows, kk, cout, k.threads)
		return nil
	}
	k.dcols = grow(k.dcols, rows*kk)
	matmul(&k.gemmX, k.dcols, dy, k.wT, rows, kk, cout, k.threads)
	parallelRange(k.threads, k.batch, 1, func(b0, b1 int) { kernels.Col2Im(dx, k.dcols, g, b0, b1) })
	return nil
}

// refConvTrain is the reference training kernel of a convolution (multiplier 0) or a depthwise
// convolution (multiplier ≥ 1), generic over the float type.
type refConvTrain[T ref.Float] struct {
	p      ref.ConvParams
	kh, kw int
	mult   int // depthwise when > 0
	act    Act
	is, os [4]int
}

func newRefConvTrain(in, out []*Value, p ref.ConvParams, act Act, mult int, dt tensor.DType) (TrainKernel, error) {
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	kh, kw := in[1].Shape[1], in[1].Shape[2]
	if dt == tensor.Float64 {
		return &refConvTrain[float64]{p: p, kh: kh, kw: kw, mult: mult, act: act, is: is, os: os}, nil
	}
	return &refConvTrain[float32]{p: p, kh: kh, kw: kw, mult: mult, act: act, is: is, os: os}, nil
}

func (k *refConvTrain[T]) Forward(in, out []*tensor.Tensor) error {
	x, w, b, y := floats[T](in[0]), floats[T](in[1]), optional[T](in, 2), floats[T](out[0])
	if k.mult > 0 {
		ref.DepthwiseConv2D(x, k.is, w, k.kh, k.kw, k.mult, b, k.p, y, k.os)
	} else {
		ref.Conv2D(x, k.is, w, k.kh, k.kw, b, k.p, y, k.os)
	}
	refClamp(y, k.act)
	return nil
}

func (k *refConvTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	x, w, y, dy := floats[T](in[0]), floats[T](in[1]), floats[T](out[0]), floats[T](dOut[0])
	refMaskAct(dy, y, k.act)
	if db := optional[T](dIn, 2); db != nil {
		ref.BiasBackward(dy, k.os[3], db)
	}
	if dw := optional[T](dIn, 1); dw != nil {
		if k.mult > 0 {
			ref.DepthwiseBackwardFilter(x, k.is, dy, k.os, k.kh, k.kw, k.mult, k.p, dw)
		} else {
			ref.Conv2DBackwardFilter(x, k.is, dy, k.os, k.kh, k.kw, k.p, dw)
		}
	}
	if dx := optional[T](dIn, 0); dx != nil {
		if k.mult > 0 {
			ref.DepthwiseBackwardInput(dy, k.os, w, k.kh, k.kw, k.mult, k.p, dx, k.is)
		} else {
			ref.Conv2DBackwardInput(dy, k.os, w, k.kh, k.kw, k.p, dx, k.is)
		}
	}
	return nil
}
