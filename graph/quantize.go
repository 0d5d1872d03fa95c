package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Quantize converts a float32 value to 8-bit codes, or 8-bit codes to another 8-bit quantization
// (uint8 ↔ int8, or a new scale and zero point): TFLite's QUANTIZE. The output's type and its
// per-tensor quantization are those of the output Value (its DType and Quant), which an importer
// declares and a builder sets after Graph.Add.
type Quantize struct{}

// Dequantize converts 8-bit codes to reals, real = scale·(q − zero point): TFLite's DEQUANTIZE. The
// output Value's DType says float32 or float64.
type Dequantize struct{}

// Type implements Op.
func (q *Quantize) Type() string { return "Quantize" }

// Type implements Op.
func (d *Dequantize) Type() string { return "Dequantize" }

// Shapes implements Op: the output has the input's shape.
func (q *Quantize) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Shapes implements Op: the output has the input's shape.
func (d *Dequantize) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (q *Quantize) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Describe implements Op.
func (d *Dequantize) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Refuses implements Refuser.
func (q *Quantize) Refuses() map[Column]string {
	return map[Column]string{
		ColReference: "Quantize produces 8-bit codes from float32 with TFLite's arithmetic; there is no float64 form",
		ColBackward:  "rounding to 8-bit codes has no gradient: a float graph is trained and then quantized",
	}
}

// Refuses implements Refuser.
func (d *Dequantize) Refuses() map[Column]string {
	return map[Column]string{
		ColBackward: "the input of Dequantize is 8-bit codes, which have no gradient: a float graph is trained and then quantized",
	}
}

// Compile implements Op.
func (q *Quantize) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	x, y := in[0], out[0]
	if !y.DType.Quantized() {
		return nil, fmt.Errorf("output %q is %v: Quantize produces uint8 or int8", y.Name, y.DType)
	}
	sy, zy, err := perTensor("output", y)
	if err != nil {
		return nil, err
	}
	switch x.DType {
	case tensor.Float32:
		r := opt.Rounding
		if y.DType == tensor.Uint8 {
			return KernelFunc(func(a, b []*tensor.Tensor) error {
				qref.Quantize(a[0].F32, sy, zy, r, b[0].U8)
				return nil
			}), nil
		}
		return KernelFunc(func(a, b []*tensor.Tensor) error {
			qref.Quantize(a[0].F32, sy, zy, r, b[0].I8)
			return nil
		}), nil
	case tensor.Uint8, tensor.Int8:
		sx, zx, err := perTensor("input", x)
		if err != nil {
			return nil, err
		}
		if err := qmath.CheckRequant(sx, []float32{1}, sy, qmath.ProductFloat64); err != nil {
			return nil, fmt.Errorf("requantizing %q to %q: %v", x.Name, y.Name, err)
		}
		rq := qref.NewRequantizer(sx, zx, sy, zy, x.DType == y.DType, opt.Rounding)
		ref := opt.Reference
		switch {
		case x.DType == tensor.Uint8 && y.DType == tensor.Uint8:
			return requantKernel(rq, ref, elems[uint8], elems[uint8]), nil
		case x.DType == tensor.Uint8:
			return requantKernel(rq, ref, elems[uint8], elems[int8]), nil
		case y.DType == tensor.Uint8:
			return requantKernel(rq, ref, elems[int8], elems[uint8]), nil
		}
		return requantKernel(rq, ref, elems[int8], elems[int8]), nil
	}
	return nil, fmt.Errorf("input %q is %v: Quantize takes float32, uint8 or int8", x.Name, x.DType)
}

// requantKernel returns the kernel of an 8-bit → 8-bit Quantize: the reference (qref.Requantize on
// every element) or, by default, a 256-entry table of its results, indexed by the input code.
func requantKernel[T, U uint8 | int8](rq qref.Requantizer, reference bool, get func(*tensor.Tensor) []T, put func(*tensor.Tensor) []U) Kernel {
	if reference {
		return KernelFunc(func(a, b []*tensor.Tensor) error {
			qref.Requantize(rq, get(a[0]), put(b[0]))
			return nil
		})
	}
	var codes [256]T
	for i := range codes {
		codes[i] = T(i) // every code of T, in the order of its byte value
	}
	var table [256]U
	qref.Requantize(rq, codes[:], table[:])
	return KernelFunc(func(a, b []*tensor.Tensor) error {
		x, y := get(a[0]), put(b[0])
		y = y[:len(x)]
		for i, q := range x {
			y[i] = table[uint8(q)]
		}
		return nil
	})
}

// Compile implements Op.
func (d *Dequantize) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	x, y := in[0], out[0]
	if !x.DType.Quantized() {
		return nil, fmt.Errorf("input %q is %v: Dequantize takes uint8 or int8", x.Name, x.DType)
	}
	sx, zx, err := perTensor("input", x)
	if err != nil {
		return nil, err
	}
	switch {
	case y.DType == tensor.Float32 && x.DType == tensor.Uint8:
		return KernelFunc(func(a, b []*tensor.Tensor) error { qref.Dequantize(a[0].U8, sx, zx, b[0].F32); return nil }), nil
	case y.DType == tensor.Float32:
		return KernelFunc(func(a, b []*tensor.Tensor) error { qref.Dequantize(a[0].I8, sx, zx, b[0].F32); return nil }), nil
	case y.DType == tensor.Float64 && x.DType == tensor.Uint8:
		return KernelFunc(func(a, b []*tensor.Tensor) error { qref.Dequantize64(a[0].U8, sx, zx, b[0].F64); return nil }), nil
	case y.DType == tensor.Float64:
		return KernelFunc(func(a, b []*tensor.Tensor) error { qref.Dequantize64(a[0].I8, sx, zx, b[0].F64); return nil }), nil
	}
	return nil, fmt.Errorf("output %q is %v: Dequantize produces float32 or float64", y.Name, y.DType)
}
