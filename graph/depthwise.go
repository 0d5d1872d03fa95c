package graph

import (
	"fmt"

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
