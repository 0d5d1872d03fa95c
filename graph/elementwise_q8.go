package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file holds the 8-bit (uint8 and int8) forms of Add and Mul: two inputs with their own scales and
// zero points, rescaled to the output's, with TFLite's arithmetic in the rounding of Options.Rounding
// (kernels/qref AddParams and MulParams).

// binaryQuant checks the types and per-tensor quantization of an 8-bit binary op and returns the
// scales, zero points and activation range.
func binaryQuant(act Act, in, out []*Value) (sa float32, za int32, sb float32, zb int32, sy float32, zy, lo, hi int32, err error) {
	a, b, y := in[0], in[1], out[0]
	if err = sameTypes(a, b, y); err != nil {
		return
	}
	if sa, za, err = perTensor("input", a); err != nil {
		return
	}
	if sb, zb, err = perTensor("input", b); err != nil {
		return
	}
	if sy, zy, err = perTensor("output", y); err != nil {
		return
	}
	lo, hi = qmath.ActivationRange(act.String(), sy, zy, y.DType == tensor.Int8)
	if lo > hi {
		err = fmt.Errorf("activation %v is empty at output scale %v zero point %d", act, sy, zy)
	}
	return
}

func compileQAdd[T uint8 | int8](a *Add, in, out []*Value, opt *Options) (Kernel, error) {
	sa, za, sb, zb, sy, zy, lo, hi, err := binaryQuant(a.Act, in, out)
	if err != nil {
		return nil, err
	}
	if err := qref.CheckAdd(sa, sb, sy); err != nil {
		return nil, err
	}
	p := qref.NewAddParams(sa, za, sb, zb, sy, zy, lo, hi, opt.Rounding)
	if err := checkBinaryShapes(in[0].Shape, in[1].Shape, out[0].Shape); err != nil {
		return nil, err
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.Add(&p, elems[T](x[0]), x[0].Shape, elems[T](x[1]), x[1].Shape, elems[T](y[0]), y[0].Shape)
		return nil
	}), nil
}

func compileQMul[T uint8 | int8](m *Mul, in, out []*Value, opt *Options) (Kernel, error) {
	sa, za, sb, zb, sy, zy, lo, hi, err := binaryQuant(m.Act, in, out)
	if err != nil {
		return nil, err
	}
	if err := qref.CheckMul(sa, sb, sy); err != nil {
		return nil, err
	}
	p := qref.NewMulParams(sa, za, sb, zb, sy, zy, lo, hi, opt.Rounding)
	if err := checkBinaryShapes(in[0].Shape, in[1].Shape, out[0].Shape); err != nil {
		return nil, err
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.Mul(&p, elems[T](x[0]), x[0].Shape, elems[T](x[1]), x[1].Shape, elems[T](y[0]), y[0].Shape)
		return nil
	}), nil
}

// checkBinaryShapes checks that the operands' shapes broadcast to the output's.
func checkBinaryShapes(as, bs, os tensor.Shape) error {
	if len(as) > len(os) || len(bs) > len(os) {
		return fmt.Errorf("operand shapes %v and %v do not broadcast to %v", as, bs, os)
	}
	for _, s := range []tensor.Shape{as, bs} {
		for i := 1; i <= len(s); i++ {
			if d, o := s[len(s)-i], os[len(os)-i]; d != o && d != 1 {
				return fmt.Errorf("operand shape %v does not broadcast to %v", s, os)
			}
		}
	}
	return nil
}
