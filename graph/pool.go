package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MaxPoolWindow bounds the taps of a pooling window (so that an 8-bit sum cannot overflow int32).
const MaxPoolWindow = 1 << 20

// AvgPool2D averages KH×KW windows (padding taps are not counted).
type AvgPool2D struct {
	KH, KW           int
	StrideH, StrideW int
	Pads             ref.Pads
	Act              Act
}

// Type implements Op.
func (p *AvgPool2D) Type() string { return "AvgPool2D" }

// Shapes implements Op.
func (p *AvgPool2D) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	if err := rank4("input", in[0]); err != nil {
		return nil, err
	}
	n, h, w, c := in[0].Shape.NHWC()
	if p.KH < 1 || p.KW < 1 || p.KH*p.KW > MaxPoolWindow {
		return nil, fmt.Errorf("pooling window %d×%d: want 1 to %d taps", p.KH, p.KW, MaxPoolWindow)
	}
	if pd := p.Pads; pd.Top >= p.KH || pd.Bottom >= p.KH || pd.Left >= p.KW || pd.Right >= p.KW {
		return nil, fmt.Errorf("padding %+v leaves %d×%d windows with no input", pd, p.KH, p.KW)
	}
	return windowShape(n, h, w, c, p.KH, p.KW, ref.ConvParams{StrideH: p.StrideH, StrideW: p.StrideW, DilationH: 1, DilationW: 1, Pads: p.Pads})
}

// Describe implements Op.
func (p *AvgPool2D) Describe(in, out []*Value) Info {
	return Info{Type: TypeAvgPool, Stride: p.StrideH}
}

// Compile implements Op.
func (p *AvgPool2D) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQAvgPool[uint8](p, in, out, opt) },
		func() (Kernel, error) { return compileQAvgPool[int8](p, in, out, opt) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	lo, hi := p.Act.Range()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.AvgPool2D(x[0].F32, is, p.KH, p.KW, p.StrideH, p.StrideW, p.Pads, y[0].F32, os)
		if p.Act != ActNone {
			ref.Clamp(y[0].F32, lo, hi)
		}
		return nil
	}), nil
}

// GlobalAvgPool averages each channel over the whole image, giving [N, 1, 1, C].
type GlobalAvgPool struct{}

// Type implements Op.
func (p *GlobalAvgPool) Type() string { return "GlobalAvgPool" }

// Shapes implements Op.
func (p *GlobalAvgPool) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	if err := rank4("input", in[0]); err != nil {
		return nil, err
	}
	return []tensor.Shape{{in[0].Shape[0], 1, 1, in[0].Shape[3]}}, nil
}

// Describe implements Op.
func (p *GlobalAvgPool) Describe(in, out []*Value) Info { return Info{Type: TypeAvgPool} }

// Compile implements Op.
func (p *GlobalAvgPool) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	if k := fastGlobalAvgPool(in, opt); k != nil {
		return k, nil
	}
	is := dims4(in[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.GlobalAvgPool(x[0].F32, is, y[0].F32)
		return nil
	}), nil
}

// ParamKinds implements Differentiable: nothing is trained.
func (p *AvgPool2D) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: each output's gradient is shared among the taps of its
// window that lie inside the input (reference kernels in both precisions).
func (p *AvgPool2D) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	switch in[0].DType {
	case tensor.Float64:
		return &avgPoolTrain[float64]{p: p, is: is, os: os}, nil
	case tensor.Float32:
		return &avgPoolTrain[float32]{p: p, is: is, os: os}, nil
	}
	return nil, errNotFloat(in[0])
}

type avgPoolTrain[T ref.Float] struct {
	p      *AvgPool2D
	is, os [4]int
}

func (k *avgPoolTrain[T]) Forward(in, out []*tensor.Tensor) error {
	y := floats[T](out[0])
	ref.AvgPool2D(floats[T](in[0]), k.is, k.p.KH, k.p.KW, k.p.StrideH, k.p.StrideW, k.p.Pads, y, k.os)
	refClamp(y, k.p.Act)
	return nil
}

func (k *avgPoolTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	dx := floats[T](dIn[0])
	if dx == nil {
		return nil
	}
	dy := floats[T](dOut[0])
	refMaskAct(dy, floats[T](out[0]), k.p.Act)
	ref.AvgPool2DBackward(dy, k.os, k.p.KH, k.p.KW, k.p.StrideH, k.p.StrideW, k.p.Pads, dx, k.is)
	return nil
}

// ParamKinds implements Differentiable: nothing is trained.
func (p *GlobalAvgPool) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable. Forward: the inference kernel (float32) or the reference;
// backward: dx = dy/(H·W) at every pixel.
func (p *GlobalAvgPool) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	is := dims4(in[0].Shape)
	switch {
	case in[0].DType == tensor.Float64:
		return &gapTrain[float64]{is: is}, nil
	case in[0].DType == tensor.Float32:
		k := &gapTrain[float32]{is: is}
		if !tc.Reference {
			k.fast = fastGlobalAvgPool(in, &tc.Options)
		}
		return k, nil
	}
	return nil, errNotFloat(in[0])
}

type gapTrain[T ref.Float] struct {
	is   [4]int
	fast Kernel // float32: the inference kernel
}

func (k *gapTrain[T]) Forward(in, out []*tensor.Tensor) error {
	if k.fast != nil {
		return k.fast.Run(in, out)
	}
	ref.GlobalAvgPool(floats[T](in[0]), k.is, floats[T](out[0]))
	return nil
}

func (k *gapTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		ref.GlobalAvgPoolBackward(floats[T](dOut[0]), dx, k.is)
	}
	return nil
}

// Refuses implements Refuser.
func (p *GlobalAvgPool) Refuses() map[Column]string {
	return map[Column]string{ColQuantized: "8-bit graphs pool with AvgPool2D over the whole image, TFLite's form (an 8-bit MEAN comes with the V2 issue)"}
}
