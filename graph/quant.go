package graph

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file compiles the 8-bit (uint8 per-tensor, int8 per-channel) forms of the ops with TFLite's
// arithmetic (kernels/qref), in the rounding chosen by Options.Rounding.

// elems returns the 8-bit data of t as []T.
func elems[T uint8 | int8](t *tensor.Tensor) []T {
	var z T
	if _, ok := any(z).(uint8); ok {
		return any(t.U8).([]T)
	}
	return any(t.I8).([]T)
}

// perTensor returns the scale and zero point of an 8-bit activation, which must be quantized per tensor
// with a finite positive scale and a zero point its type can hold.
func perTensor(what string, v *Value) (float32, int32, error) {
	if v.Quant == nil || len(v.Quant.Scale) == 0 {
		return 0, 0, fmt.Errorf("%s %q is %v without quantization parameters", what, v.Name, v.DType)
	}
	if v.Quant.PerChannel() {
		return 0, 0, fmt.Errorf("%s %q must be quantized per tensor", what, v.Name)
	}
	s, zp := v.Quant.S(0), v.Quant.ZP(0)
	if !(s > 0) || math.IsInf(float64(s), 1) {
		return 0, 0, fmt.Errorf("%s %q has scale %v, want a finite number > 0", what, v.Name, s)
	}
	if err := zeroPointFits(v, zp); err != nil {
		return 0, 0, fmt.Errorf("%s %w", what, err)
	}
	return s, zp, nil
}

// zeroPointFits checks that zp is a code of v's 8-bit type.
func zeroPointFits(v *Value, zp int32) error {
	lo, hi := int32(0), int32(255)
	if v.DType == tensor.Int8 {
		lo, hi = -128, 127
	}
	if zp < lo || zp > hi {
		return fmt.Errorf("%q has zero point %d, outside %v's range %d to %d", v.Name, zp, v.DType, lo, hi)
	}
	return nil
}

// sameTypes checks that the listed values all have the type of the first.
func sameTypes(vs ...*Value) error {
	for _, v := range vs[1:] {
		if v != nil && v.DType != vs[0].DType {
			return fmt.Errorf("%q is %v but %q is %v", vs[0].Name, vs[0].DType, v.Name, v.DType)
		}
	}
	return nil
}

// convQuant gathers what every quantized convolution needs: the requantization of each output
// channel, the zero points and the int32 bias. axis is the weights' output-channel dimension.
func convQuant(in, out []*Value, act Act, axis int, opt *Options) (*qmath.Requant, int32, int32, []int32, error) {
	x, w, y := in[0], in[1], out[0]
	if err := sameTypes(x, w, y); err != nil {
		return nil, 0, 0, nil, err
	}
	sx, zx, err := perTensor("input", x)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	sy, zy, err := perTensor("output", y)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	cout := w.Shape[axis]
	wq := w.Quant
	if wq == nil || len(wq.Scale) == 0 {
		return nil, 0, 0, nil, fmt.Errorf("weights %q have no quantization parameters", w.Name)
	}
	var zw int32
	if wq.PerChannel() {
		if wq.Axis != axis || len(wq.Scale) != cout {
			return nil, 0, 0, nil, fmt.Errorf("weights %q: %d per-channel scales on axis %d, want %d on axis %d", w.Name, len(wq.Scale), wq.Axis, cout, axis)
		}
		for c := range wq.Scale {
			if wq.ZP(c) != 0 {
				return nil, 0, 0, nil, fmt.Errorf("weights %q: per-channel zero point %d of channel %d, want 0", w.Name, wq.ZP(c), c)
			}
		}
	} else {
		zw = wq.ZP(0)
		if err := zeroPointFits(w, zw); err != nil {
			return nil, 0, 0, nil, fmt.Errorf("weights %w", err)
		}
	}
	var bias []int32
	if len(in) == 3 && in[2] != nil {
		b := in[2]
		if b.DType != tensor.Int32 || !b.Const() {
			return nil, 0, 0, nil, fmt.Errorf("bias %q of an 8-bit op must be an int32 constant, got %v", b.Name, b.DType)
		}
		bias = b.Data.I32
	}
	signed := x.DType == tensor.Int8
	lo, hi := qmath.ActivationRange(act.String(), sy, zy, signed)
	if lo > hi {
		return nil, 0, 0, nil, fmt.Errorf("activation %v is empty at output scale %v zero point %d", act, sy, zy)
	}
	product := qmath.ProductFloat32
	if signed {
		product = qmath.ProductFloat64
	}
	if err := qmath.CheckRequant(sx, wq.Scale, sy, product); err != nil {
		return nil, 0, 0, nil, fmt.Errorf("weights %q: %v", w.Name, err)
	}
	rq := qmath.NewRequantProduct(sx, wq.Scale, sy, zy, lo, hi, opt.Rounding, product)
	return rq, zx, zw, bias, nil
}

func compileQConv[T uint8 | int8](c *Conv2D, in, out []*Value, opt *Options) (Kernel, error) {
	if c.groups() != 1 {
		return nil, fmt.Errorf("8-bit grouped convolution is not supported")
	}
	rq, zx, zw, bias, err := convQuant(in, out, c.Act, 0, opt)
	if err != nil {
		return nil, err
	}
	if k := fastQConv[T](c, in, out, rq, zx, zw, bias, opt); k != nil {
		return k, nil
	}
	p := c.params()
	qp := qref.ConvParams{StrideH: p.StrideH, StrideW: p.StrideW, DilationH: p.DilationH, DilationW: p.DilationW,
		PadTop: p.Pads.Top, PadLeft: p.Pads.Left, InZP: zx, FilterZP: zw}
	w := elems[T](in[1].Data)
	is, fs, os := dims4(in[0].Shape), dims4(in[1].Shape), dims4(out[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.Conv2D(elems[T](x[0]), is, w, fs, bias, qp, rq, elems[T](y[0]), os)
		return nil
	}), nil
}

func compileQDepthwise[T uint8 | int8](d *DepthwiseConv2D, in, out []*Value, opt *Options) (Kernel, error) {
	rq, zx, zw, bias, err := convQuant(in, out, d.Act, 3, opt)
	if err != nil {
		return nil, err
	}
	if k := fastQDepthwise[T](d, in, out, rq, zx, zw, bias, opt); k != nil {
		return k, nil
	}
	p := d.params()
	qp := qref.ConvParams{StrideH: p.StrideH, StrideW: p.StrideW, DilationH: p.DilationH, DilationW: p.DilationW,
		PadTop: p.Pads.Top, PadLeft: p.Pads.Left, InZP: zx, FilterZP: zw}
	w := elems[T](in[1].Data)
	is, fs, os, m := dims4(in[0].Shape), dims4(in[1].Shape), dims4(out[0].Shape), d.mult()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.DepthwiseConv2D(elems[T](x[0]), is, w, fs, m, bias, qp, rq, elems[T](y[0]), os)
		return nil
	}), nil
}

func compileQFullyConnected[T uint8 | int8](f *FullyConnected, in, out []*Value, opt *Options) (Kernel, error) {
	rq, zx, zw, bias, err := convQuant(in, out, f.Act, 0, opt)
	if err != nil {
		return nil, err
	}
	if k := fastQFullyConnected[T](in, rq, zx, zw, bias, opt); k != nil {
		return k, nil
	}
	w := elems[T](in[1].Data)
	o, depth := in[1].Shape[0], in[1].Shape[1]
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.FullyConnected(elems[T](x[0]), x[0].Shape[0], depth, w, o, bias, zx, zw, rq, elems[T](y[0]))
		return nil
	}), nil
}

func compileQAvgPool[T uint8 | int8](p *AvgPool2D, in, out []*Value, opt *Options) (Kernel, error) {
	if err := sameTypes(in[0], out[0]); err != nil {
		return nil, err
	}
	sx, zx, err := perTensor("input", in[0])
	if err != nil {
		return nil, err
	}
	sy, zy, err := perTensor("output", out[0])
	if err != nil {
		return nil, err
	}
	if sx != sy || zx != zy {
		return nil, fmt.Errorf("8-bit average pooling needs the same quantization in and out, got scale %v zp %d and scale %v zp %d", sx, zx, sy, zy)
	}
	lo, hi := qmath.ActivationRange(p.Act.String(), sy, zy, in[0].DType == tensor.Int8)
	if k := fastQAvgPool[T](p, in, out, lo, hi, opt); k != nil {
		return k, nil
	}
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.AveragePool2D(elems[T](x[0]), is, p.KH, p.KW, p.StrideH, p.StrideW, p.Pads.Top, p.Pads.Left, lo, hi, elems[T](y[0]), os)
		return nil
	}), nil
}

// probabilityQuant checks the quantization of an 8-bit op whose output is a probability (softmax,
// logistic): the output must have scale 1/256 and zero point 0 (uint8) or −128 (int8), as TFLite
// requires. It returns the input's scale and zero point and whether the type is signed.
func probabilityQuant(op string, in, out []*Value) (float32, int32, bool, error) {
	if err := sameTypes(in[0], out[0]); err != nil {
		return 0, 0, false, err
	}
	sx, zx, err := perTensor("input", in[0])
	if err != nil {
		return 0, 0, false, err
	}
	sy, zy, err := perTensor("output", out[0])
	if err != nil {
		return 0, 0, false, err
	}
	signed := in[0].DType == tensor.Int8
	want := int32(0)
	if signed {
		want = -128
	}
	if sy != 1.0/256 || zy != want {
		return 0, 0, false, fmt.Errorf("8-bit %s output must have scale 1/256 and zero point %d, got %v and %d", op, want, sy, zy)
	}
	return sx, zx, signed, nil
}

func compileQSoftmax[T uint8 | int8](s *Softmax, in, out []*Value) (Kernel, error) {
	sx, _, signed, err := probabilityQuant("softmax", in, out)
	if err != nil {
		return nil, err
	}
	beta := s.Beta
	if beta == 0 {
		beta = 1
	}
	table := qref.NewSoftmax(sx, beta, signed)
	depth := in[0].Shape[len(in[0].Shape)-1]
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.Softmax(table, elems[T](x[0]), depth, elems[T](y[0]))
		return nil
	}), nil
}

// quantized compiles an op with u8 or i8 when its first input is 8-bit, and reports whether it did.
func quantized(in []*Value, u8, i8 func() (Kernel, error)) (Kernel, bool, error) {
	var k Kernel
	var err error
	switch in[0].DType {
	case tensor.Uint8:
		k, err = u8()
	case tensor.Int8:
		k, err = i8()
	default:
		return nil, false, nil
	}
	return k, true, err
}
