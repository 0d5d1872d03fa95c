package graph

import (
	"fmt"

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
