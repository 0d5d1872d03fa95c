package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// BatchNorm normalises the channels of x with running statistics (inference mode). Inputs: x NHWC, then
// γ, β, moving mean and moving variance, each [C]. γ and β are trained parameters; the moving statistics
// are not.
type BatchNorm struct {
	Epsilon float32
}

// Type implements Op.
func (b *BatchNorm) Type() string { return "BatchNorm" }

// Shapes implements Op.
func (b *BatchNorm) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 5, 5); err != nil {
		return nil, err
	}
	c := in[0].Shape[len(in[0].Shape)-1]
	for i, name := range []string{"gamma", "beta", "mean", "variance"} {
		v := in[i+1]
		if err := constant(name, v); err != nil {
			return nil, err
		}
		if !v.Shape.Equal(tensor.Shape{c}) {
			return nil, fmt.Errorf("%s shape %v does not match %d channels", name, v.Shape, c)
		}
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (b *BatchNorm) Describe(in, out []*Value) Info {
	return Info{Type: TypeBatchNorm, Trainable: 2 * int64(in[1].Shape.Size())}
}

// Compile implements Op.
func (b *BatchNorm) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	c := in[1].Shape[0]
	gamma, beta, mean, variance := in[1].Data.F32, in[2].Data.F32, in[3].Data.F32, in[4].Data.F32
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		copy(y[0].F32, x[0].F32)
		ref.BatchNorm(y[0].F32, c, gamma, beta, mean, variance, b.Epsilon)
		return nil
	}), nil
}
