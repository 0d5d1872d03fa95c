package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// compileQActivation compiles a standalone 8-bit RELU, RELU6 or RELU_N1_TO_1 (TFLite's quantized
// ReluX): y = clamp(MBQM(q − zx, M0, shift) + zy, Q(lo), Q(hi)) with M = sx/sy, the requantization of
// qref.Requantizer clamped to the activation's range (qmath.ActivationRange); with equal quantization
// in and out it is a clamp of the codes. The kernel is a 256-entry table of the reference's results;
// Options.Reference computes each element instead.
func compileQActivation[T uint8 | int8](a *Activation, in, out []*Value, opt *Options) (Kernel, error) {
	x, y := in[0], out[0]
	if err := sameTypes(x, y); err != nil {
		return nil, err
	}
	sx, zx, err := perTensor("input", x)
	if err != nil {
		return nil, err
	}
	sy, zy, err := perTensor("output", y)
	if err != nil {
		return nil, err
	}
	if err := qmath.CheckRequant(sx, []float32{1}, sy, qmath.ProductFloat64); err != nil {
		return nil, fmt.Errorf("requantizing %q to %q: %v", x.Name, y.Name, err)
	}
	lo, hi := qmath.ActivationRange(a.Act.String(), sy, zy, x.DType == tensor.Int8)
	if lo > hi {
		return nil, fmt.Errorf("activation %v is empty at output scale %v zero point %d", a.Act, sy, zy)
	}
	rq := qref.NewRequantizer(sx, zx, sy, zy, false, qmath.Reference)
	apply := func(src, dst []T) {
		qref.Requantize(rq, src, dst)
		for i, v := range dst {
			dst[i] = T(min(max(int32(v), lo), hi))
		}
	}
	if opt.Reference {
		return KernelFunc(func(a, b []*tensor.Tensor) error {
			apply(elems[T](a[0]), elems[T](b[0]))
			return nil
		}), nil
	}
	var codes, table [256]T
	for i := range codes {
		codes[i] = T(i)
	}
	apply(codes[:], table[:])
	return KernelFunc(func(a, b []*tensor.Tensor) error {
		src, dst := elems[T](a[0]), elems[T](b[0])
		dst = dst[:len(src)]
		for i, q := range src {
			dst[i] = table[uint8(q)]
		}
		return nil
	}), nil
}
